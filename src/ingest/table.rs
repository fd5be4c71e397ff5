//! A file as a table of text cells, whatever its format.

use crate::record::Warning;

/// One data row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The row number the user sees (header = 1 for sheets and CSV, line number for JSONL).
    pub row: usize,
    pub cells: Vec<String>,
    /// Set when the row could not be read as cells (bad JSON, more cells than headers…).
    pub problem: Option<String>,
}

/// Builds a table row by row: blank rows above the header are skipped, the first non-blank row is
/// the header, and a row with cells beyond the header is marked as a problem.
#[derive(Debug, Default)]
pub(super) struct TableBuilder {
    headers: Option<Vec<String>>,
    rows: Vec<TableRow>,
}

impl TableBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        TableBuilder {
            headers: None,
            rows: Vec::with_capacity(rows),
        }
    }

    /// Adds the row numbered `row` (as the user sees it).
    pub fn push(&mut self, row: usize, cells: Vec<String>) {
        self.push_damaged(row, cells, None);
    }

    /// Adds a row that could not be read, with the reason.
    pub fn push_problem(&mut self, row: usize, problem: String) {
        self.push_damaged(row, Vec::new(), Some(problem));
    }

    /// Adds a row that may be known to be damaged (`damage` says how); a damaged row above the
    /// header is still taken as the header, whose names then show the damage.
    pub fn push_damaged(&mut self, row: usize, cells: Vec<String>, damage: Option<String>) {
        let Some(header) = &self.headers else {
            if !cells.iter().all(|c| c.trim().is_empty()) {
                self.headers = Some(header_names(&cells));
            }
            return;
        };
        let problem = damage.or_else(|| extra_cells_problem(header.len(), &cells));
        self.rows.push(TableRow {
            row,
            cells,
            problem,
        });
    }

    /// The table, or `None` when no header was found.
    pub fn finish(self, file: &str) -> Option<Table> {
        Some(Table {
            file: file.to_string(),
            headers: self.headers?,
            rows: self.rows,
            warnings: Vec::new(),
        })
    }
}

/// Trimmed header names; a blank header becomes 列N so messages can still name it.
fn header_names(cells: &[String]) -> Vec<String> {
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.trim().trim_start_matches('\u{FEFF}').trim();
            if name.is_empty() {
                format!("列{}", i + 1)
            } else {
                // A NUL would end up in messages and files; shown like other damage.
                name.replace('\0', "\u{FFFD}")
            }
        })
        .collect()
}

/// A row with non-empty cells beyond the header usually has an unquoted delimiter in its text:
/// its fields cannot be trusted, so it is rejected rather than guessed.
fn extra_cells_problem(header_len: usize, cells: &[String]) -> Option<String> {
    let extra = cells.iter().skip(header_len).any(|c| !c.trim().is_empty());
    extra.then(|| {
        format!(
            "有{}个单元格，多于表头的{}列（内容中可能有未加引号的分隔符）",
            cells.len(),
            header_len
        )
    })
}

/// A file's header and rows, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
    /// Warnings about the file as a whole (other sheets of a workbook not read), passed on to
    /// the batch.
    pub warnings: Vec<Warning>,
}

impl Table {
    /// The headers joined for messages.
    pub fn header_list(&self) -> String {
        self.headers.join("、")
    }
}
