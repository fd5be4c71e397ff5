//! The monthly report's renderers: its tables built once, written as Markdown, as one HTML page
//! and as an XLSX workbook, so the three never disagree.

use std::fmt::Write;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::{MatterLine, MonthlyReport};
use crate::closed_loop::exports::{write_text, xlsx_error};
use crate::closed_loop::metrics::{Ageing, Breakdown, Figures, MonthFigures, Ratio, UNASSIGNED};
use crate::closed_loop::state::Level;
use crate::date::Date;
use crate::report::{html_page, markdown_cell, Html, Th};
use crate::Result;

impl MonthlyReport {
    /// The report's tables, in order: every renderer writes these.
    fn tables(&self) -> Vec<Table> {
        let prev_label = self
            .previous
            .map(|p| p.label())
            .unwrap_or_else(|| "上月".into());
        let mut out = vec![Table {
            sheet: "主要指标",
            heading: format!("主要指标（与{prev_label}比较）"),
            note: Some(
                "箭头表示数值升降，不表示好坏；比率均注明分子/分母，分母为0时记“—”。".into(),
            ),
            columns: vec![
                ("指标", false),
                ("本月", true),
                ("上月", true),
                ("变化", false),
            ],
            rows: comparison_rows(&self.figures, &self.previous_figures),
            empty: "",
        }];
        out.push(breakdown_table(
            "分单位",
            "分单位情况（按主办单位）",
            "承办单位",
            &self.by_department,
            true,
        ));
        out.push(breakdown_table(
            "分层级",
            "分层级情况（市级/区县）",
            "层级",
            &self.by_level,
            false,
        ));
        out.push(breakdown_table(
            "分主题",
            "分主题情况",
            "主题",
            &self.by_topic,
            false,
        ));
        out.push(self.trend_table());
        out.push(Table {
            sheet: "新出现共性问题",
            heading: "新出现的共性问题（本月有收集、上月没有的合并组）".into(),
            note: None,
            columns: vec![("合并组", false), ("主题", false), ("本月收集", true)],
            rows: self
                .new_groups
                .iter()
                .map(|t| {
                    vec![
                        Cell::text(&t.key),
                        Cell::text(&t.topic),
                        Cell::Num(t.this_month as i64),
                    ]
                })
                .collect(),
            empty: "本月没有新出现的共性问题。",
        });
        out.push(late_table(
            "催办",
            "逾期催办清单",
            &self.overdue,
            "暂无逾期未答复的问题。",
        ));
        out.push(late_table(
            "督办",
            "督办清单（严重逾期）",
            &self.supervise,
            "暂无需督办的问题。",
        ));
        out.push(Table {
            sheet: "跟踪回访",
            heading: "长期事项跟踪回访".into(),
            note: Some(format!(
                "按下次回访期限排序；“已到期”指期限不晚于 {}。",
                self.as_of
            )),
            columns: vec![
                ("编号", false),
                ("企业", false),
                ("问题", false),
                ("主办单位", false),
                ("状态", false),
                ("长期跟踪起", false),
                ("上次回访", false),
                ("下次回访期限", false),
                ("是否到期", false),
            ],
            rows: self
                .follow_up
                .iter()
                .map(|l| {
                    let due = l.follow_up_due.is_some_and(|d| d <= self.as_of);
                    vec![
                        Cell::text(&l.item),
                        Cell::text(&l.enterprise),
                        Cell::text(&l.title),
                        Cell::text(&l.lead),
                        Cell::text(l.state.label()),
                        Cell::date(l.tracked_since),
                        Cell::date(l.last_follow_up),
                        Cell::date(l.follow_up_due),
                        Cell::text(if due { "已到期" } else { "未到期" }),
                    ]
                })
                .collect(),
            empty: "暂无需跟踪回访的长期事项。",
        });
        out.push(Table {
            sheet: "答复质量",
            heading: "答复质量提示".into(),
            note: Some("本期答复中经检查发现的问题，请承办单位补充或重新答复。".into()),
            columns: vec![
                ("编号", false),
                ("问题", false),
                ("答复单位", false),
                ("答复日期", false),
                ("办理结果", false),
                ("提示", false),
            ],
            rows: self
                .flagged
                .iter()
                .map(|f| {
                    vec![
                        Cell::text(&f.item),
                        Cell::text(&f.title),
                        Cell::text(&f.unit),
                        Cell::text(&f.day.to_string()),
                        Cell::text(&f.outcome),
                        Cell::Text(f.flags.join("；")),
                    ]
                })
                .collect(),
            empty: "本期答复未发现答非所问、漏答等问题。",
        });
        out.push(self.ageing_table());
        out.push(series_table(&self.series));
        out
    }

