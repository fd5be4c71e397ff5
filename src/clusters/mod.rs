//! Clusters (子问题): splits the items of one topic (or all items) into sub-problems, for an
//! analyst preparing a meeting. Items become TF-IDF vectors of their terms ([`TfIdf`], from
//! [`crate::vectors`]), reduced by a seeded truncated SVD and L2-normalised; the members of a
//! merge group then share their group's mean direction, so a common problem is never split
//! between sub-problems. KMeans (linfa, fixed seed) clusters them, with k given or chosen by the
//! mean silhouette (rows of clusters under [`MIN_SIZE`] items scoring 0, see [`choose_k`]). Each
//! cluster gets a
//! c-TF-IDF label, the items nearest its centroid, its enterprises, channels and regions, and
//! (from a search index) the most similar items outside it. The same analysis and seed always
//! give the same clusters.

mod agreement;
mod choose_k;
mod evaluate;
mod kmeans;
mod label;
mod reduce;
mod render;

pub use agreement::{adjusted_rand_index, normalized_mutual_info};
pub use choose_k::{
    choose_k, mean_silhouette, sized_silhouette, KSearch, MAX_AUTO_K, MIN_SIZE, SAMPLE,
};
pub use evaluate::{
    evaluate_clusters, evaluate_issues, read_gold_groups, Agreement, ClusterEvaluation,
    IssueAgreement, TopicAgreement, MAIN_TOPICS,
};
pub use kmeans::{kmeans, KMeansFit};
pub use label::ctfidf_labels;
pub use reduce::reduce;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::str::FromStr;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::index::{Hit, ItemTexts, SearchIndex};
use crate::pipeline::{Analysis, AnalyzedItem};
use crate::segment::Terms;
use crate::vectors::TfIdf;
use crate::{Error, Result};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;
/// Most SVD components kept (a large batch).
pub const DIMS: usize = 100;
/// A smaller batch keeps 3 components per 10 items. Measured on our corpus (mean ARI against the
/// gold groups, four topics, five seeds, k auto): no reduction 0.46, 2 per 10 items 0.54, 3 per
/// 10 0.61, 4 per 10 0.58: few items share few words, and the SVD joins words used together.
const DIMS_PER_TEN_ITEMS: usize = 3;
/// Label terms per cluster.
pub const LABEL_TERMS: usize = 5;
/// Representative items per cluster.
pub const REPRESENTATIVES: usize = 3;
/// Similar items from the index per cluster, and the least similarity listed (as `similar`).
pub const PAST_ITEMS: usize = 3;
pub const PAST_MIN_SCORE: f32 = 0.10;
/// What a missing channel or region is counted as.
const UNKNOWN: &str = "未注明";

/// How many clusters: a given number, or chosen by the mean silhouette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    Fixed(usize),
    Auto,
}

impl FromStr for KChoice {
    type Err = String;

    /// `auto` (or 自动) or a whole number of at least 1.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") || s == "自动" {
            return Ok(KChoice::Auto);
        }
        match s.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(KChoice::Fixed(k)),
            _ => Err(format!("“{s}”不是有效的 k：应为 auto 或不小于1的整数")),
        }
    }
}

/// The clusters of one topic (or of all items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterReport {
    /// The topic clustered; `None` = all items.
    pub topic: Option<String>,
    /// Items clustered.
    pub items: usize,
    pub k: usize,
    /// How k was set, in words (e.g. “固定 k=5” or the criterion `auto` used).
    pub k_choice: String,
    pub seed: u64,
    /// Most distinct enterprises first, then most items, then label.
    pub clusters: Vec<Cluster>,
}

/// One sub-problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// 1-based, in the sorted order.
    pub id: usize,
    /// Up to five most distinctive terms (c-TF-IDF).
    pub label: Vec<String>,
    pub item_count: usize,
    pub enterprise_count: usize,
    /// Sorted.
    pub enterprises: Vec<String>,
    pub by_channel: BTreeMap<String, usize>,
    pub by_region: BTreeMap<String, usize>,
    /// Up to three members, nearest the centroid first (score: cosine to the centroid).
    pub representatives: Vec<ClusterItem>,
    /// Member item ids, sorted.
    pub items: Vec<String>,
    /// Up to three items from the index that are not members (score: TF-IDF cosine to the
    /// cluster's label and representatives); empty until [`add_similar_past`] fills it.
    pub similar_past: Vec<ClusterItem>,
}

