//! How well clusters match gold merge groups: for each topic, its items are clustered with k
//! chosen automatically and with k = the number of gold classes, and both partitions are scored
//! against the gold (adjusted Rand index, NMI). An item in no gold group is a class of its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{adjusted_rand_index, cluster_items, normalized_mutual_info, KChoice};
use crate::pipeline::Analysis;
use crate::{Error, Result};

/// The four topics with the most gold groups in our corpus, the ones the README reports.
pub const MAIN_TOPICS: [&str; 4] = ["金融信贷", "物流运输", "土地用地", "人才用工"];

/// Agreement of one clustering with the gold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub k: usize,
    /// Adjusted Rand index over all of the topic's items.
    pub ari: f64,
    /// Normalised mutual information over all of the topic's items.
    pub nmi: f64,
    /// Adjusted Rand index over only the items in gold groups of two or more: whether the
    /// recurring problems are told apart, whatever happens to the one-off items.
    pub ari_grouped: f64,
}

/// One topic's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicAgreement {
    pub topic: String,
    /// Items of the topic (main topic) that have a gold label.
    pub items: usize,
    /// Gold classes among them: groups plus items in no group.
    pub gold_classes: usize,
    /// Gold groups of two or more among them.
    pub gold_groups: usize,
    pub auto: Agreement,
    pub gold_k: Agreement,
    /// The workspace's own merge groups scored the same way (k = their number), for comparison:
    /// merging aims at exactly the gold's grain, clusters at a coarser one.
    pub merge_groups: Agreement,
}

/// The figures for every topic evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterEvaluation {
    pub method: String,
    pub seed: u64,
    pub topics: Vec<TopicAgreement>,
}

#[derive(Deserialize)]
struct GoldLine {
    id: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    reject: Option<String>,
}

/// Reads a gold file (JSONL: `{id, topics, group|null}` or `{id, reject: field}`) as item id →
/// gold class: the group, or `single:` and the id for an item in no group. Rejected rows are left
/// out.
pub fn read_gold_groups(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut gold = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let g: GoldLine = serde_json::from_str(line).map_err(|e| Error::Row {
            file: path.display().to_string(),
            row: i + 1,
            reason: format!("不是金标准行（应为 {{id, topics, group}} 或 {{id, reject}}）: {e}"),
        })?;
        if g.reject.is_some() {
            continue;
        }
        let class = g.group.unwrap_or_else(|| format!("single:{}", g.id));
        gold.insert(g.id, class);
    }
    Ok(gold)
}

/// Clusters each topic's items twice (k auto, k = gold classes) and scores both against `gold`.
pub fn evaluate_clusters(
    analysis: &Analysis,
    gold: &BTreeMap<String, String>,
    topics: &[&str],
    seed: u64,
) -> Result<ClusterEvaluation> {
    let group_of = analysis.group_of_item();
    let merge_groups: HashMap<&str, usize> = analysis
        .items
        .iter()
        .zip(&group_of)
        .map(|(a, &g)| (a.item.id.as_str(), g))
        .collect();
    let mut out = Vec::new();
    for &topic in topics {
        let auto = cluster_items(analysis, Some(topic), KChoice::Auto, seed)?;
        let ids: Vec<&str> = auto
            .clusters
            .iter()
            .flat_map(|c| c.items.iter().map(String::as_str))
            .filter(|id| gold.contains_key(*id))
            .collect();
        let classes: BTreeSet<&str> = ids.iter().map(|id| gold[*id].as_str()).collect();
        if ids.is_empty() {
            return Err(Error::Clusters(format!(
                "主题“{topic}”的条目都不在金标准中"
            )));
        }
        let by_k = cluster_items(analysis, Some(topic), KChoice::Fixed(classes.len()), seed)?;
        out.push(TopicAgreement {
            topic: topic.to_string(),
            items: ids.len(),
            gold_classes: classes.len(),
            gold_groups: groups_of_two(&ids, gold),
            auto: agreement(&ids, gold, &members(&auto)),
            gold_k: agreement(&ids, gold, &members(&by_k)),
            merge_groups: agreement(&ids, gold, &merge_groups),
        });
    }
    Ok(ClusterEvaluation {
        method: "每个主题（按主主题）的条目分别聚类：k 自动选择，以及 k = 金标准类数；\
                 金标准为合并组，未成组的条目各自为一类"
            .into(),
        seed,
        topics: out,
    })
}

/// A set of hot issues clustered whole (every item, no topic split) and merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueAgreement {
    pub items: usize,
    pub issues: usize,
    /// `clusters --k auto` over all the items.
    pub auto: Agreement,
    /// k = the number of issues.
    pub gold_k: Agreement,
    /// The batch's merge groups (k = their number, single items included).
    pub merge_groups: Agreement,
    pub k_choice: String,
    pub seed: u64,
}

/// Clusters all of `analysis`'s items (k auto and k = issues) and scores both, and the merge
/// groups, against `gold` (item id → issue). Every item must have an issue.
pub fn evaluate_issues(
    analysis: &Analysis,
    gold: &BTreeMap<String, String>,
    seed: u64,
) -> Result<IssueAgreement> {
    let ids: Vec<&str> = analysis.items.iter().map(|a| a.item.id.as_str()).collect();
    if let Some(id) = ids.iter().find(|id| !gold.contains_key(**id)) {
        return Err(Error::Clusters(format!("条目 {id} 没有标注热点问题")));
    }
    let issues = ids
        .iter()
        .map(|id| gold[*id].as_str())
        .collect::<BTreeSet<_>>()
        .len();
    let auto = cluster_items(analysis, None, KChoice::Auto, seed)?;
    let by_k = cluster_items(analysis, None, KChoice::Fixed(issues), seed)?;
    let group_of = analysis.group_of_item();
    let merge_groups: HashMap<&str, usize> = ids.iter().copied().zip(group_of).collect();
    Ok(IssueAgreement {
        items: ids.len(),
        issues,
        auto: agreement(&ids, gold, &members(&auto)),
        gold_k: agreement(&ids, gold, &members(&by_k)),
        merge_groups: agreement(&ids, gold, &merge_groups),
        k_choice: auto.k_choice,
        seed,
    })
}

