//! Choosing k: the k in 2..=min(MAX_AUTO_K, n/3) whose clustering has the highest mean
//! silhouette (cosine distance), computed on a seeded sample of at most SAMPLE rows so the cost
//! stays bounded on large batches. A tie goes to the smaller k.

use ndarray::{Array2, Axis};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::kmeans::kmeans;
use crate::Result;

/// The largest k `auto` tries. Sub-problems of one topic in a batch of meeting notes are a
/// handful to a dozen or two; more clusters than that stop being a summary.
pub const MAX_AUTO_K: usize = 20;
/// Rows the silhouette is computed on, at most (a seeded sample of a larger batch).
pub const SAMPLE: usize = 2000;
/// Starts per k while searching (the final clustering uses more).
const SEARCH_RUNS: usize = 3;

/// The outcome of the search: the chosen k, the range tried and each k's mean silhouette.
#[derive(Debug, Clone, PartialEq)]
pub struct KSearch {
    pub k: usize,
    /// Smallest and largest k tried; `None` when there were too few rows to try any.
    pub range: Option<(usize, usize)>,
    pub scores: Vec<(usize, f64)>,
    /// Rows the silhouette was computed on.
    pub sample: usize,
}

/// Chooses k for the (L2-normalised) rows of `x`. Fewer than 6 rows leave nothing to choose
/// from: k = 1.
pub fn choose_k(x: &Array2<f64>, seed: u64) -> Result<KSearch> {
    let n = x.nrows();
    let max_k = MAX_AUTO_K.min(n / 3);
    if max_k < 2 {
        return Ok(KSearch {
            k: 1,
            range: None,
            scores: Vec::new(),
            sample: n,
        });
    }
    let rows = sample_rows(n, SAMPLE, seed);
    let xs = x.select(Axis(0), &rows);
    let distance = (1.0 - xs.dot(&xs.t())).mapv(|d: f64| d.max(0.0));
    let scores: Vec<(usize, f64)> = (2..=max_k)
        .into_par_iter()
        .map(|k| {
            let fit = kmeans(&xs, k, seed, SEARCH_RUNS)?;
            Ok((k, mean_silhouette(&distance, &fit.assignments, k)))
        })
        .collect::<Result<_>>()?;
    let (k, _) = scores
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .expect("at least k = 2 was tried");
    Ok(KSearch {
        k,
        range: Some((2, max_k)),
        scores,
        sample: rows.len(),
    })
}

/// All rows when there are at most `max`; otherwise `max` of them drawn with the seed, in order.
fn sample_rows(n: usize, max: usize, seed: u64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    if n <= max {
        return rows;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // Partial Fisher–Yates: the first `max` places get a uniform sample.
    for i in 0..max {
        let j = i + (rng.next_u64() % (n - i) as u64) as usize;
        rows.swap(i, j);
    }
    rows.truncate(max);
    rows.sort_unstable();
    rows
}

/// Mean over rows of (b − a) / max(a, b): a the mean distance to the row's own cluster, b to the
/// nearest other cluster. A row alone in its cluster scores 0 (the usual convention).
pub fn mean_silhouette(distance: &Array2<f64>, labels: &[usize], k: usize) -> f64 {
    let n = labels.len();
    let mut size = vec![0usize; k];
    for &l in labels {
        size[l] += 1;
    }
    let total: f64 = (0..n)
        .into_par_iter()
        .map(|i| {
            let own = labels[i];
            if size[own] < 2 {
                return 0.0;
            }
            let mut sums = vec![0.0; k];
            for (j, &l) in labels.iter().enumerate() {
                sums[l] += distance[[i, j]];
            }
            let a = sums[own] / (size[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && size[c] > 0)
                .map(|c| sums[c] / size[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if !b.is_finite() {
                return 0.0;
            }
            let m = a.max(b);
            if m > 0.0 {
                (b - a) / m
            } else {
                0.0
            }
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    total / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clusters::reduce::normalize_rows;

    #[test]
    fn three_separated_groups_give_k_3() {
        // 30 unit rows in 6 dimensions: three groups, each near its own pair of axes.
        let mut x = Array2::from_shape_fn((30, 6), |(i, j)| {
            let g = i % 3;
            let base = if j / 2 == g { 1.0 } else { 0.0 };
            base + ((i * 13 + j * 7) % 10) as f64 * 0.02
        });
        normalize_rows(&mut x);
        let search = choose_k(&x, 42).unwrap();
        assert_eq!(search.k, 3, "{:?}", search.scores);
        assert_eq!(search.range, Some((2, 10)));
        assert_eq!(search.scores.len(), 9);
    }

    #[test]
    fn silhouette_by_hand() {
        // Points 0, 1 | 10 on a line (distances |i − j|): row 0: a = 1, b = 10 → 0.9;
        // row 1: a = 1, b = 9 → 8/9; row 2 is alone → 0. Mean (0.9 + 8/9) / 3.
        let pos = [0.0, 1.0, 10.0];
        let d = Array2::from_shape_fn((3, 3), |(i, j)| f64::abs(pos[i] - pos[j]));
        let s = mean_silhouette(&d, &[0, 0, 1], 2);
        assert!((s - (0.9 + 8.0 / 9.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn sample_is_seeded_sorted_and_bounded() {
        let a = sample_rows(5000, 2000, 3);
        assert_eq!(a.len(), 2000);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample_rows(5000, 2000, 3));
        assert_ne!(a, sample_rows(5000, 2000, 4));
        assert_eq!(sample_rows(10, 2000, 3), (0..10).collect::<Vec<_>>());
    }
}
