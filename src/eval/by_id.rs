//! Labels kept by message id. Real text the project may not copy (the tipdm messages stay in
//! `../shared`) is labelled in `corpora/realdev/` by id only; the text comes from the data files
//! read with the labels. A labels file is a CSV with a 留言编号 (or `id`) column and any of
//! `topics` (main first, separated by 、), `issue` (a hot issue's id) and `half` (`dev` or `held`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::pipeline::AnalyzedItem;
use crate::record::Item;
use crate::training::{evaluate, EvalReport};
use crate::{Error, Result};

/// One labelled message.
#[derive(Debug, Clone, PartialEq)]
pub struct IdLabel {
    /// Row of the labels file (the header is row 1).
    pub row: usize,
    pub id: String,
    /// Topics, main first; empty when the file has no topics column.
    pub topics: Vec<String>,
    pub issue: Option<String>,
    pub half: Option<String>,
}

/// Reads a labels file. A row without an id, or a topics column left empty, is an error naming
/// the row: a labels file is ours, and a gap in it is a mistake to mend, not to skip.
pub fn read_id_labels(path: &Path) -> Result<Vec<IdLabel>> {
    let file = path.display().to_string();
    let bad = |row: usize, reason: String| Error::Row {
        file: file.clone(),
        row,
        reason,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(1, e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
    let id_col = column(&["留言编号", "编号", "id"])
        .ok_or_else(|| bad(1, "没有 留言编号（或 id）列".into()))?;
    let topics_col = column(&["topics", "主题"]);
    let issue_col = column(&["issue", "热点问题"]);
    let half_col = column(&["half"]);
    let mut labels = Vec::new();
    let mut seen = HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| bad(row, e.to_string()))?;
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let id = cell(Some(id_col)).ok_or_else(|| bad(row, "留言编号为空".into()))?;
        if !seen.insert(id.clone()) {
            return Err(bad(row, format!("留言编号 {id} 重复")));
        }
        let topics: Vec<String> = match topics_col {
            Some(_) => cell(topics_col)
                .ok_or_else(|| bad(row, "topics 为空".into()))?
                .split('、')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            None => Vec::new(),
        };
        let half = cell(half_col);
        if let Some(h) = &half {
            if h != "dev" && h != "held" {
                return Err(bad(row, format!("half 应为 dev 或 held，实为“{h}”")));
            }
        }
        labels.push(IdLabel {
            row,
            id,
            topics,
            issue: cell(issue_col),
            half,
        });
    }
    Ok(labels)
}

/// Keeps the items that are labelled (in `half`, if given), in the labels' order, each with its
/// label. A labelled id missing from the items is an error naming the labels file's row.
pub fn select_labelled<'a>(
    items: Vec<Item>,
    labels: &'a [IdLabel],
    half: Option<&str>,
    labels_file: &Path,
) -> Result<Vec<(Item, &'a IdLabel)>> {
    let mut by_id: HashMap<String, Item> = items.into_iter().map(|i| (i.id.clone(), i)).collect();
    labels
        .iter()
        .filter(|l| half.is_none() || l.half.as_deref() == half)
        .map(|l| {
            let item = by_id.remove(&l.id).ok_or_else(|| Error::Row {
                file: labels_file.display().to_string(),
                row: l.row,
                reason: format!("留言编号 {} 不在输入文件中（或该行被退回）", l.id),
            })?;
            Ok((item, l))
        })
        .collect()
}

/// An item whose main topic missed its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicMiss {
    pub id: String,
    pub gold: Vec<String>,
    pub predicted: Vec<String>,
    /// The terms (or features) that decided the predicted main topic.
    pub terms: Vec<String>,
    pub title: String,
}

/// Topics given by the pipeline against labels by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicCheck {
    pub report: EvalReport,
    /// Share of items whose main topic is their labelled main topic.
    pub main_accuracy: f64,
    /// Share whose labelled main topic is among the topics given.
    pub main_among_given: f64,
    /// Items given the fallback topic (其他) as main topic, and how many of them are labelled so.
    pub fallback_given: usize,
    pub fallback_right: usize,
    pub fallback: String,
    pub misses: Vec<TopicMiss>,
}

