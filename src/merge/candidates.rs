//! Candidate pairs without comparing all pairs: items are put into blocks by keys — the exact
//! normalized text, each of their top 16 TF-IDF terms, and each pair of their top 8. Small blocks are
//! compared in full; a large block is sorted by its members' top terms and each member is compared
//! with its next few neighbours, so the work per item is bounded and the total grows linearly.
//!
//! Blocks are built in flat arrays (keys, then members, then each item's places in blocks), never
//! as a map of lists: at a million items there are tens of millions of keys.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::spare::Spare;
use crate::memory;
use crate::vectors::PackedVectors;

/// How many of an item's terms become keys on their own. Sixteen, not eight: two items that
/// state one problem in different words often share only a term ranked 9th–16th in one of them
/// (a long text's rare words crowd its top eight), and single-term blocks of rare terms are
/// small. On our corpus this alone raised merge recall from 0.69 to 0.77 at the same threshold.
const TOP_TERMS: usize = 16;
/// How many of an item's heaviest terms are also paired into keys (pairs grow as the square).
const PAIR_TERMS: usize = 8;
/// Blocks up to this size are compared in full.
const FULL_BLOCK: usize = 24;
/// In a larger block, each member is compared with this many following members.
const WINDOW: usize = 8;
/// Keys are grouped into blocks this many key ranges at a time, to bound the sorting buffer.
const KEY_RANGES: u64 = 16;

/// An item's heaviest terms (by weight, ties by id): the top [`TOP_TERMS`] and the top
/// [`PAIR_TERMS`] among them, each in id order.
#[derive(Clone, Copy)]
struct TopTerms {
    all: [u32; TOP_TERMS],
    len: u8,
    paired: [u32; PAIR_TERMS],
    paired_len: u8,
}

impl TopTerms {
    fn of(words: &PackedVectors, item: usize) -> Self {
        let mut top: Vec<(u32, f32)> = words.entries(item).collect();
        // Heaviest first, ties by id: a total order (ids are distinct), so picking the first
        // TOP_TERMS and sorting only them gives what sorting every entry would.
        let heavier = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if top.len() > TOP_TERMS {
            top.select_nth_unstable_by(TOP_TERMS - 1, heavier);
            top.truncate(TOP_TERMS);
        }
        top.sort_unstable_by(heavier);
        let mut all = [0u32; TOP_TERMS];
        for (slot, (id, _)) in all.iter_mut().zip(&top) {
            *slot = *id;
        }
        let len = top.len();
        let paired_len = len.min(PAIR_TERMS);
        let mut paired = [0u32; PAIR_TERMS];
        paired[..paired_len].copy_from_slice(&all[..paired_len]);
        all[..len].sort_unstable();
        paired[..paired_len].sort_unstable();
        TopTerms {
            all,
            len: len as u8,
            paired,
            paired_len: paired_len as u8,
        }
    }

    /// The top terms that are keys on their own.
    fn ids(&self) -> &[u32] {
        &self.all[..self.len as usize]
    }

    /// The heaviest terms, whose pairs are keys; large blocks sort their members by these.
    fn paired(&self) -> &[u32] {
        &self.paired[..self.paired_len as usize]
    }

    /// How many keys [`TopTerms::keys`] gives: the text, each term, each pair.
    fn key_count(&self) -> usize {
        let p = self.paired_len as usize;
        1 + self.len as usize + p * p.saturating_sub(1) / 2
    }

    /// An item's blocking keys, from its top terms and its text.
    fn keys(&self, text_key: u64, out: &mut [u64]) {
        out[0] = hash(&("text", text_key));
        let mut at = 1;
        for a in self.ids() {
            out[at] = hash(&("term", a));
            at += 1;
        }
        let paired = self.paired();
        for (i, a) in paired.iter().enumerate() {
            for b in &paired[i + 1..] {
                out[at] = hash(&("pair", a, b));
                at += 1;
            }
        }
        debug_assert_eq!(at, out.len());
    }
}

