//! Reply sheets (答复) and rating sheets (评价) from departments and enterprises, and assignment
//! sheets (交办表) from the analyst, read with the ingest rules: Chinese headers mapped, every row accepted or rejected with file, row and field.
//!
//! This stage is pure: a file (or a [`Table`] already read) in, validated rows out. Whether an
//! 编号 or 合并组号 exists in the workspace, and whether the event may follow the matter's history,
//! is for the caller to check when it applies the rows.
//!
//! The rules, shared by both sheets:
//! - Every data row ends up in `rows` or `rejects`: `rows_read == rows.len() + rejects.len()`.
//! - A row the reader marked as damaged (undecodable bytes, a NUL, more cells than headers) is
//!   rejected alone, with the reader's reason; a blank row is rejected as 空行, as `run` does.
//! - A row is rejected for its first fault, naming the field by the header the file uses.
//! - Two rows for the same 编号 (or group) are both kept, in sheet order: the caller applies them in
//!   turn (a second reply supplements the first), and a row identical to what is already recorded
//!   changes nothing, so importing the same sheet twice changes nothing.
//! - Dates: whatever [`Date::parse`] reads, dates of Excel cells (the workbook reader writes them
//!   as 2025-03-14), and a bare Excel serial day number (a date column formatted as 常规 shows
//!   45730), taken only between 1960 and 2100 so that no ordinary number passes for one.
//!
//! Reply sheets: a row answers an item (编号) or a whole common problem (合并组号). A sheet needs
//! one of the two columns. A row with both filled answers the item only, with a warning, since an
//! item's own number is the more precise. In a sheet that has a 合并组号 column, a column headed
//! 序号 is taken as a row counter rather than as the 编号 (unless given with `--column id=序号`):
//! otherwise every group reply would silently go to items 1, 2, 3 ….

use std::path::Path;

use super::state::{Outcome, Rating};
use crate::date::Date;
use crate::ingest::{
    read_table, ColumnMap, ColumnOverrides, Field, IngestOptions, Table, TableRow,
};
use crate::record::{Reject, SourceRef, Warning};
use crate::{Error, Result};

/// What a reply row answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// One item, by its 编号.
    Item(String),
    /// Every member of a merge group, by its 合并组号.
    Group(String),
}

impl Target {
    /// The 编号 or 合并组号 as written.
    pub fn id(&self) -> &str {
        match self {
            Target::Item(id) | Target::Group(id) => id,
        }
    }
}

/// One accepted row of a reply sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRow {
    pub source: SourceRef,
    pub target: Target,
    /// 答复意见, trimmed.
    pub text: String,
    /// 答复时间.
    pub day: Date,
    /// 承办单位, when the sheet gives one; otherwise the caller uses the assigned unit.
    pub unit: Option<String>,
    /// 办理结果.
    pub outcome: Outcome,
}

/// What a reply sheet yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplySheet {
    pub file: String,
    /// Data rows read: always `rows.len() + rejects.len()`.
    pub rows_read: usize,
    pub rows: Vec<ReplyRow>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<Warning>,
}

/// One accepted row of a rating sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub source: SourceRef,
    /// The 编号 of the rated item (each enterprise rates its own item, never a group).
    pub item: String,
    pub rating: Rating,
    /// 评价时间; `None` when the sheet leaves it out (the caller uses the import day).
    pub day: Option<Date>,
    /// 评价意见 or 备注, if the sheet has such a column; empty otherwise.
    pub note: String,
}

/// What a rating sheet yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingSheet {
    pub file: String,
    /// Data rows read: always `rows.len() + rejects.len()`.
    pub rows_read: usize,
    pub rows: Vec<RatingRow>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<Warning>,
}

/// Reads a reply sheet (CSV, XLSX, XLS or JSONL) and validates its rows.
pub fn read_replies(path: &Path, options: &IngestOptions) -> Result<ReplySheet> {
    replies_from_table(read_table(path, options)?, &options.columns)
}

/// Reads a rating sheet (CSV, XLSX, XLS or JSONL) and validates its rows.
pub fn read_ratings(path: &Path, options: &IngestOptions) -> Result<RatingSheet> {
    ratings_from_table(read_table(path, options)?, &options.columns)
}

