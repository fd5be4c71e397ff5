//! One-vs-rest linear SVM (L2-regularised, squared hinge loss) trained by dual coordinate descent
//! (Hsieh et al. 2008, the LIBLINEAR method) on sparse vectors. Our own code because linfa's
//! linear models take dense matrices, which text at 10k documents × 100k features does not fit.
//! The visiting order is shuffled with a fixed seed, so the same data gives the same model.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::vectors::SparseVec;

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SvmConfig {
    /// Inverse regularisation strength.
    pub c: f32,
    /// Stop when the projected gradient's spread falls below this.
    pub tolerance: f32,
    pub max_epochs: usize,
    pub seed: u64,
    /// Weight each side of a one-vs-rest problem by the inverse of its size, so a small class
    /// is not drowned by the rest.
    pub balanced: bool,
    /// Scale each class's features by their naive-Bayes log-count ratio before fitting (NBSVM,
    /// Wang & Manning 2012): a feature typical of the class starts ahead of a common one, which
    /// a few hundred training documents cannot teach the SVM alone. Absent from models stored
    /// before it existed (they were fitted without).
    #[serde(default)]
    pub nb_scale: bool,
}

impl Default for SvmConfig {
    fn default() -> Self {
        SvmConfig {
            c: 1.0,
            tolerance: 0.1,
            max_epochs: 200,
            seed: 0x5EED,
            balanced: true,
            nb_scale: true,
        }
    }
}

/// One binary classifier per class: dense weights plus a bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSvm {
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
}

impl LinearSvm {
    /// Trains one classifier per class; `labels[i]` lists the classes document `i` belongs to.
    pub fn train(
        xs: &[SparseVec],
        labels: &[Vec<usize>],
        classes: usize,
        dims: usize,
        config: &SvmConfig,
    ) -> Self {
        let trained: Vec<(Vec<f32>, f32)> = (0..classes)
            .into_par_iter()
            .map(|k| {
                let ys: Vec<f32> = labels
                    .iter()
                    .map(|l| if l.contains(&k) { 1.0 } else { -1.0 })
                    .collect();
                if !config.nb_scale {
                    return train_binary(xs, &ys, dims, config);
                }
                let r = nb_ratios(xs, &ys, dims);
                let scaled: Vec<SparseVec> = xs
                    .iter()
                    .map(|x| SparseVec(x.0.iter().map(|&(j, v)| (j, v * r[j as usize])).collect()))
                    .collect();
                let (mut w, b) = train_binary(&scaled, &ys, dims, config);
                // w·(r∘x) = (w∘r)·x: the scaled model is a plain linear one on the features.
                for (wj, rj) in w.iter_mut().zip(&r) {
                    *wj *= rj;
                }
                (w, b)
            })
            .collect();
        let (weights, bias) = trained.into_iter().unzip();
        LinearSvm { weights, bias }
    }

    /// The decision value of every class for a vector.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        self.weights
            .iter()
            .zip(&self.bias)
            .map(|(w, b)| x.0.iter().map(|(i, v)| w[*i as usize] * v).sum::<f32>() + b)
            .collect()
    }

    /// The features of `x` that pushed class `k` up most: (feature id, contribution).
    pub fn top_features(&self, x: &SparseVec, k: usize, n: usize) -> Vec<(u32, f32)> {
        let mut c: Vec<(u32, f32)> =
            x.0.iter()
                .map(|(i, v)| (*i, self.weights[k][*i as usize] * v))
                .filter(|(_, c)| *c > 0.0)
                .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        c.truncate(n);
        c
    }
}

/// The log-count ratio of every feature between the positive and negative documents, from the
/// share of each side's documents holding it (add-one smoothed).
fn nb_ratios(xs: &[SparseVec], ys: &[f32], dims: usize) -> Vec<f32> {
    let (mut pos, mut neg) = (vec![1f32; dims], vec![1f32; dims]);
    for (x, y) in xs.iter().zip(ys) {
        let side = if *y > 0.0 { &mut pos } else { &mut neg };
        for &(j, v) in &x.0 {
            if v != 0.0 {
                side[j as usize] += 1.0;
            }
        }
    }
    let (pos_sum, neg_sum) = (pos.iter().sum::<f32>(), neg.iter().sum::<f32>());
    pos.iter()
        .zip(&neg)
        .map(|(p, q)| ((p / pos_sum) / (q / neg_sum)).ln())
        .collect()
}

/// Dual coordinate descent for one class. The bias is learned as the weight of a constant
/// feature 1 appended to every vector.
fn train_binary(xs: &[SparseVec], ys: &[f32], dims: usize, config: &SvmConfig) -> (Vec<f32>, f32) {
    let n = xs.len();
    let positives = ys.iter().filter(|y| **y > 0.0).count().max(1) as f32;
    let negatives = (n as f32 - positives).max(1.0);
    // Squared hinge: D_ii = 1 / (2 C_i), no upper bound on alpha.
    let diag: Vec<f32> = ys
        .iter()
        .map(|y| {
            let side = if *y > 0.0 { positives } else { negatives };
            let c = if config.balanced {
                config.c * n as f32 / (2.0 * side)
            } else {
                config.c
            };
            0.5 / c
        })
        .collect();
    let q: Vec<f32> = xs
        .iter()
        .zip(&diag)
        .map(|(x, d)| x.dot(x) + 1.0 + d)
        .collect();
    let mut w = vec![0f32; dims];
    let mut b = 0f32;
    let mut alpha = vec![0f32; n];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = config.seed | 1;
    for _ in 0..config.max_epochs {
        // Fisher–Yates with xorshift: a fixed seed gives a fixed order.
        for i in (1..n).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let (mut max_pg, mut min_pg) = (f32::NEG_INFINITY, f32::INFINITY);
        for &i in &order {
            let x = &xs[i];
            let wx: f32 = x.0.iter().map(|(j, v)| w[*j as usize] * v).sum::<f32>() + b;
            let g = ys[i] * wx - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            max_pg = max_pg.max(pg);
            min_pg = min_pg.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / q[i]).max(0.0);
                let step = (alpha[i] - old) * ys[i];
                for (j, v) in &x.0 {
                    w[*j as usize] += step * v;
                }
                b += step;
            }
        }
        if max_pg - min_pg < config.tolerance {
            break;
        }
    }
    (w, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_toy_set_perfectly() {
        // three classes, each with its own features plus shared noise
        let mut xs = Vec::new();
        let mut labels = Vec::new();
        for i in 0..60u32 {
            let k = (i % 3) as usize;
            let own = k as u32 * 2;
            let v = SparseVec(vec![(own, 0.8), (own + 1, 0.5), (6 + i % 5, 0.3)]);
            xs.push(v);
            labels.push(vec![k]);
        }
        let svm = LinearSvm::train(&xs, &labels, 3, 11, &SvmConfig::default());
        for (x, l) in xs.iter().zip(&labels) {
            let s = svm.scores(x);
            let best = (0..3).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
            assert_eq!(best, l[0]);
            assert!(s[l[0]] > 0.0);
        }
        let again = LinearSvm::train(&xs, &labels, 3, 11, &SvmConfig::default());
        assert_eq!(svm, again, "deterministic");
    }
}