/// An item as a cluster lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterItem {
    pub id: String,
    pub enterprise: String,
    pub date: Option<Date>,
    /// Title and text (“标题。正文”), or the text when there is no title.
    pub text: String,
    pub score: f32,
}

/// Clusters the items whose main topic is `topic` (all items for `None`). No similar past items
/// yet: see [`add_similar_past`]. An unknown topic is an error listing the topics present; a
/// fixed k larger than the number of items is an error; `auto` on fewer than 6 items gives one
/// cluster and says so.
pub fn cluster_items(
    analysis: &Analysis,
    topic: Option<&str>,
    k: KChoice,
    seed: u64,
) -> Result<ClusterReport> {
    let picked = select(analysis, topic)?;
    let items: Vec<&AnalyzedItem> = picked.iter().map(|&i| &analysis.items[i]).collect();
    let n = items.len();
    let x = snap_to_groups(vectors(&items, seed), &group_keys(analysis, &picked));
    let (k, mut k_choice) = match k {
        KChoice::Fixed(k) => {
            if k == 0 || k > n {
                return Err(Error::Clusters(format!(
                    "{}只有{n}条，不能分成{k}个簇；k 应在1到{n}之间",
                    scope(topic)
                )));
            }
            (k, format!("固定 k={k}"))
        }
        KChoice::Auto => {
            let search = choose_k(&x, seed)?;
            let text = match search.range {
                Some((lo, hi)) => {
                    let best = search
                        .scores
                        .iter()
                        .find(|(k, _)| *k == search.k)
                        .map(|(_, s)| *s)
                        .unwrap_or(0.0);
                    format!(
                        "自动：平均轮廓系数（余弦距离；不足{MIN_SIZE}条的簇不算子问题，其条目记0）最高者，k={lo}..{hi} 中选 k={}（轮廓系数 {best:.3}，按{}条计算）",
                        search.k, search.sample
                    )
                }
                None => format!("自动：只有{n}条，至少6条才比较 k，不分簇"),
            };
            (search.k, text)
        }
    };
    let fit = kmeans(&x, k, seed, kmeans::RUNS)?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in fit.assignments.iter().enumerate() {
        members[c].push(i);
    }
    let empty = members.iter().filter(|m| m.is_empty()).count();
    if empty > 0 {
        k_choice.push_str(&format!("；其中{empty}个簇没有条目，已略去"));
    }
    let kept: Vec<(usize, Vec<usize>)> = members
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .collect();
    let term_lists: Vec<Vec<&Terms>> = kept
        .iter()
        .map(|(_, m)| m.iter().map(|&i| &items[i].terms).collect())
        .collect();
    let labels = ctfidf_labels(&term_lists, LABEL_TERMS);
    let mut clusters: Vec<Cluster> = kept
        .iter()
        .zip(labels)
        .map(|((c, m), label)| describe(&items, &x, &fit.centroids, *c, m, label))
        .collect();
    clusters.sort_by(|a, b| {
        b.enterprise_count
            .cmp(&a.enterprise_count)
            .then(b.item_count.cmp(&a.item_count))
            .then(a.label.cmp(&b.label))
            .then(a.items.cmp(&b.items))
    });
    for (i, c) in clusters.iter_mut().enumerate() {
        c.id = i + 1;
    }
    Ok(ClusterReport {
        topic: topic.map(str::to_string),
        items: n,
        k,
        k_choice,
        seed,
        clusters,
    })
}

/// Clusters as [`cluster_items`] does, then fills each cluster's `similar_past` from `past` (the
/// workspace's own index or an earlier workspace's, with that workspace's store for the texts):
/// up to [`PAST_ITEMS`] items outside the cluster, at least [`PAST_MIN_SCORE`] similar. What
/// `qingdan clusters` prints.
pub fn cluster_with_past(
    analysis: &Analysis,
    past: (&SearchIndex, &dyn ItemTexts),
    topic: Option<&str>,
    k: KChoice,
    seed: u64,
) -> Result<ClusterReport> {
    let mut report = cluster_items(analysis, topic, k, seed)?;
    add_similar_past(&mut report, past, PAST_ITEMS, PAST_MIN_SCORE)?;
    Ok(report)
}

