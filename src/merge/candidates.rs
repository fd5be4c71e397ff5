//! Candidate pairs without comparing all pairs: items are put into blocks by keys — the exact
//! normalized text, each of their top TF-IDF terms, and each pair of those terms. Small blocks are
//! compared in full; a large block is sorted by its members' top terms and each member is compared
//! with its next few neighbours, so the work per item is bounded and the total grows linearly.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::vectors::{FxMap, SparseVec};

/// How many of an item's terms become keys.
const TOP_TERMS: usize = 8;
/// Blocks up to this size are compared in full.
const FULL_BLOCK: usize = 24;
/// In a larger block, each member is compared with this many following members.
const WINDOW: usize = 8;

/// An item's blocking keys, from its word vector (by weight) and its text.
fn keys(vector: &SparseVec, text_key: u64) -> (Vec<u64>, Vec<u32>) {
    let mut top: Vec<(u32, f32)> = vector.0.clone();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(TOP_TERMS);
    let mut ids: Vec<u32> = top.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let mut out = vec![hash(&("text", text_key))];
    for (i, a) in ids.iter().enumerate() {
        out.push(hash(&("term", a)));
        for b in &ids[i + 1..] {
            out.push(hash(&("pair", a, b)));
        }
    }
    (out, ids)
}

fn hash<T: Hash>(value: &T) -> u64 {
    // DefaultHasher::new() has fixed keys, so block order is the same on every run.
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// Each item's place among the distinct top-term lists in sorted order (equal lists, equal rank).
fn top_term_ranks(item_keys: &[(Vec<u64>, Vec<u32>)]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..item_keys.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| item_keys[a as usize].1.cmp(&item_keys[b as usize].1));
    let mut rank = vec![0u32; item_keys.len()];
    let mut r = 0;
    for k in 1..order.len() {
        if item_keys[order[k - 1] as usize].1 != item_keys[order[k] as usize].1 {
            r += 1;
        }
        rank[order[k] as usize] = r;
    }
    rank
}

/// Candidate pairs `(a, b)` with `a < b`, sorted and without repeats, kept where `keep` gives a
/// similarity. Work is done per item — its candidates gathered from all its blocks and deduplicated
/// before any similarity is computed — so memory holds the kept edges, not every candidate.
pub fn candidate_pairs<F>(vectors: &[SparseVec], text_keys: &[u64], keep: F) -> Vec<(u32, u32, f32)>
where
    F: Fn(u32, u32) -> Option<f32> + Sync,
{
    let item_keys: Vec<(Vec<u64>, Vec<u32>)> = vectors
        .par_iter()
        .zip(text_keys.par_iter())
        .map(|(v, t)| keys(v, *t))
        .collect();
    let mut by_key: FxMap<u64, Vec<u32>> = FxMap::default();
    for (item, (ks, _)) in item_keys.iter().enumerate() {
        for k in ks {
            by_key.entry(*k).or_default().push(item as u32);
        }
    }
    let mut blocks: Vec<Vec<u32>> = by_key.into_values().filter(|m| m.len() > 1).collect();
    // Neighbours by top terms: in a large block, members that share more of them sit together.
    // Items are ranked once by their top terms, so a block sorts by numbers, not by term lists.
    let rank = top_term_ranks(&item_keys);
    blocks
        .par_iter_mut()
        .filter(|m| m.len() > FULL_BLOCK)
        .for_each(|m| m.sort_unstable_by_key(|&a| (rank[a as usize], a)));
    let mut member_of: Vec<Vec<(u32, u32)>> = vec![Vec::new(); vectors.len()];
    for (b, members) in blocks.iter().enumerate() {
        for (pos, &m) in members.iter().enumerate() {
            member_of[m as usize].push((b as u32, pos as u32));
        }
    }
    let mut pairs: Vec<(u32, u32, f32)> = (0..vectors.len() as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut found: Vec<u32> = Vec::new();
            for &(b, pos) in &member_of[a as usize] {
                let members = &blocks[b as usize];
                if members.len() <= FULL_BLOCK {
                    found.extend(members.iter().filter(|&&m| m > a));
                } else {
                    found.extend(members[pos as usize + 1..].iter().take(WINDOW));
                }
            }
            found.sort_unstable();
            found.dedup();
            found
                .into_iter()
                .filter_map(|b| {
                    let (x, y) = (a.min(b), a.max(b));
                    keep(x, y).map(|s| (x, y, s))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // A pair met from both ends (windows in two blocks) is kept once.
    pairs.sort_unstable_by_key(|p| (p.0, p.1));
    pairs.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_are_always_candidates_even_in_big_blocks() {
        let n = 200;
        let vectors = vec![SparseVec(vec![(0, 1.0)]); n];
        let texts = vec![7u64; n];
        let pairs = candidate_pairs(&vectors, &texts, |_, _| Some(1.0));
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
    fn unrelated_items_are_not_paired() {
        let vectors = vec![SparseVec(vec![(0, 1.0)]), SparseVec(vec![(1, 1.0)])];
        let texts = vec![1u64, 2];
        assert!(candidate_pairs(&vectors, &texts, |_, _| Some(1.0)).is_empty());
    }
}
