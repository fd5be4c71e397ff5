//! Merge (合并同类项): groups items that state the same problem — first one enterprise's repeats
//! across channels, then the same problem raised by different enterprises in different words.
//! Each group has a representative (its medoid), every member's similarity to it, and the terms
//! the members share, so an analyst can see why items were merged.
//!
//! Similarity is 0.6 × word TF-IDF cosine + 0.4 × character-bigram cosine. Raising it for long
//! texts was measured and dropped: it merged a small set of hot-issue letters well but chained a
//! batch of 2,816 real letters into one group of 752 (README, "Quality, measured").

mod candidates;
mod corrections;
mod grouping;
mod spare;
mod stable_ids;
mod vocabulary;

pub use corrections::{Constraints, Correction};
pub use grouping::{sort_edges, Edge, Groups, Pass, Space, SpaceProbe};
pub use stable_ids::keep_previous_ids;
pub use vocabulary::Vocabulary;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use spare::Spare;

use crate::progress::Timing;
use crate::vectors::{push_char_bigrams, DocumentFrequencies, FxMap, PackedVectors, SparseVec};

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
            // 0.15 before the wider candidate keys; chosen on the A half
            // of our corpus and the dev half of the real hot issues (README, "Quality, measured").
            cross_enterprise_threshold: 0.14,
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
    /// Canonical terms (synonyms mapped, stop words dropped) of title and text, as ids in the
    /// [`Vocabulary`] passed to the merge.
    pub terms: &'a [u32],
    /// The normalized text.
    pub text: &'a str,
    /// [`text_key`] of the text.
    pub text_key: u64,
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

/// Merges similar items (their term ids from `vocabulary`). Output: every item in exactly one
/// group; groups sorted by id.
pub fn merge(docs: &[MergeDoc], vocabulary: &Vocabulary, config: &MergeConfig) -> Vec<Group> {
    merge_with(docs, vocabulary, config, &Constraints::default())
}

/// Merges similar items, honouring an analyst's corrections.
///
/// Memory: the vectors are packed ([`PackedVectors`]) and fitted by streaming over the items, so
/// besides its inputs the merge holds about two bytes per distinct word and character bigram of
/// each item, the blocks and the kept edges — and per thread, one probe (about four bytes per
/// distinct word and character bigram of the whole batch) to compare an item with its candidates.
pub fn merge_with(
    docs: &[MergeDoc],
    vocabulary: &Vocabulary,
    config: &MergeConfig,
    constraints: &Constraints,
) -> Vec<Group> {
    merge_fitted(docs, vocabulary, config, constraints, None, false).0
}

/// [`merge_with`] over a whole collection, also giving its document frequencies: the merge
/// weighs terms with them, and a workspace keeps them, so they are counted once for both.
pub fn merge_counting(
    docs: &[MergeDoc],
    vocabulary: &Vocabulary,
    config: &MergeConfig,
    constraints: &Constraints,
) -> (Vec<Group>, DocumentFrequencies) {
    let (groups, counted) = merge_fitted(docs, vocabulary, config, constraints, None, true);
    (groups, counted.expect("counted when asked"))
}

/// Merges part of a larger collection — the items an added batch or a correction touches —
/// weighing terms by the whole collection's document `frequencies`, so the part's groups are
/// what a merge of the whole would make of them.
pub fn merge_among(
    docs: &[MergeDoc],
    vocabulary: &Vocabulary,
    config: &MergeConfig,
    constraints: &Constraints,
    frequencies: &DocumentFrequencies,
) -> Vec<Group> {
    merge_fitted(
        docs,
        vocabulary,
        config,
        constraints,
        Some(frequencies),
        false,
    )
    .0
}

