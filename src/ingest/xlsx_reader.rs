//! Excel workbooks (xlsx, xlsm, xls, ods) through calamine: the first sheet, or the one named.
//! Date cells become dates, whole numbers lose their ".0". When no sheet is named and other
//! sheets hold data, the table carries a warning naming them.

use std::io::{Cursor, Read, Seek};
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{
    open_workbook_auto_from_rs, Data, DataRef, Reader, SheetType, SheetVisible, Sheets, Xlsx,
    XlsxError,
};

use super::table::{Table, TableBuilder};
use crate::date::Date;
use crate::record::Warning;
use crate::{Error, Result};

/// Reads one sheet of a workbook.
pub fn read(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table> {
    // calamine trusts some of a workbook's contents: on a damaged file its arithmetic can
    // overflow (a panic in a debug build; found by tests/ingest_props.rs). A damaged file must
    // be an error naming it, not a crash. The workbook lives only inside the call, so nothing
    // left half-updated by the unwind is used afterwards.
    catch_unwind(AssertUnwindSafe(|| read_workbook(file, bytes, sheet))).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::NotATable {
            file: file.to_string(),
            reason: format!("工作簿已损坏，读取时出错: {detail}"),
        })
    })
}

fn read_workbook(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table> {
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
    if let Sheets::Xlsx(xlsx) = &mut book {
        // calamine allocates the whole used range at once: one stray cell at XFD1048576 would
        // ask for 17 billion cells and abort the process. Measure it first.
        let (rows, cols) = used_size(xlsx, &name)
            .map_err(|e| not_a_table(format!("工作表“{name}”无法读取: {e}")))?;
        if rows.saturating_mul(cols) > MAX_CELLS {
            return Err(not_a_table(format!(
                "工作表“{name}”的已用区域有{rows}行×{cols}列，超过可读取的{MAX_CELLS}个单元格\
                 （可能远处有零星内容；删去后再试，或另存为 CSV）"
            )));
        }
    }
    let range = book
        .worksheet_range(&name)
        .map_err(|e| not_a_table(format!("工作表“{name}”无法读取: {e}")))?;
    // The range starts at the first used cell: rows are numbered from its start, so they are
    // Excel's own. Columns need no offset: header and rows share the range's first column.
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut table = TableBuilder::default();
    for (i, cells) in range.rows().enumerate() {
        table.push(first_row + i + 1, cells.iter().map(cell_text).collect());
    }
    let mut table = table
        .finish(&format!("{file}[{name}]"))
        .ok_or_else(|| not_a_table(format!("工作表“{name}”是空的")))?;
    if sheet.is_none() {
        // Without --sheet only the first sheet is read; data on another would go unnoticed.
        let others = other_sheets_with_data(&mut book, &name);
        if !others.is_empty() {
            table.warnings.push(Warning::whole_file(
                file,
                format!(
                    "只读取了工作表“{name}”，未读取其他非空工作表：{}（可用 --sheet 指定）",
                    others.join("、")
                ),
            ));
        }
    }
    Ok(table)
}

/// The most cells a sheet's used range may span (2^24: all of Excel's 1,048,576 rows by 16
/// columns). The range is held in memory as one array, about 56 bytes a cell with its text.
const MAX_CELLS: u64 = 1 << 24;

/// Rows and columns of a sheet's used range (the cells with a value, as calamine's range counts
/// them), read as a stream without building the range.
fn used_size<RS: Read + Seek>(
    xlsx: &mut Xlsx<RS>,
    name: &str,
) -> std::result::Result<(u64, u64), XlsxError> {
    let mut cells = xlsx.worksheet_cells_reader(name)?;
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0, u32::MAX, 0);
    while let Some(cell) = cells.next_cell()? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        (top, bottom) = (top.min(r), bottom.max(r));
        (left, right) = (left.min(c), right.max(c));
    }
    if top > bottom {
        return Ok((0, 0));
    }
    Ok((u64::from(bottom - top) + 1, u64::from(right - left) + 1))
}

/// The other worksheets that hold at least one non-blank cell, quoted for a message; a hidden
/// one is marked so. A sheet that cannot be read is listed too: it may hold data.
fn other_sheets_with_data<RS: Read + Seek>(book: &mut Sheets<RS>, read: &str) -> Vec<String> {
    let sheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet && s.name != read)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    sheets
        .into_iter()
        .filter(|(name, _)| has_data(book, name))
        .map(|(name, hidden)| {
            if hidden {
                format!("“{name}”（隐藏）")
            } else {
                format!("“{name}”")
            }
        })
        .collect()
}

fn has_data<RS: Read + Seek>(book: &mut Sheets<RS>, name: &str) -> bool {
    let blank = |text: &str| text.trim().is_empty();
    if let Sheets::Xlsx(xlsx) = book {
        // Streams the sheet's cells and stops at the first one with content, instead of
        // loading a sheet that is not going to be read.
        let Ok(mut cells) = xlsx.worksheet_cells_reader(name) else {
            return true;
        };
        loop {
            match cells.next_cell() {
                Ok(Some(cell)) => match cell.get_value() {
                    DataRef::Empty => {}
                    DataRef::String(s) if blank(s) => {}
                    DataRef::SharedString(s) if blank(s) => {}
                    _ => return true,
                },
                Ok(None) => return false,
                Err(_) => return true,
            }
        }
    }
    match book.worksheet_range(name) {
        Ok(range) => range
            .used_cells()
            .any(|(_, _, cell)| !blank(&cell_text(cell))),
        Err(_) => true,
    }
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