    fn trend_table(&self) -> Table {
        let names = |change: &str| -> String {
            let keys: Vec<String> = self
                .topics
                .iter()
                .filter(|t| t.change() == change)
                .map(|t| match change {
                    "上升" => format!("{}（{}→{}）", t.key, t.last_month, t.this_month),
                    _ => t.key.clone(),
                })
                .collect();
            if keys.is_empty() {
                "无".into()
            } else {
                keys.join("、")
            }
        };
        Table {
            sheet: "主题变化",
            heading: "新出现和上升的主题（按收集日期）".into(),
            note: Some(format!(
                "新出现：{}。上升：{}。",
                names("新出现"),
                names("上升")
            )),
            columns: vec![
                ("主题", false),
                ("本月收集", true),
                ("上月收集", true),
                ("变化", false),
            ],
            rows: self
                .topics
                .iter()
                .map(|t| {
                    vec![
                        Cell::text(&t.key),
                        Cell::Num(t.this_month as i64),
                        Cell::Num(t.last_month as i64),
                        Cell::text(t.change()),
                    ]
                })
                .collect(),
            empty: "本月和上月均无带收集日期的问题。",
        }
    }

    fn ageing_table(&self) -> Table {
        let a = &self.figures.ageing;
        let mut rows: Vec<Vec<Cell>> = Ageing::LABELS
            .iter()
            .zip(a.bands())
            .map(|(label, n)| vec![Cell::text(label), Cell::Num(n as i64)])
            .collect();
        if a.undated > 0 {
            rows.push(vec![Cell::text("无日期"), Cell::Num(a.undated as i64)]);
        }
        rows.push(vec![Cell::text("合计"), Cell::Num(a.open() as i64)]);
        Table {
            sheet: "账龄",
            heading: "未办结问题账龄".into(),
            note: Some(format!(
                "{}未办结的问题，自首次交办（未交办的自收集）起算；四档互不重叠，超过8周的共{}个（后两档之和）。",
                self.at_cutoff(),
                a.over_8_weeks()
            )),
            columns: vec![("账龄", false), ("问题（个）", true)],
            rows,
            empty: "",
        }
    }

