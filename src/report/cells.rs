//! Cell text made safe for spreadsheets. Every CSV and XLSX writer goes through these, so a
//! suggestion can never run as a formula when an analyst opens a file, and a long one never
//! makes a workbook fail to save.

use std::borrow::Cow;

/// Characters that make Excel, WPS or LibreOffice read a CSV cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell as it should be written: a cell that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets an apostrophe in front, so a spreadsheet shows it as text instead of
/// running it (`=HYPERLINK(…)` stays text). Apostrophes already in front of such a character get
/// one more, so the text after the first apostrophe is always exactly the original.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.trim_start_matches('\'').starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Excel's limit on a cell's text, in UTF-16 code units.
pub const EXCEL_CELL_MAX: usize = 32_767;

/// What ends a cell cut at [`EXCEL_CELL_MAX`].
pub const EXCEL_CUT_MARKER: &str = "…（超出Excel单元格上限，已截断）";

/// An XLSX cell's text: as given when it fits Excel's 32,767 characters (counted as Excel counts
/// them, in UTF-16 code units), otherwise cut, never inside a character, and ended with
/// [`EXCEL_CUT_MARKER`] so the reader sees it is not the whole text.
pub fn excel_cell_text(cell: &str) -> Cow<'_, str> {
    // A string never has more UTF-16 units than UTF-8 bytes: most cells are decided here.
    if cell.len() <= EXCEL_CELL_MAX || utf16_len(cell) <= EXCEL_CELL_MAX {
        return Cow::Borrowed(cell);
    }
    let budget = EXCEL_CELL_MAX - utf16_len(EXCEL_CUT_MARKER);
    let mut used = 0;
    let mut end = 0;
    for (i, c) in cell.char_indices() {
        used += c.len_utf16();
        if used > budget {
            break;
        }
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}{EXCEL_CUT_MARKER}", &cell[..end]))
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
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
    fn long_cells_are_cut_with_a_marker() {
        let short = "贷".repeat(EXCEL_CELL_MAX);
        assert!(matches!(excel_cell_text(&short), Cow::Borrowed(_)));

        let long = "贷".repeat(40_000);
        let cut = excel_cell_text(&long);
        assert!(cut.ends_with(EXCEL_CUT_MARKER));
        assert_eq!(utf16_len(&cut), EXCEL_CELL_MAX);

        // Characters outside the BMP take two UTF-16 units and are never split.
        let wide = "𠀀".repeat(20_000);
        let cut = excel_cell_text(&wide);
        assert!(utf16_len(&cut) <= EXCEL_CELL_MAX && cut.ends_with(EXCEL_CUT_MARKER));
        assert!(cut
            .trim_end_matches(EXCEL_CUT_MARKER)
            .chars()
            .all(|c| c == '𠀀'));
    }

    #[test]
    fn a_cut_cell_saves_in_a_workbook() {
        let long = "续贷难。".repeat(10_000);
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        assert!(sheet.write_string(0, 0, &long).is_err(), "Excel's limit");
        sheet.write_string(0, 0, excel_cell_text(&long)).unwrap();
        book.save_to_buffer().unwrap();
    }
}
