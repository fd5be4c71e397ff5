//! The two lists, built from the merged groups.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::date::Date;
use crate::pipeline::Analysis;

/// One problem in an enterprise's list: its items of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemLine {
    pub group: String,
    /// The enterprise's own wording closest to the group's representative.
    pub problem: String,
    pub topic: String,
    pub count: usize,
    pub channels: Vec<String>,
    pub first: Option<Date>,
    pub last: Option<Date>,
    pub items: Vec<String>,
    /// How many other enterprises raise the same problem.
    pub other_enterprises: usize,
}

/// 一企一清单: one enterprise's merged problems.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnterpriseList {
    pub enterprise: String,
    pub regions: Vec<String>,
    pub item_count: usize,
    pub problems: Vec<ProblemLine>,
}

/// 共性问题: a problem raised by two or more enterprises.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommonProblem {
    pub rank: usize,
    pub group: String,
    pub problem: String,
    pub topic: String,
    pub enterprise_count: usize,
    pub count: usize,
    pub enterprises: Vec<String>,
    pub channels: Vec<String>,
    pub first: Option<Date>,
    pub last: Option<Date>,
    /// Mean similarity of the members to the representative.
    pub score: f32,
    pub shared_terms: Vec<String>,
    pub items: Vec<String>,
}

/// Both lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lists {
    pub enterprises: Vec<EnterpriseList>,
    pub common: Vec<CommonProblem>,
}

fn sorted_set<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    values
        .filter(|v| !v.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Builds the per-enterprise lists (most items first) and the common problems (most enterprises
/// first, then most items, then group id).
pub fn build_lists(analysis: &Analysis) -> Lists {
    let items = &analysis.items;
    let dates = |members: &[usize]| {
        let ds: Vec<Date> = members.iter().filter_map(|&m| items[m].item.date).collect();
        (ds.iter().min().copied(), ds.iter().max().copied())
    };
    let ids = |members: &[usize]| members.iter().map(|&m| items[m].item.id.clone()).collect();
    let channels =
        |members: &[usize]| sorted_set(members.iter().map(|&m| items[m].channel.as_str()));

    let mut by_enterprise: BTreeMap<&str, Vec<ProblemLine>> = BTreeMap::new();
    let mut common = Vec::new();
    for group in &analysis.groups {
        let topic = items[group.representative].main_topic().to_string();
        let mut per_enterprise: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &m in &group.members {
            per_enterprise
                .entry(items[m].enterprise.as_str())
                .or_default()
                .push(m);
        }
        for (enterprise, members) in &per_enterprise {
            let closest = members
                .iter()
                .zip(members.iter().map(|m| {
                    let pos = group.members.iter().position(|x| x == m).expect("member");
                    group.similarity[pos]
                }))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(m, _)| *m)
                .expect("members");
            let (first, last) = dates(members);
            by_enterprise
                .entry(enterprise)
                .or_default()
                .push(ProblemLine {
                    group: group.id.clone(),
                    problem: items[closest].text.clone(),
                    topic: topic.clone(),
                    count: members.len(),
                    channels: channels(members),
                    first,
                    last,
                    items: ids(members),
                    other_enterprises: per_enterprise.len() - 1,
                });
        }
        if per_enterprise.len() >= 2 {
            let (first, last) = dates(&group.members);
            common.push(CommonProblem {
                rank: 0,
                group: group.id.clone(),
                problem: items[group.representative].text.clone(),
                topic,
                enterprise_count: per_enterprise.len(),
                count: group.members.len(),
                enterprises: per_enterprise.keys().map(|e| e.to_string()).collect(),
                channels: channels(&group.members),
                first,
                last,
                score: group.score(),
                shared_terms: group.shared_terms.clone(),
                items: ids(&group.members),
            });
        }
    }
    common.sort_by(|a, b| {
        (b.enterprise_count, b.count)
            .cmp(&(a.enterprise_count, a.count))
            .then(a.group.cmp(&b.group))
    });
    for (i, c) in common.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    let mut regions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in items {
        regions.entry(&a.enterprise).or_default().push(&a.region);
    }
    let mut enterprises: Vec<EnterpriseList> = by_enterprise
        .into_iter()
        .map(|(enterprise, mut problems)| {
            problems.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then(a.first.cmp(&b.first))
                    .then(a.group.cmp(&b.group))
            });
            EnterpriseList {
                enterprise: enterprise.to_string(),
                regions: sorted_set(regions[enterprise].iter().copied()),
                item_count: problems.iter().map(|p| p.count).sum(),
                problems,
            }
        })
        .collect();
    enterprises.sort_by(|a, b| {
        b.item_count
            .cmp(&a.item_count)
            .then(a.enterprise.cmp(&b.enterprise))
    });
    Lists {
        enterprises,
        common,
    }
}