/// Scores analysed items (in the order of `gold`) against their labelled topics.
pub fn check_topics(
    method: &str,
    analysed: &[AnalyzedItem],
    gold: &[Vec<String>],
    fallback: &str,
) -> TopicCheck {
    let predicted: Vec<_> = analysed.iter().map(|a| a.topics.clone()).collect();
    let report = evaluate(method, gold, &predicted);
    let n = gold.len().max(1) as f64;
    let mut main_right = 0;
    let mut among = 0;
    let mut fallback_given = 0;
    let mut fallback_right = 0;
    let mut misses = Vec::new();
    for (a, g) in analysed.iter().zip(gold) {
        let main = a.main_topic();
        let given: Vec<String> = a.topics.iter().map(|t| t.topic.clone()).collect();
        main_right += usize::from(g[0] == main);
        among += usize::from(given.contains(&g[0]));
        if main == fallback {
            fallback_given += 1;
            fallback_right += usize::from(g[0] == fallback);
        }
        if g[0] != main {
            misses.push(TopicMiss {
                id: a.item.id.clone(),
                gold: g.clone(),
                predicted: given,
                terms: a
                    .topics
                    .first()
                    .map(|t| t.terms.clone())
                    .unwrap_or_default(),
                title: a.title.clone(),
            });
        }
    }
    TopicCheck {
        report,
        main_accuracy: main_right as f64 / n,
        main_among_given: among as f64 / n,
        fallback_given,
        fallback_right,
        fallback: fallback.to_string(),
        misses,
    }
}

impl TopicCheck {
    /// The figures, then with `misses` every miss on one line.
    pub fn render(&self, misses: bool) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "主要主题准确率 {:.3}（{}条中{}条）；标注的主要主题在给出的主题中 {:.3}",
            self.main_accuracy,
            self.report.documents,
            self.report.documents - self.misses.len(),
            self.main_among_given
        );
        let _ = writeln!(
            s,
            "给出“{}”为主要主题 {}条，其中标注也是“{}”的 {}条",
            self.fallback, self.fallback_given, self.fallback, self.fallback_right
        );
        s.push_str(&self.report.render());
        if misses {
            let _ = writeln!(s, "\n未命中（编号 | 标注 | 给出 | 依据 | 标题）");
            for m in &self.misses {
                let _ = writeln!(
                    s,
                    "{} | {} | {} | {} | {}",
                    m.id,
                    m.gold.join("、"),
                    m.predicted.join("、"),
                    m.terms.join("/"),
                    m.title
                );
            }
        }
        s
    }
}

/// Item id → hot issue, for the items given; a row without an issue is an error naming
/// `labels_file` and the row.
pub fn issues_by_id(
    selected: &[(Item, &IdLabel)],
    labels_file: &Path,
) -> Result<BTreeMap<String, String>> {
    selected
        .iter()
        .map(|(item, l)| {
            let issue = l.issue.clone().ok_or_else(|| Error::Row {
                file: labels_file.display().to_string(),
                row: l.row,
                reason: "issue 为空".into(),
            })?;
            Ok((item.id.clone(), issue))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_topics_issues_and_halves() {
        let f = write("file,留言编号,topics,half\nr,12,人才用工、税费,dev\nr,7,其他,held\n");
        let l = read_id_labels(f.path()).unwrap();
        assert_eq!(l[0].id, "12");
        assert_eq!(l[0].topics, vec!["人才用工", "税费"]);
        assert_eq!(l[1].half.as_deref(), Some("held"));
        assert_eq!(l[1].row, 3);
        let f = write("留言编号,issue\n5,H01\n");
        assert_eq!(
            read_id_labels(f.path()).unwrap()[0].issue.as_deref(),
            Some("H01")
        );
    }

    #[test]
    fn gaps_and_repeats_name_the_row() {
        for (text, row, what) in [
            ("留言编号,topics\n1,税费\n1,税费\n", 3, "重复"),
            ("留言编号,topics\n1,\n", 2, "topics 为空"),
            ("留言编号,topics,half\n1,税费,test\n", 2, "half"),
            ("编码,topics\n1,税费\n", 1, "留言编号"),
        ] {
            let err = read_id_labels(write(text).path()).unwrap_err();
            match err {
                Error::Row { row: r, reason, .. } => {
                    assert_eq!(r, row, "{text}");
                    assert!(reason.contains(what), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
