//! Merge (合并同类项): groups items that state the same problem — first one enterprise's repeats
//! across channels, then the same problem raised by different enterprises in different words.
//! Each group has a representative (its medoid), every member's similarity to it, and the terms
//! the members share, so an analyst can see why items were merged.

mod candidates;
mod corrections;
mod grouping;
mod stable_ids;
mod vectors;

pub use corrections::{Constraints, Correction};
pub use grouping::{Edge, Groups, Space};
pub use stable_ids::keep_previous_ids;
pub use vectors::{char_bigrams, document_frequencies, SparseVec, TfIdf};

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Thresholds and weights of the merge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MergeConfig {
    /// Average similarity needed to merge one enterprise's own items.
    pub same_enterprise_threshold: f32,
    /// Average similarity needed to merge items of different enterprises.
    pub cross_enterprise_threshold: f32,
    /// Weight of word TF-IDF cosine; character-bigram cosine gets the rest.
    pub word_weight: f32,
}

impl Default for MergeConfig {
    fn default() -> Self {
        MergeConfig {
            same_enterprise_threshold: 0.20,
            cross_enterprise_threshold: 0.15,
            word_weight: 0.6,
        }
    }
}

/// What the merge needs to know of an item.
#[derive(Debug, Clone, Copy)]
pub struct MergeDoc<'a> {
    pub id: &'a str,
    /// The normalized enterprise name.
    pub enterprise: &'a str,
    /// Canonical terms (synonyms mapped, stop words dropped) of title and text.
    pub terms: &'a [String],
    /// The normalized text.
    pub text: &'a str,
}

/// A group of items stating one problem (a singleton when nothing else matched).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// `G-` and the smallest member id when the group first forms; a rebuilt workspace keeps a
    /// group's earlier id (see [`keep_previous_ids`]).
    pub id: String,
    /// Indices of the member items, in id order.
    pub members: Vec<usize>,
    /// The member closest to all others.
    pub representative: usize,
    /// Each member's similarity to the representative (same order as `members`).
    pub similarity: Vec<f32>,
    /// Terms that at least half the members share, most common first.
    pub shared_terms: Vec<String>,
}

impl Group {
    /// Mean similarity of the other members to the representative (1 for a singleton).
    pub fn score(&self) -> f32 {
        if self.members.len() < 2 {
            return 1.0;
        }
        let others: Vec<f32> = self
            .members
            .iter()
            .zip(&self.similarity)
            .filter(|(m, _)| **m != self.representative)
            .map(|(_, s)| *s)
            .collect();
        others.iter().sum::<f32>() / others.len() as f32
    }
}

/// Merges similar items. Output: every item in exactly one group; groups sorted by id.
pub fn merge(docs: &[MergeDoc], config: &MergeConfig) -> Vec<Group> {
    merge_with(docs, config, &Constraints::default())
}

/// Merges similar items, honouring an analyst's corrections.
pub fn merge_with(
    docs: &[MergeDoc],
    config: &MergeConfig,
    constraints: &Constraints,
) -> Vec<Group> {
    let word_docs: Vec<Vec<&str>> = docs
        .iter()
        .map(|d| d.terms.iter().map(String::as_str).collect())
        .collect();
    let words = TfIdf::fit(&word_docs);
    let char_docs: Vec<Vec<u64>> = docs.par_iter().map(|d| char_bigrams(d.text)).collect();
    let chars = TfIdf::fit(&char_docs);
    drop(word_docs);
    let space = Space {
        words: &words.vectors,
        chars: &chars.vectors,
        word_weight: config.word_weight,
    };
    let floor = config
        .same_enterprise_threshold
        .min(config.cross_enterprise_threshold);
    // Identical texts (after normalization, punctuation aside) share this key.
    let text_keys: Vec<u64> = char_docs.iter().map(|b| text_hash(b)).collect();
    drop(char_docs);
    let edges: Vec<Edge> = candidates::candidate_pairs(&words.vectors, &text_keys, |a, b| {
        let sim = space.sim(a as usize, b as usize);
        (sim >= floor).then_some(sim)
    })
    .into_iter()
    .map(|(a, b, sim)| Edge { a, b, sim })
    .filter(|e| {
        let isolated = |i: u32| constraints.isolated.contains(docs[i as usize].id);
        !isolated(e.a) && !isolated(e.b)
    })
    .collect();

    let same = |e: &Edge| docs[e.a as usize].enterprise == docs[e.b as usize].enterprise;
    let mut groups = Groups::new(&space);
    groups.link(
        &edges,
        config.same_enterprise_threshold,
        config.word_weight,
        same,
    );
    groups.link(
        &edges,
        config.cross_enterprise_threshold,
        config.word_weight,
        |e| !same(e),
    );
    let index: HashMap<&str, u32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id, i as u32))
        .collect();
    for set in &constraints.forced {
        let members: Vec<u32> = set
            .iter()
            .filter_map(|id| index.get(id.as_str()).copied())
            .collect();
        for pair in members.windows(2) {
            groups.join(pair[0], pair[1]);
        }
    }

    let roots = groups.roots();
    let mut by_root: HashMap<u32, Vec<usize>> = HashMap::new();
    for (item, root) in roots.iter().enumerate() {
        by_root.entry(*root).or_default().push(item);
    }
    let mut out: Vec<Group> = by_root
        .into_par_iter()
        .map(|(root, members)| describe(root, members, docs, &space, &groups, &words))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn text_hash(bigrams: &[u64]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bigrams.hash(&mut h);
    h.finish()
}

