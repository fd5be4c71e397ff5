//! `meeting-主题.html`: the meeting pack as one self-contained page — the topic's figures and
//! charts, its sub-problems (clusters) with representative statements and enterprises, its
//! common problems and the enterprises that raised it. Made to be printed and handed out.

use std::collections::BTreeMap;

use super::overview::{common_table, figure, pairs};
use super::Th::{Num, Text};
use super::{bar_chart, column_chart, page, Html};
use crate::clusters::{Cluster, ClusterItem};
use crate::record::PastAnswer;
use crate::report::MeetingPack;

/// “走访4”, “线上3” …: largest first, ties by name.
fn counted(counts: &BTreeMap<String, usize>) -> Vec<String> {
    let mut rows: Vec<(&String, &usize)> = counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    rows.iter().map(|(k, v)| format!("{k}{v}")).collect()
}

fn counts_text(counts: &BTreeMap<String, usize>) -> String {
    counted(counts).join("、")
}

/// Counts in a table cell: a line may break between “市级2、” and “江北区1” but not inside one.
fn counts_cell(h: &mut Html, counts: &BTreeMap<String, usize>) {
    h.el("td", &[("class", "small")], |h| {
        for (i, c) in counted(counts).iter().enumerate() {
            if i > 0 {
                h.text("、");
            }
            h.leaf("span", &[("class", "nowrap")], c);
        }
    });
}

fn label(c: &Cluster) -> String {
    if c.label.is_empty() {
        "（无特征词）".into()
    } else {
        c.label.join("、")
    }
}

/// Renders the meeting pack.
pub fn render_meeting_html(pack: &MeetingPack) -> String {
    page(&pack.title(), |h| {
        h.el("main", &[("class", "meeting")], |h| {
            h.el("header", &[], |h| {
                h.leaf("h1", &[], &pack.title());
                h.leaf("p", &[("class", "lead"), ("id", "headline")], &pack.headline());
            });
            h.nl()
                .el("section", &[("id", "overview")], |h| overview(h, pack));
            h.nl()
                .el("section", &[("id", "clusters")], |h| clusters(h, pack));
            h.nl().el("section", &[("id", "common")], |h| {
                h.leaf("h2", &[], "三、共性问题");
                if pack.common.is_empty() {
                    h.leaf("p", &[], "本主题暂无两家及以上企业共同反映的问题。");
                } else {
                    h.leaf(
                        "p",
                        &[("class", "note")],
                        "本主题下两家及以上企业反映的问题；总排名为在全部共性问题中的名次。",
                    );
                    common_table(h, &pack.common, false);
                }
            });
            h.nl()
                .el("section", &[("id", "enterprises")], |h| enterprises(h, pack));
            // Only when there are answers, so a pack without any reads as it always did.
            if !pack.answered.is_empty() {
                h.nl()
                    .el("section", &[("id", "answered")], |h| answered(h, pack));
            }
            h.nl().el("footer", &[], |h| {
                h.text(&format!(
                    "由 qingdan 生成。子问题由聚类得出（{}；种子 {}），关键词为各子问题最有区分度的词；代表性表述为最接近子问题中心的条目。全部条目见同名 Excel 文件的“条目明细”表。",
                    pack.clusters.k_choice, pack.clusters.seed
                ));
            });
        });
    })
}

fn overview(h: &mut Html, pack: &MeetingPack) {
    h.leaf("h2", &[], "一、基本情况");
    h.el("div", &[("class", "figures")], |h| {
        figure(h, "items", pack.items, "意见建议（条）");
        figure(h, "enterprises", pack.enterprises, "涉及企业（家）");
        figure(h, "clusters", pack.clusters.clusters.len(), "子问题（个）");
        figure(h, "common_problems", pack.common.len(), "共性问题（个）");
        h.el("div", &[("class", "fig")], |h| {
            h.leaf(
                "span",
                &[("class", "num"), ("data-num", "share")],
                &pack.share(),
            );
            h.leaf(
                "span",
                &[("class", "what")],
                &format!("占全部{}条", pack.all_items),
            );
        });
    });
    h.el("div", &[("class", "charts")], |h| {
        h.nl().el("figure", &[], |h| {
            h.leaf("figcaption", &[], "按渠道");
            bar_chart(h, "channel", "按渠道", &pairs(&pack.by_channel));
        });
        h.nl().el("figure", &[], |h| {
            h.leaf("figcaption", &[], "按地区");
            bar_chart(h, "region", "按地区", &pairs(&pack.by_region));
        });
        // Two bar charts fill a row; the months take the next one whole.
        h.nl().el("figure", &[("class", "wide")], |h| {
            h.leaf("figcaption", &[], "按月份");
            column_chart(h, "month", "按月份", &pairs(&pack.by_month), true);
        });
    });
}