    /// The report as Markdown, to paste into a Word document.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let w = &mut md;
        let _ = writeln!(w, "# {}\n", md_text(&self.title));
        let _ = writeln!(w, "{}\n", self.lead());
        let _ = writeln!(w, "{}\n", self.meta());
        for (n, t) in self.tables().iter().enumerate() {
            let _ = writeln!(w, "## {}、{}\n", chinese_number(n + 1), md_text(&t.heading));
            if let Some(note) = &t.note {
                let _ = writeln!(w, "{}\n", md_text(note));
            }
            if t.rows.is_empty() {
                let _ = writeln!(w, "{}\n", t.empty);
                continue;
            }
            let heads: Vec<&str> = t.columns.iter().map(|c| c.0).collect();
            let _ = writeln!(w, "| {} |", heads.join(" | "));
            let rules: Vec<&str> = t
                .columns
                .iter()
                .map(|c| if c.1 { "---:" } else { "---" })
                .collect();
            let _ = writeln!(w, "|{}|", rules.join("|"));
            for row in &t.rows {
                let cells: Vec<String> =
                    row.iter().map(|c| markdown_cell(&c.to_string())).collect();
                let _ = writeln!(w, "| {} |", cells.join(" | "));
            }
            let _ = writeln!(w);
        }
        let _ = writeln!(w, "---\n\n口径说明：{}", DEFINITIONS);
        md
    }

    /// The report as one self-contained HTML page (no network, user text escaped).
    pub fn to_html(&self) -> String {
        let f = &self.figures;
        html_page(&self.title, |h| {
            h.el("main", &[("class", "monthly")], |h| {
                h.el("header", &[], |h| {
                    h.leaf("h1", &[], &self.title);
                    h.leaf("p", &[("class", "lead"), ("id", "lead")], &self.lead());
                    h.leaf("p", &[("class", "meta")], &self.meta());
                });
                h.nl().el("div", &[("class", "figures")], |h| {
                    fig(h, &f.assigned.to_string(), "交办问题（个）");
                    for (ratio, what) in [
                        (f.reply_on_time, "按时答复率"),
                        (f.reply_rate, "答复率"),
                        (f.close_rate, "办结率"),
                        (f.solve_rate, "解决率"),
                        (f.satisfaction, "满意率"),
                        (f.rating_coverage, "评价覆盖率"),
                    ] {
                        fig(
                            h,
                            &ratio.percent(),
                            &format!("{what}（{}/{}）", ratio.num, ratio.den),
                        );
                    }
                    fig(h, &f.median_text(), "答复用时中位数");
                });
                for (n, t) in self.tables().iter().enumerate() {
                    h.nl().el("section", &[("id", t.sheet)], |h| {
                        h.leaf(
                            "h2",
                            &[],
                            &format!("{}、{}", chinese_number(n + 1), t.heading),
                        );
                        if let Some(note) = &t.note {
                            h.leaf("p", &[("class", "note")], note);
                        }
                        if t.rows.is_empty() {
                            h.leaf("p", &[], t.empty);
                            return;
                        }
                        h.el("div", &[("class", "table-wrap")], |h| {
                            // The figure tables are wide: smaller type, and names kept on a line.
                            let wide: &[(&str, &str)] = if t.columns.len() > 10 {
                                &[("class", "small")]
                            } else {
                                &[]
                            };
                            h.el("table", wide, |h| {
                                let heads: Vec<Th> = t
                                    .columns
                                    .iter()
                                    .map(
                                        |(name, num)| {
                                            if *num {
                                                Th::Num(name)
                                            } else {
                                                Th::Text(name)
                                            }
                                        },
                                    )
                                    .collect();
                                h.thead(&heads);
                                h.el("tbody", &[], |h| {
                                    for row in &t.rows {
                                        h.nl().el("tr", &[], |h| {
                                            for (i, (cell, (_, num))) in
                                                row.iter().zip(&t.columns).enumerate()
                                            {
                                                let attrs: &[(&str, &str)] = if *num {
                                                    &[("class", "n")]
                                                } else if i == 0 && t.columns.len() > 10 {
                                                    &[("class", "nowrap")]
                                                } else {
                                                    &[]
                                                };
                                                h.leaf("td", attrs, &cell.to_string());
                                            }
                                        });
                                    }
                                });
                            });
                        });
                    });
                }
                h.nl().el("footer", &[], |h| {
                    h.text(&format!("由 qingdan 生成。口径说明：{DEFINITIONS}"));
                });
            });
        })
    }

    /// The report as an XLSX workbook: 概况 (title, lead, main figures), then one sheet per table.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        self.workbook()
            .and_then(|mut book| book.save_to_buffer())
            .map_err(|e| xlsx_error("月报.xlsx", e))
    }

    fn workbook(&self) -> std::result::Result<Workbook, XlsxError> {
        let mut book = Workbook::new();
        let d = self.cutoff;
        let created = ExcelDateTime::from_ymd(d.year as u16, d.month as u8, d.day as u8)?;
        book.set_properties(
            &DocProperties::new()
                .set_title(&self.title)
                .set_creation_datetime(&created),
        );
        let bold = Format::new().set_bold();
        let title = Format::new().set_bold().set_font_size(14);
        let wrap = Format::new().set_text_wrap();
        let sheet = book.add_worksheet().set_name("概况")?;
        sheet.set_column_width(0, 100)?;
        write_text(sheet, 0, 0, &self.title, Some(&title))?;
        write_text(sheet, 2, 0, &self.lead(), Some(&wrap))?;
        write_text(sheet, 3, 0, &self.meta(), Some(&wrap))?;
        write_text(sheet, 5, 0, "口径说明", Some(&bold))?;
        write_text(sheet, 6, 0, DEFINITIONS, Some(&wrap))?;
        for t in self.tables() {
            let sheet = book.add_worksheet().set_name(t.sheet)?;
            write_text(sheet, 0, 0, &t.heading, Some(&bold))?;
            let mut r = 1;
            if let Some(note) = &t.note {
                write_text(sheet, r, 0, note, None)?;
                r += 1;
            }
            let head = Format::new().set_bold().set_background_color("DCE6F2");
            for (c, (name, _)) in t.columns.iter().enumerate() {
                write_text(sheet, r, c as u16, name, Some(&head))?;
                let width = if c == 0 { 24.0 } else { 14.0 };
                sheet.set_column_width(c as u16, width)?;
            }
            if t.rows.is_empty() {
                write_text(sheet, r + 1, 0, t.empty, None)?;
            }
            for (i, row) in t.rows.iter().enumerate() {
                let rr = r + 1 + i as u32;
                for (c, cell) in row.iter().enumerate() {
                    match cell {
                        Cell::Num(n) => {
                            sheet.write_number(rr, c as u16, *n as f64)?;
                        }
                        other => {
                            write_text(sheet, rr, c as u16, &other.to_string(), None)?;
                        }
                    }
                }
            }
            sheet.set_freeze_panes(r + 1, 0)?;
        }
        Ok(book)
    }
}

