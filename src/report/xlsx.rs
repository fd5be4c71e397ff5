//! The meeting pack as an Excel workbook (`meeting-主题.xlsx`): sheets 概况, 子问题, 共性问题,
//! 涉及企业 and 条目明细, Chinese headers, counts as numbers, header rows frozen and filterable.
//! The document date is the topic's latest item date, so the same workspace gives the same file.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::clusters::Cluster;
use crate::report::{excel_cell_text, Counts, MeetingPack};
use crate::{Error, Result};

/// A cell value: text or a count.
enum Cell {
    Text(String),
    Num(usize),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Num(n)
    }
}

/// Writes a string cell cut to Excel's limit ([`excel_cell_text`]); every text this file writes
/// goes through here, since one over-long suggestion would otherwise fail the whole workbook.
/// The loop's workbooks use it too.
pub fn write_text<'s>(
    sheet: &'s mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: Option<&Format>,
) -> std::result::Result<&'s mut Worksheet, XlsxError> {
    let text = excel_cell_text(text);
    match format {
        Some(format) => sheet.write_string_with_format(row, col, text, format),
        None => sheet.write_string(row, col, text),
    }
}

/// A sheet: headers with column widths, then rows; long-text columns wrap.
fn table(
    sheet: &mut Worksheet,
    columns: &[(&str, f64)],
    rows: Vec<Vec<Cell>>,
) -> std::result::Result<(), XlsxError> {
    let head = Format::new().set_bold().set_background_color("DCE6F2");
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let top = Format::new().set_align(rust_xlsxwriter::FormatAlign::Top);
    for (c, (name, width)) in columns.iter().enumerate() {
        write_text(sheet, 0, c as u16, name, Some(&head))?;
        sheet.set_column_width(c as u16, *width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let format = if columns[c].1 >= 30.0 { &wrap } else { &top };
            match cell {
                Cell::Text(s) => write_text(sheet, r, c as u16, s, Some(format))?,
                Cell::Num(n) => sheet.write_number_with_format(r, c as u16, *n as f64, format)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !rows.is_empty() {
        sheet.autofilter(0, 0, rows.len() as u32, columns.len() as u16 - 1)?;
    }
    Ok(())
}

/// “走访4、线上3”: largest first, ties by name.
fn counts_text(counts: &Counts) -> String {
    let mut rows: Vec<(&String, &usize)> = counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    rows.iter()
        .map(|(k, v)| format!("{k}{v}"))
        .collect::<Vec<_>>()
        .join("、")
}

fn date(d: Option<crate::date::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn overview(sheet: &mut Worksheet, pack: &MeetingPack) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    write_text(sheet, 0, 0, &pack.title(), Some(&title))?;
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, 14)?;
    sheet.set_column_width(2, 12)?;
    let when = match (pack.first, pack.last) {
        (Some(a), Some(b)) => format!("{a} 至 {b}"),
        _ => String::new(),
    };
    let facts: Vec<(&str, Cell)> = vec![
        ("主题", pack.topic.as_str().into()),
        ("意见建议（条）", pack.items.into()),
        ("全部意见建议（条）", pack.all_items.into()),
        ("占比", pack.share().into()),
        ("涉及企业（家）", pack.enterprises.into()),
        ("子问题（个）", pack.clusters.clusters.len().into()),
        ("共性问题（个）", pack.common.len().into()),
        ("时间范围", when.into()),
        ("子问题划分", pack.clusters.k_choice.as_str().into()),
        ("随机种子", (pack.clusters.seed as usize).into()),
    ];
    let mut r = 2u32;
    for (name, value) in facts {
        write_text(sheet, r, 0, name, Some(&bold))?;
        match value {
            Cell::Text(s) => write_text(sheet, r, 1, &s, None)?,
            Cell::Num(n) => sheet.write_number(r, 1, n as f64)?,
        };
        r += 1;
    }
    for (heading, counts) in [
        ("按渠道", &pack.by_channel),
        ("按地区", &pack.by_region),
        ("按月份", &pack.by_month),
    ] {
        r += 1;
        write_text(sheet, r, 0, heading, Some(&bold))?;
        write_text(sheet, r, 1, "条数", Some(&bold))?;
        write_text(sheet, r, 2, "占比", Some(&bold))?;
        let mut rows: Vec<(&String, &usize)> = counts.iter().collect();
        if heading != "按月份" {
            rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        }
        for (k, v) in rows {
            r += 1;
            write_text(sheet, r, 0, k, None)?;
            sheet.write_number(r, 1, *v as f64)?;
            let share = if pack.items == 0 {
                0.0
            } else {
                *v as f64 / pack.items as f64
            };
            sheet.write_number_with_format(r, 2, share, &Format::new().set_num_format("0.0%"))?;
        }
    }
    Ok(())
}

fn cluster_row(c: &Cluster) -> Vec<Cell> {
    let reps: Vec<String> = c
        .representatives
        .iter()
        .map(|r| format!("[{}] {}：{}", r.id, r.enterprise, r.text))
        .collect();
    vec![
        c.id.into(),
        c.label.join("、").into(),
        c.item_count.into(),
        c.enterprise_count.into(),
        counts_text(&c.by_channel).into(),
        counts_text(&c.by_region).into(),
        reps.join("\n").into(),
        c.enterprises.join("、").into(),
        c.items.join("、").into(),
    ]
}

fn build(pack: &MeetingPack) -> std::result::Result<Workbook, XlsxError> {
    let mut book = Workbook::new();
    let created = pack
        .last
        .and_then(|d| ExcelDateTime::from_ymd(d.year as u16, d.month as u8, d.day as u8).ok())
        .unwrap_or(ExcelDateTime::from_ymd(2000, 1, 1)?);
    book.set_properties(
        &DocProperties::new()
            .set_title(pack.title())
            .set_creation_datetime(&created),
    );
    overview(book.add_worksheet().set_name("概况")?, pack)?;
    table(
        book.add_worksheet().set_name("子问题")?,
        &[
            ("序号", 6.0),
            ("关键词", 26.0),
            ("条数", 7.0),
            ("企业数", 8.0),
            ("渠道", 24.0),
            ("地区", 24.0),
            ("代表性表述", 70.0),
            ("涉及企业", 40.0),
            ("编号", 30.0),
        ],
        pack.clusters.clusters.iter().map(cluster_row).collect(),
    )?;
    table(
        book.add_worksheet().set_name("共性问题")?,
        &[
            ("总排名", 8.0),
            ("问题", 70.0),
            ("企业数", 8.0),
            ("次数", 7.0),
            ("反映企业", 40.0),
            ("渠道", 16.0),
            ("首次提出", 12.0),
            ("最近提出", 12.0),
            ("共同关键词", 24.0),
            ("合并组", 12.0),
            ("编号", 30.0),
        ],
        pack.common
            .iter()
            .map(|c| {
                let problem = if c.title.is_empty() {
                    c.problem.clone()
                } else {
                    format!("{}：{}", c.title, c.problem)
                };
                vec![
                    c.rank.into(),
                    problem.into(),
                    c.enterprise_count.into(),
                    c.count.into(),
                    c.enterprises.join("、").into(),
                    c.channels.join("、").into(),
                    date(c.first).into(),
                    date(c.last).into(),
                    c.shared_terms.join("、").into(),
                    c.group.as_str().into(),
                    c.items.join("、").into(),
                ]
            })
            .collect(),
    )?;
    table(
        book.add_worksheet().set_name("涉及企业")?,
        &[("企业名称", 30.0), ("条数", 7.0), ("子问题", 14.0)],
        pack.enterprise_list
            .iter()
            .map(|e| {
                let clusters: Vec<String> = e.clusters.iter().map(|c| c.to_string()).collect();
                vec![
                    e.enterprise.as_str().into(),
                    e.items.into(),
                    clusters.join("、").into(),
                ]
            })
            .collect(),
    )?;
    let mut columns = vec![
        ("编号", 10.0),
        ("子问题", 8.0),
        ("企业名称", 26.0),
        ("时间", 12.0),
        ("渠道", 8.0),
        ("地区", 10.0),
        ("标题", 24.0),
        ("内容", 80.0),
    ];
    // The answer columns only when some item has one: a pack without answers is as before.
    let answers = pack.has_answers();
    if answers {
        columns.extend([
            ("答复单位", 20.0),
            ("答复时间", 12.0),
            ("答复意见", 60.0),
            ("办理结果", 10.0),
        ]);
    }
    table(
        book.add_worksheet().set_name("条目明细")?,
        &columns,
        pack.item_list
            .iter()
            .map(|i| {
                let mut row: Vec<Cell> = vec![
                    i.id.as_str().into(),
                    i.cluster.into(),
                    i.enterprise.as_str().into(),
                    date(i.date).into(),
                    i.channel.as_str().into(),
                    i.region.as_str().into(),
                    i.title.as_str().into(),
                    i.text.as_str().into(),
                ];
                if answers {
                    let a = i.answer.as_ref();
                    row.extend([
                        a.map_or("", |a| a.unit.as_str()).into(),
                        date(a.and_then(|a| a.date)).into(),
                        a.map_or("", |a| a.text.as_str()).into(),
                        a.map_or("", |a| a.result.as_str()).into(),
                    ]);
                }
                row
            })
            .collect(),
    )?;
    Ok(book)
}

/// The workbook's bytes (what the workbench downloads).
pub fn meeting_xlsx_bytes(pack: &MeetingPack) -> Result<Vec<u8>> {
    build(pack)
        .and_then(|mut book| book.save_to_buffer())
        .map_err(|e| Error::output(Path::new("meeting.xlsx"), e))
}

/// Writes the workbook.
pub fn write_meeting_xlsx(path: &Path, pack: &MeetingPack) -> Result<()> {
    build(pack)
        .and_then(|mut book| book.save(path))
        .map_err(|e| Error::output(path, e))
}
