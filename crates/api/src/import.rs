//! Uploads of people and enrolments: a header row naming the columns, then
//! one record per line, in a CSV file as spreadsheets save it (any of the
//! usual delimiters and encodings) or an Excel or OpenDocument workbook.
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

/// What an upload held: its rows, and how it was read, in words for the
/// preview ("CSV separated by ';', Windows-1252", "Excel workbook, sheet
/// Students").
pub struct Imported {
    /// The data rows, in file order.
    pub rows: Vec<CsvRow>,
    /// How the file was read.
    pub read_as: String,
}

/// Columns of Moodle's user-upload file that stand for ClassTrack's:
/// `idnumber` is the student number; `firstname` and `lastname` together
/// make the display name.
const ALIASES: [(&str, &str); 1] = [("idnumber", "student_number")];
const MOODLE_NAME: [&str; 2] = ["firstname", "lastname"];

/// Reads an upload — CSV (separated by `,`, `;` or tab, detected; UTF-8,
/// UTF-16 or a legacy encoding such as Windows-1252, detected) or an Excel
/// or OpenDocument workbook (its first sheet) — and checks the header row
/// against the known columns (Moodle's user-upload names understood).
pub fn read(bytes: &[u8], required: &[&str], optional: &[&str]) -> Result<Imported, Vec<RowError>> {
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
    let (table, read_as) = if bytes.starts_with(b"PK\x03\x04") {
        workbook(bytes)?
    } else {
        let (text, encoding) = decode(bytes)?;
        let (table, delimiter) = delimited(&text)?;
        (table, format!("CSV separated by {delimiter}, {encoding}"))
    };
    let rows = rows_of(table, required, optional)?;
    Ok(Imported { rows, read_as })
}

/// The file's text and the name of the encoding it was read in: by its
/// byte-order mark (UTF-8, UTF-16 as Excel's "Unicode text" writes it),
/// else UTF-8 when it is valid UTF-8, else what `chardetng` detects (the
/// legacy encoding of a spreadsheet saved as "CSV" on Windows).
fn decode(bytes: &[u8]) -> Result<(String, &'static str), Vec<RowError>> {
    let unreadable = |name: &str| {
        vec![row_error(
            0,
            "csv",
            format!(
                "the file is not readable as {name} text; save it from the spreadsheet as \
                 \"CSV UTF-8\" (or upload the .xlsx or .ods file itself)"
            ),
        )]
    };
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, bad) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if bad {
            return Err(unreadable(encoding.name()));
        }
        return Ok((text.into_owned(), encoding.name()));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "UTF-8"));
    }
    if bytes.contains(&0) {
        // UTF-16 without its mark, or not text at all.
        return Err(unreadable("UTF-8 or UTF-16 (with a byte-order mark)"));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Allow);
    let (text, bad) = encoding.decode_without_bom_handling(bytes);
    if bad {
        return Err(unreadable(encoding.name()));
    }
    Ok((text.into_owned(), encoding.name()))
}

/// One row of the file: its 1-based line, and its cells.
type Table = Vec<(i32, Vec<String>)>;