/// How each figure is counted, in one paragraph for the reader of the report.
pub const DEFINITIONS: &str = "交办问题按首次交办日期计入当月（退回改派后再交办不重复计），共性问题按合并组计；交办及时率＝按期交办数/有交办时限的交办数；按时答复率按答复期限在当月的每一轮答复计（延期后以新期限为准，重办为新一轮），到期未答复计为超期；答复率、办结率以当月交办问题为分母；解决率＝办理结果为“已解决”的问题/当月答复的问题，部分解决、列入计划、政策解释、转办均不计为解决；满意率＝（满意＋基本满意）/当月评价次数；评价覆盖率＝已评价的问题/当月答复的问题；答复用时为最近一次交办至首次答复的自然日中位数；重办率＝当月重办的问题/当月评价的问题；退回率＝当月退回次数/当月交办次数（均按当月发生数，可能超过100%）；账龄自首次交办起算，按≤4周、4–8周、8周–6个月、>6个月四档互不重叠统计。";

/// A table of the report, as every renderer writes it.
struct Table {
    /// The XLSX sheet name and the HTML section id (fixed text, never user data).
    sheet: &'static str,
    heading: String,
    note: Option<String>,
    /// Name, and whether the column holds figures (right-aligned; counts are numbers in XLSX).
    columns: Vec<(&'static str, bool)>,
    rows: Vec<Vec<Cell>>,
    /// What to say when there are no rows.
    empty: &'static str,
}

enum Cell {
    Text(String),
    Num(i64),
}

impl Cell {
    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn date(d: Option<Date>) -> Cell {
        Cell::Text(d.map(|d| d.to_string()).unwrap_or_default())
    }

    fn opt(n: Option<i64>) -> Cell {
        n.map(Cell::Num).unwrap_or(Cell::Text(String::new()))
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Num(n) => write!(f, "{n}"),
        }
    }
}

fn fig(h: &mut Html, value: &str, what: &str) {
    h.el("div", &[("class", "fig")], |h| {
        h.leaf("span", &[("class", "num")], value);
        h.leaf("span", &[("class", "what")], what);
    });
}

/// “↑”, “↓”, “持平”, or “—” when either side has nothing to compare.
fn arrow(now: Option<f64>, before: Option<f64>) -> &'static str {
    match (now, before) {
        (Some(a), Some(b)) => {
            // Compared as shown (one decimal of a percent), so equal-looking figures are 持平.
            let (a, b) = ((a * 1000.0).round() as i64, (b * 1000.0).round() as i64);
            match a.cmp(&b) {
                std::cmp::Ordering::Greater => "↑",
                std::cmp::Ordering::Less => "↓",
                std::cmp::Ordering::Equal => "持平",
            }
        }
        _ => "—",
    }
}

fn comparison_rows(now: &Figures, before: &Figures) -> Vec<Vec<Cell>> {
    let count = |name: &str, a: usize, b: usize| {
        vec![
            Cell::text(name),
            Cell::Text(a.to_string()),
            Cell::Text(b.to_string()),
            Cell::text(arrow(Some(a as f64 / 1000.0), Some(b as f64 / 1000.0))),
        ]
    };
    let ratio = |name: &str, a: Ratio, b: Ratio| {
        vec![
            Cell::text(name),
            Cell::Text(a.text()),
            Cell::Text(b.text()),
            Cell::text(arrow(a.value(), b.value())),
        ]
    };
    vec![
        count("交办问题（个）", now.assigned, before.assigned),
        count(
            "其中共性问题（个）",
            now.common_groups,
            before.common_groups,
        ),
        ratio("交办及时率", now.assign_timely, before.assign_timely),
        ratio("按时答复率", now.reply_on_time, before.reply_on_time),
        ratio("答复率", now.reply_rate, before.reply_rate),
        ratio("办结率", now.close_rate, before.close_rate),
        ratio("解决率", now.solve_rate, before.solve_rate),
        ratio("满意率", now.satisfaction, before.satisfaction),
        ratio("评价覆盖率", now.rating_coverage, before.rating_coverage),
        vec![
            Cell::text("答复用时中位数"),
            Cell::Text(now.median_text()),
            Cell::Text(before.median_text()),
            Cell::text(arrow(
                now.median_days_to_reply.map(|d| d / 1000.0),
                before.median_days_to_reply.map(|d| d / 1000.0),
            )),
        ],
        ratio("重办率", now.reopen_rate, before.reopen_rate),
        ratio("退回率", now.return_rate, before.return_rate),
        count(
            "未办结（个，含待交办）",
            now.ageing.open(),
            before.ageing.open(),
        ),
    ]
}