/// The merge's similarity of each pair `(a, b)` of `docs`, weighed by the whole collection's
/// `frequencies` (candidates for an added item are checked with it before any regrouping).
pub fn similarities(
    docs: &[MergeDoc],
    vocabulary: &Vocabulary,
    config: &MergeConfig,
    frequencies: &DocumentFrequencies,
    pairs: &[(usize, usize)],
) -> Vec<f32> {
    let fitted = Fitted::new(docs, vocabulary, Some(frequencies));
    let space = fitted.space(config);
    pairs
        .par_iter()
        .map(|&(a, b)| space.sim(a, b).min(1.0))
        .collect()
}

/// The exact-text key: items whose normalized texts are the same, punctuation and spaces aside,
/// share it.
pub fn text_key(text: &str) -> u64 {
    text_key_in(text, &mut Vec::new())
}

/// [`text_key`] of each text, on all threads, each thread cutting bigrams into one buffer.
pub fn text_keys<'a>(texts: impl IndexedParallelIterator<Item = &'a str>) -> Vec<u64> {
    texts
        .map_init(Vec::new, |bigrams, text| text_key_in(text, bigrams))
        .collect()
}

/// [`text_key`], its bigrams cut into `bigrams` (cleared first).
fn text_key_in(text: &str, bigrams: &mut Vec<u64>) -> u64 {
    bigrams.clear();
    push_char_bigrams(text, bigrams);
    text_hash(bigrams)
}

/// The word and character-bigram vectors of a set of docs.
struct Fitted {
    rank: Vec<u32>,
    words: PackedVectors,
    word_features: Vec<u32>,
    chars: PackedVectors,
    char_features: Vec<u64>,
}

impl Fitted {
    fn new(
        docs: &[MergeDoc],
        vocabulary: &Vocabulary,
        frequencies: Option<&DocumentFrequencies>,
    ) -> Self {
        // Word features are numbered in term order, so the vectors (and float sums over them)
        // are the same whatever order the terms were interned in.
        let rank = vocabulary.name_ranks();
        let word_features = |i: usize, buf: &mut Vec<u32>| {
            buf.extend(docs[i].terms.iter().map(|&t| rank[t as usize]))
        };
        let char_features = |i: usize, buf: &mut Vec<u64>| push_char_bigrams(docs[i].text, buf);
        let ((words, word_ids), (chars, char_ids)) = match frequencies {
            None => (
                PackedVectors::fit_dense_in(
                    docs.len(),
                    rank.len(),
                    word_features,
                    None::<(fn(&u32) -> u32, u32)>,
                ),
                PackedVectors::fit_bigrams_in(
                    docs.len(),
                    char_features,
                    None::<(fn(&u64) -> u32, u32)>,
                ),
            ),
            Some(f) => {
                let mut by_rank = vec![0u32; rank.len()];
                for (id, &r) in rank.iter().enumerate() {
                    by_rank[r as usize] = id as u32;
                }
                let word_df = |r: &u32| {
                    let name = vocabulary.name(by_rank[*r as usize]);
                    f.words.get(name).copied().unwrap_or(0)
                };
                let char_df = |c: &u64| f.chars.get(c).copied().unwrap_or(0);
                let (words, ids) = PackedVectors::fit_dense_in(
                    docs.len(),
                    rank.len(),
                    word_features,
                    Some((word_df, f.docs)),
                );
                let chars = PackedVectors::fit_bigrams_in(
                    docs.len(),
                    char_features,
                    Some((char_df, f.docs)),
                );
                ((words, ids), chars)
            }
        };
        Fitted {
            rank,
            words,
            word_features: word_ids,
            chars,
            char_features: char_ids,
        }
    }

    /// The document frequencies the vectors were weighed with, by term and character bigram.
    fn document_frequencies(&self, vocabulary: &Vocabulary) -> DocumentFrequencies {
        let mut by_rank = vec![0u32; self.rank.len()];
        for (id, &r) in self.rank.iter().enumerate() {
            by_rank[r as usize] = id as u32;
        }
        let words = self.word_features.iter().zip(&self.words.df);
        DocumentFrequencies {
            docs: self.words.len() as u32,
            words: words
                .map(|(&r, &df)| (vocabulary.name(by_rank[r as usize]).to_string(), df))
                .collect(),
            chars: self
                .char_features
                .iter()
                .copied()
                .zip(self.chars.df.iter().copied())
                .collect(),
        }
    }

