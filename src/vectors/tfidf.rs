//! TF-IDF: document frequencies and sparse TF-IDF vectors, built in parallel with a sorted
//! vocabulary so the same input always gives the same ids and the same numbers, whatever order
//! rayon runs in.

use std::hash::Hash;

use rayon::prelude::*;

use super::{FxMap, SparseVec};

/// In how many documents each feature occurs, counted in parallel (in the fast-hashed map:
/// a vocabulary of millions of features is not re-hashed into another map).
pub fn document_frequencies<T: Eq + Hash + Ord + Sync>(docs: &[Vec<T>]) -> FxMap<&T, u32> {
    frequencies(docs)
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
pub(super) fn count_documents<K, V>(n: usize, visit: V) -> FxMap<K, u32>
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

/// [`count_documents`] for features that are numbers below `dims`: each chunk counts into an
/// array as long as `dims` (a count and the last document counted, per feature), not a map.
/// `features(i, buf)` appends document `i`'s features to `buf`. Returns each number's count.
pub(super) fn count_documents_dense<F>(n: usize, dims: usize, features: F) -> Vec<u32>
where
    F: Fn(usize, &mut Vec<u32>) + Sync,
{
    let chunk = n.div_ceil(4 * rayon::current_num_threads()).max(1);
    let starts: Vec<usize> = (0..n).step_by(chunk).collect();
    starts
        .into_par_iter()
        .map(|start| {
            // feature → (documents, 1 + index in the chunk of the last document counted)
            let mut df = vec![(0u32, 0u32); dims];
            let mut buf = Vec::new();
            for (d, i) in (start..(start + chunk).min(n)).enumerate() {
                let mark = d as u32 + 1;
                buf.clear();
                features(i, &mut buf);
                for &t in &buf {
                    let e = &mut df[t as usize];
                    if e.1 != mark {
                        *e = (e.0 + 1, mark);
                    }
                }
            }
            df.into_iter().map(|(count, _)| count).collect::<Vec<u32>>()
        })
        .reduce(Vec::new, |a, b| {
            if a.is_empty() {
                return b;
            }
            let mut a = a;
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
            a
        })
        .into_iter()
        .chain(std::iter::repeat(0))
        .take(dims)
        .collect()
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
}
