//! The two lists, built from the merged groups.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::Serialize;

use crate::date::Date;
use crate::pipeline::Analysis;
use crate::vectors::FxMap;

/// One problem in an enterprise's list: its items of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemLine<'a> {
    pub group: String,
    /// The enterprise's own wording closest to the group's representative: borrowed from the
    /// analysis (at a million items, copies of every text were a gigabyte).
    pub problem: Cow<'a, str>,
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
pub struct EnterpriseList<'a> {
    pub enterprise: String,
    pub regions: Vec<String>,
    pub item_count: usize,
    pub problems: Vec<ProblemLine<'a>>,
}

/// 共性问题: a problem raised by two or more enterprises.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommonProblem {
    pub rank: usize,
    pub group: String,
    /// The representative's title (often empty in meeting notes).
    pub title: String,
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
pub struct Lists<'a> {
    pub enterprises: Vec<EnterpriseList<'a>>,
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

/// The distinct enterprise names in sorted order, and each item's place among them.
fn enterprise_numbers(analysis: &Analysis) -> (Vec<&str>, Vec<u32>) {
    let mut first_seen: FxMap<&str, u32> = FxMap::default();
    let mut names: Vec<&str> = Vec::new();
    let seen: Vec<u32> = analysis
        .items
        .iter()
        .map(|a| {
            *first_seen.entry(a.enterprise.as_str()).or_insert_with(|| {
                names.push(a.enterprise.as_str());
                names.len() as u32 - 1
            })
        })
        .collect();
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_unstable_by_key(|&i| names[i as usize]);
    let mut rank = vec![0u32; names.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    let sorted = order.iter().map(|&i| names[i as usize]).collect();
    (sorted, seen.into_iter().map(|i| rank[i as usize]).collect())
}

/// Builds the per-enterprise lists (most items first) and the common problems (most enterprises
/// first, then most items, then group id).
pub fn build_lists(analysis: &Analysis) -> Lists<'_> {
    let items = &analysis.items;
    let dates = |members: &[usize]| {
        let ds: Vec<Date> = members.iter().filter_map(|&m| items[m].item.date).collect();
        (ds.iter().min().copied(), ds.iter().max().copied())
    };
    let ids = |members: &[usize]| members.iter().map(|&m| items[m].item.id.clone()).collect();
    let channels =
        |members: &[usize]| sorted_set(members.iter().map(|&m| items[m].channel.as_str()));

    // Enterprises by number, in name order: looking names up in a map, once per item and once
    // per group member, was over a third of the lists' time at a million items.
    let (names, enterprise_of) = enterprise_numbers(analysis);
    // Each group's lines (with their enterprises) and its common problem are made on all
    // threads, then handed out in group order, as one pass over the groups would.
    let per_group: Vec<_> = analysis
        .groups
        .par_iter()
        .map_init(Vec::new, |places: &mut Vec<(u32, usize)>, group| {
            let topic = items[group.representative].main_topic().to_string();
            // Each enterprise's members, by their places in the group (which hold their
            // similarities): looking each one up again made a large group's list quadratic.
            places.clear();
            places.extend(
                group
                    .members
                    .iter()
                    .enumerate()
                    .map(|(place, &m)| (enterprise_of[m], place)),
            );
            places.sort_unstable();
            let per_enterprise: Vec<&[(u32, usize)]> = places.chunk_by(|a, b| a.0 == b.0).collect();
            let lines: Vec<(u32, ProblemLine)> = per_enterprise
                .iter()
                .map(|run| {
                    let members: Vec<usize> = run.iter().map(|&(_, p)| group.members[p]).collect();
                    let closest = run
                        .iter()
                        .map(|&(_, p)| (group.members[p], group.similarity[p]))
                        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                        .map(|(m, _)| m)
                        .expect("members");
                    let (first, last) = dates(&members);
                    let line = ProblemLine {
                        group: group.id.clone(),
                        problem: Cow::Borrowed(&items[closest].text),
                        topic: topic.clone(),
                        count: members.len(),
                        channels: channels(&members),
                        first,
                        last,
                        items: ids(&members),
                        other_enterprises: per_enterprise.len() - 1,
                    };
                    (run[0].0, line)
                })
                .collect();
            let common = (per_enterprise.len() >= 2).then(|| {
                let (first, last) = dates(&group.members);
                CommonProblem {
                    rank: 0,
                    group: group.id.clone(),
                    title: items[group.representative].title.clone(),
                    problem: items[group.representative].text.clone(),
                    topic,
                    enterprise_count: per_enterprise.len(),
                    count: group.members.len(),
                    enterprises: per_enterprise
                        .iter()
                        .map(|run| names[run[0].0 as usize].to_string())
                        .collect(),
                    channels: channels(&group.members),
                    first,
                    last,
                    score: group.score(),
                    shared_terms: group.shared_terms.clone(),
                    items: ids(&group.members),
                }
            });
            (lines, common)
        })
        .collect();
    let mut by_enterprise: Vec<Vec<ProblemLine>> = vec![Vec::new(); names.len()];
    let mut common = Vec::new();
    for (lines, problem) in per_group {
        for (enterprise, line) in lines {
            by_enterprise[enterprise as usize].push(line);
        }
        common.extend(problem);
    }
    common.sort_by(|a, b| {
        (b.enterprise_count, b.count)
            .cmp(&(a.enterprise_count, a.count))
            .then(a.group.cmp(&b.group))
    });
    for (i, c) in common.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    let mut regions: Vec<Vec<&str>> = vec![Vec::new(); names.len()];
    for (a, &e) in items.iter().zip(&enterprise_of) {
        regions[e as usize].push(&a.region);
    }
    let mut enterprises: Vec<EnterpriseList> = by_enterprise
        .into_iter()
        .zip(names)
        .zip(regions)
        .filter(|((problems, _), _)| !problems.is_empty())
        .map(|((mut problems, enterprise), regions)| {
            problems.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then(a.first.cmp(&b.first))
                    .then(a.group.cmp(&b.group))
            });
            EnterpriseList {
                enterprise: enterprise.to_string(),
                regions: sorted_set(regions.into_iter()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::Group;
    use crate::pipeline::AnalyzedItem;
    use crate::record::{Item, SourceRef};
    use crate::topics::TopicAssignment;

    fn item(id: &str, enterprise: &str, channel: &str, day: u32) -> AnalyzedItem {
        AnalyzedItem {
            item: Item {
                id: id.into(),
                enterprise: enterprise.into(),
                title: String::new(),
                text: format!("内容{id}"),
                date: Date::new(2025, 3, day),
                channel: channel.into(),
                region: "江北区".into(),
                source: SourceRef {
                    file: "t.csv".into(),
                    row: 2,
                },
                answer: None,
            },
            enterprise: enterprise.into(),
            channel: channel.into(),
            region: "江北区".into(),
            title: String::new(),
            text: format!("内容{id}"),
            terms: Default::default(),
            topics: vec![TopicAssignment {
                topic: "金融信贷".into(),
                score: 2.0,
                confidence: 0.6,
                terms: vec![],
                method: Default::default(),
            }],
            words: None,
        }
    }

    fn group(id: &str, members: Vec<usize>, rep: usize) -> Group {
        let similarity = members
            .iter()
            .map(|&m| if m == rep { 1.0 } else { 0.5 })
            .collect();
        Group {
            id: id.into(),
            members,
            representative: rep,
            similarity,
            shared_terms: vec![],
        }
    }

    #[test]
    fn an_enterprises_problem_is_its_wording_closest_to_the_representative() {
        let items = vec![
            item("1", "甲", "走访", 1),
            item("2", "甲", "走访", 2),
            item("3", "甲", "走访", 3),
            item("4", "乙", "走访", 4),
        ];
        // Members out of item order; 甲's items 2 and 3 tie, above its item 1.
        let g = Group {
            similarity: vec![1.0, 0.7, 0.2, 0.7],
            ..group("G-4", vec![3, 2, 0, 1], 3)
        };
        let analysis = Analysis {
            items,
            groups: vec![g],
        };
        let lists = build_lists(&analysis);
        let problem = |e: &str| {
            let list = lists.enterprises.iter().find(|l| l.enterprise == e);
            list.unwrap().problems[0].problem.clone()
        };
        // The tie goes to the item first in workspace order.
        assert_eq!(problem("甲"), "内容2");
        assert_eq!(problem("乙"), "内容4");
    }

    #[test]
    fn enterprises_are_listed_by_name_whatever_order_they_come_in() {
        let mut items = vec![
            item("1", "丙", "走访", 1),
            item("2", "甲", "走访", 2),
            item("3", "乙", "走访", 3),
            item("4", "甲", "线上", 4),
            item("5", "丁", "走访", 5),
        ];
        items[3].region = "江南区".into();
        let analysis = Analysis {
            items,
            groups: vec![group("G-1", vec![3, 2, 1, 0], 0), group("G-5", vec![4], 4)],
        };
        let lists = build_lists(&analysis);
        assert_eq!(lists.common.len(), 1);
        assert_eq!(lists.common[0].enterprises, vec!["丙", "乙", "甲"]);
        let names: Vec<&str> = lists
            .enterprises
            .iter()
            .map(|e| e.enterprise.as_str())
            .collect();
        assert_eq!(names, vec!["甲", "丁", "丙", "乙"]);
        let jia = &lists.enterprises[0];
        assert_eq!(jia.regions, vec!["江北区", "江南区"]);
        // An enterprise's items of a group come in the group's member order.
        assert_eq!(jia.problems[0].items, vec!["4", "2"]);
        assert_eq!(jia.problems[0].other_enterprises, 2);
        assert_eq!(lists.enterprises[1].problems[0].other_enterprises, 0);
    }

    #[test]
    fn common_problems_rank_by_enterprises_then_items() {
        let items = vec![
            item("1", "甲", "走访", 1),
            item("2", "甲", "线上", 9),
            item("3", "乙", "电话", 3),
            item("4", "丙", "走访", 4),
            item("5", "丁", "走访", 5),
            item("6", "戊", "走访", 6),
            item("7", "戊", "走访", 7),
        ];
        let analysis = Analysis {
            items,
            groups: vec![
                group("G-1", vec![0, 1, 2], 0), // 2 enterprises, 3 items
                group("G-4", vec![3, 4], 3),    // 2 enterprises, 2 items
                group("G-6", vec![5, 6], 5),    // one enterprise twice: not common
            ],
        };
        let lists = build_lists(&analysis);
        let ranked: Vec<(&str, usize, usize)> = lists
            .common
            .iter()
            .map(|c| (c.group.as_str(), c.enterprise_count, c.rank))
            .collect();
        assert_eq!(ranked, vec![("G-1", 2, 1), ("G-4", 2, 2)]);
        // 甲's two items of G-1 are one line with both channels and its first and last date.
        let jia = lists
            .enterprises
            .iter()
            .find(|e| e.enterprise == "甲")
            .unwrap();
        assert_eq!(jia.problems.len(), 1);
        let line = &jia.problems[0];
        assert_eq!((line.count, line.other_enterprises), (2, 1));
        assert_eq!(line.channels, vec!["线上", "走访"]);
        assert_eq!(
            (line.first, line.last),
            (Date::new(2025, 3, 1), Date::new(2025, 3, 9))
        );
        // more items first; ties by name
        let order: Vec<(&str, usize)> = lists
            .enterprises
            .iter()
            .map(|e| (e.enterprise.as_str(), e.item_count))
            .collect();
        assert_eq!(
            order,
            vec![("戊", 2), ("甲", 2), ("丁", 1), ("丙", 1), ("乙", 1)]
        );
        let wu = lists
            .enterprises
            .iter()
            .find(|e| e.enterprise == "戊")
            .unwrap();
        assert_eq!((wu.item_count, wu.problems.len()), (2, 1));
    }
}