fn item_line(h: &mut Html, i: &ClusterItem, answers: &BTreeMap<String, PastAnswer>) {
    h.el("li", &[("data-item", &i.id)], |h| {
        let mut who = i.enterprise.clone();
        if let Some(d) = i.date {
            who.push_str(&format!("，{d}"));
        }
        h.leaf("span", &[("class", "title")], &who);
        h.text("：").text(&i.text);
        if let Some(a) = answers.get(&i.id) {
            h.el("div", &[("class", "small answer")], |h| {
                h.text(&a.meeting_line());
            });
        }
    });
}

fn answered(h: &mut Html, pack: &MeetingPack) {
    h.leaf("h2", &[], "五、此前已提出并答复");
    h.leaf(
        "p",
        &[("class", "note")],
        "以下问题此前已提出并得到答复（共性问题取其中最近的一次答复），会上可先核对落实情况。",
    );
    h.el("ul", &[], |h| {
        for m in &pack.answered {
            h.nl().el("li", &[("data-items", &m.items.join(" "))], |h| {
                h.leaf("span", &[("class", "title")], &m.what);
                h.text(&format!("（{}）：", m.items.join("、")));
                h.text(&m.problem);
                h.el("div", &[("class", "small answer")], |h| {
                    h.text(&m.answer.meeting_line());
                });
            });
        }
    });
}

fn clusters(h: &mut Html, pack: &MeetingPack) {
    h.leaf("h2", &[], "二、子问题");
    h.leaf("p", &[("class", "note")], &pack.clusters.headline());
    h.el("table", &[("class", "cluster-table")], |h| {
        h.thead(&[
            Num("序号"),
            Text("子问题（关键词）"),
            Num("条数"),
            Num("企业数"),
            Text("主要渠道"),
            Text("主要地区"),
        ]);
        h.el("tbody", &[], |h| {
            for c in &pack.clusters.clusters {
                h.nl().el("tr", &[], |h| {
                    h.leaf("td", &[("class", "n")], &c.id.to_string());
                    h.leaf("td", &[("class", "title")], &label(c));
                    h.leaf("td", &[("class", "n")], &c.item_count.to_string());
                    h.leaf("td", &[("class", "n")], &c.enterprise_count.to_string());
                    counts_cell(h, &c.by_channel);
                    counts_cell(h, &c.by_region);
                });
            }
        });
    });
    for c in &pack.clusters.clusters {
        let id = c.id.to_string();
        h.nl()
            .el("div", &[("class", "cluster"), ("data-cluster", &id)], |h| {
                h.leaf("h3", &[], &format!("子问题{}：{}", c.id, label(c)));
                h.leaf(
                    "p",
                    &[("class", "notes")],
                    &format!(
                        "{}条，{}家企业｜渠道：{}｜地区：{}",
                        c.item_count,
                        c.enterprise_count,
                        counts_text(&c.by_channel),
                        counts_text(&c.by_region)
                    ),
                );
                h.leaf("div", &[("class", "title")], "代表性表述");
                h.el("ul", &[], |h| {
                    for r in &c.representatives {
                        item_line(h, r, &pack.answers);
                    }
                });
                h.el("p", &[("class", "small")], |h| {
                    h.leaf("span", &[("class", "title")], "涉及企业：");
                    h.text(&c.enterprises.join("、"));
                });
                if !c.similar_past.is_empty() {
                    h.leaf(
                        "div",
                        &[("class", "title small")],
                        "相关意见（本子问题以外）",
                    );
                    h.el("ul", &[("class", "small")], |h| {
                        for p in &c.similar_past {
                            item_line(h, p, &pack.answers);
                        }
                    });
                }
            });
    }
}

fn enterprises(h: &mut Html, pack: &MeetingPack) {
    h.leaf("h2", &[], "四、涉及企业");
    h.el("table", &[], |h| {
        h.thead(&[Text("企业名称"), Num("条数"), Text("涉及子问题")]);
        h.el("tbody", &[], |h| {
            for e in &pack.enterprise_list {
                h.nl().el("tr", &[], |h| {
                    h.leaf("td", &[], &e.enterprise);
                    h.leaf("td", &[("class", "n")], &e.items.to_string());
                    let clusters: Vec<String> =
                        e.clusters.iter().map(|c| format!("子问题{c}")).collect();
                    h.leaf("td", &[("class", "small")], &clusters.join("、"));
                });
            }
        });
    });
}
