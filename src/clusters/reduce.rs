//! Sparse TF-IDF rows → dense rows KMeans can take. A small vocabulary is made dense as it is; a
//! large one is reduced by truncated SVD (latent semantic analysis, randomized with a fixed seed),
//! which keeps the directions that carry most of the variation and drops the noise of rare words.
//! Rows come out L2-normalised, so Euclidean KMeans on them follows cosine similarity.

use ndarray::{Array2, Axis};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::vectors::SparseVec;

/// Extra directions sampled beyond those kept, and power iterations: the usual randomized-SVD
/// settings (Halko, Martinsson & Tropp), enough for the leading directions to be stable.
const OVERSAMPLE: usize = 10;
const POWER_ITERATIONS: usize = 4;

/// Dense, L2-normalised rows of `rows` (sparse vectors over `columns` features). With more
/// features than `dims` and more rows than `dims`, reduced to `dims` SVD components; otherwise
/// kept whole. Returns the rows and whether they were reduced.
pub fn reduce(rows: &[SparseVec], columns: usize, dims: usize, seed: u64) -> (Array2<f64>, bool) {
    let n = rows.len();
    if columns <= dims || n <= dims {
        let mut x = Array2::zeros((n, columns));
        for (i, v) in rows.iter().enumerate() {
            for &(j, w) in &v.0 {
                x[[i, j as usize]] = w as f64;
            }
        }
        normalize_rows(&mut x);
        return (x, false);
    }
    let mut x = truncated_svd(rows, columns, dims, seed);
    normalize_rows(&mut x);
    (x, true)
}

/// `A V_r`, the rows projected on the top `r` right singular vectors (= U_r Σ_r), by the
/// randomized range finder: Q spans A Ω; then the small matrix B = Qᵀ A is decomposed through
/// the eigenvectors of B Bᵀ.
fn truncated_svd(a: &[SparseVec], columns: usize, r: usize, seed: u64) -> Array2<f64> {
    let n = a.len();
    let l = (r + OVERSAMPLE).min(n).min(columns);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // Random signs serve as well as Gaussians for finding the range.
    let omega = Array2::from_shape_fn((columns, l), |_| {
        if rng.next_u64() >> 63 == 0 {
            1.0
        } else {
            -1.0
        }
    });
    let mut q = orthonormal(&times(a, &omega));
    for _ in 0..POWER_ITERATIONS {
        let z = orthonormal(&transpose_times(a, columns, &q));
        q = orthonormal(&times(a, &z));
    }
    // B Bᵀ = (Aᵀ Q)ᵀ (Aᵀ Q), l × l.
    let z = transpose_times(a, columns, &q);
    let bbt = z.t().dot(&z);
    let (values, vectors) = symmetric_eigen(bbt);
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[j].total_cmp(&values[i]).then(i.cmp(&j)));
    order.truncate(r);
    // A V = Q U_B Σ; the columns of U_B are the eigenvectors, σ the roots of the eigenvalues.
    let mut u_sigma = vectors.select(Axis(1), &order);
    for (c, &i) in order.iter().enumerate() {
        let sigma = values[i].max(0.0).sqrt();
        u_sigma.column_mut(c).mapv_inplace(|v| v * sigma);
    }
    q.dot(&u_sigma)
}

/// A (sparse, n × columns) times a dense columns × l matrix.
fn times(a: &[SparseVec], m: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((a.len(), m.ncols()));
    for (i, v) in a.iter().enumerate() {
        let mut row = out.row_mut(i);
        for &(j, w) in &v.0 {
            row.scaled_add(w as f64, &m.row(j as usize));
        }
    }
    out
}

/// Aᵀ (columns × n) times a dense n × l matrix.
fn transpose_times(a: &[SparseVec], columns: usize, m: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((columns, m.ncols()));
    for (i, v) in a.iter().enumerate() {
        for &(j, w) in &v.0 {
            out.row_mut(j as usize).scaled_add(w as f64, &m.row(i));
        }
    }
    out
}

/// An orthonormal basis of the columns of `m`: M W Λ^(-1/2) from the eigenvectors of Mᵀ M. It
/// takes matrix products (fast) where Householder QR reflects column by column, which took most
/// of the time on a 40,000-word vocabulary. Directions with no weight are dropped.
fn orthonormal(m: &Array2<f64>) -> Array2<f64> {
    let (values, vectors) = symmetric_eigen(m.t().dot(m));
    let largest = values.iter().copied().fold(0.0, f64::max);
    let keep: Vec<usize> = (0..values.len())
        .filter(|&i| values[i] > largest * 1e-10)
        .collect();
    let mut w = vectors.select(Axis(1), &keep);
    for (c, &i) in keep.iter().enumerate() {
        let scale = 1.0 / values[i].sqrt();
        w.column_mut(c).mapv_inplace(|v| v * scale);
    }
    m.dot(&w)
}

