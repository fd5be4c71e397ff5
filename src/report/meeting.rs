//! The meeting pack (会议材料) for one topic: its figures, its common problems, its sub-problems
//! (clusters) and its items, gathered once as a [`MeetingPack`] and written as an HTML page, a
//! Markdown file and an Excel workbook (`meeting-主题.html/.md/.xlsx`) that say the same.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::clusters::{cluster_with_past, ClusterReport, KChoice};
use crate::date::Date;
use crate::index::{ItemTexts, SearchIndex};
use crate::pipeline::Analysis;
use crate::record::PastAnswer;
use crate::report::{
    build_lists, markdown_cell, render_meeting_html, write_meeting_xlsx, CommonProblem, Counts,
    Lists,
};
use crate::{Error, Result};

/// One item of the topic, with the sub-problem it fell in.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingItem {
    pub id: String,
    pub enterprise: String,
    pub date: Option<Date>,
    pub channel: String,
    pub region: String,
    pub title: String,
    pub text: String,
    /// The cluster's id (1-based), 0 if none lists it.
    pub cluster: usize,
    /// The answer it received when it was raised before.
    pub answer: Option<PastAnswer>,
}

/// A matter of the topic raised before and answered: a common problem some of whose items
/// carry answers, or an item on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredMatter {
    /// “共性问题（总排名3）” or “条目 编号”.
    pub what: String,
    /// The common problem's wording, or the item's enterprise and text.
    pub problem: String,
    /// The answered items (ids), sorted.
    pub items: Vec<String>,
    /// The latest answer among them (by date, then id).
    pub answer: PastAnswer,
}

/// An enterprise that raised the topic, with its items and the sub-problems they fell in.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingEnterprise {
    pub enterprise: String,
    pub items: usize,
    pub clusters: Vec<usize>,
}

/// Everything a meeting on one topic needs.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingPack {
    pub topic: String,
    /// Items whose main topic this is (as `summary.json`'s `by_topic` counts them).
    pub items: usize,
    /// Items in the whole workspace.
    pub all_items: usize,
    pub enterprises: usize,
    pub by_channel: Counts,
    pub by_region: Counts,
    pub by_month: Counts,
    pub first: Option<Date>,
    pub last: Option<Date>,
    /// The common problems whose topic this is, in their overall rank order.
    pub common: Vec<CommonProblem>,
    pub clusters: ClusterReport,
    /// Enterprises, most items first, then by name.
    pub enterprise_list: Vec<MeetingEnterprise>,
    /// The items, by sub-problem, then date, then id.
    pub item_list: Vec<MeetingItem>,
    /// The answers of the items the pack shows (the topic's, its common problems' and the
    /// similar past ones), by id.
    pub answers: BTreeMap<String, PastAnswer>,
    /// The topic's common problems and items raised before and answered: common problems in
    /// rank order first, then items not in them in `item_list` order. Empty when none.
    pub answered: Vec<AnsweredMatter>,
}

const UNKNOWN: &str = "未注明";

/// The meeting pack for `topic` (a main topic, as written): the topic's items clustered into
/// sub-problems (k and seed as [`crate::clusters::cluster_items`] takes them), each with similar
/// items from `index` (with the store its texts are read from), and the workspace's lists.
/// Write it with [`write_meeting_pack`].
pub fn meeting_pack(
    analysis: &Analysis,
    index: (&SearchIndex, &dyn ItemTexts),
    topic: &str,
    k: KChoice,
    seed: u64,
) -> Result<MeetingPack> {
    let clusters = cluster_with_past(analysis, index, Some(topic), k, seed)?;
    Ok(MeetingPack::new(
        topic,
        analysis,
        &build_lists(analysis),
        clusters,
    ))
}

