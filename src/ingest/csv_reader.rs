//! CSV and TSV: the delimiter is sniffed from the header line; rows are numbered as Excel shows
//! them (header = row 1).

use super::table::{Table, TableRow};
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
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        let record = record.map_err(|e| Error::Row {
            file: file.to_string(),
            row,
            reason: format!("CSV 格式错误: {e}"),
        })?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        let Some(header) = &headers else {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue; // blank lines above the header are not rows
            }
            headers = Some(header_names(&cells));
            continue;
        };
        let problem = extra_cells_problem(header.len(), &cells);
        rows.push(TableRow {
            row,
            cells,
            problem,
        });
    }
    let headers = headers.ok_or_else(|| Error::NotATable {
        file: file.to_string(),
        reason: "没有表头行".into(),
    })?;
    if headers.len() < 2 {
        return Err(Error::NotATable {
            file: file.to_string(),
            reason: "只有一列，找不到逗号或制表符分隔的表头".into(),
        });
    }
    Ok(Table {
        file: file.to_string(),
        headers,
        rows,
    })
}

/// Trimmed header names; a blank header becomes 列N so messages can still name it.
pub(super) fn header_names(cells: &[String]) -> Vec<String> {
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.trim().trim_start_matches('\u{FEFF}').trim();
            if name.is_empty() {
                format!("列{}", i + 1)
            } else {
                name.to_string()
            }
        })
        .collect()
}

/// A row with non-empty cells beyond the header usually has an unquoted delimiter in its text:
/// its fields cannot be trusted, so it is rejected rather than guessed.
pub(super) fn extra_cells_problem(header_len: usize, cells: &[String]) -> Option<String> {
    let extra = cells.iter().skip(header_len).any(|c| !c.trim().is_empty());
    extra.then(|| {
        format!(
            "有{}个单元格，多于表头的{}列（内容中可能有未加引号的分隔符）",
            cells.len(),
            header_len
        )
    })
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