/// Fills each cluster's `similar_past` with the items of `index` most like the cluster (its label
/// and representatives as the query) that are not its members: up to `limit`, at least
/// `min_score` TF-IDF cosine. `index` may be the workspace's own or an earlier workspace's;
/// `texts` is its store.
pub fn add_similar_past(
    report: &mut ClusterReport,
    (index, texts): (&SearchIndex, &dyn ItemTexts),
    limit: usize,
    min_score: f32,
) -> Result<()> {
    for cluster in &mut report.clusters {
        let mut query = cluster.label.join(" ");
        for r in &cluster.representatives {
            query.push('。');
            query.push_str(&r.text);
        }
        let members: HashSet<&str> = cluster.items.iter().map(String::as_str).collect();
        // Members may fill the top of the list; ask for enough to get past them.
        let ask = limit + members.len().min(50);
        let hits = match index.similar(texts, &query, None, None, ask, min_score) {
            Ok(hits) => hits,
            Err(Error::Query(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        cluster.similar_past = hits
            .into_iter()
            .filter(|h| !members.contains(h.id.as_str()))
            .take(limit)
            .map(past_item)
            .collect();
    }
    Ok(())
}

fn past_item(h: Hit) -> ClusterItem {
    ClusterItem {
        date: Date::parse(&h.date),
        text: title_and_text(&h.title, &h.text),
        id: h.id,
        enterprise: h.enterprise,
        score: h.score,
    }
}

fn title_and_text(title: &str, text: &str) -> String {
    if title.is_empty() {
        text.to_string()
    } else {
        format!("{title}。{text}")
    }
}

fn scope(topic: Option<&str>) -> String {
    match topic {
        Some(t) => format!("主题“{t}”"),
        None => "工作目录".into(),
    }
}

/// The indices (in `analysis.items`) of the items whose main topic is `topic`, or of all.
fn select(analysis: &Analysis, topic: Option<&str>) -> Result<Vec<usize>> {
    let items: Vec<usize> = (0..analysis.items.len())
        .filter(|&i| topic.is_none_or(|t| analysis.items[i].main_topic() == t))
        .collect();
    if items.is_empty() {
        return Err(match topic {
            Some(t) => Error::UnknownTopic {
                topic: t.to_string(),
                present: topics_present(analysis),
            },
            None => Error::Clusters("工作目录中没有条目".into()),
        });
    }
    Ok(items)
}

/// “金融信贷(70)、物流运输(64)…”, most items first.
fn topics_present(analysis: &Analysis) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &analysis.items {
        *counts.entry(a.main_topic()).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
        .iter()
        .map(|(t, n)| format!("{t}({n})"))
        .collect::<Vec<_>>()
        .join("、")
}

/// The items as dense unit rows: TF-IDF of their terms, reduced by truncated SVD.
fn vectors(items: &[&AnalyzedItem], seed: u64) -> Array2<f64> {
    let docs: Vec<Vec<&str>> = items.iter().map(|a| a.terms.iter().collect()).collect();
    let tfidf = TfIdf::fit(&docs);
    reduce(
        &tfidf.vectors,
        tfidf.terms.len(),
        dims_for(items.len()),
        seed,
    )
    .0
}

/// The merge group of each picked item (by index in `analysis.items`), as an index into
/// `analysis.groups`; an item in no group (an analysis not merged yet) is a group of its own.
fn group_keys(analysis: &Analysis, picked: &[usize]) -> Vec<usize> {
    let mut of: Vec<Option<usize>> = vec![None; analysis.items.len()];
    for (g, group) in analysis.groups.iter().enumerate() {
        for &m in &group.members {
            if let Some(slot) = of.get_mut(m) {
                *slot = Some(g);
            }
        }
    }
    picked
        .iter()
        .map(|&i| of[i].unwrap_or(analysis.groups.len() + i))
        .collect()
}

/// Moves the members of a merge group onto their group's mean direction (rows stay unit
/// length): a common problem is one problem, so it is never split between sub-problems, and its
/// size weighs in the clustering as its members do.
fn snap_to_groups(mut x: Array2<f64>, groups: &[usize]) -> Array2<f64> {
    let mut sums: BTreeMap<usize, ndarray::Array1<f64>> = BTreeMap::new();
    for (row, &g) in x.rows().into_iter().zip(groups) {
        *sums
            .entry(g)
            .or_insert_with(|| ndarray::Array1::zeros(row.len())) += &row;
    }
    for sum in sums.values_mut() {
        let norm = sum.dot(sum).sqrt();
        if norm > 0.0 {
            *sum /= norm;
        }
    }
    for (mut row, g) in x.rows_mut().into_iter().zip(groups) {
        row.assign(&sums[g]);
    }
    x
}

/// SVD components for a batch of `n` items: 0.3 n (rounded down), at least 2, at most [`DIMS`].
fn dims_for(n: usize) -> usize {
    (n * DIMS_PER_TEN_ITEMS / 10).clamp(2, DIMS)
}

fn describe(
    items: &[&AnalyzedItem],
    x: &Array2<f64>,
    centroids: &Array2<f64>,
    c: usize,
    members: &[usize],
    label: Vec<String>,
) -> Cluster {
    let centroid = centroids.row(c);
    let norm = centroid.dot(&centroid).sqrt().max(f64::MIN_POSITIVE);
    let mut nearest: Vec<(f64, usize)> = members
        .iter()
        .map(|&i| (x.row(i).dot(&centroid) / norm, i))
        .collect();
    nearest.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(items[a.1].item.id.cmp(&items[b.1].item.id))
    });
    let representatives = nearest
        .iter()
        .take(REPRESENTATIVES)
        .map(|&(score, i)| {
            let a = items[i];
            ClusterItem {
                id: a.item.id.clone(),
                enterprise: a.enterprise.clone(),
                date: a.item.date,
                text: title_and_text(&a.title, &a.text),
                score: score as f32,
            }
        })
        .collect();
    let enterprises: BTreeSet<&str> = members
        .iter()
        .map(|&i| items[i].enterprise.as_str())
        .collect();
    let count = |field: fn(&AnalyzedItem) -> &str| {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for &i in members {
            let v = field(items[i]);
            let key = if v.is_empty() { UNKNOWN } else { v };
            *by.entry(key.to_string()).or_default() += 1;
        }
        by
    };
    let mut ids: Vec<String> = members.iter().map(|&i| items[i].item.id.clone()).collect();
    ids.sort();
    Cluster {
        id: 0,
        label,
        item_count: members.len(),
        enterprise_count: enterprises.len(),
        enterprises: enterprises.into_iter().map(str::to_string).collect(),
        by_channel: count(|a| a.channel.as_str()),
        by_region: count(|a| a.region.as_str()),
        representatives,
        items: ids,
        similar_past: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Item, SourceRef};
    use crate::topics::{TopicAssignment, TopicMethod};

    fn item(id: &str, enterprise: &str, topic: &str, terms: &str) -> AnalyzedItem {
        AnalyzedItem {
            item: Item {
                id: id.into(),
                enterprise: enterprise.into(),
                title: String::new(),
                text: terms.replace(' ', ""),
                date: Date::new(2025, 3, 1),
                channel: "走访".into(),
                region: String::new(),
                source: SourceRef {
                    file: "t.csv".into(),
                    row: 2,
                },
                answer: None,
            },
            enterprise: enterprise.into(),
            channel: "走访".into(),
            region: String::new(),
            title: String::new(),
            text: terms.replace(' ', ""),
            terms: terms.split(' ').map(str::to_string).collect(),
            topics: vec![TopicAssignment {
                topic: topic.into(),
                score: 1.0,
                confidence: 1.0,
                terms: Vec::new(),
                method: TopicMethod::Keyword,
            }],
            words: None,
        }
    }

    const THEMES: [&str; 3] = [
        "过桥资金 续贷 到期 先还后贷",
        "首贷 抵押 房产 轻资产",
        "利率 上浮 担保费 保证金",
    ];

    /// Three sub-problems of 金融信贷, six items each, and two items of another topic.
    fn analysis() -> Analysis {
        let mut items = Vec::new();
        for i in 0..18 {
            // A word of its own, so no two items are the same.
            let extra = format!("细节{i}");
            items.push(item(
                &format!("Q{i:02}"),
                &format!("企业{}", i % 5),
                "金融信贷",
                &format!("{} {extra} 融资", THEMES[i % 3]),
            ));
        }
        items.push(item("Q90", "企业9", "土地用地", "用地 指标"));
        items.push(item("Q91", "企业9", "土地用地", "厂房 租金"));
        Analysis {
            items,
            groups: Vec::new(),
        }
    }

    #[test]
    fn a_merge_group_stays_in_one_cluster() {
        let mut a = analysis();
        // Q00 and Q01 are of different themes; merged, they must not be split.
        a.groups.push(crate::merge::Group {
            id: "G-Q00".into(),
            members: vec![0, 1],
            representative: 0,
            similarity: vec![1.0, 0.5],
            shared_terms: Vec::new(),
        });
        let cluster_of = |r: &ClusterReport, id: &str| {
            r.clusters
                .iter()
                .find(|c| c.items.iter().any(|i| i == id))
                .map(|c| c.id)
        };
        for k in [KChoice::Fixed(3), KChoice::Fixed(6), KChoice::Auto] {
            let r = cluster_items(&a, Some("金融信贷"), k, 7).unwrap();
            assert_eq!(cluster_of(&r, "Q00"), cluster_of(&r, "Q01"), "{k:?}");
        }
        // Without the group, the two go to their themes' clusters.
        let r = cluster_items(&analysis(), Some("金融信贷"), KChoice::Fixed(3), 7).unwrap();
        assert_ne!(cluster_of(&r, "Q00"), cluster_of(&r, "Q01"));
    }

    #[test]
    fn same_input_and_seed_same_clusters() {
        let a = analysis();
        let one = cluster_items(&a, Some("金融信贷"), KChoice::Auto, 7).unwrap();
        let two = cluster_items(&a, Some("金融信贷"), KChoice::Auto, 7).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.items, 18);
        assert_eq!(one.k, 3, "{}", one.k_choice);
        // Each theme is one cluster, labelled by its own terms.
        for c in &one.clusters {
            assert_eq!(c.item_count, 6);
            let first: usize = c.items[0][1..].parse().unwrap();
            assert!(c.items.iter().all(|id| {
                let i: usize = id[1..].parse().unwrap();
                i % 3 == first % 3
            }));
            // The theme's four words lead the label, before 融资 that every item has.
            let mut lead = c.label[..4].to_vec();
            lead.sort();
            let mut theme: Vec<&str> = THEMES[first % 3].split(' ').collect();
            theme.sort();
            assert_eq!(lead, theme, "{:?}", c.label);
            assert_eq!(c.representatives.len(), 3);
            assert!(c.representatives.iter().all(|r| c.items.contains(&r.id)));
            assert_eq!(c.by_region.get(UNKNOWN), Some(&6));
        }
        let ids: Vec<usize> = one.clusters.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
    }

    #[test]
    fn unknown_topic_lists_the_topics_present() {
        let err = cluster_items(&analysis(), Some("税费"), KChoice::Auto, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("金融信贷(18)、土地用地(2)"), "{err}");
    }

    #[test]
    fn fixed_k_beyond_the_items_is_an_error_and_tiny_auto_is_one_cluster() {
        let a = analysis();
        let err = cluster_items(&a, Some("土地用地"), KChoice::Fixed(3), 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("只有2条"), "{err}");
        let one = cluster_items(&a, Some("土地用地"), KChoice::Auto, 1).unwrap();
        assert_eq!((one.k, one.clusters.len()), (1, 1));
        assert!(one.k_choice.contains("不分簇"), "{}", one.k_choice);
        assert_eq!(
            "auto".parse::<KChoice>(),
            Ok(KChoice::Auto),
            "auto is a k choice"
        );
        assert_eq!("5".parse::<KChoice>(), Ok(KChoice::Fixed(5)));
        assert!("0".parse::<KChoice>().is_err());
    }
}
