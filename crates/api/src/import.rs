//! CSV uploads: a header row naming the columns, then one record per line.
//! Problems are reported with their line numbers; callers write nothing
//! unless there are none.

use std::collections::HashMap;

use classtrack_proto::v1::RowError;

/// The largest upload accepted.
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;
/// The most data rows an import accepts.
pub const MAX_CSV_ROWS: usize = 20_000;

/// One data row of an imported CSV, its values by column name.
pub struct CsvRow {
    /// 1-based line in the file (the header is line 1).
    pub line: i32,
    values: HashMap<String, String>,
}

impl CsvRow {
    /// The trimmed value of a column ("" when absent).
    pub fn get(&self, column: &str) -> &str {
        self.values.get(column).map_or("", |v| v.trim())
    }
}

/// An import error on line `line`, naming the column `field`.
pub fn row_error(line: i32, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

/// Reads the file, checking the header against the known columns.
pub fn read(
    bytes: &[u8],
    required: &[&str],
    optional: &[&str],
) -> Result<Vec<CsvRow>, Vec<RowError>> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err(vec![row_error(
            0,
            "csv",
            format!(
                "the file is larger than {} MiB",
                MAX_CSV_BYTES / 1024 / 1024
            ),
        )]);
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| vec![row_error(0, "csv", "the file is not UTF-8 text")])?;
    if text.trim().is_empty() {
        return Err(vec![row_error(0, "csv", "the file is empty")]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            vec![row_error(
                1,
                "csv",
                format!("the header row cannot be read: {e}"),
            )]
        })?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut errors = Vec::new();
    for h in &headers {
        if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
            errors.push(row_error(
                1,
                h,
                format!(
                    "unknown column {h:?}; expected {}",
                    [required, optional].concat().join(", ")
                ),
            ));
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            errors.push(row_error(
                1,
                r,
                format!("the required column {r:?} is missing"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                errors.push(row_error(
                    line,
                    "csv",
                    format!("this line cannot be read: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            errors.push(row_error(
                line,
                "csv",
                format!("expected {} values, found {}", headers.len(), record.len()),
            ));
            continue;
        }
        let values = headers
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_string))
            .collect();
        rows.push(CsvRow { line, values });
        if rows.len() > MAX_CSV_ROWS {
            return Err(vec![row_error(
                line,
                "csv",
                format!("at most {MAX_CSV_ROWS} rows per file"),
            )]);
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(row_error(2, "csv", "the file has a header but no rows"));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The 1-based line where a record starts. The csv crate's positions point
/// just after the previous record, before any blank lines it skipped, and its
/// own line count ignores them, so count from the bytes.
fn line_at(text: &str, byte: u64) -> i32 {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    let newlines = bytes[..end].iter().filter(|b| **b == b'\n').count();
    i32::try_from(newlines + 1).unwrap_or(i32::MAX)
}

/// Reports values seen on an earlier line of the same file.
pub fn duplicates_in_file<'a>(
    rows: impl Iterator<Item = (i32, &'a str)>,
    field: &str,
    errors: &mut Vec<RowError>,
) {
    let mut seen: HashMap<&str, i32> = HashMap::new();
    for (line, value) in rows {
        if value.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(value) {
            errors.push(row_error(
                line,
                field,
                format!("{value:?} already appears on line {first}"),
            ));
        } else {
            seen.insert(value, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_lines_are_checked() {
        let csv = b"username,email,colour\nana,ana@x.edu,red\n";
        let e = read(csv, &["username", "email"], &[])
            .err()
            .expect("unknown column");
        assert_eq!((e[0].line, e[0].field.as_str()), (1, "colour"));
        let csv = b"username,email\nana,ana@x.edu\n\nbob\n";
        let e = read(csv, &["username", "email"], &[])
            .err()
            .expect("short line");
        assert_eq!(e[0].line, 4);
        let rows = read(
            "\u{feff}Username , Email\n ana , ana@x.edu\n".as_bytes(),
            &["username", "email"],
            &[],
        )
        .unwrap_or_else(|e| panic!("valid: {}", e.len()));
        assert_eq!((rows[0].line, rows[0].get("username")), (2, "ana"));
    }
}
