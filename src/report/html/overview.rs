//! `report.html`: the batch report as one self-contained page — the key figures, charts of the
//! counts by topic, channel, region and month, the common problems, every enterprise's list
//! (collapsible) and a filter box. Every number on it is read from the run's `Summary` or from
//! the lists the same run wrote, so the page and `summary.json` cannot disagree.

use super::Th::{Num, Text};
use super::{bar_chart, column_chart, page, Html};
use crate::date::Date;
use crate::record::Reject;
use crate::report::{page, CommonProblem, Counts, EnterpriseList, Lists, Summary};

/// The page's title and first heading.
pub const OVERVIEW_TITLE: &str = "企业意见建议汇总报告";

pub(crate) fn pairs(counts: &Counts) -> Vec<(String, usize)> {
    counts.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

/// "2025-03-04 至 2025-05-12", one date when both are the same, empty when unknown.
pub(crate) fn span(first: Option<Date>, last: Option<Date>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a} 至 {b}"),
        (Some(a), None) | (None, Some(a)) => a.to_string(),
        (None, None) => String::new(),
    }
}

/// First and last date on two lines, so a narrow column does not break a date.
fn dates(h: &mut Html, first: Option<Date>, last: Option<Date>) {
    match (first, last) {
        (Some(a), Some(b)) if a != b => {
            h.leaf("div", &[], &a.to_string());
            h.leaf("div", &[], &format!("至 {b}"));
        }
        _ => {
            h.text(&span(first, last));
        }
    }
}

/// One key figure; `key` is its field in `summary.json`.
pub(crate) fn figure(h: &mut Html, key: &str, value: usize, what: &str) {
    h.el("div", &[("class", "fig")], |h| {
        h.leaf(
            "span",
            &[("class", "num"), ("data-num", key)],
            &value.to_string(),
        );
        h.leaf("span", &[("class", "what")], what);
    });
}

/// Renders the batch report.
pub fn render_overview(summary: &Summary, lists: &Lists, rejects: &[Reject]) -> String {
    page(OVERVIEW_TITLE, |h| {
        h.el("main", &[], |h| {
            header(h, summary);
            h.nl().el("section", &[("id", "overview")], |h| {
                overview(h, summary)
            });
            h.nl().el("div", &[("class", "filter"), ("id", "filter")], |h| {
                h.leaf("label", &[("for", "q")], "筛选");
                h.void(
                    "input",
                    &[
                        ("type", "search"),
                        ("id", "q"),
                        ("placeholder", "输入企业名称、问题关键词、主题、渠道或地区，多个词用空格分开"),
                        ("autocomplete", "off"),
                    ],
                );
                let (n_common, n_ents) = (
                    lists.common.len().min(page::COMMON_SHOWN),
                    lists.enterprises.len().min(page::ENTERPRISES_SHOWN),
                );
                let all = if n_common < lists.common.len() || n_ents < lists.enterprises.len() {
                    format!(
                        "本页列出共性问题{n_common}个（共{}个）、企业{n_ents}家（共{}家）",
                        lists.common.len(),
                        lists.enterprises.len()
                    )
                } else {
                    format!("共性问题{n_common}个，企业{n_ents}家")
                };
                let (common, ents) = (n_common.to_string(), n_ents.to_string());
                h.leaf(
                    "span",
                    &[
                        ("class", "count"),
                        ("id", "q-count"),
                        ("aria-live", "polite"),
                        ("data-common", &common),
                        ("data-enterprises", &ents),
                    ],
                    &all,
                );
            });
            h.nl()
                .el("section", &[("id", "common")], |h| common(h, &lists.common));
            h.nl().el("section", &[("id", "enterprises")], |h| {
                enterprises(h, &lists.enterprises)
            });
            if !rejects.is_empty() {
                h.nl()
                    .el("section", &[("id", "rejects")], |h| rejected(h, rejects));
            }
            h.nl().el("footer", &[], |h| {
                h.text("由 qingdan 生成。本页数字与同目录 summary.json 一致；完整清单见 common_problems.csv、enterprises.csv、items.csv。");
            });
        });
    })
}

fn header(h: &mut Html, s: &Summary) {
    h.el("header", &[], |h| {
        h.leaf("h1", &[], OVERVIEW_TITLE);
        h.leaf(
            "p",
            &[("class", "lead"), ("id", "headline")],
            &format!("{}，涉及企业{}家。", s.headline(), s.enterprises),
        );
        if !s.files.is_empty() {
            h.leaf(
                "p",
                &[("class", "meta")],
                &format!("来源文件：{}", s.files.join("、")),
            );
        }
    });
}

