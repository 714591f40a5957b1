//! Cells written into files that people open in a spreadsheet.

use std::borrow::Cow;

/// A text cell that a spreadsheet will show as text: one that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a
/// formula (OWASP "CSV injection": a display name `=HYPERLINK(…)` becomes a
/// link, `=cmd|…` runs a program), so it gets a leading `'`, which
/// spreadsheets hide and which shows the rest as typed. Anything else is
/// returned as it is.
pub fn text_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_kept_as_text() {
        for bad in [
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1",
            "\r=1",
        ] {
            let cell = text_cell(bad);
            assert_eq!(cell, format!("'{bad}"), "{bad:?}");
        }
        for fine in [
            "Élodie Martin",
            "",
            "2026-09-14 09:00 Lecture",
            "a=b",
            "s1234",
        ] {
            assert!(matches!(text_cell(fine), Cow::Borrowed(_)), "{fine:?}");
            assert_eq!(text_cell(fine), fine);
        }
    }
}
