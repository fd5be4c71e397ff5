//! The exports of the loop: the 交办单 of one department and the 督办单 of overdue matters (XLSX),
//! and the lifecycle of every matter as CSV — one row per event with every timestamp, and one row
//! per matter. Every text cell goes through the spreadsheet guards of [`crate::report`]: a CSV
//! cell that starts like a formula gets an apostrophe, an XLSX cell is always a string cell cut to
//! Excel's limit, so a suggestion can never run as a formula.

use std::collections::HashSet;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::deadlines::Urgency;
use super::metrics::{topic_of, CaseRow};
use super::state::{Event, EventKind, State};
use crate::date::Date;
use crate::report::spreadsheet_safe;
use crate::{Error, Result};

pub(crate) use crate::report::write_xlsx_text as write_text;

/// A workbook that could not be made, named by the file it was for.
pub(crate) fn xlsx_error(name: &str, e: XlsxError) -> Error {
    Error::Output {
        path: name.into(),
        reason: e.to_string(),
    }
}

fn date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

enum Cell {
    Text(String),
    Num(i64),
}

/// A sheet with a title row, a header row and the rows; filterable, header frozen.
fn titled_sheet(
    title: &str,
    as_of: Date,
    sheet_name: &str,
    columns: &[(&str, f64)],
    rows: &[Vec<Cell>],
    empty: &str,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(as_of.year as u16, as_of.month as u8, as_of.day as u8)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_creation_datetime(&created),
    );
    let sheet = book.add_worksheet().set_name(sheet_name)?;
    let head = Format::new().set_bold().set_background_color("DCE6F2");
    let big = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    write_text(sheet, 0, 0, title, Some(&big))?;
    for (c, (name, width)) in columns.iter().enumerate() {
        write_text(sheet, 1, c as u16, name, Some(&head))?;
        sheet.set_column_width(c as u16, *width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c16 = c as u16;
            match cell {
                Cell::Text(s) if columns[c].1 >= 30.0 => write_text(sheet, r, c16, s, Some(&wrap))?,
                Cell::Text(s) => write_text(sheet, r, c16, s, None)?,
                Cell::Num(n) => sheet.write_number(r, c16, *n as f64)?,
            };
        }
    }
    if rows.is_empty() {
        write_text(sheet, 2, 0, empty, None)?;
    } else {
        sheet.autofilter(1, 0, rows.len() as u32 + 1, columns.len() as u16 - 1)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    book.save_to_buffer()
}

/// One matter to assign, with the units suggested for it, best first.
#[derive(Debug, Clone)]
pub struct ToAssign {
    pub id: String,
    pub title: String,
    pub topic: String,
    pub suggestions: Vec<String>,
}