fn overview(h: &mut Html, s: &Summary) {
    h.leaf("h2", &[], "一、总体情况");
    h.el("div", &[("class", "figures")], |h| {
        figure(h, "rows_read", s.rows_read, "读取行数");
        figure(h, "rows_accepted", s.rows_accepted, "接收行数");
        figure(h, "rows_rejected", s.rows_rejected, "退回行数");
        figure(h, "items", s.items, "意见建议（条）");
        figure(h, "enterprises", s.enterprises, "涉及企业（家）");
        figure(h, "groups", s.groups, "合并后问题（个）");
        figure(h, "common_problems", s.common_problems, "共性问题（个）");
    });
    let mut text = format!(
        "本次读取{}行：接收{}行，退回{}行{}。",
        s.rows_read,
        s.rows_accepted,
        s.rows_rejected,
        if s.rows_rejected > 0 {
            "（见文末及 rejects.csv）"
        } else {
            ""
        }
    );
    if s.items_updated > 0 {
        text.push_str(&format!(
            "其中{}条更新了编号相同的已有条目。",
            s.items_updated
        ));
    }
    text.push_str(&format!(
        "经合并同类项，{}条意见建议归并为{}个问题，其中{}个问题由两条及以上合并而成（共{}条），{}个为两家及以上企业共同反映的共性问题。",
        s.items, s.groups, s.merged_groups, s.items_in_merged_groups, s.common_problems
    ));
    h.leaf("p", &[], &text);
    h.el("div", &[("class", "charts")], |h| {
        let charts: [(&str, &str, &Counts); 3] = [
            ("topic", "按主题（主要主题）", &s.by_topic),
            ("channel", "按渠道", &s.by_channel),
            ("region", "按地区", &s.by_region),
        ];
        for (id, caption, counts) in charts {
            h.nl().el("figure", &[], |h| {
                h.leaf("figcaption", &[], caption);
                bar_chart(h, id, caption, &pairs(counts));
            });
        }
        h.nl().el("figure", &[], |h| {
            h.leaf("figcaption", &[], "按月份");
            column_chart(h, "month", "按月份", &pairs(&s.by_month), false);
        });
    });
}

fn common(h: &mut Html, common: &[CommonProblem]) {
    h.leaf("h2", &[], "二、共性问题清单");
    if common.is_empty() {
        h.leaf("p", &[], "暂无两家及以上企业共同反映的问题。");
        return;
    }
    h.leaf(
        "p",
        &[("class", "note")],
        "两家及以上企业反映的问题，按反映企业数排序，其次按反映次数；问题取代表性表述。",
    );
    let shown = common.len().min(page::COMMON_SHOWN);
    common_table(h, &common[..shown], true);
    cut_note(h, common.len(), shown, "个", "common_problems.csv");
}

/// Says how much of a list the page shows, when it is cut.
fn cut_note(h: &mut Html, total: usize, shown: usize, unit: &str, file: &str) {
    if let Some(note) = page::cut_note(total, shown, unit, file) {
        h.leaf("p", &[("class", "note cut")], &note);
    }
}

/// The common problems as a table. The meeting pack's, all of one topic, has no topic column
/// and numbers them by their overall rank.
pub(crate) fn common_table(h: &mut Html, common: &[CommonProblem], with_topic: bool) {
    // A narrow window scrolls the table, not the page.
    h.el("div", &[("class", "table-wrap")], |h| {
        table(h, common, with_topic);
    });
}

