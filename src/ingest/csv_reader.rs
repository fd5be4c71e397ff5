//! CSV and TSV: the delimiter is sniffed from the header line; rows are numbered as Excel shows
//! them (header = row 1).

use super::table::{Table, TableBuilder};
use crate::{Error, Result};

/// Parses decoded CSV text into a table.
pub fn read(file: &str, text: &str) -> Result<Table> {
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    // The most frequent candidate in the header line; a comma when none occurs.
    let delimiter = [b',', b'\t', b';', b'|']
        .into_iter()
        .map(|d| (first_line.bytes().filter(|b| *b == d).count(), d))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, d)| (*n, std::cmp::Reverse(*d)))
        .map_or(b',', |(_, d)| d);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = TableBuilder::default();
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        let record = record.map_err(|e| Error::Row {
            file: file.to_string(),
            row,
            reason: format!("CSV 格式错误: {e}"),
        })?;
        table.push(row, record.iter().map(str::to_string).collect());
    }
    let table = table.finish(file).ok_or_else(|| Error::NotATable {
        file: file.to_string(),
        reason: "没有表头行".into(),
    })?;
    if table.headers.len() < 2 {
        return Err(Error::NotATable {
            file: file.to_string(),
            reason: "只有一列，找不到逗号或制表符分隔的表头".into(),
        });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_multiline_cells_and_numbers_rows() {
        let t = read("a.csv", "编号,内容\n1,\"第一行\n第二行\"\n2,\"含,逗号\"\n").unwrap();
        assert_eq!(t.headers, vec!["编号", "内容"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells[1], "第一行\n第二行");
        assert_eq!(t.rows[1].row, 3);
        assert_eq!(t.rows[1].cells[1], "含,逗号");
    }

    #[test]
    fn sniffs_tabs() {
        let t = read("a.tsv", "编号\t内容\n1\t贷款难\n").unwrap();
        assert_eq!(t.rows[0].cells, vec!["1", "贷款难"]);
    }

    #[test]
    fn flags_rows_with_extra_cells() {
        let t = read("a.csv", "编号,内容\n1,贷款难,利率高\n").unwrap();
        assert!(t.rows[0].problem.as_deref().unwrap().contains("多于表头"));
    }

    #[test]
    fn one_column_prose_is_not_a_table() {
        assert!(read("a.txt", "这是一段话。\n没有表头。\n").is_err());
    }
}
