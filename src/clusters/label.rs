//! Cluster labels by class-based TF-IDF (c-TF-IDF, as BERTopic): a term weighs tf · ln(1 + A / f),
//! where tf is how many of the cluster's items use it, f how many items of all clusters use it
//! and A the mean number of term uses per cluster. A term every cluster uses (融资 in 金融信贷)
//! weighs little; one that most of this cluster's items use and few others do weighs most.
//! Terms count once per item, so one long item does not decide its cluster's label.

use std::collections::{BTreeMap, BTreeSet};

use crate::segment::Terms;

/// Up to `top` distinctive terms per cluster. `clusters[c]` holds the term lists of cluster c's
/// items. Single characters and numbers are left out (they name nothing to a reader), and a term
/// and a longer one containing it are listed once, as the longer (过桥资金, not also 资金).
pub fn ctfidf_labels(clusters: &[Vec<&Terms>], top: usize) -> Vec<Vec<String>> {
    // In how many of each cluster's items each term occurs.
    let per_cluster: Vec<BTreeMap<&str, usize>> = clusters
        .iter()
        .map(|items| {
            let mut df: BTreeMap<&str, usize> = BTreeMap::new();
            for terms in items {
                let distinct: BTreeSet<&str> = terms.iter().filter(|t| worth_showing(t)).collect();
                for t in distinct {
                    *df.entry(t).or_default() += 1;
                }
            }
            df
        })
        .collect();
    let mut overall: BTreeMap<&str, usize> = BTreeMap::new();
    for df in &per_cluster {
        for (t, n) in df {
            *overall.entry(t).or_default() += n;
        }
    }
    let uses: usize = overall.values().sum();
    let mean_uses = uses as f64 / clusters.len().max(1) as f64;
    per_cluster
        .iter()
        .map(|df| {
            let mut weighted: Vec<(&str, f64)> = df
                .iter()
                .map(|(t, &n)| {
                    let f = overall[t] as f64;
                    (*t, n as f64 * (1.0 + mean_uses / f).ln())
                })
                .collect();
            weighted.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then(b.0.chars().count().cmp(&a.0.chars().count()))
                    .then(a.0.cmp(b.0))
            });
            let mut kept: Vec<&str> = Vec::new();
            for (t, _) in weighted {
                if kept.len() == top {
                    break;
                }
                if kept.iter().any(|k| k.contains(t)) {
                    continue;
                }
                // A longer term takes the place of the parts already kept (民营 → 民营企业).
                match kept.iter().position(|k| t.contains(k)) {
                    Some(at) => {
                        kept[at] = t;
                        let mut i = at + 1;
                        while i < kept.len() {
                            if t.contains(kept[i]) {
                                kept.remove(i);
                            } else {
                                i += 1;
                            }
                        }
                    }
                    None => kept.push(t),
                }
            }
            kept.into_iter().map(str::to_string).collect()
        })
        .collect()
}

fn worth_showing(term: &str) -> bool {
    term.chars().count() >= 2 && !term.chars().all(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Terms {
        s.split(' ').collect()
    }

    #[test]
    fn picks_the_term_that_sets_a_cluster_apart() {
        // Four clusters of three items. Every item says 融资; each cluster has its own term in
        // all its items; each item has two words of its own. Per cluster 3 × 4 = 12 term uses,
        // so A = 12. Own term: 3 · ln(1 + 12/3) = 4.83; an item's own word: ln(13) = 2.56;
        // 融资: 3 · ln(1 + 12/12) = 2.08, below every other term.
        let own = ["过桥资金", "用地", "缺工", "电价"];
        let items: Vec<Vec<Terms>> = own
            .iter()
            .enumerate()
            .map(|(c, term)| {
                (0..3)
                    .map(|i| {
                        let mut t = terms(&format!("融资 {term} 词{c}{i}甲 词{c}{i}乙"));
                        if c == 0 {
                            // 资金 is inside 过桥资金 and is not listed again.
                            t.push("资金");
                        }
                        t.push("2025");
                        t
                    })
                    .collect()
            })
            .collect();
        let clusters: Vec<Vec<&Terms>> = items.iter().map(|c| c.iter().collect()).collect();
        let labels = ctfidf_labels(&clusters, 5);
        for (c, label) in labels.iter().enumerate() {
            assert_eq!(label[0], own[c], "{label:?}");
            assert_eq!(label.len(), 5);
            assert!(!label.contains(&"融资".to_string()), "{label:?}");
            assert!(!label.contains(&"资金".to_string()), "{label:?}");
            assert!(!label.contains(&"2025".to_string()), "numbers say nothing");
        }
    }

    #[test]
    fn a_longer_term_replaces_its_part() {
        // 民营 outranks 民营企业 (3 items against 2) but is listed as the longer term, in its place.
        let a = [
            terms("民营 民营企业 利率"),
            terms("民营 民营企业 利率"),
            terms("民营 利率"),
        ];
        let b = [terms("电价 峰谷"), terms("电价 峰谷")];
        let clusters: Vec<Vec<&Terms>> = vec![a.iter().collect(), b.iter().collect()];
        assert_eq!(ctfidf_labels(&clusters, 5)[0], vec!["利率", "民营企业"]);
    }
}