fn table(h: &mut Html, common: &[CommonProblem], with_topic: bool) {
    h.el("table", &[], |h| {
        let mut columns = vec![
            Num(if with_topic { "序号" } else { "总排名" }),
            Text("问题（代表性表述）"),
        ];
        if with_topic {
            columns.push(Text("主题"));
        }
        columns.extend([
            Num("企业数"),
            Num("次数"),
            Text("反映企业"),
            Text("渠道"),
            Text("时间"),
        ]);
        h.thead(&columns);
        h.el("tbody", &[], |h| {
            for c in common {
                h.nl().el("tr", &[("data-group", &c.group)], |h| {
                    h.leaf("td", &[("class", "n")], &c.rank.to_string());
                    h.el("td", &[], |h| {
                        if !c.title.is_empty() {
                            h.leaf("div", &[("class", "title")], &c.title);
                        }
                        h.leaf("div", &[("class", "text")], &c.problem);
                        if !c.shared_terms.is_empty() {
                            h.leaf(
                                "div",
                                &[("class", "terms")],
                                &format!("共同关键词：{}", c.shared_terms.join("、")),
                            );
                        }
                    });
                    if with_topic {
                        h.leaf("td", &[("class", "nowrap")], &c.topic);
                    }
                    h.leaf("td", &[("class", "n")], &c.enterprise_count.to_string());
                    h.leaf("td", &[("class", "n")], &c.count.to_string());
                    h.leaf("td", &[("class", "small")], &page::names(&c.enterprises));
                    h.el("td", &[("class", "small nowrap")], |h| {
                        for ch in &c.channels {
                            h.leaf("div", &[], ch);
                        }
                    });
                    h.el("td", &[("class", "small nowrap")], |h| {
                        dates(h, c.first, c.last)
                    });
                });
            }
        });
    });
}

fn enterprises(h: &mut Html, list: &[EnterpriseList]) {
    h.leaf("h2", &[], "三、一企一清单");
    h.leaf(
        "p",
        &[("class", "note")],
        &format!(
            "{}家企业，按反映条数排序；点击企业名称展开其问题清单。",
            list.len()
        ),
    );
    let shown = list.len().min(page::ENTERPRISES_SHOWN);
    cut_note(h, list.len(), shown, "家企业", "enterprises.csv");
    h.el("div", &[("class", "tools")], |h| {
        h.leaf(
            "button",
            &[("type", "button"), ("id", "open-all")],
            "全部展开",
        );
        h.leaf(
            "button",
            &[("type", "button"), ("id", "close-all")],
            "全部收起",
        );
    });
    for e in &list[..shown] {
        h.nl()
            .el("details", &[("data-enterprise", &e.enterprise)], |h| {
                h.el("summary", &[], |h| {
                    h.leaf("span", &[("class", "name")], &e.enterprise);
                    let mut tally = format!("{}条，{}个问题", e.item_count, e.problems.len());
                    if !e.regions.is_empty() {
                        tally.push_str(&format!("，{}", e.regions.join("、")));
                    }
                    h.leaf("span", &[("class", "tally")], &tally);
                });
                h.el("ol", &[], |h| {
                    for (n, p) in e.problems.iter().enumerate().take(page::PROBLEMS_SHOWN) {
                        let value = (n + 1).to_string();
                        h.el("li", &[("value", &value)], |h| {
                            h.leaf("div", &[], &p.problem);
                            h.el("div", &[("class", "notes")], |h| {
                                h.leaf("span", &[("class", "tag")], &p.topic);
                                let mut notes = Vec::new();
                                if p.count > 1 {
                                    notes.push(format!("反映{}次", p.count));
                                }
                                if !p.channels.is_empty() {
                                    notes.push(p.channels.join("、"));
                                }
                                let when = span(p.first, p.last);
                                if !when.is_empty() {
                                    notes.push(when);
                                }
                                if p.other_enterprises > 0 {
                                    notes.push(format!("另有{}家企业反映", p.other_enterprises));
                                }
                                h.text(&notes.join("；"));
                            });
                        });
                    }
                });
                let listed = e.problems.len().min(page::PROBLEMS_SHOWN);
                cut_note(h, e.problems.len(), listed, "个问题", "enterprises.csv");
            });
    }
}

fn rejected(h: &mut Html, rejects: &[Reject]) {
    h.leaf("h2", &[], "附：退回的行");
    h.leaf(
        "p",
        &[("class", "note")],
        &format!("{}行未能接收，改正后可用 qingdan add 补充。", rejects.len()),
    );
    h.el("table", &[], |h| {
        h.thead(&[Text("文件"), Num("行号"), Text("字段"), Text("原因")]);
        h.el("tbody", &[], |h| {
            for r in rejects.iter().take(page::REJECTS_SHOWN) {
                h.el("tr", &[], |h| {
                    h.leaf("td", &[], &r.source.file);
                    h.leaf("td", &[("class", "n")], &r.source.row.to_string());
                    h.leaf("td", &[], &r.field);
                    h.leaf("td", &[], &r.reason);
                });
            }
        });
    });
    let shown = rejects.len().min(page::REJECTS_SHOWN);
    cut_note(h, rejects.len(), shown, "行", "rejects.csv");
}