fn hash<T: Hash>(value: &T) -> u64 {
    // DefaultHasher::new() has fixed keys, so block order is the same on every run.
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// Each item's place among the distinct lists of heaviest terms in sorted order (equal lists,
/// equal rank), and the items in that order (equal lists by item).
fn top_term_ranks(tops: &[TopTerms]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..tops.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| {
        (tops[a as usize].paired().cmp(tops[b as usize].paired())).then(a.cmp(&b))
    });
    let mut rank = vec![0u32; tops.len()];
    let mut r = 0;
    for k in 1..order.len() {
        if tops[order[k - 1] as usize].paired() != tops[order[k] as usize].paired() {
            r += 1;
        }
        rank[order[k] as usize] = r;
    }
    (rank, order)
}

/// Start of each item's run in a flat array of per-item runs, and one past the last.
pub(super) fn offsets(counts: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out = vec![0];
    let mut total = 0;
    for c in counts {
        total += c;
        out.push(total);
    }
    out
}

/// Every item's keys in one array (item `i`'s at `offsets[i]..offsets[i + 1]`), filled in
/// parallel a chunk of items at a time.
fn all_keys(tops: &[TopTerms], text_keys: &[u64], offsets: &[usize]) -> Vec<u64> {
    const CHUNK: usize = 4096;
    let n = tops.len();
    let mut keys = vec![0u64; offsets[n]];
    let mut parts: Vec<(usize, &mut [u64])> = Vec::new();
    let mut rest: &mut [u64] = &mut keys;
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        let (part, tail) = rest.split_at_mut(offsets[end] - offsets[start]);
        parts.push((start, part));
        rest = tail;
    }
    parts.into_par_iter().for_each(|(start, part)| {
        let end = (start + CHUNK).min(n);
        for i in start..end {
            let at = offsets[i] - offsets[start];
            let len = offsets[i + 1] - offsets[i];
            tops[i].keys(text_keys[i], &mut part[at..at + len]);
        }
    });
    keys
}

/// Blocks of two or more items sharing a key: block `b`'s members are
/// `members[bounds[b]..bounds[b + 1]]`, in item order, or for a large block in top-term order.
struct Blocks {
    members: Vec<u32>,
    bounds: Vec<usize>,
}

impl Blocks {
    fn new(tops: &[TopTerms], text_keys: &[u64], rank: &[u32]) -> Self {
        let n = tops.len();
        let key_offsets = offsets(tops.iter().map(TopTerms::key_count));
        let keys = all_keys(tops, text_keys, &key_offsets);
        // Room for every key at once: grown by doubling, each copy's old block stayed resident
        // beside the new one (the 1M peak 5,864 against 5,699 MiB). Room never filled costs
        // address space, not memory.
        let (mut members, mut bounds) = (Vec::with_capacity(keys.len()), Vec::new());
        // One key range at a time: its (key, item) pairs sorted, each run of one key a block.
        for range in 0..KEY_RANGES {
            let in_range = |k: u64| k / (u64::MAX / KEY_RANGES + 1) == range;
            let mut pairs: Vec<(u64, u32)> = (0..n)
                .into_par_iter()
                .flat_map_iter(|i| {
                    keys[key_offsets[i]..key_offsets[i + 1]]
                        .iter()
                        .filter(move |&&k| in_range(k))
                        .map(move |&k| (k, i as u32))
                })
                .collect();
            pairs.par_sort_unstable();
            for run in pairs.chunk_by(|x, y| x.0 == y.0).filter(|r| r.len() > 1) {
                bounds.push(members.len());
                members.extend(run.iter().map(|p| p.1));
            }
        }
        bounds.push(members.len());
        drop(keys);
        let mut blocks = Blocks { members, bounds };
        blocks.sort_large(rank);
        blocks
    }

    fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    fn block(&self, b: usize) -> &[u32] {
        &self.members[self.bounds[b]..self.bounds[b + 1]]
    }

