//! One-vs-rest linear SVM (L2-regularised, squared hinge loss) trained by dual coordinate descent
//! (Hsieh et al. 2008, the LIBLINEAR method) on sparse vectors. Our own code because linfa's
//! linear models take dense matrices, which text at 10k documents × 100k features does not fit.
//! The visiting order is shuffled with a fixed seed, so the same data gives the same model.

use std::sync::OnceLock;

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
    weights: Vec<Vec<f32>>,
    bias: Vec<f32>,
    #[serde(skip)]
    by_feature: ByFeature,
}

/// The weights laid out feature by feature, every class's weight of a feature side by side:
/// scoring a document then reads a cache line or two per feature, not one per class. Made at
/// the first scoring; it says nothing the weights do not, so models compare and are stored
/// without it.
#[derive(Debug, Clone, Default)]
struct ByFeature(OnceLock<Vec<f32>>);

impl PartialEq for ByFeature {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl LinearSvm {
    /// Trains one classifier per class; `labels[i]` lists the classes document `i` belongs to.
    /// Classes are trained side by side in as few groups of up to [`LANES`] as hold them (see
    /// [`train_group`]); each class's model is the one it would have alone, to the bit. Each
    /// group reads every document: two groups of five, one a thread, made a lone training
    /// faster, but a build trains beside the merge, which keeps the other thread busy, and
    /// there one group of ten took a fifth less time.
    pub fn train(
        xs: &[SparseVec],
        labels: &[Vec<usize>],
        classes: usize,
        dims: usize,
        config: &SvmConfig,
    ) -> Self {
        let groups = classes.div_ceil(LANES);
        let per_group = classes.div_ceil(groups.max(1)).max(1);
        let starts: Vec<usize> = (0..classes).step_by(per_group).collect();
        let rows = by_frequency(xs, dims);
        let trained: Vec<(Vec<f32>, f32)> = starts
            .into_par_iter()
            .flat_map_iter(|first| {
                let group = first..classes.min(first + per_group);
                train_classes(xs, &rows, labels, group, config)
            })
            .collect();
        let (weights, bias) = trained.into_iter().unzip();
        LinearSvm::new(weights, bias)
    }

    /// A model of these weights (one list per class, each by feature) and biases.
    pub fn new(weights: Vec<Vec<f32>>, bias: Vec<f32>) -> Self {
        LinearSvm {
            weights,
            bias,
            by_feature: ByFeature::default(),
        }
    }

    /// Each class's weights by feature.
    pub fn weights(&self) -> &[Vec<f32>] {
        &self.weights
    }

    /// Each class's bias.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// The decision value of every class for a vector: for each class, its weights times the
    /// vector's entries, added in the vector's order from where `Iterator::sum` starts, plus
    /// its bias (the floats of [`LinearSvm::scores_by_class`], read feature by feature).
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let classes = self.weights.len();
        let table = self.by_feature.0.get_or_init(|| {
            let dims = self.weights.iter().map(Vec::len).max().unwrap_or(0);
            let mut table = vec![0f32; dims * classes];
            for (k, w) in self.weights.iter().enumerate() {
                for (i, &v) in w.iter().enumerate() {
                    table[i * classes + k] = v;
                }
            }
            table
        });
        let mut sums = vec![std::iter::empty::<f32>().sum::<f32>(); classes];
        for &(i, v) in &x.0 {
            let at = i as usize * classes;
            for (sum, &w) in sums.iter_mut().zip(&table[at..at + classes]) {
                *sum += w * v;
            }
        }
        sums.iter().zip(&self.bias).map(|(s, b)| s + b).collect()
    }