    fn space(&self, config: &MergeConfig) -> Space<'_> {
        Space {
            words: &self.words,
            chars: &self.chars,
            word_weight: config.word_weight,
        }
    }
}

fn merge_fitted(
    docs: &[MergeDoc],
    vocabulary: &Vocabulary,
    config: &MergeConfig,
    constraints: &Constraints,
    frequencies: Option<&DocumentFrequencies>,
    count: bool,
) -> (Vec<Group>, Option<DocumentFrequencies>) {
    let t = Timing::start("merge.fit");
    let fitted = Fitted::new(docs, vocabulary, frequencies);
    let counted = count.then(|| fitted.document_frequencies(vocabulary));
    drop(t);
    let t = Timing::start("merge.candidates");
    let space = fitted.space(config);
    let (words, rank, word_features) = (&fitted.words, &fitted.rank, &fitted.word_features);
    let floor = config
        .same_enterprise_threshold
        .min(config.cross_enterprise_threshold);
    // Identical texts (after normalization, punctuation aside) share this key.
    let text_keys: Vec<u64> = docs.iter().map(|d| d.text_key).collect();
    // Each item is compared with its candidates through a probe: its vectors laid out once.
    // Two steps ahead: where a partner's vectors are, then (that found) the vectors themselves.
    let similar = |probe: &mut SpaceProbe, a: u32, partners: &[u32], out: &mut Vec<_>| {
        let Some(&first) = partners.first() else {
            return;
        };
        for &b in partners.iter().take(2) {
            space.prefetch_entry(b as usize);
        }
        space.load(probe, a as usize);
        space.prefetch(first as usize);
        for (k, &b) in partners.iter().enumerate() {
            if let Some(&far) = partners.get(k + 2) {
                space.prefetch_entry(far as usize);
            }
            if let Some(&next) = partners.get(k + 1) {
                space.prefetch(next as usize);
            }
            let sim = space.sim_probe(probe, b as usize);
            if sim >= floor {
                out.push((a, b, sim));
            }
        }
    };
    // Each pair is scored from its longer item, reading the shorter one.
    let cost: Vec<u32> = (0..docs.len())
        .map(|i| (words.stored_len(i) + fitted.chars.stored_len(i)) as u32)
        .collect();
    let mut edges: Vec<Edge> =
        candidates::candidate_pairs(words, &text_keys, &cost, || space.probe(), similar)
            .into_iter()
            .map(|(a, b, sim)| Edge { a, b, sim })
            .filter(|e| {
                let isolated = |i: u32| constraints.isolated.contains(docs[i as usize].id);
                !isolated(e.a) && !isolated(e.b)
            })
            .collect();
    drop(text_keys);
    sort_edges(&mut edges);
    drop(t);
    let t = Timing::start("merge.link");

    let same = |e: &Edge| docs[e.a as usize].enterprise == docs[e.b as usize].enterprise;
    // Constraints name items by id; the merge works on positions.
    let index: HashMap<&str, u32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id, i as u32))
        .collect();
    let positions = |ids: &[String]| -> Vec<u32> {
        ids.iter()
            .filter_map(|id| index.get(id.as_str()).copied())
            .collect()
    };
    let frozen: Vec<Vec<u32>> = constraints.frozen.iter().map(|u| positions(u)).collect();
    let passes = [
        Pass {
            threshold: config.same_enterprise_threshold,
            allowed: &same,
        },
        Pass {
            threshold: config.cross_enterprise_threshold,
            allowed: &|e| !same(e),
        },
    ];
    let mut groups = Groups::link_apart(&space, &frozen, &edges, &passes, config.word_weight);
    drop(edges);
    for set in &constraints.forced {
        for pair in positions(set).windows(2) {
            groups.join(pair[0], pair[1]);
        }
    }
    drop(index);
    drop(t);

    let _t = Timing::start("merge.describe");
    // Items by root (a counting sort: roots are items), each root's run in item order.
    let roots = groups.roots();
    let mut count = vec![0usize; roots.len()];
    for &root in &roots {
        count[root as usize] += 1;
    }
    let bounds = candidates::offsets(count.into_iter());
    let mut next = bounds.clone();
    let mut by_root = vec![0usize; roots.len()];
    for (item, &root) in roots.iter().enumerate() {
        by_root[next[root as usize]] = item;
        next[root as usize] += 1;
    }
    drop(next);
    let runs: Vec<(u32, &[usize])> = bounds
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1] > w[0])
        .map(|(root, w)| (root as u32, &by_root[w[0]..w[1]]))
        .collect();
    let terms = Terms::new(vocabulary, rank, word_features, &words.idf);
    let spare = Spare::new();
    let mut out: Vec<Group> = runs
        .into_par_iter()
        .map(|(root, members)| {
            let mut members = members.to_vec();
            members.sort_by(|&a, &b| docs[a].id.cmp(docs[b].id));
            let close = groups.sums(root).map(|(word_sum, char_sum)| {
                let mut around = spare.take(|| Around::new(&space));
                let close = around.closeness(&space, &members, word_sum, char_sum);
                spare.give(around);
                close
            });
            describe(members, close, docs, &space, &terms)
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    (out, counted)
}

fn text_hash(bigrams: &[u64]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bigrams.hash(&mut h);
    h.finish()
}

/// What the group descriptions need of the terms, by term id: names, length in characters (0
/// for a term never listed) and idf. Lengths and idf are read once per term in arrays a group's
/// terms are looked up in, not found again for every mention in every group.
struct Terms<'a> {
    vocabulary: &'a Vocabulary,
    chars: Vec<u32>,
    idf: Vec<f32>,
}