/// The CSV's records (with their lines) and its delimiter in words. The
/// delimiter is the one of `,`, `;` and tab that the header line holds
/// most of (outside quotes): French Excel writes `;`.
fn delimited(text: &str) -> Result<(Table, &'static str), Vec<RowError>> {
    if text.trim().is_empty() {
        return Err(vec![row_error(0, "csv", "the file is empty")]);
    }
    let header = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let count = |c: char| {
        let mut quoted = false;
        header
            .chars()
            .filter(|&x| {
                if x == '"' {
                    quoted = !quoted;
                }
                !quoted && x == c
            })
            .count()
    };
    let (delimiter, name) = [(b',', "','"), (b';', "';'"), (b'\t', "tabs")]
        .into_iter()
        .max_by_key(|(d, _)| (count(char::from(*d)), *d == b','))
        .unwrap_or((b',', "','"));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| line_at(text, p.byte()));
                table.push((line, r.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                errors.push(row_error(
                    line,
                    "csv",
                    format!("this line cannot be read: {e}"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok((table, name))
    } else {
        Err(errors)
    }
}

/// The first sheet of an Excel (.xlsx) or OpenDocument (.ods) workbook, as
/// rows of text, and how it was read.
fn workbook(bytes: &[u8]) -> Result<(Table, String), Vec<RowError>> {
    use calamine::Reader;
    let unreadable = |e: &dyn std::fmt::Display| {
        vec![row_error(
            0,
            "csv",
            format!(
                "the file looks like a workbook but cannot be read ({e}); save it as .xlsx, \
                 .ods or \"CSV UTF-8\""
            ),
        )]
    };
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(&e))?;
    let kind = match &book {
        calamine::Sheets::Ods(_) => "OpenDocument spreadsheet",
        _ => "Excel workbook",
    };
    let sheet = book.sheet_names().first().cloned().unwrap_or_default();
    let range = match book.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => return Err(unreadable(&e)),
        None => return Err(vec![row_error(0, "csv", "the workbook has no sheet")]),
    };
    let first = i32::try_from(range.start().map_or(0, |(row, _)| row)).unwrap_or(0);
    let table = (first..)
        .zip(range.rows())
        .map(|(i, cells)| (i + 1, cells.iter().map(cell_text).collect()))
        .collect();
    Ok((table, format!("{kind}, sheet {sheet:?}")))
}

/// A workbook cell as the text a person sees: whole numbers without `.0`
/// (a student number typed as a number).
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
            format!("{}", *f as i64)
        }
        other => other.to_string(),
    }
}

/// The header row checked against the known columns, then one [`CsvRow`]
/// per non-blank record.
fn rows_of(
    table: Table,
    required: &[&str],
    optional: &[&str],
) -> Result<Vec<CsvRow>, Vec<RowError>> {
    let mut records = table.into_iter();
    let Some((_, header)) = records.find(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
    else {
        return Err(vec![row_error(0, "csv", "the file is empty")]);
    };
    let mut headers: Vec<String> = header
        .iter()
        .map(|h| {
            let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            ALIASES
                .iter()
                .find(|(alias, _)| *alias == h)
                .map_or(h, |(_, name)| name.to_string())
        })
        .collect();
    // Moodle's file: firstname + lastname make the display name.
    let moodle_names = MOODLE_NAME.iter().all(|n| headers.iter().any(|h| h == n))
        && !headers.iter().any(|h| h == "display_name")
        && [required, optional].concat().contains(&"display_name");
    let known = |h: &str| {
        required.contains(&h) || optional.contains(&h) || (moodle_names && MOODLE_NAME.contains(&h))
    };
    let mut errors = Vec::new();
    for h in &headers {
        if !known(h) {
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
    // …and every account in it is a student (Moodle's file has no role).
    let moodle_role = moodle_names
        && !headers.iter().any(|h| h == "role")
        && [required, optional].concat().contains(&"role");
    let computed = usize::from(moodle_names) + usize::from(moodle_role);
    if moodle_names {
        headers.push("display_name".into());
    }
    if moodle_role {
        headers.push("role".into());
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
    let width = headers.len() - computed;
    let mut rows = Vec::new();
    for (line, mut cells) in records {
        if cells.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        // A workbook's row is as wide as its widest; trailing empty cells
        // are not values.
        while cells.len() > width && cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        if cells.len() != width {
            errors.push(row_error(
                line,
                "csv",
                format!("expected {width} values, found {}", cells.len()),
            ));
            continue;
        }
        let mut values: HashMap<String, String> = headers.iter().cloned().zip(cells).collect();
        if moodle_names {
            let name = MOODLE_NAME
                .iter()
                .map(|n| values.get(*n).map_or("", |v| v.trim()))
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            values.insert("display_name".into(), name);
        }
        if moodle_role {
            values.insert("role".into(), "student".into());
        }
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
        .unwrap_or_else(|e| panic!("valid: {}", e.len()))
        .rows;
        assert_eq!((rows[0].line, rows[0].get("username")), (2, "ana"));
    }
}