impl IssueAgreement {
    pub fn render(&self) -> String {
        let line = |name: &str, a: &Agreement| {
            format!("{name:<16}{:>6}{:>10.3}{:>10.3}\n", a.k, a.ari, a.nmi)
        };
        format!(
            "{}条留言，{}个热点问题；{}\n{:<14}{:>8}{:>10}{:>10}\n{}{}{}",
            self.items,
            self.issues,
            self.k_choice,
            "划分",
            "簇/组数",
            "ARI",
            "NMI",
            line("聚类 k 自动", &self.auto),
            line("聚类 k=问题数", &self.gold_k),
            line("合并组", &self.merge_groups),
        )
    }
}

/// Gold groups of two or more among `ids`.
fn groups_of_two(ids: &[&str], gold: &BTreeMap<String, String>) -> usize {
    class_sizes(ids, gold).values().filter(|&&n| n >= 2).count()
}

fn class_sizes<'a>(ids: &[&str], gold: &'a BTreeMap<String, String>) -> HashMap<&'a str, usize> {
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for id in ids {
        *sizes.entry(gold[*id].as_str()).or_default() += 1;
    }
    sizes
}

/// How one partition of `ids` (item id → cluster) agrees with the gold.
fn agreement(
    ids: &[&str],
    gold: &BTreeMap<String, String>,
    cluster_of: &HashMap<&str, usize>,
) -> Agreement {
    let sizes = class_sizes(ids, gold);
    let score = |ids: &[&str]| {
        let g: Vec<&str> = ids.iter().map(|id| gold[*id].as_str()).collect();
        let p: Vec<usize> = ids.iter().map(|id| cluster_of[id]).collect();
        (adjusted_rand_index(&g, &p), normalized_mutual_info(&g, &p))
    };
    let (ari, nmi) = score(ids);
    let grouped: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| sizes[gold[*id].as_str()] >= 2)
        .collect();
    let mut k: Vec<usize> = ids.iter().map(|id| cluster_of[id]).collect();
    k.sort_unstable();
    k.dedup();
    Agreement {
        k: k.len(),
        ari,
        nmi,
        ari_grouped: score(&grouped).0,
    }
}

/// Item id → cluster id.
fn members(report: &super::ClusterReport) -> HashMap<&str, usize> {
    report
        .clusters
        .iter()
        .flat_map(|c| c.items.iter().map(move |id| (id.as_str(), c.id)))
        .collect()
}

impl ClusterEvaluation {
    /// A table: per topic, items, gold classes and both clusterings' ARI and NMI.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "评估方式: {}；种子 {}", self.method, self.seed);
        let _ = writeln!(
            out,
            "{:<10}{:>6}{:>8}{:>6} |{:>5}{:>8}{:>8}{:>10} |{:>5}{:>8}{:>8}{:>10} |{:>5}{:>8}{:>8}",
            "主题",
            "条数",
            "金标准类",
            "组",
            "自动k",
            "ARI",
            "NMI",
            "组内ARI",
            "k",
            "ARI",
            "NMI",
            "组内ARI",
            "合并组",
            "ARI",
            "NMI"
        );
        for t in &self.topics {
            let _ = writeln!(
                out,
                "{:<10}{:>8}{:>10}{:>7} |{:>7}{:>8.3}{:>8.3}{:>10.3} |{:>5}{:>8.3}{:>8.3}{:>10.3} |{:>8}{:>8.3}{:>8.3}",
                t.topic,
                t.items,
                t.gold_classes,
                t.gold_groups,
                t.auto.k,
                t.auto.ari,
                t.auto.nmi,
                t.auto.ari_grouped,
                t.gold_k.k,
                t.gold_k.ari,
                t.gold_k.nmi,
                t.gold_k.ari_grouped,
                t.merge_groups.k,
                t.merge_groups.ari,
                t.merge_groups.nmi
            );
        }
        let _ = writeln!(
            out,
            "（组 = 至少2条的金标准合并组；组内ARI 只算这些组里的条目；合并组 = 本工作目录合并同类项的结果，供对照）"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gold_lines_become_classes_and_rejects_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gold.jsonl");
        std::fs::write(
            &path,
            concat!(
                "{\"id\": \"Q1\", \"topics\": [\"税费\"], \"group\": \"A1\"}\n",
                "{\"id\": \"Q2\", \"topics\": [\"税费\"], \"group\": null}\n",
                "\n",
                "{\"id\": \"Q3\", \"reject\": \"意见建议\"}\n",
            ),
        )
        .unwrap();
        let gold = read_gold_groups(&path).unwrap();
        assert_eq!(gold.len(), 2);
        assert_eq!(gold["Q1"], "A1");
        assert_eq!(gold["Q2"], "single:Q2");
        std::fs::write(&path, "not json\n").unwrap();
        let err = read_gold_groups(&path).unwrap_err().to_string();
        assert!(err.contains("第1行"), "{err}");
    }
}
