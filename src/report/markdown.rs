//! `report.md`: the overview, the common problems and the per-enterprise lists, in Chinese, in a
//! form that pastes into a Word report.

use std::fmt::Write;

use super::{page, Counts, Lists, Summary};
use crate::record::Reject;

/// Renders the whole report.
pub fn render_markdown(summary: &Summary, lists: &Lists, rejects: &[Reject]) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# 企业意见建议汇总报告\n");
    let _ = writeln!(w, "## 一、总体情况\n");
    let _ = writeln!(
        w,
        "{}，涉及企业{}家。经合并同类项，归并为{}个问题，其中{}个为多家企业共同反映的共性问题。\n",
        summary.headline(),
        summary.enterprises,
        summary.groups,
        summary.common_problems
    );
    let _ = writeln!(
        w,
        "本次读取{}个文件共{}行：接收{}行，退回{}行{}。\n",
        summary.files.len(),
        summary.rows_read,
        summary.rows_accepted,
        summary.rows_rejected,
        if summary.rows_rejected > 0 {
            "（见文末及 rejects.csv）"
        } else {
            ""
        }
    );
    count_table(
        w,
        "按主题（主要主题）",
        "主题",
        &summary.by_topic,
        summary.items,
    );
    count_table(w, "按渠道", "渠道", &summary.by_channel, summary.items);
    count_table(w, "按地区", "地区", &summary.by_region, summary.items);
    count_table(w, "按月份", "月份", &summary.by_month, summary.items);

    let _ = writeln!(w, "## 二、共性问题清单\n");
    if lists.common.is_empty() {
        let _ = writeln!(w, "暂无两家及以上企业共同反映的问题。\n");
    } else {
        let _ = writeln!(
            w,
            "按反映企业数排序，其次按反映次数；完整表述见 common_problems.csv。\n"
        );
        let _ = writeln!(
            w,
            "| 序号 | 问题（代表性表述） | 主题 | 企业数 | 次数 | 渠道 | 共同关键词 |"
        );
        let _ = writeln!(w, "|---:|---|---|---:|---:|---|---|");
        for c in lists.common.iter().take(page::COMMON_SHOWN) {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} |",
                c.rank,
                cell(&short_statement(&c.title, &c.problem)),
                c.topic,
                c.enterprise_count,
                c.count,
                c.channels.join("、"),
                c.shared_terms.join("、")
            );
        }
        let _ = writeln!(w);
        let shown = lists.common.len().min(page::COMMON_SHOWN);
        if let Some(note) = page::cut_note(lists.common.len(), shown, "个", "common_problems.csv")
        {
            let _ = writeln!(w, "{note}\n");
        }
    }

    let _ = writeln!(w, "## 三、一企一清单\n");
    let shown = lists.enterprises.len().min(page::ENTERPRISES_SHOWN);
    if let Some(note) = page::cut_note(lists.enterprises.len(), shown, "家企业", "enterprises.csv")
    {
        let _ = writeln!(w, "{note}\n");
    }
    for e in lists.enterprises.iter().take(shown) {
        let region = if e.regions.is_empty() {
            String::new()
        } else {
            format!("，{}", e.regions.join("、"))
        };
        let _ = writeln!(
            w,
            "### {}（{}条，{}个问题{}）\n",
            e.enterprise,
            e.item_count,
            e.problems.len(),
            region
        );
        for (n, p) in e.problems.iter().enumerate().take(page::PROBLEMS_SHOWN) {
            let mut notes = vec![p.topic.clone()];
            if p.count > 1 {
                notes.push(format!("反映{}次", p.count));
            }
            if !p.channels.is_empty() {
                notes.push(p.channels.join("、"));
            }
            if p.other_enterprises > 0 {
                notes.push(format!("另有{}家企业反映", p.other_enterprises));
            }
            let _ = writeln!(w, "{}. {}（{}）", n + 1, p.problem, notes.join("；"));
        }
        let listed = e.problems.len().min(page::PROBLEMS_SHOWN);
        if let Some(note) = page::cut_note(e.problems.len(), listed, "个问题", "enterprises.csv")
        {
            let _ = writeln!(w, "\n{note}");
        }
        let _ = writeln!(w);
    }

    if !rejects.is_empty() {
        let _ = writeln!(w, "## 附：退回的行\n");
        let _ = writeln!(w, "| 文件 | 行号 | 字段 | 原因 |");
        let _ = writeln!(w, "|---|---:|---|---|");
        for r in rejects.iter().take(page::REJECTS_SHOWN) {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} |",
                cell(&r.source.file),
                r.source.row,
                r.field,
                cell(&r.reason)
            );
        }
        let _ = writeln!(w);
        let shown = rejects.len().min(page::REJECTS_SHOWN);
        if let Some(note) = page::cut_note(rejects.len(), shown, "行", "rejects.csv") {
            let _ = writeln!(w, "{note}\n");
        }
    }
    md
}

fn count_table(w: &mut String, heading: &str, label: &str, counts: &Counts, total: usize) {
    let _ = writeln!(w, "### {heading}\n");
    let _ = writeln!(w, "| {label} | 条数 | 占比 |");
    let _ = writeln!(w, "|---|---:|---:|");
    let mut rows: Vec<(&String, &usize)> = counts.iter().collect();
    // Months read best in time order; everything else largest first.
    if label != "月份" {
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    }
    for (k, v) in rows {
        let share = if total == 0 {
            0.0
        } else {
            *v as f64 * 100.0 / total as f64
        };
        let _ = writeln!(w, "| {k} | {v} | {share:.1}% |");
    }
    let _ = writeln!(w);
}

/// A table needs a short statement: the title if there is one, else the text's opening.
fn short_statement(title: &str, text: &str) -> String {
    const MAX_CHARS: usize = 60;
    if !title.is_empty() {
        return title.to_string();
    }
    if text.chars().count() <= MAX_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX_CHARS).collect();
    format!("{head}…")
}

/// A Markdown table cell: no line breaks or pipes (the meeting pack and the loop's monthly report
/// use it too).
pub fn cell(s: &str) -> String {
    s.replace('|', "｜").replace(['\n', '\r'], " ")
}
