//! A cluster report as text: a table for an analyst at a terminal, Markdown to paste into a
//! meeting note, or JSON for other tools.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Cluster, ClusterItem, ClusterReport};
use crate::{Error, Result};

/// Characters of an item's text shown in the table and in Markdown.
const TABLE_TEXT: usize = 48;
const MARKDOWN_TEXT: usize = 90;
/// Channels and regions named per cluster in the table (the rest are counted).
const TOP_COUNTS: usize = 3;
/// Enterprises named per cluster in Markdown.
const MARKDOWN_ENTERPRISES: usize = 10;

impl ClusterReport {
    /// The headline: what was clustered, into how many, how k was chosen.
    pub fn headline(&self) -> String {
        let what = match &self.topic {
            Some(t) => format!("主题“{t}”"),
            None => "全部条目".to_string(),
        };
        format!(
            "{what}：{}条分为{}个子问题（{}；种子 {}）",
            self.items,
            self.clusters.len(),
            self.k_choice,
            self.seed
        )
    }

    /// Plain text for a terminal: per cluster its label, counts, top channels and regions, the
    /// representative items and similar items elsewhere, texts cut short.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.headline());
        for c in &self.clusters {
            let _ = writeln!(out);
            let _ = writeln!(out, "【{}】{}", c.id, label(c));
            let _ = writeln!(
                out,
                "    {}条，{}家企业 | 渠道：{} | 地区：{}",
                c.item_count,
                c.enterprise_count,
                top_counts(&c.by_channel, TOP_COUNTS),
                top_counts(&c.by_region, TOP_COUNTS)
            );
            let _ = writeln!(out, "    代表表述：");
            for r in &c.representatives {
                let _ = writeln!(out, "      {}", item_line(r, TABLE_TEXT, "接近度"));
            }
            if !c.similar_past.is_empty() {
                let _ = writeln!(out, "    簇外相似意见：");
                for p in &c.similar_past {
                    let _ = writeln!(out, "      {}", item_line(p, TABLE_TEXT, "相似度"));
                }
            }
        }
        out
    }

    /// Markdown: a section per cluster with its counts, enterprises, representative items and
    /// similar items elsewhere.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let title = match &self.topic {
            Some(t) => format!("子问题：{t}"),
            None => "子问题：全部条目".to_string(),
        };
        let _ = writeln!(out, "## {title}\n");
        let _ = writeln!(out, "{}\n", self.headline());
        for c in &self.clusters {
            let _ = writeln!(
                out,
                "### {}. {}（{}条，{}家企业）\n",
                c.id,
                label(c),
                c.item_count,
                c.enterprise_count
            );
            let _ = writeln!(out, "- 渠道：{}", top_counts(&c.by_channel, usize::MAX));
            let _ = writeln!(out, "- 地区：{}", top_counts(&c.by_region, usize::MAX));
            let names: Vec<&str> = c
                .enterprises
                .iter()
                .take(MARKDOWN_ENTERPRISES)
                .map(String::as_str)
                .collect();
            let more = c.enterprises.len().saturating_sub(MARKDOWN_ENTERPRISES);
            let more = if more > 0 {
                format!("等{}家", c.enterprises.len())
            } else {
                String::new()
            };
            let _ = writeln!(out, "- 企业：{}{more}", names.join("、"));
            let _ = writeln!(out, "- 代表表述：");
            for (i, r) in c.representatives.iter().enumerate() {
                let _ = writeln!(out, "  {}. {}", i + 1, markdown_item(r, "接近度"));
            }
            if !c.similar_past.is_empty() {
                let _ = writeln!(out, "- 簇外相似意见：");
                for (i, p) in c.similar_past.iter().enumerate() {
                    let _ = writeln!(out, "  {}. {}", i + 1, markdown_item(p, "相似度"));
                }
            }
            let _ = writeln!(out);
        }
        out
    }

    /// Pretty JSON of the whole report.
    pub fn render_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::Clusters(format!("JSON 输出失败: {e}")))
    }
}

fn label(c: &Cluster) -> String {
    if c.label.is_empty() {
        "（无特征词）".to_string()
    } else {
        c.label.join("、")
    }
}

/// “走访4、线上3、恳谈会2 等5类”: the largest counts first, ties by name.
fn top_counts(counts: &BTreeMap<String, usize>, top: usize) -> String {
    let mut sorted: Vec<(&String, &usize)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = sorted
        .iter()
        .take(top)
        .map(|(k, n)| format!("{k}{n}"))
        .collect();
    let mut s = shown.join("、");
    if sorted.len() > top {
        let _ = write!(s, " 等{}类", sorted.len());
    }
    s
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

fn date(item: &ClusterItem) -> String {
    item.date
        .map(|d| d.to_string())
        .unwrap_or_else(|| "日期不详".into())
}

fn item_line(item: &ClusterItem, max: usize, score: &str) -> String {
    format!(
        "[{}] {} | {} | {score} {:.2} | {}",
        item.id,
        item.enterprise,
        date(item),
        item.score,
        short(&item.text, max)
    )
}

fn markdown_item(item: &ClusterItem, score: &str) -> String {
    format!(
        "[{}] {}（{}，{score} {:.2}）：{}",
        item.id,
        item.enterprise,
        date(item),
        item.score,
        short(&item.text, MARKDOWN_TEXT)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> ClusterReport {
        let item = |id: &str, text: &str| ClusterItem {
            id: id.into(),
            enterprise: "恒通物流集团有限公司".into(),
            date: crate::date::Date::new(2025, 4, 1),
            text: text.into(),
            score: 0.5,
        };
        ClusterReport {
            topic: Some("物流运输".into()),
            items: 2,
            k: 1,
            k_choice: "固定 k=1".into(),
            seed: 42,
            clusters: vec![Cluster {
                id: 1,
                label: vec!["限行".into(), "通行证".into()],
                item_count: 2,
                enterprise_count: 1,
                enterprises: vec!["恒通物流集团有限公司".into()],
                by_channel: [("走访".to_string(), 2)].into_iter().collect(),
                by_region: [("江北区".to_string(), 1), ("高新区".to_string(), 1)]
                    .into_iter()
                    .collect(),
                representatives: vec![item("a", &"冷链车辆进城限行".repeat(10))],
                items: vec!["a".into(), "b".into()],
                similar_past: vec![item("z", "货车通行证难办")],
            }],
        }
    }

    #[test]
    fn table_and_markdown_show_label_counts_and_items() {
        let r = report();
        let table = r.render_table();
        assert!(table.starts_with("主题“物流运输”：2条分为1个子问题（固定 k=1；种子 42）"));
        assert!(table.contains("【1】限行、通行证"), "{table}");
        assert!(table.contains("地区：江北区1、高新区1"), "{table}");
        assert!(table.contains("[a] 恒通物流集团有限公司 | 2025-04-01 | 接近度 0.50"));
        assert!(table.contains("…"), "long texts are cut");
        assert!(table.contains("[z]"));
        let md = r.render_markdown();
        assert!(md.contains("### 1. 限行、通行证（2条，1家企业）"), "{md}");
        assert!(md.contains("- 簇外相似意见："));
        let back: ClusterReport = serde_json::from_str(&r.render_json().unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn top_counts_name_the_largest_and_count_the_rest() {
        let counts: BTreeMap<String, usize> = [("甲", 1), ("乙", 5), ("丙", 2), ("丁", 2)]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        assert_eq!(top_counts(&counts, 2), "乙5、丁2 等4类");
    }
}