    /// [`LinearSvm::scores`] class by class, as they were first computed.
    #[cfg(test)]
    fn scores_by_class(&self, x: &SparseVec) -> Vec<f32> {
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

/// The classes `group` of [`LinearSvm::train`], trained side by side on `rows` (the documents
/// `xs` renumbered by [`by_frequency`]), as (weights by feature, bias).
fn train_classes(
    xs: &[SparseVec],
    rows: &Renumbered,
    labels: &[Vec<usize>],
    group: std::ops::Range<usize>,
    config: &SvmConfig,
) -> Vec<(Vec<f32>, f32)> {
    let row_of = &rows.row_of;
    let dims = row_of.len();
    let ys: Vec<Vec<f32>> = group
        .map(|k| {
            labels
                .iter()
                .map(|l| if l.contains(&k) { 1.0 } else { -1.0 })
                .collect()
        })
        .collect();
    let ratios: Option<Vec<Vec<f32>>> = config
        .nb_scale
        .then(|| ys.iter().map(|y| nb_ratios(xs, y, dims)).collect());
    let trained = train_group(rows, &ys, ratios.as_deref(), config);
    trained
        .into_iter()
        .enumerate()
        .map(|(k, (by_row, b))| {
            let mut w: Vec<f32> = row_of.iter().map(|&row| by_row[row as usize]).collect();
            if let Some(ratios) = &ratios {
                // w·(r∘x) = (w∘r)·x: the scaled model is a plain linear one on the features.
                for (wj, rj) in w.iter_mut().zip(&ratios[k]) {
                    *wj *= rj;
                }
            }
            (w, b)
        })
        .collect()
}

/// The documents with their features renumbered by how many documents hold them, the most
/// common first (ties by number), and each feature's new number. Training reads one row of
/// weights per feature a document holds; most reads are of common features, and numbered
/// together their rows share the cache instead of lying among rare ones. A document's features
/// keep their order, so every sum adds the same terms in the same order.
fn by_frequency(xs: &[SparseVec], dims: usize) -> Renumbered {
    let mut df = vec![0u32; dims];
    for x in xs {
        for &(j, _) in &x.0 {
            df[j as usize] += 1;
        }
    }
    // Most features of the space are in no training document: they keep their order at the
    // end, and only the others are sorted (a sort of every feature was serial time).
    let mut features: Vec<u32> = (0..dims as u32).filter(|&j| df[j as usize] > 0).collect();
    features.par_sort_unstable_by_key(|&j| (std::cmp::Reverse(df[j as usize]), j));
    features.extend((0..dims as u32).filter(|&j| df[j as usize] == 0));
    let mut row_of = vec![0u32; dims];
    for (row, &j) in features.iter().enumerate() {
        row_of[j as usize] = row as u32;
    }
    let docs = xs
        .par_iter()
        .map(|x| x.0.iter().map(|&(j, v)| (row_of[j as usize], v)).collect())
        .collect();
    Renumbered { docs, row_of }
}

/// Documents whose features are numbered by their row of weights ([`by_frequency`]).
struct Renumbered {
    /// Each document's (row, value) in the order of its features (no longer sorted by row).
    docs: Vec<Vec<(u32, f32)>>,
    /// Each feature's row.
    row_of: Vec<u32>,
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

/// How many classes [`train_group`] trains side by side: one row of this many weights per
/// feature, a cache line of them.
const LANES: usize = 16;

/// Dual coordinate descent for up to [`LANES`] classes at once on the renumbered documents,
/// `ys[k]` being class `k`'s ±1 per document and `ratios[k]` its naive-Bayes scale per feature
/// (by the feature's number, not its row), if any; the weights come back by row. The bias is
/// learned as the weight of a constant feature 1 appended to every vector.
///
/// Every class visits the documents in the same shuffled order, so the classes can share each
/// visit: a document's features are read once for all of them, and the weights of one feature
/// lie side by side. Each class's own arithmetic is unchanged (its dot product is summed
/// feature by feature, its updates skipped when its gradient is nil, its epochs stopped when
/// it converges), so its model is the one it would have alone, to the bit. The dot product's
/// additions are what bound one class's time (each waits for the one before); a row of lanes
/// adds every class's term at once.
fn train_group(
    rows: &Renumbered,
    ys: &[Vec<f32>],
    ratios: Option<&[Vec<f32>]>,
    config: &SvmConfig,
) -> Vec<(Vec<f32>, f32)> {
    let (xs, dims) = (&rows.docs, rows.row_of.len());
    let (n, classes) = (xs.len(), ys.len());
    assert!(classes <= LANES, "at most {LANES} classes side by side");
    let lanes = 0..classes;
    // Each class's scale of a row's feature, side by side (1 in lanes without a class, never
    // read then).
    let mut scale: Vec<[f32; LANES]> = Vec::new();
    if let Some(r) = ratios {
        scale = vec![[1f32; LANES]; dims];
        for (j, &row) in rows.row_of.iter().enumerate() {
            for k in lanes.clone() {
                scale[row as usize][k] = r[k][j];
            }
        }
    }
    // A document's value of feature `j` for class `k`, as the class's scaled vector holds it.
    let value = |j: u32, v: f32, k: usize| match ratios {
        Some(_) => v * scale[j as usize][k],
        None => v,
    };
    let mut y = vec![[1f32; LANES]; n];
    let mut diag = vec![[0f32; LANES]; n];
    let mut q = vec![[0f32; LANES]; n];
    for k in lanes.clone() {
        let positives = ys[k].iter().filter(|y| **y > 0.0).count().max(1) as f32;
        let negatives = (n as f32 - positives).max(1.0);
        for i in 0..n {
            y[i][k] = ys[k][i];
            let side = if ys[k][i] > 0.0 { positives } else { negatives };
            diag[i][k] = diagonal(config, n, side);
            let self_dot = xs[i].iter().fold(0f32, |sum, &(j, v)| {
                let v = value(j, v, k);
                sum + v * v
            });
            q[i][k] = self_dot + 1.0 + diag[i][k];
        }
    }
    let mut w = vec![[0f32; LANES]; dims];
    let mut b = [0f32; LANES];
    let mut alpha = vec![[0f32; LANES]; n];
    // Padding lanes count as converged from the start.
    let mut done: [bool; LANES] = std::array::from_fn(|k| k >= classes);
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = config.seed | 1;
    for _ in 0..config.max_epochs {
        shuffle(&mut order, &mut rng);
        let (mut max_pg, mut min_pg) = ([f32::NEG_INFINITY; LANES], [f32::INFINITY; LANES]);
        for &i in &order {
            let x = &xs[i];
            // As `Iterator::sum` adds: from -0.0, one term after another.
            let mut wx = [-0f32; LANES];
            match ratios {
                Some(_) => {
                    for (p, &(j, v)) in x.iter().enumerate() {
                        prefetch_row(&w, x, p + PREFETCH_AHEAD);
                        let (row, s) = (&w[j as usize], &scale[j as usize]);
                        for k in 0..LANES {
                            wx[k] += row[k] * (v * s[k]);
                        }
                    }
                }
                None => {
                    for (p, &(j, v)) in x.iter().enumerate() {
                        prefetch_row(&w, x, p + PREFETCH_AHEAD);
                        let row = &w[j as usize];
                        for k in 0..LANES {
                            wx[k] += row[k] * v;
                        }
                    }
                }
            }
            let mut step = [0f32; LANES];
            for k in lanes.clone().filter(|&k| !done[k]) {
                let g = y[i][k] * (wx[k] + b[k]) - 1.0 + diag[i][k] * alpha[i][k];
                let pg = if alpha[i][k] == 0.0 { g.min(0.0) } else { g };
                max_pg[k] = max_pg[k].max(pg);
                min_pg[k] = min_pg[k].min(pg);
                if pg.abs() > 1e-12 {
                    let old = alpha[i][k];
                    alpha[i][k] = (alpha[i][k] - g / q[i][k]).max(0.0);
                    step[k] = (alpha[i][k] - old) * y[i][k];
                }
            }
            if step.iter().all(|&s| s == 0.0) {
                continue;
            }
            // A lane whose step is 0 adds ±0 to its weights, which leaves them as they are
            // (they start at +0 and a sum never gives -0 from them).
            for &(j, v) in x {
                let row = &mut w[j as usize];
                for k in 0..LANES {
                    row[k] += step[k] * value(j, v, k);
                }
            }
            for k in 0..LANES {
                b[k] += step[k];
            }
        }
        for k in lanes.clone() {
            if !done[k] && max_pg[k] - min_pg[k] < config.tolerance {
                done[k] = true;
            }
        }
        if done.iter().all(|&d| d) {
            break;
        }
    }
    lanes
        .map(|k| (w.iter().map(|row| row[k]).collect(), b[k]))
        .collect()
}

/// The dual's diagonal term of a document on a side of `side` documents out of `n`. Squared
/// hinge: D_ii = 1 / (2 C_i), no upper bound on alpha.
fn diagonal(config: &SvmConfig, n: usize, side: f32) -> f32 {
    let c = if config.balanced {
        config.c * n as f32 / (2.0 * side)
    } else {
        config.c
    };
    0.5 / c
}

/// Fisher–Yates with xorshift: a fixed seed gives a fixed order.
fn shuffle(order: &mut [usize], rng: &mut u64) {
    for i in (1..order.len()).rev() {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        order.swap(i, (*rng % (i as u64 + 1)) as usize);
    }
}

/// How many features ahead [`train_group`] asks for a row of weights: rows are read in the
/// documents' order, scattered over megabytes.
const PREFETCH_AHEAD: usize = 12;

/// Asks the processor to start fetching the weights of the document's feature at `p`, if any.
#[inline]
fn prefetch_row(w: &[[f32; LANES]], x: &[(u32, f32)], p: usize) {
    if let Some(row) = x.get(p).and_then(|&(j, _)| w.get(j as usize)) {
        crate::memory::prefetch(row.as_ptr());
    }
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
            let bits = |s: &[f32]| s.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&s), bits(&svm.scores_by_class(x)));
            let best = (0..3).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
            assert_eq!(best, l[0]);
            assert!(s[l[0]] > 0.0);
        }
        let again = LinearSvm::train(&xs, &labels, 3, 11, &SvmConfig::default());
        assert_eq!(svm, again, "deterministic");
    }

    /// One class alone, as it was trained before classes shared their visits: the reference
    /// [`train_group`] must match to the bit.
    fn train_alone(
        xs: &[SparseVec],
        ys: &[f32],
        dims: usize,
        config: &SvmConfig,
    ) -> (Vec<f32>, f32) {
        let n = xs.len();
        let positives = ys.iter().filter(|y| **y > 0.0).count().max(1) as f32;
        let negatives = (n as f32 - positives).max(1.0);
        let diag: Vec<f32> = ys
            .iter()
            .map(|y| diagonal(config, n, if *y > 0.0 { positives } else { negatives }))
            .collect();
        let q: Vec<f32> = xs
            .iter()
            .zip(&diag)
            .map(|(x, d)| x.dot(x) + 1.0 + d)
            .collect();
        let (mut w, mut b) = (vec![0f32; dims], 0f32);
        let mut alpha = vec![0f32; n];
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = config.seed | 1;
        for _ in 0..config.max_epochs {
            shuffle(&mut order, &mut rng);
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

    /// Classes trained side by side give each class the model it gets alone, to the bit, with
    /// and without naive-Bayes scaling, over several groups and a group with padding lanes.
    #[test]
    fn classes_side_by_side_learn_what_each_learns_alone() {
        // Two groups of ten and nine, each with padding lanes.
        let (dims, classes) = (400usize, 19usize);
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut xs = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..400 {
            let k = (next() % classes as u64) as usize;
            let mut ids: Vec<u32> = (0..25).map(|_| (next() % dims as u64) as u32).collect();
            // A few features typical of the class, so the classes differ.
            ids.extend((0..4).map(|t| (k * 20 + t) as u32));
            ids.sort_unstable();
            ids.dedup();
            let v = ids
                .into_iter()
                .map(|j| (j, 0.05 + (next() % 1000) as f32 / 1000.0))
                .collect();
            xs.push(SparseVec(v));
            let mut l = vec![k];
            if next() % 7 == 0 {
                l.push((k + 1) % classes);
            }
            labels.push(l);
        }
        for nb_scale in [false, true] {
            let config = SvmConfig {
                nb_scale,
                ..SvmConfig::default()
            };
            let svm = LinearSvm::train(&xs, &labels, classes, dims, &config);
            for k in 0..classes {
                let ys: Vec<f32> = labels
                    .iter()
                    .map(|l| if l.contains(&k) { 1.0 } else { -1.0 })
                    .collect();
                let (w, b) = if nb_scale {
                    let r = nb_ratios(&xs, &ys, dims);
                    let scaled: Vec<SparseVec> = xs
                        .iter()
                        .map(|x| {
                            SparseVec(x.0.iter().map(|&(j, v)| (j, v * r[j as usize])).collect())
                        })
                        .collect();
                    let (mut w, b) = train_alone(&scaled, &ys, dims, &config);
                    for (wj, rj) in w.iter_mut().zip(&r) {
                        *wj *= rj;
                    }
                    (w, b)
                } else {
                    train_alone(&xs, &ys, dims, &config)
                };
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&svm.weights[k]),
                    bits(&w),
                    "class {k}, nb_scale {nb_scale}"
                );
                assert_eq!(svm.bias[k].to_bits(), b.to_bits(), "class {k} bias");
                assert!(w.iter().any(|x| *x != 0.0), "class {k} learned something");
            }
        }
    }
}