/// The 交办建议表: every matter to assign with up to three suggested units, and the columns of an
/// assignment sheet to fill — 主办单位 (the first suggestion, to check), 协办单位, 交办日期, 答复期限,
/// 事项类别 — so the analyst corrects it in Excel and imports it with `qingdan assignments`.
/// 交办日期 is filled with `as_of`.
pub fn suggestion_sheet(matters: &[ToAssign], as_of: Date) -> Result<Vec<u8>> {
    const COLUMNS: [(&str, f64); 11] = [
        ("编号", 12.0),
        ("问题", 36.0),
        ("主题", 10.0),
        ("建议单位一", 20.0),
        ("建议单位二", 20.0),
        ("建议单位三", 20.0),
        ("主办单位", 22.0),
        ("协办单位", 22.0),
        ("交办日期", 12.0),
        ("答复期限", 12.0),
        ("事项类别", 10.0),
    ];
    let rows: Vec<Vec<Cell>> = matters
        .iter()
        .map(|m| {
            let s = |i: usize| Cell::Text(m.suggestions.get(i).cloned().unwrap_or_default());
            vec![
                Cell::Text(m.id.clone()),
                Cell::Text(m.title.clone()),
                Cell::Text(m.topic.clone()),
                s(0),
                s(1),
                s(2),
                s(0),
                Cell::Text(String::new()),
                Cell::Text(as_of.to_string()),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
            ]
        })
        .collect();
    // No title row: the sheet goes back in through `qingdan assignments`, whose reader takes the
    // first filled row as the header.
    let name = "交办建议.xlsx";
    let err = |e| xlsx_error(name, e);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("交办建议").map_err(err)?;
    let head = Format::new().set_bold().set_background_color("DCE6F2");
    for (c, (title, width)) in COLUMNS.iter().enumerate() {
        write_text(sheet, 0, c as u16, title, Some(&head)).map_err(err)?;
        sheet.set_column_width(c as u16, *width).map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Cell::Text(t) = cell {
                write_text(sheet, r as u32 + 1, c as u16, t, None).map_err(err)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

/// The 交办单 of one department: the matters it leads (主办) or helps with (协办), soonest due
/// first, with a title row “{unit} 交办单（截至 {as_of}）”. Columns: 编号, 企业, 问题, 主题, 合并组,
/// 主办/协办, 交办日期, 答复期限, 状态. Rows of other departments, and matters not assigned now
/// (待交办), are left out, so the whole list may be passed.
pub fn jiaoban_sheet(unit: &str, rows: &[CaseRow], as_of: Date) -> Result<Vec<u8>> {
    let mut mine: Vec<(&CaseRow, String)> = rows
        .iter()
        .filter_map(|r| {
            let c = &r.case;
            let lead = c.lead.as_deref()?;
            let role = if lead == unit {
                if c.co.is_empty() {
                    "主办".to_string()
                } else {
                    format!("主办（协办：{}）", c.co.join("、"))
                }
            } else if c.co.iter().any(|u| u == unit) {
                format!("协办（主办：{lead}）")
            } else {
                return None;
            };
            Some((r, role))
        })
        .collect();
    mine.sort_by(|a, b| {
        a.0.case
            .due
            .cmp(&b.0.case.due)
            .then(a.0.case.item.cmp(&b.0.case.item))
    });
    let rows: Vec<Vec<Cell>> = mine
        .into_iter()
        .map(|(r, role)| {
            let c = &r.case;
            vec![
                Cell::Text(c.item.clone()),
                Cell::Text(r.enterprise.clone()),
                Cell::Text(r.title.clone()),
                Cell::Text(topic_of(r).to_string()),
                Cell::Text(c.group.clone().unwrap_or_default()),
                Cell::Text(role),
                Cell::Text(date(c.assigned)),
                Cell::Text(date(c.due)),
                Cell::Text(c.state.label().to_string()),
            ]
        })
        .collect();
    titled_sheet(
        &format!("{unit} 交办单（截至 {as_of}）"),
        as_of,
        "交办单",
        &[
            ("编号", 12.0),
            ("企业", 26.0),
            ("问题", 50.0),
            ("主题", 14.0),
            ("合并组", 10.0),
            ("主办/协办", 18.0),
            ("交办日期", 12.0),
            ("答复期限", 12.0),
            ("状态", 10.0),
        ],
        &rows,
        "暂无交办事项。",
    )
    .map_err(|e| xlsx_error(&format!("{unit}交办单.xlsx"), e))
}

/// The 督办单: matters the caller marked overdue (督办 first, then 催办), most days late first.
/// Calendar days late are counted from the due date to `as_of`; working days late come from the
/// caller ([`CaseRow::working_days_late`]). Columns: 序号, 督办等级, 编号, 企业, 问题, 主题,
/// 主办单位, 协办单位, 交办日期, 答复期限, 逾期自然日, 逾期工作日, 延期次数, 退回次数, 状态.
pub fn duban_sheet(rows: &[CaseRow], as_of: Date) -> Result<Vec<u8>> {
    let mut late: Vec<&CaseRow> = rows
        .iter()
        .filter(|r| matches!(r.urgency, Some(Urgency::Overdue | Urgency::Supervise)))
        .filter(|r| r.case.state != State::Closed)
        .collect();
    late.sort_by(|a, b| {
        b.urgency
            .cmp(&a.urgency)
            .then(
                b.calendar_days_late(as_of)
                    .cmp(&a.calendar_days_late(as_of)),
            )
            .then(b.working_days_late.cmp(&a.working_days_late))
            .then(a.case.item.cmp(&b.case.item))
    });
    let opt = |n: Option<i64>| n.map(Cell::Num).unwrap_or(Cell::Text(String::new()));
    let rows: Vec<Vec<Cell>> = late
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let c = &r.case;
            let level = match r.urgency {
                Some(Urgency::Supervise) => "督办",
                _ => "催办",
            };
            vec![
                Cell::Num(i as i64 + 1),
                Cell::Text(level.into()),
                Cell::Text(c.item.clone()),
                Cell::Text(r.enterprise.clone()),
                Cell::Text(r.title.clone()),
                Cell::Text(topic_of(r).to_string()),
                Cell::Text(c.lead.clone().unwrap_or_default()),
                Cell::Text(c.co.join("、")),
                Cell::Text(date(c.assigned)),
                Cell::Text(date(c.due)),
                opt(r.calendar_days_late(as_of)),
                opt(r.working_days_late),
                Cell::Num(i64::from(c.extensions)),
                Cell::Num(i64::from(c.returns)),
                Cell::Text(c.state.label().into()),
            ]
        })
        .collect();
    titled_sheet(
        &format!("督办单（截至 {as_of}）"),
        as_of,
        "督办单",
        &[
            ("序号", 6.0),
            ("督办等级", 9.0),
            ("编号", 12.0),
            ("企业", 26.0),
            ("问题", 50.0),
            ("主题", 14.0),
            ("主办单位", 22.0),
            ("协办单位", 22.0),
            ("交办日期", 12.0),
            ("答复期限", 12.0),
            ("逾期自然日", 10.0),
            ("逾期工作日", 10.0),
            ("延期次数", 8.0),
            ("退回次数", 8.0),
            ("状态", 10.0),
        ],
        &rows,
        "暂无逾期事项。",
    )
    .map_err(|e| xlsx_error("督办单.xlsx", e))
}

/// CSV text: UTF-8 with a BOM (so Excel reads the Chinese), every cell through
/// [`spreadsheet_safe`].
fn csv_text(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail short of running out of it.
    let _ = w.write_record(headers.iter().map(|h| spreadsheet_safe(h).into_owned()));
    for row in rows {
        let _ = w.write_record(row.iter().map(|c| spreadsheet_safe(c).into_owned()));
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{FEFF}{}", String::from_utf8_lossy(&bytes))
}

/// The columns of [`lifecycle_csv`].
pub const LIFECYCLE_COLUMNS: [&str; 14] = [
    "序号",
    "编号",
    "合并组",
    "环节",
    "日期",
    "记录时间",
    "操作人",
    "承办单位",
    "期限",
    "办理结果",
    "满意度",
    "说明",
    "来源",
    "是否已撤销",
];

/// Every event of the given matters, one row each in log order (by number, then matter): 序号 (the
/// log's number), 编号, 合并组, 环节, 日期, 记录时间, 操作人, 承办单位 (主办 and 协办 of a 交办, the
/// answering unit of a 答复), 期限 (of a 交办, 延期 or 重办), 办理结果, 满意度, 说明 (reason, reply
/// text, the event undone by a 撤销, and the note), 来源 and 是否已撤销. Undone events stay, marked
/// 是: the export is the whole log, not its sum.
pub fn lifecycle_csv(rows: &[CaseRow], events: &[Event]) -> String {
    let items: HashSet<&str> = rows.iter().map(|r| r.case.item.as_str()).collect();
    let undone = super::state::undone_events(events);
    let mut mine: Vec<&Event> = events
        .iter()
        .filter(|e| items.contains(e.item.as_str()))
        .collect();
    mine.sort_by(|a, b| a.seq.cmp(&b.seq).then(a.item.cmp(&b.item)));
    let lines = mine.into_iter().map(|e| {
        let (mut unit, mut due, mut outcome, mut rating) =
            (String::new(), String::new(), String::new(), String::new());
        let mut notes: Vec<String> = Vec::new();
        match &e.kind {
            EventKind::Assign { lead, co, due: d } => {
                unit = if co.is_empty() {
                    format!("主办：{lead}")
                } else {
                    format!("主办：{lead}；协办：{}", co.join("、"))
                };
                due = d.to_string();
            }
            EventKind::Return { reason } | EventKind::Track { reason } => {
                notes.push(reason.clone())
            }
            EventKind::Extend { due: d, reason } | EventKind::Reopen { due: d, reason } => {
                due = d.to_string();
                notes.push(reason.clone());
            }
            EventKind::Reply {
                text,
                unit: u,
                outcome: o,
            } => {
                unit = u.clone();
                outcome = o.label().to_string();
                notes.push(text.clone());
            }
            EventKind::Rate { rating: r } => rating = r.label().to_string(),
            EventKind::Undo { target, reason } => {
                notes.push(format!("撤销第{target}号记录"));
                notes.push(reason.clone());
            }
            EventKind::Accept | EventKind::Close | EventKind::FollowUp => {}
        }
        notes.push(e.note.clone());
        notes.retain(|n| !n.trim().is_empty());
        let is_undone = undone.contains(&(e.item.as_str(), e.seq));
        vec![
            e.seq.to_string(),
            e.item.clone(),
            e.group.clone().unwrap_or_default(),
            e.kind.label().to_string(),
            e.day.to_string(),
            e.recorded.clone(),
            e.actor.clone(),
            unit,
            due,
            outcome,
            rating,
            notes.join("；"),
            e.source.clone().unwrap_or_default(),
            if is_undone { "是" } else { "否" }.to_string(),
        ]
    });
    csv_text(&LIFECYCLE_COLUMNS, lines)
}

/// The columns of [`cases_csv`].
pub const CASES_COLUMNS: [&str; 24] = [
    "编号",
    "企业",
    "问题",
    "主题",
    "合并组",
    "主办单位",
    "协办单位",
    "收集",
    "首次交办",
    "交办",
    "期限",
    "首次答复",
    "最新答复",
    "评价",
    "满意度",
    "办结",
    "长期跟踪起",
    "最近回访",
    "退回次数",
    "延期次数",
    "重办次数",
    "状态",
    "结果",
    "紧急程度",
];

/// One row per matter with every timestamp, in the order given: 收集 (collected), 首次交办, 交办
/// (the latest assignment), 期限 (current due date), 首次答复, 最新答复, 评价 (the latest rating's
/// day) and 满意度 (the current reply's rating), 办结, 长期跟踪起, 最近回访, the counts of 退回, 延期
/// and 重办, 状态, 结果 (the current outcome) and 紧急程度 (the caller's urgency).
pub fn cases_csv(rows: &[CaseRow]) -> String {
    let lines = rows.iter().map(|r| {
        let c = &r.case;
        vec![
            c.item.clone(),
            r.enterprise.clone(),
            r.title.clone(),
            r.topic.clone(),
            c.group.clone().unwrap_or_default(),
            c.lead.clone().unwrap_or_default(),
            c.co.join("、"),
            date(r.collected),
            date(c.first_assigned),
            date(c.assigned),
            date(c.due),
            date(c.replies.first().map(|x| x.day)),
            date(c.replies.last().map(|x| x.day)),
            date(c.ratings.last().map(|x| x.0)),
            c.rating().map(|x| x.label()).unwrap_or("").to_string(),
            date(c.closed),
            date(c.tracked_since),
            date(c.last_follow_up),
            c.returns.to_string(),
            c.extensions.to_string(),
            c.reopens.to_string(),
            c.state.label().to_string(),
            c.outcome.map(|o| o.label()).unwrap_or("").to_string(),
            r.urgency.map(|u| u.label()).unwrap_or("").to_string(),
        ]
    });
    csv_text(&CASES_COLUMNS, lines)
}