    /// Starts fetching where block `b` lies, for [`Blocks::prefetch_near`] a little later.
    fn prefetch_bounds(&self, b: usize) {
        if let Some(bound) = self.bounds.get(b) {
            memory::prefetch(bound);
        }
    }

    /// The members of block `b` that its member at `pos` is compared with: all of a small
    /// block, a window around it in a large one.
    fn near(&self, b: usize, pos: usize) -> &[u32] {
        let members = self.block(b);
        if members.len() <= FULL_BLOCK {
            members
        } else {
            &members[pos.saturating_sub(WINDOW)..members.len().min(pos + 1 + WINDOW)]
        }
    }

    /// Starts fetching [`Blocks::near`] (at most 24 members: every cache line they touch).
    fn prefetch_near(&self, b: usize, pos: usize) {
        for part in self.near(b, pos).chunks(8) {
            memory::prefetch(part.as_ptr());
        }
    }

    /// Neighbours by top terms: in a large block, members that share more of them sit together.
    /// Items are ranked once by their top terms, so a block sorts by numbers, not by term lists.
    fn sort_large(&mut self, rank: &[u32]) {
        let mut large: Vec<&mut [u32]> = Vec::new();
        let mut rest: &mut [u32] = &mut self.members;
        for w in self.bounds.windows(2) {
            let (block, tail) = rest.split_at_mut(w[1] - w[0]);
            if block.len() > FULL_BLOCK {
                large.push(block);
            }
            rest = tail;
        }
        large
            .par_iter_mut()
            .for_each(|m| m.sort_unstable_by_key(|&a| (rank[a as usize], a)));
    }

    /// For each item, its (block, position in block) places: item `i`'s at
    /// `places[offsets[i]..offsets[i + 1]]`.
    fn places(&self, n: usize) -> (Vec<usize>, Vec<(u32, u32)>) {
        let mut count = vec![0usize; n];
        for &m in &self.members {
            count[m as usize] += 1;
        }
        let offsets = offsets(count.into_iter());
        let mut next = offsets[..n].to_vec();
        let mut places = vec![(0u32, 0u32); self.members.len()];
        for b in 0..self.len() {
            for (pos, &m) in self.block(b).iter().enumerate() {
                places[next[m as usize]] = (b as u32, pos as u32);
                next[m as usize] += 1;
            }
        }
        (offsets, places)
    }
}

/// Items handled together, with one scratch space.
const CHUNK: usize = 256;

