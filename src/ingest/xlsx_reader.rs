//! Excel workbooks (xlsx, xlsm, xls, ods) through calamine: the first sheet, or the one named.
//! Date cells become dates, whole numbers lose their ".0".

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use super::table::{Table, TableBuilder};
use crate::date::Date;
use crate::{Error, Result};

/// Reads one sheet of a workbook.
pub fn read(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table> {
    let not_a_table = |reason: String| Error::NotATable {
        file: file.to_string(),
        reason,
    };
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| not_a_table(format!("无法打开工作簿: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                not_a_table(format!(
                    "没有名为“{wanted}”的工作表；有: {}",
                    names.join("、")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| not_a_table("工作簿里没有工作表".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| not_a_table(format!("工作表“{name}”无法读取: {e}")))?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut table = TableBuilder::default();
    for (i, cells) in range.rows().enumerate() {
        // Excel's own row number, wherever the used range starts.
        table.push(first_row + i + 1, cells.iter().map(cell_text).collect());
    }
    table
        .finish(&format!("{file}[{name}]"))
        .ok_or_else(|| not_a_table(format!("工作表“{name}”是空的")))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => Date::from_excel_serial(dt.as_f64())
            .map(|d| d.to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::Error(e) => format!("#错误:{e:?}"),
    }
}
