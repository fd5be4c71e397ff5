//! KMeans (linfa-clustering: k-means++ starts, the best of several runs by inertia) with a
//! seeded random number generator, so the same rows, k and seed always give the same clusters.

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use crate::{Error, Result};

/// How many k-means++ starts the final clustering keeps the best of.
pub const RUNS: usize = 10;

/// A fitted clustering: each row's cluster (0..k) and the k centroids.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansFit {
    pub assignments: Vec<usize>,
    pub centroids: Array2<f64>,
}

/// Clusters the rows of `x` into `k` clusters (1 ≤ k ≤ rows), best of `runs` starts.
pub fn kmeans(x: &Array2<f64>, k: usize, seed: u64, runs: usize) -> Result<KMeansFit> {
    if k == 0 || k > x.nrows() {
        return Err(Error::Clusters(format!(
            "k={k} 无效：{}条只能分成1到{}个簇",
            x.nrows(),
            x.nrows()
        )));
    }
    let rng = Xoshiro256Plus::seed_from_u64(seed);
    let data = DatasetBase::from(x.clone());
    let model = KMeans::params_with_rng(k, rng)
        .n_runs(runs.max(1))
        .tolerance(1e-4)
        .fit(&data)
        .map_err(|e| Error::Clusters(format!("KMeans 失败: {e}")))?;
    // Memberships come from the kept centroids (linfa's own counts are those of its last run).
    let assignments = model.predict(x).to_vec();
    Ok(KMeansFit {
        assignments,
        centroids: model.centroids().clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> Array2<f64> {
        // Three tight groups of 5 points around (0,0), (10,0), (0,10).
        Array2::from_shape_fn((15, 2), |(i, j)| {
            let centre = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]][i / 5];
            centre[j] + ((i * 7 + j * 3) % 5) as f64 * 0.1
        })
    }

    #[test]
    fn finds_separated_groups_and_repeats_itself() {
        let x = blobs();
        let fit = kmeans(&x, 3, 42, RUNS).unwrap();
        for g in 0..3 {
            let first = fit.assignments[g * 5];
            assert!(fit.assignments[g * 5..g * 5 + 5]
                .iter()
                .all(|&a| a == first));
        }
        let mut distinct = fit.assignments.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 3);
        assert_eq!(kmeans(&x, 3, 42, RUNS).unwrap(), fit);
    }

    #[test]
    fn k_beyond_the_rows_is_an_error() {
        let err = kmeans(&blobs(), 16, 1, 1).unwrap_err().to_string();
        assert!(err.contains("15条"), "{err}");
    }
}