/// Candidate pairs `(a, b)` with `a < b`, sorted and without repeats, kept where `keep` gives a
/// similarity. Work is done per item — its candidates gathered from all its blocks and deduplicated
/// before any similarity is computed — so memory holds the kept edges, not every candidate.
///
/// A pair belongs to the item of the two that costs more to read (`cost`, ties to the higher
/// number): `a` gathers the partners below it in that order, in a large block from the windows on
/// both sides of it, so no pair is met (and its similarity computed) twice, and each pair reads
/// its cheaper item ([`PackedVectors::dot_probe`] reads the partner, once `a` is laid out).
/// `keep(scratch, a, partners, out)` pushes `(a, b, similarity)` for the partners `b` it keeps;
/// `scratch()` makes the space it works in, one per thread at a time.
pub fn candidate_pairs<S, M, F>(
    words: &PackedVectors,
    text_keys: &[u64],
    cost: &[u32],
    scratch: M,
    keep: F,
) -> Vec<(u32, u32, f32)>
where
    S: Send,
    M: Fn() -> S + Sync,
    F: Fn(&mut S, u32, &[u32], &mut Vec<(u32, u32, f32)>) + Sync,
{
    let n = words.len();
    let tops: Vec<TopTerms> = (0..n)
        .into_par_iter()
        .map(|i| TopTerms::of(words, i))
        .collect();
    let (rank, order) = top_term_ranks(&tops);
    let blocks = Blocks::new(&tops, text_keys, &rank);
    drop(tops);
    let (offsets, places) = blocks.places(n);
    // Scratch spaces are reused across chunks: one may be large (a probe is an array as long as
    // the vector space).
    let spare = Spare::new();
    let owns = |a: u32, m: u32| (cost[a as usize], a) > (cost[m as usize], m);
    // Items are taken in top-term order, not by number: neighbours in it share blocks, so the
    // partners one reads are still in cache when the next reads them.
    let mut pairs: Vec<(u32, u32, f32)> = order
        .par_chunks(CHUNK)
        .flat_map_iter(|chunk| {
            let mut space = spare.take(&scratch);
            let (mut found, mut out) = (Vec::new(), Vec::new());
            // The blocks of the items ahead are read at random: where each lies is asked for
            // two items ahead, its members one item ahead.
            let places_of = |a: u32| &places[offsets[a as usize]..offsets[a as usize + 1]];
            for &(b, _) in chunk.iter().take(2).flat_map(|&a| places_of(a)) {
                blocks.prefetch_bounds(b as usize);
            }
            for (k, &a) in chunk.iter().enumerate() {
                if let Some(&ahead) = chunk.get(k + 2) {
                    for &(b, _) in places_of(ahead) {
                        blocks.prefetch_bounds(b as usize);
                    }
                }
                if let Some(&next) = chunk.get(k + 1) {
                    for &(b, pos) in places_of(next) {
                        blocks.prefetch_near(b as usize, pos as usize);
                    }
                }
                found.clear();
                for &(b, pos) in places_of(a) {
                    let near = blocks.near(b as usize, pos as usize);
                    found.extend(near.iter().filter(|&&m| owns(a, m)));
                }
                found.sort_unstable();
                found.dedup();
                keep(&mut space, a, &found, &mut out);
            }
            spare.give(space);
            out
        })
        .collect();
    for (a, b, _) in &mut pairs {
        if a > b {
            std::mem::swap(a, b);
        }
    }
    pairs.par_sort_unstable_by_key(|p| (p.0, p.1));
    debug_assert!(pairs
        .windows(2)
        .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(docs: &[Vec<u32>]) -> PackedVectors {
        PackedVectors::fit(docs.len(), |i, buf: &mut Vec<u32>| buf.extend(&docs[i])).0
    }

    /// Every candidate pair, each with similarity 1.
    fn all_pairs(vectors: &PackedVectors, texts: &[u64]) -> Vec<(u32, u32, f32)> {
        let keep = |_: &mut (), a, partners: &[u32], out: &mut Vec<_>| {
            out.extend(partners.iter().map(|&b| (a, b, 1.0)))
        };
        // Costs that put some items' partners on both sides of them.
        let cost: Vec<u32> = (0..vectors.len() as u32).map(|i| i % 7).collect();
        candidate_pairs(vectors, texts, &cost, || (), keep)
    }

    #[test]
    fn identical_texts_are_always_candidates_even_in_big_blocks() {
        let n = 200;
        let vectors = fit(&vec![vec![0]; n]);
        let texts = vec![7u64; n];
        let pairs = all_pairs(&vectors, &texts);
        // every item is linked to its neighbour, so the block is connected...
        for i in 0..n as u32 - 1 {
            assert!(
                pairs.iter().any(|p| p.0 == i && p.1 == i + 1),
                "missing {i}"
            );
        }
        // ...without comparing all pairs
        assert!(pairs.len() < n * (n - 1) / 2 / 5, "{}", pairs.len());
    }

    #[test]
    fn each_pair_once_and_the_pairs_of_forward_windows() {
        // 300 items over a few common terms: large blocks and small ones, windows that overlap.
        let docs: Vec<Vec<u32>> = (0..300u32)
            .map(|i| vec![i % 3, 3 + i % 5, 8 + i % 7, 15 + i % 40, 60 + i % 11])
            .collect();
        let vectors = fit(&docs);
        let texts: Vec<u64> = (0..300).map(|i| i % 50).collect();
        // What pairing each member with the WINDOW members after it in every block gives.
        let tops: Vec<TopTerms> = (0..300).map(|i| TopTerms::of(&vectors, i)).collect();
        let blocks = Blocks::new(&tops, &texts, &top_term_ranks(&tops).0);
        let mut expected = Vec::new();
        for b in 0..blocks.len() {
            let members = blocks.block(b);
            for (p, &x) in members.iter().enumerate() {
                let ahead = if members.len() <= FULL_BLOCK {
                    members.len()
                } else {
                    WINDOW
                };
                for &y in members[p + 1..].iter().take(ahead) {
                    expected.push((x.min(y), x.max(y), 1.0));
                }
            }
        }
        expected.sort_by_key(|p| (p.0, p.1));
        expected.dedup_by_key(|p| (p.0, p.1));
        assert!((0..blocks.len()).any(|b| blocks.block(b).len() > FULL_BLOCK));
        let pairs = all_pairs(&vectors, &texts);
        assert!(pairs
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        assert_eq!(pairs, expected);
    }

    #[test]
    fn unrelated_items_are_not_paired() {
        let vectors = fit(&[vec![0], vec![1]]);
        let texts = vec![1u64, 2];
        assert!(all_pairs(&vectors, &texts).is_empty());
    }

    #[test]
    fn keys_are_text_terms_and_pairs() {
        let vectors = fit(&[(0..20).collect(), vec![3, 3, 4]]);
        let tops: Vec<TopTerms> = (0..2).map(|i| TopTerms::of(&vectors, i)).collect();
        assert_eq!(tops[0].ids().len(), TOP_TERMS);
        assert_eq!(tops[0].paired().len(), PAIR_TERMS);
        assert_eq!(tops[0].key_count(), 1 + 16 + 28);
        let mut keys = vec![0; tops[0].key_count()];
        tops[0].keys(1, &mut keys);
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 1 + 16 + 28, "every key distinct");
        assert_eq!(tops[1].ids(), &[3, 4]);
        assert_eq!(tops[1].paired(), &[3, 4]);
        assert_eq!(tops[1].key_count(), 4);
    }

    /// The top terms picked by selection are those of sorting every entry, ties (equal
    /// weights) by id, for documents shorter and longer than [`TOP_TERMS`].
    #[test]
    fn top_terms_are_those_of_a_full_sort() {
        // Repeats give some terms higher counts; many terms share a weight.
        let docs: Vec<Vec<u32>> = (0..60u32)
            .map(|i| (0..(i % 45)).map(|k| (k * k + i) % 50).collect())
            .collect();
        let vectors = fit(&docs);
        for item in 0..docs.len() {
            let mut all: Vec<(u32, f32)> = vectors.entries(item).collect();
            all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let ids: Vec<u32> = all.iter().map(|e| e.0).collect();
            let mut expected_all = ids[..ids.len().min(TOP_TERMS)].to_vec();
            let mut expected_paired = ids[..ids.len().min(PAIR_TERMS)].to_vec();
            expected_all.sort_unstable();
            expected_paired.sort_unstable();
            let top = TopTerms::of(&vectors, item);
            assert_eq!(top.ids(), expected_all, "item {item}");
            assert_eq!(top.paired(), expected_paired, "item {item}");
        }
    }

    #[test]
    fn a_term_ranked_below_the_paired_ones_still_makes_a_candidate() {
        // Item 0 has eight terms heavier than 100 (only item 0 has them; repeats make them
        // heavy); item 1 shares only term 100 with it. 100 is item 0's 9th term: a key on its
        // own, not in any pair.
        let mut first: Vec<u32> = (0..8).flat_map(|t| [t, t, t]).collect();
        first.push(100);
        let vectors = fit(&[first, vec![100, 200], vec![300]]);
        // Features are numbered in sorted order: 0..=7, then 100 is 8.
        let top = TopTerms::of(&vectors, 0);
        assert!(top.ids().contains(&8));
        assert!(!top.paired().contains(&8));
        let pairs = all_pairs(&vectors, &[1, 2, 3]);
        assert_eq!(pairs, vec![(0, 1, 1.0)]);
    }
}
