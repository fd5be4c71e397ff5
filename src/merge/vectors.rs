//! Sparse TF-IDF vectors, built in parallel with a sorted vocabulary so the same input always
//! gives the same ids and the same numbers, whatever order rayon runs in.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use rayon::prelude::*;

/// A sparse, L2-normalised vector: (term id, weight), sorted by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec(pub Vec<(u32, f32)>);

impl SparseVec {
    /// Dot product by merge-join (both sorted by id).
    pub fn dot(&self, other: &SparseVec) -> f32 {
        let (a, b) = (&self.0, &other.0);
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

/// In how many documents each feature occurs, counted in parallel.
pub fn document_frequencies<T: Eq + Hash + Ord + Sync>(docs: &[Vec<T>]) -> HashMap<&T, u32> {
    docs.par_iter()
        .fold(HashMap::new, |mut df: HashMap<&T, u32>, doc| {
            let mut seen: Vec<&T> = doc.iter().collect();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
            df
        })
        .reduce(HashMap::new, |mut a, b| {
            for (t, n) in b {
                *a.entry(t).or_default() += n;
            }
            a
        })
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
        let df = document_frequencies(docs);
        let sorted: BTreeMap<T, u32> = df.into_iter().map(|(t, n)| (*t, n)).collect();
        let n = docs.len() as f32;
        let ids: HashMap<T, u32> = sorted
            .keys()
            .enumerate()
            .map(|(i, t)| (*t, i as u32))
            .collect();
        let idf: Vec<f32> = sorted
            .values()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        let vectors = docs
            .par_iter()
            .map(|doc| {
                let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
                for t in doc {
                    *counts.entry(ids[t]).or_default() += 1;
                }
                let mut v: Vec<(u32, f32)> = counts
                    .into_iter()
                    .map(|(id, c)| (id, (1.0 + (c as f32).ln()) * idf[id as usize]))
                    .collect();
                let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                if norm > 0.0 {
                    v.iter_mut().for_each(|(_, w)| *w /= norm);
                }
                SparseVec(v)
            })
            .collect();
        TfIdf {
            terms: sorted.keys().map(|t| t.to_string()).collect(),
            idf,
            vectors,
        }
    }
}

/// Character bigrams of a text's letters, digits and Chinese characters (punctuation and spaces
/// are skipped), each packed into one number: they catch shared wording that segmentation splits
/// differently, without a string per bigram.
pub fn char_bigrams(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    chars
        .windows(2)
        .map(|w| ((w[0] as u64) << 32) | w[1] as u64)
        .collect()
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