impl MeetingPack {
    /// Gathers the pack from the workspace's analysis, its lists and the topic's clusters.
    pub fn new(topic: &str, analysis: &Analysis, lists: &Lists, clusters: ClusterReport) -> Self {
        let cluster_of: BTreeMap<&str, usize> = clusters
            .clusters
            .iter()
            .flat_map(|c| c.items.iter().map(move |id| (id.as_str(), c.id)))
            .collect();
        let label = |v: &str| {
            if v.is_empty() {
                UNKNOWN.to_string()
            } else {
                v.to_string()
            }
        };
        let (mut by_channel, mut by_region, mut by_month) =
            (Counts::new(), Counts::new(), Counts::new());
        let mut per_enterprise: BTreeMap<&str, (usize, BTreeSet<usize>)> = BTreeMap::new();
        let mut item_list = Vec::new();
        for a in analysis.items.iter().filter(|a| a.main_topic() == topic) {
            *by_channel.entry(label(&a.channel)).or_default() += 1;
            *by_region.entry(label(&a.region)).or_default() += 1;
            let month = a.item.date.map(|d| d.month_key());
            *by_month
                .entry(month.unwrap_or_else(|| UNKNOWN.into()))
                .or_default() += 1;
            let cluster = cluster_of.get(a.item.id.as_str()).copied().unwrap_or(0);
            let entry = per_enterprise.entry(a.enterprise.as_str()).or_default();
            entry.0 += 1;
            if cluster > 0 {
                entry.1.insert(cluster);
            }
            item_list.push(MeetingItem {
                id: a.item.id.clone(),
                enterprise: a.enterprise.clone(),
                date: a.item.date,
                channel: a.channel.clone(),
                region: a.region.clone(),
                title: a.title.clone(),
                text: a.text.clone(),
                cluster,
                answer: a.item.answer.clone(),
            });
        }
        item_list.sort_by(|a, b| (a.cluster, a.date, &a.id).cmp(&(b.cluster, b.date, &b.id)));
        let mut enterprise_list: Vec<MeetingEnterprise> = per_enterprise
            .into_iter()
            .map(|(e, (items, clusters))| MeetingEnterprise {
                enterprise: e.to_string(),
                items,
                clusters: clusters.into_iter().collect(),
            })
            .collect();
        enterprise_list.sort_by(|a, b| b.items.cmp(&a.items).then(a.enterprise.cmp(&b.enterprise)));
        let dates = item_list.iter().filter_map(|i| i.date);
        let common: Vec<CommonProblem> = lists
            .common
            .iter()
            .filter(|c| c.topic == topic)
            .cloned()
            .collect();
        let shown: BTreeSet<&str> = item_list
            .iter()
            .map(|i| i.id.as_str())
            .chain(clusters.clusters.iter().flat_map(|c| {
                c.similar_past
                    .iter()
                    .chain(&c.representatives)
                    .map(|i| i.id.as_str())
            }))
            .chain(
                common
                    .iter()
                    .flat_map(|c| c.items.iter().map(String::as_str)),
            )
            .collect();
        let answers: BTreeMap<String, PastAnswer> = analysis
            .items
            .iter()
            .filter(|a| shown.contains(a.item.id.as_str()))
            .filter_map(|a| Some((a.item.id.clone(), a.item.answer.clone()?)))
            .collect();
        let answered = answered_matters(&common, &item_list, &answers);
        MeetingPack {
            topic: topic.to_string(),
            items: item_list.len(),
            all_items: analysis.items.len(),
            enterprises: enterprise_list.len(),
            by_channel,
            by_region,
            by_month,
            first: dates.clone().min(),
            last: dates.max(),
            common,
            clusters,
            enterprise_list,
            item_list,
            answers,
            answered,
        }
    }

    /// Whether any item of the topic was answered before (the Excel item sheet then has the
    /// answer columns).
    pub fn has_answers(&self) -> bool {
        self.item_list.iter().any(|i| i.answer.is_some())
    }

    /// The page's title, e.g. “金融信贷专题会议材料”.
    pub fn title(&self) -> String {
        format!("{}专题会议材料", self.topic)
    }

    /// The topic's share of all items, as “16.1%”.
    pub fn share(&self) -> String {
        if self.all_items == 0 {
            return "0%".into();
        }
        format!("{:.1}%", self.items as f64 * 100.0 / self.all_items as f64)
    }

    /// The opening sentence.
    pub fn headline(&self) -> String {
        let when = match (self.first, self.last) {
            (Some(a), Some(b)) => format!("，时间为{a}至{b}"),
            _ => String::new(),
        };
        format!(
            "{}方面收集意见建议{}条（占全部{}条的{}），涉及企业{}家{when}；归纳为{}个子问题，其中两家及以上企业共同反映的共性问题{}个。",
            self.topic,
            self.items,
            self.all_items,
            self.share(),
            self.enterprises,
            self.clusters.clusters.len(),
            self.common.len()
        )
    }
}

/// The common problems with answered members (one entry each, its latest answer), then the
/// answered items that are in none of them.
fn answered_matters(
    common: &[CommonProblem],
    items: &[MeetingItem],
    answers: &BTreeMap<String, PastAnswer>,
) -> Vec<AnsweredMatter> {
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for c in common {
        let mut ids: Vec<String> = c
            .items
            .iter()
            .filter(|id| answers.contains_key(id.as_str()))
            .cloned()
            .collect();
        ids.sort();
        let latest = ids
            .iter()
            .filter_map(|id| answers.get(id).map(|a| (a.date, id, a)))
            .max_by_key(|(date, id, _)| (*date, *id))
            .map(|(_, _, a)| a.clone());
        let Some(answer) = latest else { continue };
        covered.extend(c.items.iter().map(String::as_str));
        let problem = if c.title.is_empty() {
            c.problem.clone()
        } else {
            format!("{}：{}", c.title, c.problem)
        };
        out.push(AnsweredMatter {
            what: format!("共性问题（总排名{}）", c.rank),
            problem,
            items: ids,
            answer,
        });
    }
    for i in items {
        let Some(answer) = &i.answer else { continue };
        if covered.contains(i.id.as_str()) {
            continue;
        }
        out.push(AnsweredMatter {
            what: format!("条目 {}", i.id),
            problem: format!("{}：{}", i.enterprise, i.text),
            items: vec![i.id.clone()],
            answer: answer.clone(),
        });
    }
    out
}

