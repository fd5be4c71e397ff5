//! The numbers of a workspace, as written to `summary.json` and quoted by the report: the rows of
//! every current batch (since the last `run`), which always add up (rows read = accepted +
//! rejected), each batch's own figures, and the counts of the items the workspace holds now.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pipeline::Analysis;
use crate::record::{BatchRecord, RegionLevel, Warning};
use crate::report::Lists;

/// Counts of one dimension, label → items.
pub type Counts = BTreeMap<String, usize>;

/// Everything counted in a workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// The files of every current batch, in the order read.
    pub files: Vec<String>,
    /// Rows of every current batch.
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// Always true; written so a reader of the JSON can check it.
    pub rows_add_up: bool,
    /// Items in the workspace now.
    pub items: usize,
    /// Items that a later batch replaced (same id, other content), over every current batch.
    pub items_updated: usize,
    pub enterprises: usize,
    pub groups: usize,
    /// Groups of two or more items.
    pub merged_groups: usize,
    pub items_in_merged_groups: usize,
    pub common_problems: usize,
    /// Items by main topic.
    pub by_topic: Counts,
    /// Items by every topic they carry (an item with two topics counts in both).
    pub by_any_topic: Counts,
    pub by_channel: Counts,
    /// 市级 / 区县 / 未注明.
    pub by_region_level: Counts,
    pub by_region: Counts,
    /// yyyy-mm; items without a readable date under 未注明.
    pub by_month: Counts,
    pub warnings: Vec<Warning>,
    /// Each current batch's own figures, oldest first.
    pub batches: Vec<BatchRecord>,
}

const UNKNOWN: &str = "未注明";

impl Summary {
    /// Counts the current batches and the analysis (all items of the workspace).
    pub fn new(
        batches: &[BatchRecord],
        warnings: Vec<Warning>,
        analysis: &Analysis,
        lists: &Lists,
    ) -> Self {
        let sum = |f: fn(&BatchRecord) -> usize| batches.iter().map(f).sum::<usize>();
        let (read, accepted, rejected) = (
            sum(|b| b.rows_read),
            sum(|b| b.rows_accepted),
            sum(|b| b.rows_rejected),
        );
        let mut s = Summary {
            files: batches
                .iter()
                .flat_map(|b| b.files.iter().cloned())
                .collect(),
            rows_read: read,
            rows_accepted: accepted,
            rows_rejected: rejected,
            rows_add_up: read == accepted + rejected,
            items: analysis.items.len(),
            items_updated: sum(|b| b.items_updated),
            enterprises: lists.enterprises.len(),
            groups: analysis.groups.len(),
            merged_groups: analysis
                .groups
                .iter()
                .filter(|g| g.members.len() > 1)
                .count(),
            items_in_merged_groups: analysis
                .groups
                .iter()
                .filter(|g| g.members.len() > 1)
                .map(|g| g.members.len())
                .sum(),
            common_problems: lists.common.len(),
            by_topic: Counts::new(),
            by_any_topic: Counts::new(),
            by_channel: Counts::new(),
            by_region_level: Counts::new(),
            by_region: Counts::new(),
            by_month: Counts::new(),
            warnings,
            batches: batches.to_vec(),
        };
        let label = |v: &str| {
            if v.is_empty() {
                UNKNOWN.to_string()
            } else {
                v.to_string()
            }
        };
        for a in &analysis.items {
            *s.by_topic.entry(a.main_topic().to_string()).or_default() += 1;
            for t in &a.topics {
                *s.by_any_topic.entry(t.topic.clone()).or_default() += 1;
            }
            *s.by_channel.entry(label(&a.channel)).or_default() += 1;
            *s.by_region.entry(label(&a.region)).or_default() += 1;
            let level = RegionLevel::of(&a.region).label().to_string();
            *s.by_region_level.entry(level).or_default() += 1;
            let month = a
                .item
                .date
                .map(|d| d.month_key())
                .unwrap_or_else(|| UNKNOWN.into());
            *s.by_month.entry(month).or_default() += 1;
        }
        s
    }

    /// The overview sentence, e.g. “收集问题建议556个(其中市级123个、区县433个)”.
    pub fn headline(&self) -> String {
        let level = |l: RegionLevel| self.by_region_level.get(l.label()).copied().unwrap_or(0);
        if level(RegionLevel::Unknown) == self.items {
            return format!("收集问题建议{}个(均未注明地区)", self.items);
        }
        let mut parts = vec![
            format!("市级{}个", level(RegionLevel::City)),
            format!("区县{}个", level(RegionLevel::District)),
        ];
        if level(RegionLevel::Unknown) > 0 {
            parts.push(format!("未注明地区{}个", level(RegionLevel::Unknown)));
        }
        format!("收集问题建议{}个(其中{})", self.items, parts.join("、"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(levels: &[(&str, usize)], items: usize) -> Summary {
        Summary {
            items,
            by_region_level: levels.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ..Summary::default()
        }
    }

    #[test]
    fn headline_reads_like_a_report() {
        let s = summary(&[("市级", 123), ("区县", 433)], 556);
        assert_eq!(s.headline(), "收集问题建议556个(其中市级123个、区县433个)");
        let s = summary(&[("市级", 1), ("区县", 2), ("未注明", 3)], 6);
        assert_eq!(
            s.headline(),
            "收集问题建议6个(其中市级1个、区县2个、未注明地区3个)"
        );
        let s = summary(&[("未注明", 4)], 4);
        assert_eq!(s.headline(), "收集问题建议4个(均未注明地区)");
    }
}
