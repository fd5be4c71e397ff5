//! Sparse TF-IDF vectors, built in parallel with a sorted vocabulary so the same input always
//! gives the same ids and the same numbers, whatever order rayon runs in.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rayon::prelude::*;

/// A sparse, L2-normalised vector: (term id, weight), sorted by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec(pub Vec<(u32, f32)>);

impl SparseVec {
    /// Dot product by merge-join (both sorted by id). When one vector is much longer (a large
    /// group's sum against one item), each entry of the short one is looked up in the long one
    /// by galloping instead. Either way the products are summed in id order, so the result is
    /// the same to the bit.
    pub fn dot(&self, other: &SparseVec) -> f32 {
        let (a, b) = (&self.0, &other.0);
        if a.len() > GALLOP_RATIO * b.len() {
            return gallop_dot(b, a);
        }
        if b.len() > GALLOP_RATIO * a.len() {
            return gallop_dot(a, b);
        }
        let (mut i, mut j, mut sum) = (0, 0, 0f32);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// `self + other`, as used for a group's sum vector.
    pub fn add(&self, other: &SparseVec) -> SparseVec {
        let (a, b) = (&self.0, &other.0);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if j == b.len() || (i < a.len() && a[i].0 < b[j].0) {
                out.push(a[i]);
                i += 1;
            } else if i == a.len() || b[j].0 < a[i].0 {
                out.push(b[j]);
                j += 1;
            } else {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
        SparseVec(out)
    }
}

/// Above this length ratio [`SparseVec::dot`] gallops through the longer vector.
const GALLOP_RATIO: usize = 8;

/// `short · long` by looking each of `short`'s ids up in `long` (exponential, then binary search
/// from the last match), summing the products in id order as the merge-join does.
fn gallop_dot(short: &[(u32, f32)], long: &[(u32, f32)]) -> f32 {
    let (mut from, mut sum) = (0, 0f32);
    for &(id, w) in short {
        let rest = &long[from..];
        let mut end = 1;
        while end < rest.len() && rest[end - 1].0 < id {
            end *= 2;
        }
        let end = end.min(rest.len());
        let k = rest[..end].partition_point(|e| e.0 < id);
        from += k;
        if from == long.len() {
            break;
        }
        if long[from].0 == id {
            sum += w * long[from].1;
            from += 1;
        }
    }
    sum
}

/// A fast, fixed-key hasher (the multiply-rotate of rustc's FxHash, with a final rotation so that
/// the well-mixed high bits pick the bucket). The vocabulary maps hash every feature of every
/// document; SipHash made that the slowest part of fitting. Fixed keys also keep runs identical.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// In how many documents each feature occurs, counted in parallel.
pub fn document_frequencies<T: Eq + Hash + Ord + Sync>(docs: &[Vec<T>]) -> HashMap<&T, u32> {
    frequencies(docs).into_iter().collect()
}

/// [`document_frequencies`] with the fast hasher.
fn frequencies<T: Eq + Hash + Ord + Sync>(docs: &[Vec<T>]) -> FxMap<&T, u32> {
    count_documents(docs.len(), |i, count| docs[i].iter().for_each(&mut *count))
}

/// How many of `n` documents hold each feature; `visit(i, count)` calls `count` once per feature
/// of document `i` (repeats allowed), so documents need not be held at once. The documents are cut
/// into a few chunks per thread, each counted into one map: a map per rayon split made the final
/// reduce re-insert the vocabulary many times over. A feature counts once per document by
/// remembering the last document that counted it, rather than by sorting each document's features.
pub(crate) fn count_documents<K, V>(n: usize, visit: V) -> FxMap<K, u32>
where
    K: Eq + Hash + Send,
    V: Fn(usize, &mut dyn FnMut(K)) + Sync,
{
    let chunk = n.div_ceil(4 * rayon::current_num_threads()).max(1);
    let starts: Vec<usize> = (0..n).step_by(chunk).collect();
    let counted: FxMap<K, (u32, u32)> = starts
        .into_par_iter()
        .map(|start| {
            // feature → (documents, 1 + index in the chunk of the last document counted)
            let mut df: FxMap<K, (u32, u32)> = FxMap::default();
            for (d, i) in (start..(start + chunk).min(n)).enumerate() {
                let mark = d as u32 + 1;
                visit(i, &mut |t| {
                    let e = df.entry(t).or_default();
                    if e.1 != mark {
                        *e = (e.0 + 1, mark);
                    }
                });
            }
            df
        })
        .reduce(FxMap::default, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (t, (n, _)) in small {
                big.entry(t).or_default().0 += n;
            }
            big
        });
    counted.into_iter().map(|(t, (n, _))| (t, n)).collect()
}

/// A vocabulary with document frequencies, and the TF-IDF vectors of the documents it was built on.
pub struct TfIdf {
    pub terms: Vec<String>,
    pub idf: Vec<f32>,
    pub vectors: Vec<SparseVec>,
}

impl TfIdf {
    /// Builds vectors for documents given as feature lists (repeats count, sublinearly).
    /// Features are anything hashable and ordered: words, or packed character bigrams.
    pub fn fit<T>(docs: &[Vec<T>]) -> TfIdf
    where
        T: Eq + Hash + Ord + Send + Sync + Copy + ToString,
    {
        let mut sorted: Vec<(T, u32)> = frequencies(docs)
            .into_iter()
            .map(|(t, n)| (*t, n))
            .collect();
        // Features are distinct, so the unstable sort gives one order.
        sorted.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let n = docs.len() as f32;
        let ids: FxMap<T, u32> = sorted
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (*t, i as u32))
            .collect();
        let idf: Vec<f32> = sorted
            .iter()
            .map(|&(_, d)| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        let vectors = docs
            .par_iter()
            .map(|doc| {
                // Term ids sorted: equal ids are runs, and the vector comes out in id order.
                let mut doc_ids: Vec<u32> = doc.iter().map(|t| ids[t]).collect();
                doc_ids.sort_unstable();
                let distinct = 1 + doc_ids.windows(2).filter(|w| w[0] != w[1]).count();
                let mut v: Vec<(u32, f32)> = Vec::with_capacity(distinct.min(doc_ids.len()));
                let mut k = 0;
                while k < doc_ids.len() {
                    let id = doc_ids[k];
                    let run = doc_ids[k..].iter().take_while(|&&x| x == id).count();
                    v.push((id, (1.0 + (run as f32).ln()) * idf[id as usize]));
                    k += run;
                }
                let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                if norm > 0.0 {
                    v.iter_mut().for_each(|(_, w)| *w /= norm);
                }
                SparseVec(v)
            })
            .collect();
        TfIdf {
            terms: sorted.iter().map(|(t, _)| t.to_string()).collect(),
            idf,
            vectors,
        }
    }
}

/// Character bigrams of a text's letters, digits and Chinese characters (punctuation and spaces
/// are skipped), each packed into one number: they catch shared wording that segmentation splits
/// differently, without a string per bigram.
pub fn char_bigrams(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    push_char_bigrams(text, &mut out);
    out
}

/// [`char_bigrams`], appended to `out`.
pub fn push_char_bigrams(text: &str, out: &mut Vec<u64>) {
    let mut chars = text.chars().filter(|c| c.is_alphanumeric());
    if let Some(mut prev) = chars.next() {
        for c in chars {
            out.push(((prev as u64) << 32) | c as u64);
            prev = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_unit_length_and_deterministic() {
        let docs: Vec<Vec<&str>> = vec![
            vec!["融资", "难", "融资"],
            vec!["用地", "紧张"],
            vec!["融资", "贵"],
        ];
        let a = TfIdf::fit(&docs);
        let b = TfIdf::fit(&docs);
        assert_eq!(a.vectors, b.vectors);
        assert_eq!(a.terms, vec!["用地", "紧张", "融资", "贵", "难"]);
        for v in &a.vectors {
            assert!((v.dot(v) - 1.0).abs() < 1e-5);
        }
        assert!(a.vectors[0].dot(&a.vectors[2]) > 0.0);
        assert_eq!(a.vectors[0].dot(&a.vectors[1]), 0.0);
    }

    #[test]
    fn galloping_dot_is_the_merge_join_dot() {
        let merge_join = |a: &SparseVec, b: &SparseVec| {
            let (mut i, mut j, mut sum) = (0, 0, 0f32);
            while i < a.0.len() && j < b.0.len() {
                match a.0[i].0.cmp(&b.0[j].0) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        sum += a.0[i].1 * b.0[j].1;
                        i += 1;
                        j += 1;
                    }
                }
            }
            sum
        };
        let long = SparseVec(
            (0..500)
                .map(|i| (i * 3, 1.0 / (1 + i % 7) as f32))
                .collect(),
        );
        for step in [1, 2, 5, 29, 97] {
            let short = SparseVec((0..20).map(|i| (i * step, 0.3 + i as f32 * 0.01)).collect());
            assert!(long.0.len() > GALLOP_RATIO * short.0.len());
            let expected = merge_join(&short, &long);
            assert_eq!(short.dot(&long).to_bits(), expected.to_bits());
            assert_eq!(long.dot(&short).to_bits(), expected.to_bits());
        }
    }

    #[test]
    fn add_merges_sorted() {
        let a = SparseVec(vec![(1, 1.0), (3, 1.0)]);
        let b = SparseVec(vec![(2, 2.0), (3, 2.0)]);
        assert_eq!(a.add(&b), SparseVec(vec![(1, 1.0), (2, 2.0), (3, 3.0)]));
    }

    #[test]
    fn bigrams_skip_punctuation() {
        let pack = |a: char, b: char| ((a as u64) << 32) | b as u64;
        assert_eq!(
            char_bigrams("贷款，难"),
            vec![pack('贷', '款'), pack('款', '难')]
        );
    }
}
