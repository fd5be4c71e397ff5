//! A file as a table of text cells, whatever its format.

/// One data row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The row number the user sees (header = 1 for sheets and CSV, line number for JSONL).
    pub row: usize,
    pub cells: Vec<String>,
    /// Set when the row could not be read as cells (bad JSON, more cells than headers…).
    pub problem: Option<String>,
}

/// A file's header and rows, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

impl Table {
    /// The headers joined for messages.
    pub fn header_list(&self) -> String {
        self.headers.join("、")
    }
}