/// Validates the rows of a reply sheet already read. Errors only when a column is missing:
/// 答复意见, 答复时间, 办理结果, and 编号 or 合并组号.
pub fn replies_from_table(table: Table, overrides: &ColumnOverrides) -> Result<ReplySheet> {
    let map = ColumnMap::resolve_requiring(
        &table,
        overrides,
        &[Field::Reply, Field::ReplyDate, Field::Result],
    )?;
    let mut warnings = table.warnings.clone();
    let targets = Targets::of(&table, &map, overrides, &mut warnings)?;
    let (rows_read, rows, rejects) = each_row(&table, &map, &mut warnings, |row, warnings| {
        let target = targets.of_row(row, warnings)?;
        let text = row.get(Field::Reply);
        if text.is_empty() {
            return Err(row.reject(map.header(Field::Reply), "答复意见为空".into()));
        }
        let day = required_day(row, Field::ReplyDate, "缺少答复时间")?;
        let outcome = row.get(Field::Result);
        let outcome = Outcome::parse(&outcome).ok_or_else(|| {
            let accepted = labels(Outcome::ALL.iter().map(|o| o.label()));
            let reason = if outcome.is_empty() {
                format!("办理结果为空；应为{accepted}之一")
            } else {
                format!("无法识别的办理结果“{outcome}”；应为{accepted}之一")
            };
            row.reject(map.header(Field::Result), reason)
        })?;
        let unit = Some(row.get(Field::Unit)).filter(|u| !u.is_empty());
        Ok(ReplyRow {
            source: row.source(),
            target,
            text,
            day,
            unit,
            outcome,
        })
    });
    Ok(ReplySheet {
        file: table.file,
        rows_read,
        rows,
        rejects,
        warnings,
    })
}

/// Validates the rows of a rating sheet already read. Errors only when the 编号 or 满意度
/// column is missing.
pub fn ratings_from_table(table: Table, overrides: &ColumnOverrides) -> Result<RatingSheet> {
    let map = ColumnMap::resolve_requiring(&table, overrides, &[Field::Id, Field::Rating])?;
    let used: Vec<usize> = [Field::Id, Field::Rating, Field::RatingDate]
        .into_iter()
        .filter_map(|f| map.column(f))
        .collect();
    let note_col = note_column(&table.headers, &used);
    let mut warnings = table.warnings.clone();
    let (rows_read, rows, rejects) = each_row(&table, &map, &mut warnings, |row, _| {
        let item = row.get(Field::Id);
        if item.is_empty() {
            return Err(row.reject(map.header(Field::Id), "缺少编号".into()));
        }
        let rating = row.get(Field::Rating);
        let rating = Rating::parse(&rating).ok_or_else(|| {
            let accepted = labels(Rating::ALL.iter().map(|r| r.label()));
            let reason = if rating.is_empty() {
                format!("满意度为空；应为{accepted}之一")
            } else {
                format!("无法识别的满意度“{rating}”；应为{accepted}之一")
            };
            row.reject(map.header(Field::Rating), reason)
        })?;
        // Missing: the caller dates it on the import day. Unreadable: rejected, since a wrong
        // date would put the rating into another month's figures.
        let day = match row.get(Field::RatingDate) {
            text if text.is_empty() => None,
            text => Some(read_day(&text).ok_or_else(|| {
                row.reject(
                    map.header(Field::RatingDate),
                    format!("无法识别的日期“{text}”"),
                )
            })?),
        };
        Ok(RatingRow {
            source: row.source(),
            item,
            rating,
            day,
            note: note_col.map(|c| row.cell(c)).unwrap_or_default(),
        })
    });
    Ok(RatingSheet {
        file: table.file,
        rows_read,
        rows,
        rejects,
        warnings,
    })
}

/// Where a sheet names what a row is about: an 编号 column, a 合并组号 column, or both.
struct Targets<'a> {
    id_col: Option<usize>,
    group_col: Option<usize>,
    id_header: &'a str,
    group_header: &'a str,
}

impl<'a> Targets<'a> {
    /// The sheet's columns; an error when it has neither. In a sheet with a 合并组号 column, 序号
    /// is a row counter unless the user named it with `--column id=序号`.
    fn of(
        table: &Table,
        map: &'a ColumnMap,
        overrides: &ColumnOverrides,
        warnings: &mut Vec<Warning>,
    ) -> Result<Self> {
        let group_col = map.column(Field::Group);
        let mut id_col = map.column(Field::Id);
        if group_col.is_some()
            && map.header(Field::Id) == "序号"
            && overrides.header(Field::Id).is_none()
        {
            id_col = None;
            warnings.push(Warning::whole_file(
                &table.file,
                "“序号”列视为行号，按合并组号处理；如序号就是编号，请用 --column id=序号 指定",
            ));
        }
        if id_col.is_none() && group_col.is_none() {
            return Err(Error::MissingColumn {
                file: table.file.clone(),
                field: "编号或合并组号",
                key: "id",
                headers: table.header_list(),
            });
        }
        Ok(Targets {
            id_col,
            group_col,
            id_header: map.header(Field::Id),
            group_header: map.header(Field::Group),
        })
    }

