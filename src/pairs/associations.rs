//! Learned associations: the signal past plain overlap. Counted on labelled training pairs, they
//! say which tokens tell “same” from “different” — 取消 on one side only marks another question,
//! 借款 on one side and 贷款 on the other marks the same one. Each count becomes a smoothed
//! log-odds against the base rate; a pair's features are the sums over its shared tokens, its
//! one-sided tokens, and its cross-side token pairs.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// Counts below this are noise: a key must be seen in this many training pairs to count.
const MIN_SEEN: u32 = 2;

/// Cross-side pairs per sentence pair, at most (long sentences would square the work).
const MAX_CROSS_SIDE: usize = 12;

/// Log-odds learned from labelled pairs, for one kind of token (words or characters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Associations {
    shared: HashMap<u64, f32>,
    one_sided: HashMap<u64, f32>,
    cross_side: HashMap<u64, f32>,
}

/// A fixed hash (SipHash with zero keys), so counts and saved models are the same every run.
fn key(parts: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// Tokens of one pair split three ways: on both sides, on one side only, and one from each side.
struct Split {
    shared: Vec<u64>,
    one_sided: Vec<u64>,
    cross_side: Vec<u64>,
}

fn split(a: &[String], b: &[String]) -> Split {
    let sa: BTreeSet<&str> = a.iter().map(String::as_str).collect();
    let sb: BTreeSet<&str> = b.iter().map(String::as_str).collect();
    let only_a: Vec<&str> = sa.difference(&sb).copied().take(MAX_CROSS_SIDE).collect();
    let only_b: Vec<&str> = sb.difference(&sa).copied().take(MAX_CROSS_SIDE).collect();
    // The key is order-free: (借款, 贷款) is the same evidence whichever side holds which.
    let cross_side = only_a
        .iter()
        .flat_map(|x| {
            only_b.iter().map(move |y| {
                let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
                key(&[lo, hi])
            })
        })
        .collect();
    Split {
        shared: sa.intersection(&sb).map(|t| key(&[t])).collect(),
        one_sided: sa.symmetric_difference(&sb).map(|t| key(&[t])).collect(),
        cross_side,
    }
}

/// Smoothed log-odds of "same" for each key seen at least [`MIN_SEEN`] times, minus the base rate.
fn log_odds(counts: HashMap<u64, (u32, u32)>, base: f64) -> HashMap<u64, f32> {
    counts
        .into_iter()
        .filter(|(_, (same, diff))| same + diff >= MIN_SEEN)
        .map(|(k, (same, diff))| {
            let lo = ((same as f64 + 0.5) / (diff as f64 + 0.5)).ln() - base;
            (k, lo as f32)
        })
        .collect()
}

impl Associations {
    /// Names of the three features, with `kind` (词 or 字) in front.
    pub fn feature_names(kind: &str) -> [String; 3] {
        [
            format!("{kind}共有关联"),
            format!("{kind}独有关联"),
            format!("{kind}跨句关联"),
        ]
    }

    /// Counts the token sets of labelled pairs.
    pub fn fit(pairs: &[(&[String], &[String])], labels: &[bool]) -> Self {
        let same = labels.iter().filter(|l| **l).count() as f64;
        let base = ((same + 0.5) / (labels.len() as f64 - same + 0.5)).ln();
        let mut shared: HashMap<u64, (u32, u32)> = HashMap::new();
        let mut one_sided: HashMap<u64, (u32, u32)> = HashMap::new();
        let mut cross_side: HashMap<u64, (u32, u32)> = HashMap::new();
        let bump = |map: &mut HashMap<u64, (u32, u32)>, key: &u64, label: bool| {
            let e = map.entry(*key).or_default();
            if label {
                e.0 += 1
            } else {
                e.1 += 1
            }
        };
        for ((a, b), &label) in pairs.iter().zip(labels) {
            let s = split(a, b);
            s.shared.iter().for_each(|k| bump(&mut shared, k, label));
            s.one_sided
                .iter()
                .for_each(|k| bump(&mut one_sided, k, label));
            s.cross_side
                .iter()
                .for_each(|k| bump(&mut cross_side, k, label));
        }
        Associations {
            shared: log_odds(shared, base),
            one_sided: log_odds(one_sided, base),
            cross_side: log_odds(cross_side, base),
        }
    }

    /// The summed log-odds of a pair's shared, one-sided and cross-side tokens (0 for unseen).
    pub fn features(&self, a: &[String], b: &[String]) -> [f64; 3] {
        let s = split(a, b);
        let sum = |map: &HashMap<u64, f32>, keys: &[u64]| -> f64 {
            keys.iter()
                .filter_map(|k| map.get(k))
                .map(|v| *v as f64)
                .sum()
        };
        [
            sum(&self.shared, &s.shared),
            sum(&self.one_sided, &s.one_sided),
            sum(&self.cross_side, &s.cross_side),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn learns_which_tokens_mark_same_and_different() {
        // 借款/贷款 across sides: same; 取消 on one side: different.
        let data = [
            ("怎么 借款", "怎么 贷款", true),
            ("借款 多久", "贷款 多久", true),
            ("怎么 借款", "怎么 取消", false),
            ("还款 多久", "取消 多久", false),
        ];
        let a: Vec<Vec<String>> = data.iter().map(|d| toks(d.0)).collect();
        let b: Vec<Vec<String>> = data.iter().map(|d| toks(d.1)).collect();
        let pairs: Vec<(&[String], &[String])> =
            a.iter().zip(&b).map(|(x, y)| (&x[..], &y[..])).collect();
        let labels: Vec<bool> = data.iter().map(|d| d.2).collect();
        let m = Associations::fit(&pairs, &labels);
        let same = m.features(&toks("借款 利息"), &toks("贷款 利息"));
        let diff = m.features(&toks("借款 利息"), &toks("取消 利息"));
        assert!(same[2] > 0.0, "借款~贷款 seen twice as same: {same:?}");
        assert!(
            diff[1] < same[1],
            "取消 alone is evidence of different: {diff:?} {same:?}"
        );
        assert_eq!(m.features(&toks("新词"), &toks("新词")), [0.0, 0.0, 0.0]);
    }
}