impl<'a> Terms<'a> {
    /// `rank` gives each term id's place in term order, `features` the ranks that are word
    /// features (sorted) and `idf` theirs.
    fn new(vocabulary: &'a Vocabulary, rank: &[u32], features: &[u32], idf: &[f32]) -> Self {
        let idf = rank
            .par_iter()
            .map(|r| features.binary_search(r).map(|i| idf[i]).unwrap_or(0.0))
            .collect();
        let chars = (0..vocabulary.len() as u32)
            .into_par_iter()
            .map(|t| listed_chars(vocabulary.name(t)))
            .collect();
        Terms {
            vocabulary,
            chars,
            idf,
        }
    }
}

/// A term's length in characters if a group may list it, else 0: single characters and
/// numbers explain nothing to a reader.
fn listed_chars(name: &str) -> u32 {
    let chars = name.chars().count();
    if chars < 2 || name.chars().all(|ch| ch.is_ascii_digit()) {
        0
    } else {
        chars as u32
    }
}

/// What finding a group's representative works in, one per thread: the group's sums laid out by
/// feature id (zero elsewhere) and a probe for the representative. Reading a member against
/// arrays costs its own length; against the sparse sums each of its ids was a search.
struct Around {
    /// Word and character sums by feature id, zero between groups.
    sums: (Vec<f32>, Vec<f32>),
    probe: SpaceProbe,
}

impl Around {
    fn new(space: &Space) -> Self {
        Around {
            sums: (vec![0.0; space.words.dims()], vec![0.0; space.chars.dims()]),
            probe: space.probe(),
        }
    }

