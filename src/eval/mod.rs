//! Measuring against gold labels: multi-label topic F1 (per topic and macro) and pairwise F1 of
//! merge groups. Used by the tests on our corpus and by evaluation commands.

mod by_id;

pub use by_id::{
    check_topics, issues_by_id, read_id_labels, select_labelled, IdLabel, TopicCheck, TopicMiss,
};

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold items of the class.
    pub support: usize,
}

impl Prf {
    fn new(tp: usize, fp: usize, fn_: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Prf {
            precision,
            recall,
            f1,
            support: tp + fn_,
        }
    }
}

/// Topic scores: per class and their unweighted mean over the classes present in the gold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicScores {
    pub per_topic: BTreeMap<String, Prf>,
    pub macro_f1: f64,
}

/// Multi-label scores: an item counts as a true positive for every topic in both its gold and
/// predicted sets. Items missing from `predicted` count as predicting nothing.
pub fn topic_scores(
    gold: &HashMap<String, Vec<String>>,
    predicted: &HashMap<String, Vec<String>>,
) -> TopicScores {
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let empty = Vec::new();
    for (id, gold_topics) in gold {
        let pred = predicted.get(id).unwrap_or(&empty);
        for t in gold_topics {
            let c = counts.entry(t).or_default();
            if pred.contains(t) {
                c.0 += 1
            } else {
                c.2 += 1
            }
        }
        for t in pred.iter().filter(|t| !gold_topics.contains(t)) {
            counts.entry(t).or_default().1 += 1;
        }
    }
    let per_topic: BTreeMap<String, Prf> = counts
        .into_iter()
        .map(|(t, (tp, fp, fn_))| (t.to_string(), Prf::new(tp, fp, fn_)))
        .collect();
    let present: Vec<f64> = per_topic
        .values()
        .filter(|p| p.support > 0)
        .map(|p| p.f1)
        .collect();
    let macro_f1 = if present.is_empty() {
        0.0
    } else {
        present.iter().sum::<f64>() / present.len() as f64
    };
    TopicScores {
        per_topic,
        macro_f1,
    }
}

/// Pairwise clustering scores: a pair of items is positive when both are in the same group.
/// Both maps give each item's group label; only items in `gold` are scored.
pub fn pairwise_scores(gold: &HashMap<String, String>, predicted: &HashMap<String, String>) -> Prf {
    let pairs = |labels: &HashMap<String, String>| -> BTreeSet<(String, String)> {
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, g) in labels.iter().filter(|(id, _)| gold.contains_key(*id)) {
            by.entry(g).or_default().push(id);
        }
        let mut out = BTreeSet::new();
        for members in by.values_mut() {
            members.sort();
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    out.insert((a.to_string(), b.to_string()));
                }
            }
        }
        out
    };
    let g = pairs(gold);
    let p = pairs(predicted);
    let tp = g.intersection(&p).count();
    Prf::new(tp, p.len() - tp, g.len() - tp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn topic_arithmetic_by_hand() {
        let gold = map(&[("1", &["A"]), ("2", &["A", "B"]), ("3", &["B"])]);
        let pred = map(&[("1", &["A"]), ("2", &["A"]), ("3", &["A"])]);
        let s = topic_scores(&gold, &pred);
        // A: tp 2, fp 1, fn 0 → P 2/3, R 1, F1 0.8; B: tp 0, fn 2 → F1 0.
        assert!((s.per_topic["A"].f1 - 0.8).abs() < 1e-9);
        assert_eq!(s.per_topic["B"].f1, 0.0);
        assert!((s.macro_f1 - 0.4).abs() < 1e-9);
    }

    #[test]
    fn pairwise_arithmetic_by_hand() {
        let labels = |v: &[(&str, &str)]| -> HashMap<String, String> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let gold = labels(&[("1", "x"), ("2", "x"), ("3", "x"), ("4", "y")]);
        let pred = labels(&[("1", "p"), ("2", "p"), ("3", "q"), ("4", "q")]);
        let s = pairwise_scores(&gold, &pred);
        // gold pairs: 12 13 23; predicted: 12 34 → tp 1, P 1/2, R 1/3.
        assert!((s.precision - 0.5).abs() < 1e-9);
        assert!((s.recall - 1.0 / 3.0).abs() < 1e-9);
    }
}