    /// A row's target: its 编号 when filled (a 合并组号 beside it is not used, with a warning),
    /// else its 合并组号.
    fn of_row(
        &self,
        row: &Row,
        warnings: &mut Vec<Warning>,
    ) -> std::result::Result<Target, Reject> {
        let id = self.id_col.map(|c| row.cell(c)).unwrap_or_default();
        let group = self.group_col.map(|c| row.cell(c)).unwrap_or_default();
        match (id.is_empty(), group.is_empty()) {
            (false, group_empty) => {
                if !group_empty {
                    warnings.push(row.warn(
                        self.group_header,
                        format!(
                            "同时填写了编号和合并组号“{group}”：只处理编号“{id}”这一条，未用于整组"
                        ),
                    ));
                }
                Ok(Target::Item(id))
            }
            (true, false) => Ok(Target::Group(group)),
            (true, true) => {
                let (field, reason) = match (self.id_col, self.group_col) {
                    (Some(_), Some(_)) => (
                        format!("{}/{}", self.id_header, self.group_header),
                        "编号和合并组号都为空，不知是哪一条".to_string(),
                    ),
                    (Some(_), None) => (self.id_header.to_string(), "缺少编号".to_string()),
                    _ => (self.group_header.to_string(), "缺少合并组号".to_string()),
                };
                Err(row.reject(&field, reason))
            }
        }
    }
}

/// One accepted row of an assignment sheet (交办表).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignRow {
    pub source: SourceRef,
    pub target: Target,
    /// 主办单位
    pub lead: String,
    /// 协办单位, in the order written.
    pub co: Vec<String>,
    /// 交办日期; `None` when the sheet leaves it empty (the caller uses the import day).
    pub day: Option<Date>,
    /// 答复期限; `None` when empty (the caller takes the deadline profile's).
    pub due: Option<Date>,
    /// 事项类别, for deadlines by kind of matter.
    pub kind: Option<String>,
}

/// An assignment sheet's rows: accepted, rejected (with reasons) and warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignSheet {
    pub file: String,
    /// Data rows read: always `rows.len() + rejects.len()`.
    pub rows_read: usize,
    pub rows: Vec<AssignRow>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<Warning>,
}

/// Reads an assignment sheet (交办表: 编号 or 合并组号, 主办单位, 协办单位, 交办日期, 答复期限,
/// 事项类别), such as the one `qingdan suggest --xlsx` writes for the analyst to check.
pub fn read_assignments(path: &Path, options: &IngestOptions) -> Result<AssignSheet> {
    assignments_from_table(read_table(path, options)?, &options.columns)
}

/// Validates the rows of an assignment sheet already read. Errors only when the 主办单位 column,
/// or both the 编号 and 合并组号 columns, are missing.
pub fn assignments_from_table(table: Table, overrides: &ColumnOverrides) -> Result<AssignSheet> {
    let map = ColumnMap::resolve_requiring(&table, overrides, &[Field::Unit])?;
    let mut warnings = table.warnings.clone();
    let targets = Targets::of(&table, &map, overrides, &mut warnings)?;
    let optional_day = |row: &Row, field: Field| -> std::result::Result<Option<Date>, Reject> {
        match row.get(field) {
            text if text.is_empty() => Ok(None),
            text => read_day(&text)
                .map(Some)
                .ok_or_else(|| row.reject(map.header(field), format!("无法识别的日期“{text}”"))),
        }
    };
    let (rows_read, rows, rejects) = each_row(&table, &map, &mut warnings, |row, warnings| {
        let target = targets.of_row(row, warnings)?;
        let lead = row.get(Field::Unit);
        if lead.is_empty() {
            return Err(row.reject(map.header(Field::Unit), "主办单位为空".into()));
        }
        let co: Vec<String> = row
            .get(Field::CoUnit)
            .split(|c: char| matches!(c, '、' | '，' | ',' | ';' | '；') || c.is_whitespace())
            .filter(|u| !u.is_empty() && *u != lead)
            .map(str::to_string)
            .collect();
        Ok(AssignRow {
            source: row.source(),
            target,
            lead,
            co,
            day: optional_day(row, Field::AssignDate)?,
            due: optional_day(row, Field::Due)?,
            kind: Some(row.get(Field::Kind)).filter(|k| !k.is_empty()),
        })
    });
    Ok(AssignSheet {
        file: table.file,
        rows_read,
        rows,
        rejects,
        warnings,
    })
}