    /// The group's representative, the member most similar to all members (the medoid, read off
    /// the sum vectors; ties to the lower item), and each member's similarity to it. The same
    /// floats as [`PackedVectors::dot_sparse`] with the sums and [`Space::sim`] with the
    /// representative: the same products in the same order.
    fn closeness(
        &mut self,
        space: &Space,
        members: &[usize],
        word_sum: &SparseVec,
        char_sum: &SparseVec,
    ) -> (usize, Vec<f32>) {
        // Added to zeros: each array holds the sum's own weights.
        grouping::scatter_add(&mut self.sums, word_sum, char_sum);
        let representative = members
            .iter()
            .map(|&m| (m, space.gather(&self.sums, m)))
            .max_by(|(a, x), (b, y)| x.total_cmp(y).then(b.cmp(a)))
            .expect("a group has members")
            .0;
        for (dense, sum) in [(&mut self.sums.0, word_sum), (&mut self.sums.1, char_sum)] {
            for &(id, _) in &sum.0 {
                dense[id as usize] = 0.0;
            }
        }
        space.load(&mut self.probe, representative);
        let similarity = members
            .iter()
            .map(|&m| space.sim_probe(&mut self.probe, m))
            .collect();
        (representative, similarity)
    }
}

/// A group of `members` (in id order), with its representative and their similarities to it
/// from [`Around::closeness`] (`None` for an item alone).
fn describe(
    members: Vec<usize>,
    close: Option<(usize, Vec<f32>)>,
    docs: &[MergeDoc],
    space: &Space,
    terms: &Terms,
) -> Group {
    let (representative, similarity) = close.unwrap_or_else(|| {
        let m = members[0];
        (m, vec![space.self_sim(m)])
    });
    Group {
        id: format!("G-{}", docs[members[0]].id),
        shared_terms: shared_terms(&members, docs, terms),
        members,
        representative,
        similarity,
    }
}

/// How many shared terms a group lists.
const SHARED_TERMS: usize = 6;