fn describe(
    root: u32,
    mut members: Vec<usize>,
    docs: &[MergeDoc],
    space: &Space,
    groups: &Groups,
    words: &TfIdf,
) -> Group {
    members.sort_by(|&a, &b| docs[a].id.cmp(docs[b].id));
    let (word_sum, char_sum) = groups.sums(root);
    // The medoid maximises the summed similarity to all members, read off the sum vectors.
    let closeness = |m: usize| {
        space.word_weight * space.words[m].dot(word_sum)
            + (1.0 - space.word_weight) * space.chars[m].dot(char_sum)
    };
    let representative = members
        .iter()
        .copied()
        .max_by(|&a, &b| closeness(a).total_cmp(&closeness(b)).then(b.cmp(&a)))
        .expect("a group has members");
    let similarity = members
        .iter()
        .map(|&m| space.sim(m, representative))
        .collect();
    Group {
        id: format!("G-{}", docs[members[0]].id),
        shared_terms: shared_terms(&members, docs, words),
        members,
        representative,
        similarity,
    }
}

/// Terms in at least half of the members (all of a singleton's), by member count then rarity.
fn shared_terms(members: &[usize], docs: &[MergeDoc], words: &TfIdf) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for &m in members {
        let mut seen: Vec<&str> = docs[m].terms.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for t in seen {
            *count.entry(t).or_default() += 1;
        }
    }
    let need = members.len().div_ceil(2).max(1);
    let idf = |t: &str| {
        words
            .terms
            .binary_search_by(|x| x.as_str().cmp(t))
            .map(|i| words.idf[i])
            .unwrap_or(0.0)
    };
    // Single characters and numbers explain nothing to a reader.
    let mut shared: Vec<(&str, usize)> = count
        .into_iter()
        .filter(|(t, c)| {
            *c >= need && t.chars().count() >= 2 && !t.chars().all(|ch| ch.is_ascii_digit())
        })
        .collect();
    // Longer words first among equals, so 子女入学 is listed and its parts 子女, 入学 are not.
    shared.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(idf(b.0).total_cmp(&idf(a.0)))
            .then(a.0.cmp(b.0))
    });
    let mut kept: Vec<&str> = Vec::new();
    for (t, _) in shared {
        if !kept.iter().any(|k| k.contains(t)) {
            kept.push(t);
        }
    }
    kept.into_iter().take(6).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn merges_same_problem_and_keeps_others_apart() {
        let t = [
            terms("首贷 融资 抵押 房产 轻资产"),
            terms("首贷 融资 抵押 房产 租厂房"),
            terms("用电 电价 峰谷 偏高"),
            terms("首贷 抵押 融资 房产"),
        ];
        let texts = [
            "首次贷款银行要求房产抵押，轻资产企业贷不到",
            "首次贷款银行要求房产抵押，租厂房的企业贷不到",
            "峰谷电价偏高",
            "首贷要求房产抵押",
        ];
        let ents = ["甲", "乙", "丙", "甲"];
        let ids = ["1", "2", "3", "4"];
        let docs: Vec<MergeDoc> = (0..4)
            .map(|i| MergeDoc {
                id: ids[i],
                enterprise: ents[i],
                terms: &t[i],
                text: texts[i],
            })
            .collect();
        let groups = merge(&docs, &MergeConfig::default());
        assert_eq!(groups.len(), 2, "{groups:?}");
        let g = &groups[0];
        assert_eq!(g.id, "G-1");
        assert_eq!(g.members, vec![0, 1, 3]);
        assert!(g.shared_terms.contains(&"首贷".to_string()));
        assert_eq!(groups[1].members, vec![2]);
        assert_eq!(groups[1].score(), 1.0);
    }

    #[test]
    fn corrections_force_and_forbid_merges() {
        let t = [
            terms("首贷 融资 抵押 房产"),
            terms("首贷 融资 抵押 房产"),
            terms("用电 电价 峰谷"),
        ];
        let texts = ["首贷要求房产抵押", "首贷要求房产抵押", "峰谷电价偏高"];
        let ids = ["1", "2", "3"];
        let docs: Vec<MergeDoc> = (0..3)
            .map(|i| MergeDoc {
                id: ids[i],
                enterprise: ids[i],
                terms: &t[i],
                text: texts[i],
            })
            .collect();
        let members = |c: &Constraints| -> Vec<Vec<usize>> {
            merge_with(&docs, &MergeConfig::default(), c)
                .into_iter()
                .map(|g| g.members)
                .collect()
        };
        assert_eq!(members(&Constraints::default()), vec![vec![0, 1], vec![2]]);
        let split = Constraints::from_corrections(&[Correction::Split {
            items: vec!["2".into()],
        }]);
        assert_eq!(members(&split), vec![vec![0], vec![1], vec![2]]);
        let forced = Constraints::from_corrections(&[Correction::Merge {
            items: vec!["2".into(), "3".into()],
        }]);
        assert_eq!(
            members(&forced),
            vec![vec![0, 1, 2]],
            "2 joins 3, and 1 is still 2's twin"
        );
    }

    #[test]
    fn same_output_every_run() {
        let t: Vec<Vec<String>> = (0..60)
            .map(|i| terms(&format!("融资 难 第{} 抵押", i % 7)))
            .collect();
        let texts: Vec<String> = (0..60).map(|i| format!("融资难第{}", i % 7)).collect();
        let ids: Vec<String> = (0..60).map(|i| format!("{i:03}")).collect();
        let docs: Vec<MergeDoc> = (0..60)
            .map(|i| MergeDoc {
                id: &ids[i],
                enterprise: "甲",
                terms: &t[i],
                text: &texts[i],
            })
            .collect();
        let a = merge(&docs, &MergeConfig::default());
        let b = merge(&docs, &MergeConfig::default());
        assert_eq!(a, b);
    }
}
