//! Cell text made safe for spreadsheets. Every CSV writer goes through these, so a suggestion can
//! never run as a formula when an analyst opens a file.

use std::borrow::Cow;

/// Characters that make Excel, WPS or LibreOffice read a CSV cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell as it should be written: a cell that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets an apostrophe in front, so a spreadsheet shows it as text instead of
/// running it (`=HYPERLINK(…)` stays text). Apostrophes already in front of such a character get
/// one more, so [`spreadsheet_unescape`] gives back exactly the original.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.trim_start_matches('\'').starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell [`spreadsheet_safe`] was given, from what it wrote (for files qingdan reads back).
pub fn spreadsheet_unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_an_apostrophe() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2",
            "@SUM(1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["", "贷款难", "1-2", " =1", "'", "'abc", "＝1"] {
            assert_eq!(spreadsheet_safe(cell), cell, "{cell:?}");
        }
        assert_eq!(spreadsheet_safe("'=1"), "''=1");
    }

    #[test]
    fn unescape_gives_back_the_original() {
        for cell in [
            "",
            "'",
            "''",
            "'x",
            "=1",
            "'=1",
            "''=1",
            "-",
            "'-",
            "贷款难",
            "@",
            "\t=1",
        ] {
            assert_eq!(
                spreadsheet_unescape(&spreadsheet_safe(cell)),
                cell,
                "{cell:?}"
            );
        }
    }
}