/// Headers of a rating's comment, most specific first; the first four also inside a longer header
/// (评价意见（选填）). 意见 alone is left out: a rating sheet often repeats the suggestion itself.
const NOTE_HEADERS: &[&str] = &[
    "评价意见",
    "评价说明",
    "评价内容",
    "备注",
    "不满意原因",
    "说明",
];

/// The column of a rating's comment, if any, among the columns not used for a field.
fn note_column(headers: &[String], used: &[usize]) -> Option<usize> {
    let free = |i: &usize| !used.contains(i);
    NOTE_HEADERS
        .iter()
        .find_map(|n| (0..headers.len()).filter(free).find(|&i| headers[i] == *n))
        .or_else(|| {
            NOTE_HEADERS[..4].iter().find_map(|n| {
                (0..headers.len())
                    .filter(free)
                    .find(|&i| headers[i].contains(n))
            })
        })
}

/// One data row with what is needed to read its cells and to name it in messages.
struct Row<'a> {
    file: &'a str,
    row: &'a TableRow,
    map: &'a ColumnMap,
}

impl Row<'_> {
    fn source(&self) -> SourceRef {
        SourceRef {
            file: self.file.to_string(),
            row: self.row.row,
        }
    }

    /// A cell, trimmed; empty when the row is shorter than the header.
    fn cell(&self, column: usize) -> String {
        self.row
            .cells
            .get(column)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    /// A field's cell, trimmed; empty when the sheet has no such column.
    fn get(&self, field: Field) -> String {
        self.map
            .column(field)
            .map(|c| self.cell(c))
            .unwrap_or_default()
    }

    fn reject(&self, field: &str, reason: String) -> Reject {
        Reject {
            source: self.source(),
            field: field.to_string(),
            reason,
            content: self.row.cells.join(" | "),
        }
    }

    fn warn(&self, field: &str, message: String) -> Warning {
        Warning {
            source: self.source(),
            field: field.to_string(),
            message,
        }
    }
}

/// Runs `accept` on every sound, non-blank row; damaged and blank rows are rejected first, as
/// `run` rejects them. Returns the rows read, the accepted rows and the rejects.
fn each_row<T>(
    table: &Table,
    map: &ColumnMap,
    warnings: &mut Vec<Warning>,
    mut accept: impl FnMut(&Row, &mut Vec<Warning>) -> std::result::Result<T, Reject>,
) -> (usize, Vec<T>, Vec<Reject>) {
    let (mut rows, mut rejects) = (Vec::new(), Vec::new());
    for table_row in &table.rows {
        let row = Row {
            file: &table.file,
            row: table_row,
            map,
        };
        let result = if let Some(problem) = &table_row.problem {
            Err(row.reject("整行", problem.clone()))
        } else if table_row.cells.iter().all(|c| c.trim().is_empty()) {
            Err(row.reject("整行", "空行".into()))
        } else {
            accept(&row, warnings)
        };
        match result {
            Ok(accepted) => rows.push(accepted),
            Err(reject) => rejects.push(reject),
        }
    }
    (table.rows.len(), rows, rejects)
}

/// A required date: rejected when empty (`missing`) or unreadable.
fn required_day(row: &Row, field: Field, missing: &str) -> std::result::Result<Date, Reject> {
    let text = row.get(field);
    if text.is_empty() {
        return Err(row.reject(row.map.header(field), missing.to_string()));
    }
    read_day(&text)
        .ok_or_else(|| row.reject(row.map.header(field), format!("无法识别的日期“{text}”")))
}

/// A date as [`Date::parse`] reads it, or an Excel serial day number (a date cell formatted as a
/// number). Serials are taken only from 1960 (21916) to 2100 (73051), so that a stray count or
/// amount is not read as a day.
fn read_day(text: &str) -> Option<Date> {
    Date::parse(text).or_else(|| {
        let serial: f64 = text.trim().parse().ok()?;
        (21_916.0..73_051.0)
            .contains(&serial)
            .then(|| Date::from_excel_serial(serial))
            .flatten()
    })
}