const FIGURE_COLUMNS: [(&str, bool); 13] = [
    ("交办", true),
    ("交办及时率", true),
    ("按时答复率", true),
    ("答复率", true),
    ("办结率", true),
    ("解决率", true),
    ("满意率", true),
    ("评价覆盖率", true),
    ("答复用时中位数", true),
    ("重办率", true),
    ("退回率", true),
    ("未办结", true),
    ("其中超8周", true),
];

fn figure_cells(f: &Figures) -> Vec<Cell> {
    vec![
        Cell::Num(f.assigned as i64),
        Cell::Text(f.assign_timely.text()),
        Cell::Text(f.reply_on_time.text()),
        Cell::Text(f.reply_rate.text()),
        Cell::Text(f.close_rate.text()),
        Cell::Text(f.solve_rate.text()),
        Cell::Text(f.satisfaction.text()),
        Cell::Text(f.rating_coverage.text()),
        Cell::Text(f.median_text()),
        Cell::Text(f.reopen_rate.text()),
        Cell::Text(f.return_rate.text()),
        Cell::Num(f.ageing.open() as i64),
        Cell::Num(f.ageing.over_8_weeks() as i64),
    ]
}

fn breakdown_table(
    sheet: &'static str,
    heading: &str,
    key: &'static str,
    rows: &[Breakdown],
    with_level: bool,
) -> Table {
    let mut columns = vec![(key, false)];
    if with_level {
        columns.push(("层级", false));
    }
    columns.extend(FIGURE_COLUMNS);
    Table {
        sheet,
        heading: heading.to_string(),
        note: None,
        columns,
        rows: rows
            .iter()
            .map(|b| {
                let mut cells = vec![Cell::text(&b.key)];
                if with_level {
                    let level = if b.key == UNASSIGNED {
                        ""
                    } else {
                        Level::of_unit(&b.key).label()
                    };
                    cells.push(Cell::text(level));
                }
                cells.extend(figure_cells(&b.figures));
                cells
            })
            .collect(),
        empty: "本期无数据。",
    }
}

fn late_table(
    sheet: &'static str,
    heading: &str,
    lines: &[MatterLine],
    empty: &'static str,
) -> Table {
    Table {
        sheet,
        heading: heading.to_string(),
        note: None,
        columns: vec![
            ("编号", false),
            ("企业", false),
            ("问题", false),
            ("主办单位", false),
            ("交办日期", false),
            ("答复期限", false),
            ("逾期自然日", true),
            ("逾期工作日", true),
            ("状态", false),
        ],
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    Cell::text(&l.item),
                    Cell::text(&l.enterprise),
                    Cell::text(&l.title),
                    Cell::text(&l.lead),
                    Cell::date(l.assigned),
                    Cell::date(l.due),
                    Cell::opt(l.calendar_days_late),
                    Cell::opt(l.working_days_late),
                    Cell::text(l.state.label()),
                ]
            })
            .collect(),
        empty,
    }
}

fn series_table(series: &[MonthFigures]) -> Table {
    let mut columns = vec![("月份", false)];
    columns.extend(FIGURE_COLUMNS);
    Table {
        sheet: "月度走势",
        heading: format!("近{}个月走势", series.len()),
        note: Some("每月按当月月底（当月未结束的按统计日）计。".into()),
        columns,
        rows: series
            .iter()
            .map(|m| {
                let mut cells = vec![Cell::Text(m.period.start.month_key())];
                cells.extend(figure_cells(&m.figures));
                cells
            })
            .collect(),
        empty: "无。",
    }
}

/// 一 … 二十: section numbers.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// Markdown text outside tables: no line breaks that would start a heading or a list.
fn md_text(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