/// Eigenvalues and eigenvectors (the columns) of a small symmetric matrix, by cyclic Jacobi
/// rotations: slow for large matrices but exact to rounding and simple; ours are at most
/// 110 × 110. (linfa-linalg's `eigh` returned eigenvectors out of step with the eigenvalues for
/// a nearly diagonal matrix, which power iterations produce.)
fn symmetric_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = a.nrows();
    let mut v = Array2::eye(n);
    let scale: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|p| (0..n).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| a[[p, q]] * a[[p, q]])
            .sum();
        if off <= scale * 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (kp, kq) = (a[[k, p]], a[[k, q]]);
                    a[[k, p]] = c * kp - s * kq;
                    a[[k, q]] = s * kp + c * kq;
                }
                for k in 0..n {
                    let (pk, qk) = (a[[p, k]], a[[q, k]]);
                    a[[p, k]] = c * pk - s * qk;
                    a[[q, k]] = s * pk + c * qk;
                }
                for k in 0..n {
                    let (kp, kq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * kp - s * kq;
                    v[[k, q]] = s * kp + c * kq;
                }
            }
        }
    }
    ((0..n).map(|i| a[[i, i]]).collect(), v)
}

/// Scales every non-zero row to unit length (an item with no terms stays all zero).
pub fn normalize_rows(x: &mut Array2<f64>) {
    for mut row in x.rows_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row.mapv_inplace(|v| v / norm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sparse(dense: &[f32]) -> SparseVec {
        SparseVec(
            dense
                .iter()
                .enumerate()
                .filter(|(_, w)| **w != 0.0)
                .map(|(j, w)| (j as u32, *w))
                .collect(),
        )
    }

    #[test]
    fn jacobi_eigenvectors_match_their_eigenvalues() {
        // A nearly diagonal matrix (what power iterations leave) and a full one.
        let nearly = ndarray::arr2(&[
            [2.9e5, 3e-11, -7e-10],
            [3e-11, 5.4e3, 2e-12],
            [-7e-10, 2e-12, 8.1e2],
        ]);
        let full = Array2::from_shape_fn((6, 6), |(i, j)| 1.0 / (1.0 + i as f64 + j as f64));
        for m in [nearly, full] {
            let (values, vectors) = symmetric_eigen(m.clone());
            for (i, &lambda) in values.iter().enumerate() {
                let v = vectors.column(i);
                let residual = &m.dot(&v) - &(&v * lambda);
                assert!(residual
                    .iter()
                    .all(|r| r.abs() < 1e-9 * lambda.abs().max(1.0)));
                assert!((v.dot(&v) - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn small_input_is_kept_whole_and_unit_length() {
        let rows = vec![sparse(&[3.0, 4.0, 0.0]), sparse(&[0.0, 0.0, 0.0])];
        let (x, reduced) = reduce(&rows, 3, 10, 1);
        assert!(!reduced);
        assert_eq!(x.row(0).to_vec(), vec![0.6, 0.8, 0.0]);
        assert_eq!(x.row(1).to_vec(), vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn svd_keeps_the_cosines_of_low_rank_rows() {
        // 40 rows over 30 features, every row a mix of 3 patterns: rank 3, so 3 components lose
        // nothing and cosines between rows survive the reduction.
        let patterns: Vec<Vec<f32>> = (0..3)
            .map(|p| (0..30).map(|j| ((j * (p + 2)) % 7) as f32).collect())
            .collect();
        let dense: Vec<Vec<f32>> = (0..40)
            .map(|i| {
                let w = [(i % 3) as f32 + 1.0, (i % 5) as f32, (i % 2) as f32];
                (0..30)
                    .map(|j| (0..3).map(|p| w[p] * patterns[p][j]).sum())
                    .collect()
            })
            .collect();
        let rows: Vec<SparseVec> = dense.iter().map(|d| sparse(d)).collect();
        let (x, reduced) = reduce(&rows, 30, 3, 7);
        assert!(reduced);
        assert_eq!(x.dim(), (40, 3));
        let cos = |a: &[f32], b: &[f32]| {
            let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
            let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
            (dot / (na * nb)) as f64
        };
        for (i, j) in [(0, 1), (2, 9), (5, 31), (17, 38)] {
            let got = x.row(i).dot(&x.row(j));
            assert!((got - cos(&dense[i], &dense[j])).abs() < 1e-4, "{i} {j}");
        }
        // The same seed gives the same numbers.
        assert_eq!(reduce(&rows, 30, 3, 7).0, x);
    }
}