/// Terms in at least half of the members (all of a singleton's), by member count then rarity.
fn shared_terms(members: &[usize], docs: &[MergeDoc], terms: &Terms) -> Vec<String> {
    let mut seen: Vec<u32> = Vec::new();
    // Member `m`'s terms, each once, in `seen`.
    let distinct = |m: usize, seen: &mut Vec<u32>| {
        seen.clear();
        seen.extend_from_slice(docs[m].terms);
        seen.sort_unstable();
        seen.dedup();
    };
    let counted: Vec<(u32, usize)> = if let &[m] = members {
        // Most groups are one item: its terms, each once.
        distinct(m, &mut seen);
        seen.into_iter().map(|t| (t, 1)).collect()
    } else {
        let mut count: FxMap<u32, usize> = FxMap::default();
        for &m in members {
            distinct(m, &mut seen);
            for &t in &seen {
                *count.entry(t).or_default() += 1;
            }
        }
        let need = members.len().div_ceil(2);
        count.into_iter().filter(|&(_, c)| c >= need).collect()
    };
    let mut shared: Vec<(u32, usize, u32, f32)> = counted
        .into_iter()
        .map(|(t, c)| (t, c, terms.chars[t as usize], terms.idf[t as usize]))
        .filter(|&(_, _, chars, _)| chars > 0)
        .collect();
    // Longer words first among equals, so 子女入学 is listed and its parts 子女, 入学 are not.
    // Names are distinct, so the order is total: sorting the first few, then (when words kept
    // out leave room) the rest, lists what sorting them all would.
    let name = |t: u32| terms.vocabulary.name(t);
    let order = |a: &(u32, usize, u32, f32), b: &(u32, usize, u32, f32)| {
        b.1.cmp(&a.1)
            .then(b.2.cmp(&a.2))
            .then(b.3.total_cmp(&a.3))
            .then_with(|| name(a.0).cmp(name(b.0)))
    };
    let head = shared.len().min(4 * SHARED_TERMS);
    if head < shared.len() {
        shared.select_nth_unstable_by(head, order);
    }
    let (first, rest) = shared.split_at_mut(head);
    let mut kept: Vec<&str> = Vec::new();
    for part in [first, rest] {
        if kept.len() == SHARED_TERMS {
            break;
        }
        part.sort_unstable_by(order);
        for &(t, ..) in part.iter() {
            if kept.len() == SHARED_TERMS {
                break;
            }
            let t = name(t);
            if !kept.iter().any(|k| k.contains(t)) {
                kept.push(t);
            }
        }
    }
    kept.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    /// The items' terms as ids, and the vocabulary they index.
    fn interned(items: &[Vec<String>]) -> (Vec<Vec<u32>>, Vocabulary) {
        let mut vocabulary = Vocabulary::new();
        let ids = items
            .iter()
            .map(|t| t.iter().map(|w| vocabulary.intern(w)).collect())
            .collect();
        (ids, vocabulary)
    }

    /// The representative and similarities read off arrays are those of the sparse sums and
    /// of [`Space::sim`], to the bit, however often the space is reused.
    #[test]
    fn closeness_on_arrays_is_the_sparse_one_to_the_bit() {
        let docs: Vec<Vec<u32>> = (0..40u32)
            .map(|i| (0..12).map(|k| (i * 7 + k * k * 3) % 97).collect())
            .collect();
        let fit = |docs: &[Vec<u32>]| {
            PackedVectors::fit(docs.len(), |i, buf: &mut Vec<u32>| buf.extend(&docs[i])).0
        };
        let (words, chars) = (fit(&docs), fit(&docs[5..]));
        let space = Space {
            words: &words,
            chars: &chars,
            word_weight: 0.6,
        };
        for m in 0..chars.len() {
            assert_eq!(
                space.self_sim(m).to_bits(),
                space.sim(m, m).to_bits(),
                "{m}"
            );
        }
        let mut around = Around::new(&space);
        for members in [
            vec![0, 3, 9, 10, 22],
            vec![1, 2],
            vec![30, 4, 17, 8, 33, 2, 11],
        ] {
            let sum = |v: &PackedVectors| {
                members
                    .iter()
                    .fold(SparseVec::default(), |s, &m| s.add(&v.vector(m)))
            };
            let (word_sum, char_sum) = (sum(&words), sum(&chars));
            let sparse = |m: usize| {
                0.6 * words.dot_sparse(m, &word_sum) + 0.4 * chars.dot_sparse(m, &char_sum)
            };
            let best = members
                .iter()
                .map(|&m| (m, sparse(m)))
                .max_by(|(a, x), (b, y)| x.total_cmp(y).then(b.cmp(a)))
                .unwrap()
                .0;
            let (representative, similarity) =
                around.closeness(&space, &members, &word_sum, &char_sum);
            assert_eq!(representative, best);
            let expected: Vec<u32> = members
                .iter()
                .map(|&m| space.sim(m, best).to_bits())
                .collect();
            let got: Vec<u32> = similarity.iter().map(|s| s.to_bits()).collect();
            assert_eq!(got, expected);
        }
        assert!(around
            .sums
            .0
            .iter()
            .chain(&around.sums.1)
            .all(|&x| x == 0.0));
    }

    #[test]
    fn merges_same_problem_and_keeps_others_apart() {
        let t = [
            terms("首贷 融资 抵押 房产 轻资产"),
            terms("首贷 融资 抵押 房产 租厂房"),
            terms("用电 电价 峰谷 偏高"),
            terms("首贷 抵押 融资 房产"),
        ];
        let (t, vocabulary) = interned(&t);
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
                text_key: text_key(texts[i]),
            })
            .collect();
        let groups = merge(&docs, &vocabulary, &MergeConfig::default());
        assert_eq!(groups.len(), 2, "{groups:?}");
        let g = &groups[0];
        assert_eq!(g.id, "G-1");
        assert_eq!(g.members, vec![0, 1, 3]);
        assert!(g.shared_terms.contains(&"首贷".to_string()));
        assert_eq!(groups[1].members, vec![2]);
        assert_eq!(groups[1].score(), 1.0);
    }

    #[test]
    fn a_counting_merge_gives_the_groups_and_the_collections_frequencies() {
        let words = [
            terms("首贷 融资 抵押 房产 融资"),
            terms("首贷 融资 抵押 房产"),
            terms("用电 电价 峰谷 偏高"),
        ];
        let (t, vocabulary) = interned(&words);
        let texts = [
            "首次贷款要求房产抵押，融资难",
            "首次贷款要求房产抵押",
            "峰谷电价偏高",
        ];
        let docs: Vec<MergeDoc> = (0..3)
            .map(|i| MergeDoc {
                id: ["1", "2", "3"][i],
                enterprise: ["甲", "乙", "丙"][i],
                terms: &t[i],
                text: texts[i],
                text_key: text_key(texts[i]),
            })
            .collect();
        let config = MergeConfig::default();
        let none = Constraints::default();
        let (groups, counted) = merge_counting(&docs, &vocabulary, &config, &none);
        assert_eq!(groups, merge(&docs, &vocabulary, &config));
        let items: Vec<(&Vec<String>, &str)> = words.iter().zip(texts).collect();
        let want = DocumentFrequencies::of_items(
            &items,
            |(w, _)| w.iter().map(String::as_str),
            |(_, t)| t,
        );
        assert_eq!(counted, want);
        assert_eq!(counted.words["融资"], 2);
        assert_eq!(counted.docs, 3);
    }

    #[test]
    fn corrections_force_and_forbid_merges() {
        let t = [
            terms("首贷 融资 抵押 房产"),
            terms("首贷 融资 抵押 房产"),
            terms("用电 电价 峰谷"),
        ];
        let (t, vocabulary) = interned(&t);
        let texts = ["首贷要求房产抵押", "首贷要求房产抵押", "峰谷电价偏高"];
        let ids = ["1", "2", "3"];
        let docs: Vec<MergeDoc> = (0..3)
            .map(|i| MergeDoc {
                id: ids[i],
                enterprise: ids[i],
                terms: &t[i],
                text: texts[i],
                text_key: text_key(texts[i]),
            })
            .collect();
        let members = |c: &Constraints| -> Vec<Vec<usize>> {
            merge_with(&docs, &vocabulary, &MergeConfig::default(), c)
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
        let (t, vocabulary) = interned(&t);
        let texts: Vec<String> = (0..60).map(|i| format!("融资难第{}", i % 7)).collect();
        let ids: Vec<String> = (0..60).map(|i| format!("{i:03}")).collect();
        let docs: Vec<MergeDoc> = (0..60)
            .map(|i| MergeDoc {
                id: &ids[i],
                enterprise: "甲",
                terms: &t[i],
                text: &texts[i],
                text_key: text_key(&texts[i]),
            })
            .collect();
        let a = merge(&docs, &vocabulary, &MergeConfig::default());
        let b = merge(&docs, &vocabulary, &MergeConfig::default());
        assert_eq!(a, b);
        // Interning in another order numbers the terms differently, and changes nothing.
        let mut reversed = Vocabulary::new();
        let names: Vec<&str> = (0..vocabulary.len() as u32)
            .rev()
            .map(|id| vocabulary.name(id))
            .collect();
        for n in &names {
            reversed.intern(n);
        }
        let t2: Vec<Vec<u32>> = t
            .iter()
            .map(|ids| {
                ids.iter()
                    .map(|&id| reversed.get(vocabulary.name(id)).unwrap())
                    .collect()
            })
            .collect();
        let docs2: Vec<MergeDoc> = docs
            .iter()
            .zip(&t2)
            .map(|(d, t)| MergeDoc { terms: t, ..*d })
            .collect();
        assert_eq!(merge(&docs2, &reversed, &MergeConfig::default()), a);
    }

    /// [`shared_terms`] as first written: every term counted, filtered and sorted.
    fn shared_terms_sorting_all(
        members: &[usize],
        docs: &[MergeDoc],
        terms: &Terms,
    ) -> Vec<String> {
        let mut count: HashMap<u32, usize> = HashMap::new();
        for &m in members {
            let mut seen = docs[m].terms.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *count.entry(t).or_default() += 1;
            }
        }
        let need = members.len().div_ceil(2).max(1);
        let name = |t: u32| terms.vocabulary.name(t);
        let mut shared: Vec<(&str, usize, usize, f32)> = count
            .into_iter()
            .filter(|&(t, c)| {
                c >= need
                    && name(t).chars().count() >= 2
                    && !name(t).chars().all(|ch| ch.is_ascii_digit())
            })
            .map(|(t, c)| (name(t), c, name(t).chars().count(), terms.idf[t as usize]))
            .collect();
        shared.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(b.2.cmp(&a.2))
                .then(b.3.total_cmp(&a.3))
                .then(a.0.cmp(b.0))
        });
        let mut kept: Vec<&str> = Vec::new();
        for (t, ..) in shared {
            if kept.len() < SHARED_TERMS && !kept.iter().any(|k| k.contains(t)) {
                kept.push(t);
            }
        }
        kept.into_iter().map(str::to_string).collect()
    }

    /// Sorting only the first few candidates lists the same terms as sorting all of them, also
    /// when the longer words kept leave out most of those first few.
    #[test]
    fn shared_terms_are_those_of_a_whole_sort() {
        // Long words whose parts (also terms) tie with each other and come later; digits and
        // single characters; words shared by some members only.
        let mut words: Vec<String> = Vec::new();
        for i in 0..40 {
            let long = format!("企业{i:02}融资担保");
            words.push(long.clone());
            words.push(format!("企业{i:02}"));
            words.push(long.chars().skip(2).collect());
        }
        words.extend(["贷", "2024", "12"].map(String::from));
        let mut state = 7u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let mut docs_terms: Vec<Vec<String>> = (0..30)
            .map(|d| {
                let len = if d < 5 { 2 + d } else { 10 + next(100) };
                (0..len).map(|_| words[next(words.len())].clone()).collect()
            })
            .collect();
        // One long word and its 44 parts fill the first few places, all kept out but the word:
        // the rest is read as well.
        let long: Vec<char> = "一二三四五六七八九十".chars().collect();
        let mut parts: Vec<String> = vec!["融资".into(), "担保".into()];
        for len in 2..=long.len() {
            parts.extend(long.windows(len).map(|w| w.iter().collect::<String>()));
        }
        docs_terms.push(parts);
        let (ids, vocabulary) = interned(&docs_terms);
        let idf: Vec<f32> = (0..vocabulary.len()).map(|t| (t % 5) as f32).collect();
        let chars = (0..vocabulary.len() as u32)
            .map(|t| listed_chars(vocabulary.name(t)))
            .collect();
        let terms = Terms {
            vocabulary: &vocabulary,
            chars,
            idf,
        };
        let texts: Vec<String> = docs_terms.iter().map(|t| t.concat()).collect();
        let docs: Vec<MergeDoc> = (0..docs_terms.len())
            .map(|i| MergeDoc {
                id: "x",
                enterprise: "甲",
                terms: &ids[i],
                text: &texts[i],
                text_key: 0,
            })
            .collect();
        let mut groups: Vec<Vec<usize>> = (0..docs.len()).map(|i| vec![i]).collect();
        groups.extend([
            vec![0, 1],
            vec![5, 6, 7],
            (0..docs.len()).collect(),
            (3..20).collect(),
        ]);
        let mut long_lists = 0;
        for members in &groups {
            let got = shared_terms(members, &docs, &terms);
            assert_eq!(
                got,
                shared_terms_sorting_all(members, &docs, &terms),
                "{members:?}"
            );
            long_lists += usize::from(got.len() == SHARED_TERMS);
        }
        assert!(
            long_lists > 10,
            "{long_lists} groups list {SHARED_TERMS} terms"
        );
    }
}