/// A topic as part of a file name: path separators and characters some file systems refuse
/// become “_”, so the files stay inside the workspace.
pub fn meeting_file_stem(topic: &str) -> String {
    let clean: String = topic
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || c.is_whitespace() || r#"/\:*?"<>|"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(60)
        .collect();
    if clean.is_empty() {
        "meeting-主题".into()
    } else {
        format!("meeting-{clean}")
    }
}

/// The Markdown version, to paste into a meeting note.
pub fn render_meeting_markdown(pack: &MeetingPack) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# {}\n", pack.title());
    let _ = writeln!(w, "## 一、基本情况\n");
    let _ = writeln!(w, "{}\n", pack.headline());
    for (heading, counts) in [("按渠道", &pack.by_channel), ("按地区", &pack.by_region)] {
        let mut rows: Vec<(&String, &usize)> = counts.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = rows.iter().map(|(k, v)| format!("{k}{v}")).collect();
        let _ = writeln!(w, "- {heading}：{}", parts.join("、"));
    }
    let months: Vec<String> = pack
        .by_month
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(w, "- 按月份：{}\n", months.join("、"));

    let _ = writeln!(w, "## 二、共性问题\n");
    if pack.common.is_empty() {
        let _ = writeln!(w, "本主题暂无两家及以上企业共同反映的问题。\n");
    } else {
        let _ = writeln!(w, "| 总排名 | 问题 | 企业数 | 次数 | 反映企业 |");
        let _ = writeln!(w, "|---:|---|---:|---:|---|");
        for c in &pack.common {
            let problem = if c.title.is_empty() {
                c.problem.clone()
            } else {
                format!("{}：{}", c.title, c.problem)
            };
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                c.rank,
                markdown_cell(&problem),
                c.enterprise_count,
                c.count,
                markdown_cell(&c.enterprises.join("、"))
            );
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(w, "## 三、子问题\n");
    let _ = writeln!(w, "{}\n", pack.clusters.headline());
    // The clusters module's own Markdown, without its title and headline (given above).
    let clusters = pack.clusters.render_markdown();
    let headline = pack.clusters.headline();
    let body = clusters
        .lines()
        .filter(|l| !l.starts_with("## ") && *l != headline)
        .skip_while(|l| l.is_empty());
    for line in body {
        let _ = writeln!(w, "{}", line.replacen("### ", "### 子问题", 1));
    }

    let _ = writeln!(w, "## 四、涉及企业\n");
    let _ = writeln!(w, "| 企业 | 条数 | 子问题 |");
    let _ = writeln!(w, "|---|---:|---|");
    for e in &pack.enterprise_list {
        let clusters: Vec<String> = e.clusters.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(
            w,
            "| {} | {} | {} |",
            markdown_cell(&e.enterprise),
            e.items,
            clusters.join("、")
        );
    }
    let _ = writeln!(w);
    // Only when there are answers, so a pack without any reads as it always did.
    if !pack.answered.is_empty() {
        let _ = writeln!(w, "## 五、此前已提出并答复\n");
        for m in &pack.answered {
            let _ = writeln!(
                w,
                "- **{}**（{}）{}  \n  {}",
                m.what,
                m.items.join("、"),
                markdown_cell(&m.problem),
                markdown_cell(&m.answer.meeting_line())
            );
        }
        let _ = writeln!(w);
    }
    md
}

/// Writes `meeting-主题.html`, `.md` and `.xlsx` into `dir`; returns their paths.
pub fn write_meeting_pack(dir: &Path, pack: &MeetingPack) -> Result<Vec<PathBuf>> {
    let stem = meeting_file_stem(&pack.topic);
    let html = dir.join(format!("{stem}.html"));
    let md = dir.join(format!("{stem}.md"));
    let xlsx = dir.join(format!("{stem}.xlsx"));
    std::fs::write(&html, render_meeting_html(pack)).map_err(|e| Error::io(&html, e))?;
    std::fs::write(&md, render_meeting_markdown(pack)).map_err(|e| Error::io(&md, e))?;
    write_meeting_xlsx(&xlsx, pack)?;
    Ok(vec![html, md, xlsx])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_names() {
        assert_eq!(meeting_file_stem("金融信贷"), "meeting-金融信贷");
        assert_eq!(meeting_file_stem("../a/b c:d"), "meeting-.._a_b_c_d");
        assert_eq!(meeting_file_stem("  "), "meeting-主题");
    }
}