/// “已解决、部分解决…”: the accepted words for a message.
fn labels<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words.collect::<Vec<_>>().join("、")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::table_from_bytes;

    fn table(name: &str, bytes: &[u8]) -> Table {
        table_from_bytes(name, "csv", bytes, &IngestOptions::default()).unwrap()
    }

    fn replies_with(bytes: &[u8], overrides: &[&str]) -> ReplySheet {
        let overrides = ColumnOverrides::parse(overrides).unwrap();
        let sheet = replies_from_table(table("答复.csv", bytes), &overrides).unwrap();
        assert_eq!(sheet.rows_read, sheet.rows.len() + sheet.rejects.len());
        sheet
    }

    fn replies(csv: &str) -> ReplySheet {
        replies_with(csv.as_bytes(), &[])
    }

    fn ratings(bytes: &[u8]) -> RatingSheet {
        let sheet = ratings_from_table(table("评价.csv", bytes), &ColumnOverrides::default());
        let sheet = sheet.unwrap();
        assert_eq!(sheet.rows_read, sheet.rows.len() + sheet.rejects.len());
        sheet
    }

    /// (row, field, reason) of each reject, all from `file`.
    fn rejects(file: &str, rejects: &[Reject]) -> Vec<(usize, String, String)> {
        assert!(rejects.iter().all(|r| r.source.file == file), "{rejects:?}");
        rejects
            .iter()
            .map(|r| (r.source.row, r.field.clone(), r.reason.clone()))
            .collect()
    }

    fn day(y: i32, m: u32, d: u32) -> Date {
        Date::new(y, m, d).unwrap()
    }

    const OUTCOMES: &str = "应为已解决、部分解决、列入计划、政策解释、非本单位职责（已转办）之一";

    #[test]
    fn assignment_rows_and_their_rejects() {
        let csv = "序号,合并组号,主办单位,配合单位,派单时间,办理期限,诉求类型\n\
                   1,G-1,地方金融管理局,人民银行分行，经济和信息化局 地方金融管理局,2025-03-28,,投诉\n\
                   2,G-2,人民银行分行,,,2025-04-30,\n\
                   3,,人民银行分行,,2025-03-28,,\n\
                   4,G-3,,,2025-03-28,,\n\
                   5,G-4,交通运输局,,2025-03-28,四月底,\n";
        let sheet = assignments_from_table(
            table("交办.csv", csv.as_bytes()),
            &ColumnOverrides::default(),
        )
        .unwrap();
        assert_eq!(sheet.rows_read, sheet.rows.len() + sheet.rejects.len());
        // 序号 beside a 合并组号 column is a row counter, said once for the file.
        assert!(sheet.warnings.iter().any(|w| w.message.contains("序号")));
        assert_eq!(sheet.rows.len(), 2);
        let first = &sheet.rows[0];
        assert_eq!(first.target, Target::Group("G-1".into()));
        assert_eq!(first.lead, "地方金融管理局");
        // Split on 、，, and spaces; the lead unit is not its own co-unit.
        assert_eq!(first.co, ["人民银行分行", "经济和信息化局"]);
        assert_eq!(first.day, Some(day(2025, 3, 28)));
        assert_eq!(first.due, None);
        assert_eq!(first.kind.as_deref(), Some("投诉"));
        let second = &sheet.rows[1];
        assert_eq!((second.day, second.due), (None, Some(day(2025, 4, 30))));
        assert_eq!(
            rejects("交办.csv", &sheet.rejects),
            [
                (4, "合并组号".to_string(), "缺少合并组号".to_string()),
                (5, "主办单位".to_string(), "主办单位为空".to_string()),
                (
                    6,
                    "办理期限".to_string(),
                    "无法识别的日期“四月底”".to_string()
                ),
            ]
        );
        let err = assignments_from_table(
            table("交办.csv", "编号,答复意见\nQD1,x\n".as_bytes()),
            &ColumnOverrides::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("--column unit="), "{err}");
    }

    #[test]
    fn reply_rows_and_every_reject_reason() {
        let sheet = replies(
            "编号,合并组号,答复意见,答复时间,承办单位,办理结果\n\
             Q1,,已协调银行放贷,2025-03-10,市金融办,已解决\n\
             ,G2,统一答复各企业,2025/3/11,,部分解决\n\
             Q3,G2,单独答复,2025年3月12日,自然资源局,列入计划\n\
             ,,无处可去的答复,2025-03-10,,已解决\n\
             Q5,, ,2025-03-10,,已解决\n\
             Q6,,答复,,,已解决\n\
             Q7,,答复,下周,,已解决\n\
             Q8,,答复,2025-02-30,,已解决\n\
             Q9,,答复,2025-03-10,,\n\
             Q10,,答复,2025-03-10,,未解决\n\
             ,,,,,\n\
             Q1,,已协调银行放贷,2025-03-10,市金融办,已解决\n\
             Q11,,\"已解释政策，附文件\",45730,,已转办\n",
        );
        assert_eq!(sheet.file, "答复.csv");
        assert_eq!(sheet.rows_read, 13);
        let got: Vec<(usize, Target, Date, Option<&str>, Outcome)> = sheet
            .rows
            .iter()
            .map(|r| {
                (
                    r.source.row,
                    r.target.clone(),
                    r.day,
                    r.unit.as_deref(),
                    r.outcome,
                )
            })
            .collect();
        let item = |id: &str| Target::Item(id.to_string());
        assert_eq!(
            got,
            vec![
                (
                    2,
                    item("Q1"),
                    day(2025, 3, 10),
                    Some("市金融办"),
                    Outcome::Solved
                ),
                (
                    3,
                    Target::Group("G2".into()),
                    day(2025, 3, 11),
                    None,
                    Outcome::Partly
                ),
                (
                    4,
                    item("Q3"),
                    day(2025, 3, 12),
                    Some("自然资源局"),
                    Outcome::Planned
                ),
                // The same reply twice: both kept, in order, for the caller.
                (
                    13,
                    item("Q1"),
                    day(2025, 3, 10),
                    Some("市金融办"),
                    Outcome::Solved
                ),
                // An Excel serial day from a cell formatted as a number.
                (14, item("Q11"), day(2025, 3, 14), None, Outcome::NotOurs),
            ]
        );
        assert_eq!(sheet.rows[4].text, "已解释政策，附文件");
        let row = |n, field: &str, reason: &str| (n, field.to_string(), reason.to_string());
        assert_eq!(
            rejects("答复.csv", &sheet.rejects),
            vec![
                row(5, "编号/合并组号", "编号和合并组号都为空，不知是哪一条"),
                row(6, "答复意见", "答复意见为空"),
                row(7, "答复时间", "缺少答复时间"),
                row(8, "答复时间", "无法识别的日期“下周”"),
                row(9, "答复时间", "无法识别的日期“2025-02-30”"),
                row(10, "办理结果", &format!("办理结果为空；{OUTCOMES}")),
                row(
                    11,
                    "办理结果",
                    &format!("无法识别的办理结果“未解决”；{OUTCOMES}")
                ),
                row(12, "整行", "空行"),
            ]
        );
        assert_eq!(sheet.rejects[2].content, "Q6 |  | 答复 |  |  | 已解决");
        // Both numbers filled: the item is answered, the group number is reported as unused.
        assert_eq!(sheet.warnings.len(), 1);
        let w = &sheet.warnings[0];
        assert_eq!((w.source.row, w.field.as_str()), (4, "合并组号"));
        assert!(w.message.contains("G2") && w.message.contains("Q3"), "{w}");
    }

    #[test]
    fn reply_header_variants() {
        let sheet = replies(
            "问题编号,回复内容,回复日期,答复单位,处理结果\n\
             A-7,已安排专人对接,2025.4.2 09:30,市场监管局,基本解决\n\
             A-8,已纳入明年计划,2025-04-03T10:00:00,,纳入计划\n",
        );
        assert!(sheet.rejects.is_empty(), "{:?}", sheet.rejects);
        let first = &sheet.rows[0];
        assert_eq!(first.target, Target::Item("A-7".into()));
        assert_eq!(first.text, "已安排专人对接");
        assert_eq!(first.day, day(2025, 4, 2));
        assert_eq!(first.unit.as_deref(), Some("市场监管局"));
        assert_eq!(first.outcome, Outcome::Partly);
        assert_eq!(sheet.rows[1].outcome, Outcome::Planned);
        assert_eq!(sheet.rows[1].unit, None);
        // Rejects name the field as this file writes it.
        let sheet = replies("问题编号,回复内容,回复日期,处理结果\nA-9,,2025-04-02,已解决\n");
        assert_eq!(sheet.rejects[0].field, "回复内容");
    }

    #[test]
    fn group_sheets_and_the_serial_number_column() {
        let csv = "序号,合并组号,答复意见,答复时间,办理结果\n\
                   1,G1,各地统一放宽用地指标,2025-05-06,已解决\n\
                   2,G4,已纳入政策解读会,2025-05-06,政策解释\n";
        let sheet = replies(csv);
        let targets: Vec<&Target> = sheet.rows.iter().map(|r| &r.target).collect();
        let group = |g: &str| Target::Group(g.to_string());
        assert_eq!(targets, vec![&group("G1"), &group("G4")]);
        assert_eq!(sheet.warnings.len(), 1);
        assert!(sheet.warnings[0].is_whole_file());
        assert!(sheet.warnings[0].message.contains("--column id=序号"));
        // Named by the user, 序号 is the 编号 and wins over the group number.
        let sheet = replies_with(csv.as_bytes(), &["id=序号"]);
        assert_eq!(sheet.rows[0].target, Target::Item("1".into()));
        assert_eq!(sheet.rows[0].target.id(), "1");
        // Without a group column, 序号 is the 编号, as in `run`.
        let sheet = replies("序号,答复意见,答复时间,办理结果\n3,已办,2025-05-06,已解决\n");
        assert_eq!(sheet.rows[0].target, Target::Item("3".into()));
        assert!(sheet.warnings.is_empty());
    }

    #[test]
    fn missing_columns_are_errors_naming_file_and_headers() {
        let none = ColumnOverrides::default();
        let t = table(
            "无编号.csv",
            "答复意见,答复时间,办理结果\n已办,2025-05-06,已解决\n".as_bytes(),
        );
        let err = replies_from_table(t, &none).unwrap_err().to_string();
        assert!(
            err.contains("无编号.csv")
                && err.contains("编号或合并组号")
                && err.contains("答复意见、答复时间、办理结果"),
            "{err}"
        );
        let t = table(
            "缺结果.csv",
            "编号,答复意见,答复时间\nQ1,已办,2025-05-06\n".as_bytes(),
        );
        let err = replies_from_table(t, &none).unwrap_err().to_string();
        assert!(
            err.contains("缺结果.csv") && err.contains("办理结果"),
            "{err}"
        );
        let t = table("缺满意度.csv", "编号,评价时间\nQ1,2025-05-06\n".as_bytes());
        let err = ratings_from_table(t, &none).unwrap_err().to_string();
        assert!(
            err.contains("缺满意度.csv") && err.contains("满意度"),
            "{err}"
        );
        let t = table("缺编号.csv", "合并组号,满意度\nG1,满意\n".as_bytes());
        let err = ratings_from_table(t, &none).unwrap_err().to_string();
        assert!(err.contains("缺编号.csv") && err.contains("编号"), "{err}");
    }

    #[test]
    fn gbk_reply_sheet() {
        let csv = "编号,答复意见,答复时间,承办单位,办理结果\r\n\
                   Q1,已协调供电公司降低电价,2025-06-01,市发改委,已解决\r\n\
                   Q2,该事项属省级权限，已转省厅,2025-06-02,市发改委,非本单位职责（已转办）\r\n";
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(csv);
        assert!(!unmappable);
        let sheet = replies_with(&bytes, &[]);
        assert_eq!((sheet.rows_read, sheet.rejects.len()), (2, 0));
        assert_eq!(sheet.rows[0].text, "已协调供电公司降低电价");
        assert_eq!(sheet.rows[1].unit.as_deref(), Some("市发改委"));
        assert_eq!(sheet.rows[1].outcome, Outcome::NotOurs);
    }

    #[test]
    fn damaged_rows_are_rejected_alone() {
        let mut bytes = "编号,答复意见,答复时间,办理结果\n\
                         Q1,已解决贷款问题,2025-06-01,已解决\n\
                         Q2,坏"
            .as_bytes()
            .to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice(
            "字节,2025-06-01,已解决\n\
             Q3,含\0空字符,2025-06-01,已解决\n\
             Q4,多了,2025-06-01,已解决,一列\n\
             Q5,正常答复,2025-06-02,部分解决\n"
                .as_bytes(),
        );
        let sheet = replies_with(&bytes, &[]);
        assert_eq!(sheet.rows_read, 5);
        let ids: Vec<&str> = sheet.rows.iter().map(|r| r.target.id()).collect();
        assert_eq!(ids, vec!["Q1", "Q5"]);
        let got = rejects("答复.csv", &sheet.rejects);
        let rows: Vec<(usize, &str)> = got.iter().map(|(r, f, _)| (*r, f.as_str())).collect();
        assert_eq!(rows, vec![(3, "整行"), (4, "整行"), (5, "整行")]);
        assert!(got[0].2.contains("无法识别的字节"), "{got:?}");
        assert!(got[1].2.contains("空字符"), "{got:?}");
        assert!(got[2].2.contains("多于表头"), "{got:?}");
        assert!(sheet.rejects[0].content.contains("Q2"));
        // A damaged rating sheet is read the same way.
        let mut bytes = "编号,满意度\nQ1,满意\nQ2,不满".as_bytes().to_vec();
        bytes.extend_from_slice(&[0xFF, b'\n']);
        bytes.extend_from_slice("Q3,基本满意\n".as_bytes());
        let sheet = ratings(&bytes);
        assert_eq!((sheet.rows_read, sheet.rows.len()), (3, 2));
        assert_eq!(
            (sheet.rejects[0].source.row, sheet.rejects[0].field.as_str()),
            (3, "整行")
        );
    }

    #[test]
    fn rating_rows_and_every_reject_reason() {
        let sheet = ratings(
            "编号,满意度评价,评价时间,评价意见\n\
             Q1,满意,2025-07-01,办得快\n\
             Q2,基本满意,,\n\
             Q3,一般,2025-07-01,\n\
             Q4,,2025-07-01,\n\
             ,不满意,2025-07-01,找不到是哪条\n\
             Q6,不满意,七月初,还没解决\n\
             ,,,\n\
             Q1,非常满意,45839,再次评价\n"
                .as_bytes(),
        );
        assert_eq!(sheet.file, "评价.csv");
        assert_eq!(sheet.rows_read, 8);
        let got: Vec<(usize, &str, Rating, Option<Date>, &str)> = sheet
            .rows
            .iter()
            .map(|r| {
                (
                    r.source.row,
                    r.item.as_str(),
                    r.rating,
                    r.day,
                    r.note.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "Q1", Rating::Satisfied, Some(day(2025, 7, 1)), "办得快"),
                (3, "Q2", Rating::Basic, None, ""),
                (
                    9,
                    "Q1",
                    Rating::Satisfied,
                    Some(day(2025, 7, 1)),
                    "再次评价"
                ),
            ]
        );
        let ratings_listed = "应为满意、基本满意、不满意之一";
        let row = |n, field: &str, reason: &str| (n, field.to_string(), reason.to_string());
        assert_eq!(
            rejects("评价.csv", &sheet.rejects),
            vec![
                row(
                    4,
                    "满意度评价",
                    &format!("无法识别的满意度“一般”；{ratings_listed}")
                ),
                row(5, "满意度评价", &format!("满意度为空；{ratings_listed}")),
                row(6, "编号", "缺少编号"),
                row(7, "评价时间", "无法识别的日期“七月初”"),
                row(8, "整行", "空行"),
            ]
        );
        assert_eq!(sheet.rejects[3].content, "Q6 | 不满意 | 七月初 | 还没解决");
    }

    #[test]
    fn rating_sheet_without_date_or_note_and_other_headers() {
        let sheet = ratings(
            "留言编号,评价结果,备注（选填）\nB1,比较满意,态度好\nB2,很不满意,\n".as_bytes(),
        );
        assert!(sheet.rejects.is_empty(), "{:?}", sheet.rejects);
        let got: Vec<(&str, Rating, Option<Date>, &str)> = sheet
            .rows
            .iter()
            .map(|r| (r.item.as_str(), r.rating, r.day, r.note.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("B1", Rating::Basic, None, "态度好"),
                ("B2", Rating::Unsatisfied, None, ""),
            ]
        );
    }

    #[test]
    fn excel_date_cells_and_serials() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["编号", "答复意见", "答复时间", "办理结果"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let date = ExcelDateTime::from_ymd(2025, 3, 14).unwrap();
        let format = Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_string(1, 0, "Q1").unwrap();
        sheet.write_string(1, 1, "已办").unwrap();
        sheet
            .write_datetime_with_format(1, 2, &date, &format)
            .unwrap();
        sheet.write_string(1, 3, "已解决").unwrap();
        sheet.write_number(2, 0, 1002.0).unwrap();
        sheet.write_string(2, 1, "已办").unwrap();
        sheet.write_number(2, 2, 45731.0).unwrap();
        sheet.write_string(2, 3, "已解决").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let table = table_from_bytes("答复.xlsx", "xlsx", &bytes, &IngestOptions::default());
        let sheet = replies_from_table(table.unwrap(), &ColumnOverrides::default()).unwrap();
        assert!(sheet.rejects.is_empty(), "{:?}", sheet.rejects);
        let got: Vec<(usize, &str, Date)> = sheet
            .rows
            .iter()
            .map(|r| (r.source.row, r.target.id(), r.day))
            .collect();
        assert_eq!(
            got,
            vec![(2, "Q1", day(2025, 3, 14)), (3, "1002", day(2025, 3, 15))]
        );
        assert!(sheet.rows[0].source.file.starts_with("答复.xlsx["));
    }

    #[test]
    fn serials_only_in_a_plausible_range() {
        assert_eq!(read_day("45730"), Some(day(2025, 3, 14)));
        assert_eq!(read_day("45730.75"), Some(day(2025, 3, 14)));
        assert_eq!(read_day("20250314"), Some(day(2025, 3, 14)));
        for text in ["3", "12000", "99999", "-45730", "NaN", "inf", "四五七三零"] {
            assert_eq!(read_day(text), None, "{text}");
        }
    }
}
