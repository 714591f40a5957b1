//! The made-up students of a run and the CSV that enrolls them.
//!
//! Every name carries the run id, so runs against the same server never collide.

use std::ops::Range;

/// One student as `ImportEnrollments` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub student_number: String,
}

/// Students `range` of run `run_id` (lowercase letters and digits).
pub fn roster(run_id: &str, range: Range<usize>) -> Vec<RosterEntry> {
    range
        .map(|i| RosterEntry {
            username: format!("b{run_id}-s{i}"),
            email: format!("b{run_id}-s{i}@bench.invalid"),
            display_name: format!("Bench Student {i}"),
            student_number: format!("B{run_id}-{i}"),
        })
        .collect()
}

pub const CSV_HEADER: &str = "username,email,display_name,student_number";

/// The CSV `ImportEnrollments` takes, header included.
pub fn to_csv(entries: &[RosterEntry]) -> String {
    let mut csv = String::with_capacity(64 * (entries.len() + 1));
    csv.push_str(CSV_HEADER);
    csv.push('\n');
    for e in entries {
        for (i, field) in [&e.username, &e.email, &e.display_name, &e.student_number]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                csv.push(',');
            }
            push_field(&mut csv, field);
        }
        csv.push('\n');
    }
    csv
}

/// RFC 4180: quote a field holding a comma, quote or line break.
fn push_field(csv: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        csv.push('"');
        csv.push_str(&field.replace('"', "\"\""));
        csv.push('"');
    } else {
        csv.push_str(field);
    }
}

/// A short id for this run: lowercase hex of the clock in milliseconds.
pub fn run_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("{ms:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_header_and_one_line_per_student() {
        let csv = to_csv(&roster("abc1", 3..5));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                CSV_HEADER,
                "babc1-s3,babc1-s3@bench.invalid,Bench Student 3,Babc1-3",
                "babc1-s4,babc1-s4@bench.invalid,Bench Student 4,Babc1-4",
            ]
        );
    }

    #[test]
    fn awkward_fields_are_quoted() {
        let mut entry = roster("x", 0..1).remove(0);
        entry.display_name = "Doe, \"JJ\"".into();
        let csv = to_csv(&[entry]);
        assert!(csv.ends_with(",\"Doe, \"\"JJ\"\"\",Bx-0\n"), "{csv}");
    }

    #[test]
    fn names_fit_the_server_rules() {
        let id = run_id();
        for e in roster(&id, 0..10_000).iter().step_by(999) {
            assert!((3..=64).contains(&e.username.len()));
            assert!(e
                .username
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert!(e.student_number.len() <= 32);
            assert!(e
                .student_number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-'));
        }
    }
}
