//! Pairs: the similarity behind merging, measured on labelled sentence pairs (s1, s2, label 1 =
//! same meaning). Each pair gets a few features in 0..1 — word TF-IDF cosine after synonyms,
//! character bigram and unigram cosines, term overlap, length ratio, numbers that disagree, exact
//! match — and a logistic model (linfa) learns how to weigh them. The decision threshold is the one
//! that maximises F1 on the training folds; scores are reported on held-out folds (or a test file).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::disjoint::DisjointSets;
use crate::ingest::{read_table, IngestOptions};
mod associations;

pub use associations::Associations;

use crate::pipeline::Pipeline;
use crate::vectors::{char_bigrams, SparseVec, TfIdf};
use crate::{Error, Result};

/// One labelled pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentencePair {
    pub s1: String,
    pub s2: String,
    pub same: bool,
}

/// The features' names, in column order.
pub const FEATURES: [&str; 7] = [
    "词TF-IDF余弦",
    "字二元组余弦",
    "单字余弦",
    "关键词重合度",
    "长度比",
    "数字不一致",
    "完全相同",
];

/// Reads pairs from JSONL or CSV with columns s1, s2 and label (句子1, 句子2, 标签 also work).
pub fn read_pairs(path: &Path) -> Result<Vec<SentencePair>> {
    let table = read_table(path, &IngestOptions::default())?;
    let find = |names: &[&str]| {
        table
            .headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let missing = |what: &str| Error::NotATable {
        file: table.file.clone(),
        reason: format!("找不到{what}列（表头为 {}）", table.header_list()),
    };
    let c1 = find(&["s1", "sentence1", "句子1", "text1"]).ok_or_else(|| missing("s1"))?;
    let c2 = find(&["s2", "sentence2", "句子2", "text2"]).ok_or_else(|| missing("s2"))?;
    let cl = find(&["label", "标签"]).ok_or_else(|| missing("label"))?;
    table
        .rows
        .iter()
        .map(|r| {
            let cell = |c: usize| {
                r.cells
                    .get(c)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default()
            };
            let bad = |reason: String| Error::Row {
                file: table.file.clone(),
                row: r.row,
                reason,
            };
            if let Some(p) = &r.problem {
                return Err(bad(p.clone()));
            }
            let same = match cell(cl).as_str() {
                "1" => true,
                "0" => false,
                other => return Err(bad(format!("label 应为 0 或 1，实为“{other}”"))),
            };
            Ok(SentencePair {
                s1: cell(c1),
                s2: cell(c2),
                same,
            })
        })
        .collect()
}

/// The features of a set of pairs: the lexical ones, and each sentence's tokens for the learned
/// associations (which need labels, so they are computed per training split).
pub struct PairFeatures {
    /// One row per pair, columns as [`FEATURES`].
    pub lexical: Array2<f64>,
    /// Every word of each sentence (stop words kept: 怎么 and 能否 matter here), synonyms mapped;
    /// sentence `2i` and `2i + 1` make pair `i`.
    words: Vec<Vec<String>>,
    /// Each sentence's characters (letters and digits).
    chars: Vec<Vec<String>>,
}

/// Computes pair features with IDF statistics from every sentence given (no labels used).
pub fn pair_features(pipeline: &Pipeline, pairs: &[SentencePair]) -> PairFeatures {
    let sentences: Vec<&str> = pairs
        .iter()
        .flat_map(|p| [p.s1.as_str(), p.s2.as_str()])
        .collect();
    let prepared: Vec<(Vec<String>, String, Vec<String>)> = sentences
        .par_iter()
        .map(|s| {
            let p = pipeline.prepare("", s);
            let terms = pipeline.terms(&p).to_vec();
            let all_words = pipeline
                .analyzer
                .segmenter()
                .cut(&p.text)
                .into_iter()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .map(|w| pipeline.analyzer.canonical(w).to_string())
                .collect();
            (terms, p.text, all_words)
        })
        .collect();
    let words = TfIdf::fit(
        &prepared
            .iter()
            .map(|(t, _, _)| t.iter().map(String::as_str).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
    );
    let bigrams = TfIdf::fit(
        &prepared
            .iter()
            .map(|(_, t, _)| char_bigrams(t))
            .collect::<Vec<_>>(),
    );
    let unigrams = TfIdf::fit(
        &prepared
            .iter()
            .map(|(_, t, _)| {
                t.chars()
                    .filter(|c| c.is_alphanumeric())
                    .map(u64::from)
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>(),
    );
    let rows: Vec<[f64; 7]> = (0..pairs.len())
        .into_par_iter()
        .map(|i| {
            let (a, b) = (2 * i, 2 * i + 1);
            let cos = |v: &[SparseVec]| v[a].dot(&v[b]) as f64;
            let (ta, tb) = (&prepared[a].0, &prepared[b].0);
            let sa: HashSet<&String> = ta.iter().collect();
            let sb: HashSet<&String> = tb.iter().collect();
            let union = sa.union(&sb).count();
            let jaccard = if union == 0 {
                0.0
            } else {
                sa.intersection(&sb).count() as f64 / union as f64
            };
            let (la, lb) = (prepared[a].1.chars().count(), prepared[b].1.chars().count());
            let ratio = la.min(lb) as f64 / la.max(lb).max(1) as f64;
            let (na, nb) = (numbers(&prepared[a].1), numbers(&prepared[b].1));
            let conflict = (!na.is_empty() && !nb.is_empty() && na != nb) as u8 as f64;
            let exact = (prepared[a].1 == prepared[b].1) as u8 as f64;
            [
                cos(&words.vectors),
                cos(&bigrams.vectors),
                cos(&unigrams.vectors),
                jaccard,
                ratio,
                conflict,
                exact,
            ]
        })
        .collect();
    let lexical = Array2::from_shape_fn((rows.len(), FEATURES.len()), |(i, j)| rows[i][j]);
    let chars = prepared
        .iter()
        .map(|(_, t, _)| {
            t.chars()
                .filter(|c| c.is_alphanumeric())
                .map(String::from)
                .collect()
        })
        .collect();
    PairFeatures {
        lexical,
        words: prepared.into_iter().map(|(_, _, w)| w).collect(),
        chars,
    }
}

/// The numbers written in a text (after normalization, so full-width digits count too).
fn numbers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Precision, recall, F1, accuracy and ROC AUC of scores at a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairScores {
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub accuracy: f64,
    pub auc: f64,
}

/// Scores `scores` against `labels` at `threshold` (same = score ≥ threshold).
pub fn pair_scores(scores: &[f64], labels: &[bool], threshold: f64) -> PairScores {
    let (mut tp, mut fp, mut fn_, mut tn) = (0usize, 0usize, 0usize, 0usize);
    for (s, &l) in scores.iter().zip(labels) {
        match (*s >= threshold, l) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => tn += 1,
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
    PairScores {
        threshold,
        precision,
        recall,
        f1: if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        },
        accuracy: ratio(tp + tn, labels.len()),
        auc: roc_auc(scores, labels),
    }
}

/// The threshold with the best F1 on these scores.
pub fn best_threshold(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = labels.iter().filter(|l| **l).count();
    let (mut tp, mut taken, mut best, mut best_f1) = (0usize, 0usize, f64::INFINITY, -1.0);
    for (k, &i) in order.iter().enumerate() {
        taken += 1;
        tp += labels[i] as usize;
        // only between distinct scores can a threshold separate them
        if k + 1 < order.len() && scores[order[k + 1]] == scores[i] {
            continue;
        }
        let f1 = 2.0 * tp as f64 / (taken + positives) as f64;
        if f1 > best_f1 {
            best_f1 = f1;
            best = scores[i];
        }
    }
    best
}

/// ROC AUC by ranks (Mann–Whitney), ties counted half.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut ranks = vec![0f64; scores.len()];
    let mut k = 0;
    while k < order.len() {
        let mut j = k;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[k]] {
            j += 1;
        }
        let rank = (k + j) as f64 / 2.0 + 1.0;
        for &i in &order[k..=j] {
            ranks[i] = rank;
        }
        k = j + 1;
    }
    let pos = labels.iter().filter(|l| **l).count() as f64;
    let neg = labels.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    let sum: f64 = ranks
        .iter()
        .zip(labels)
        .filter(|(_, l)| **l)
        .map(|(r, _)| r)
        .sum();
    (sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// A fitted pair model: logistic weights over [`FEATURES`] and a threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairModel {
    pub weights: Vec<f64>,
    pub intercept: f64,
    pub threshold: f64,
}

impl PairModel {
    /// Fits weights on `x`/`labels` and picks the threshold with the best F1 on them.
    pub fn fit(x: &Array2<f64>, labels: &[bool]) -> Result<Self> {
        let y: Array1<usize> = labels.iter().map(|&l| l as usize).collect();
        let fitted = LogisticRegression::default()
            .max_iterations(200)
            .fit(&Dataset::new(x.clone(), y))
            .map_err(|e| Error::Query(format!("逻辑回归拟合失败: {e}")))?;
        // linfa models the probability of its "positive" class, which is the more frequent label
        // (or the first seen on a tie), not label 1: turn the weights to always mean "same".
        let sign = if fitted.labels().pos.class == 1 {
            1.0
        } else {
            -1.0
        };
        let mut model = PairModel {
            weights: fitted.params().iter().map(|w| sign * w).collect(),
            intercept: sign * fitted.intercept(),
            threshold: 0.5,
        };
        model.threshold = best_threshold(&model.probabilities(x), labels);
        Ok(model)
    }

    /// The probability that each pair means the same.
    pub fn probabilities(&self, x: &Array2<f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|r| {
                let z: f64 =
                    r.iter().zip(&self.weights).map(|(a, w)| a * w).sum::<f64>() + self.intercept;
                1.0 / (1.0 + (-z).exp())
            })
            .collect()
    }
}

/// What `eval pairs` reports: the learned combination and single-feature baselines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairReport {
    pub method: String,
    pub pairs: usize,
    pub positives: usize,
    pub learned: PairScores,
    /// The weights fitted on all training data (for reading, not for these scores).
    pub model: PairModel,
    pub baselines: Vec<(String, PairScores)>,
}

/// Every feature's name, in column order: the lexical ones, then the learned associations.
pub fn feature_names() -> Vec<String> {
    FEATURES
        .iter()
        .map(|f| f.to_string())
        .chain(Associations::feature_names("词"))
        .chain(Associations::feature_names("字"))
        .collect()
}

/// Associations learned from labelled pairs, for words and for characters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    words: Associations,
    chars: Associations,
}

impl Learned {
    /// Learns from the pairs `rows` (indices into `f`), labelled by `labels[row]`.
    fn fit(f: &PairFeatures, rows: &[usize], labels: &[bool]) -> Self {
        let l: Vec<bool> = rows.iter().map(|&i| labels[i]).collect();
        Learned {
            words: Associations::fit(&sides(&f.words, rows), &l),
            chars: Associations::fit(&sides(&f.chars, rows), &l),
        }
    }

    /// Full feature rows for `rows`: lexical, then associations.
    fn matrix(&self, f: &PairFeatures, rows: &[usize]) -> Array2<f64> {
        let lexical = FEATURES.len();
        let learned: Vec<[f64; 6]> = rows
            .par_iter()
            .map(|&i| {
                let w = self.words.features(&f.words[2 * i], &f.words[2 * i + 1]);
                let c = self.chars.features(&f.chars[2 * i], &f.chars[2 * i + 1]);
                [w[0], w[1], w[2], c[0], c[1], c[2]]
            })
            .collect();
        Array2::from_shape_fn((rows.len(), lexical + 6), |(r, j)| {
            if j < lexical {
                f.lexical[[rows[r], j]]
            } else {
                learned[r][j - lexical]
            }
        })
    }
}

/// The two sentences' tokens of each pair in `rows`.
fn sides<'a>(tokens: &'a [Vec<String>], rows: &[usize]) -> Vec<(&'a [String], &'a [String])> {
    rows.iter()
        .map(|&i| (&tokens[2 * i][..], &tokens[2 * i + 1][..]))
        .collect()
}

/// Splits `n` items into `folds` folds, spread and fixed, independent of order.
fn fold_of(i: usize, n: usize, folds: usize) -> usize {
    (i * 7919) % n % folds
}

/// How pairs are split into cross-validation folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldSplit {
    /// Pairs spread over folds by position.
    Spread,
    /// Pairs that share a sentence (directly or through others) stay in one fold, so no test
    /// sentence was seen in training: the stricter figure when a file repeats sentences.
    DisjointSentences,
}

/// Each pair's fold.
pub fn assign_folds(pairs: &[SentencePair], folds: usize, split: FoldSplit) -> Vec<usize> {
    let n = pairs.len();
    if split == FoldSplit::Spread {
        return (0..n).map(|i| fold_of(i, n, folds)).collect();
    }
    // Union-find over sentences; a pair joins its two sentences.
    let mut id: HashMap<&str, usize> = HashMap::new();
    for p in pairs {
        for s in [p.s1.as_str(), p.s2.as_str()] {
            let next = id.len();
            id.entry(s).or_insert(next);
        }
    }
    let mut sentences = DisjointSets::new(id.len());
    for p in pairs {
        sentences.join(id[p.s1.as_str()], id[p.s2.as_str()]);
    }
    let comp: Vec<usize> = pairs
        .iter()
        .map(|p| sentences.root(id[p.s1.as_str()]))
        .collect();
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, c) in comp.iter().enumerate() {
        members.entry(*c).or_default().push(i);
    }
    // Largest components first, each to the emptiest fold: balanced and deterministic.
    let mut comps: Vec<Vec<usize>> = members.into_values().collect();
    comps.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let mut load = vec![0usize; folds];
    let mut out = vec![0; n];
    for c in comps {
        let f = (0..folds).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[f] += c.len();
        c.into_iter().for_each(|i| out[i] = f);
    }
    out
}

/// A model fitted on the pairs `rows`. The training rows' association features come from counts
/// that leave out their own inner fold (cross-fitting): counts that include a pair would make
/// the model trust them more than they deserve on pairs it has not seen.
fn fit_on(
    f: &PairFeatures,
    rows: &[usize],
    labels: &[bool],
    folds: usize,
) -> Result<(PairModel, Learned)> {
    let mut x = Array2::zeros((rows.len(), FEATURES.len() + 6));
    for g in 0..folds {
        let (inner, held): (Vec<usize>, Vec<usize>) =
            (0..rows.len()).partition(|&k| fold_of(k, rows.len(), folds) != g);
        let learned = Learned::fit(
            f,
            &inner.iter().map(|&k| rows[k]).collect::<Vec<_>>(),
            labels,
        );
        let part = learned.matrix(f, &held.iter().map(|&k| rows[k]).collect::<Vec<_>>());
        for (r, &k) in held.iter().enumerate() {
            x.row_mut(k).assign(&part.row(r));
        }
    }
    let l: Vec<bool> = rows.iter().map(|&i| labels[i]).collect();
    Ok((PairModel::fit(&x, &l)?, Learned::fit(f, rows, labels)))
}

/// K-fold cross-validation on one file: fit on K−1 folds, threshold from those folds, score the
/// held-out fold; scores pooled over all folds.
pub fn cross_validate(
    f: &PairFeatures,
    labels: &[bool],
    fold: &[usize],
    folds: usize,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = labels.len();
    let mut probs = vec![0.0; n];
    let mut thresholds = vec![0.0; n];
    for k in 0..folds {
        let (train, test): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold[i] != k);
        let (model, learned) = fit_on(f, &train, labels, folds)?;
        let p = model.probabilities(&learned.matrix(f, &test));
        for (k, &i) in test.iter().enumerate() {
            probs[i] = p[k];
            thresholds[i] = model.threshold;
        }
    }
    Ok((probs, thresholds))
}

/// Scores of held-out predictions, each judged by its own fold's threshold.
pub fn held_out_scores(probs: &[f64], thresholds: &[f64], labels: &[bool]) -> PairScores {
    // Shift each score by its fold's threshold so one cut at 0 applies every fold's own threshold.
    let shifted: Vec<f64> = probs.iter().zip(thresholds).map(|(p, t)| p - t).collect();
    let mut s = pair_scores(&shifted, labels, 0.0);
    s.auc = roc_auc(probs, labels);
    s.threshold = thresholds.iter().sum::<f64>() / thresholds.len().max(1) as f64;
    s
}

/// A single feature used alone, with a threshold chosen on the same folds' training parts.
pub fn baseline(
    x: &Array2<f64>,
    labels: &[bool],
    feature: usize,
    fold: &[usize],
    folds: usize,
) -> PairScores {
    let n = labels.len();
    let col: Vec<f64> = x.column(feature).to_vec();
    let mut thresholds = vec![0.0; n];
    for f in 0..folds {
        let (s, l): (Vec<f64>, Vec<bool>) = (0..n)
            .filter(|&i| fold[i] != f)
            .map(|i| (col[i], labels[i]))
            .unzip();
        let t = best_threshold(&s, &l);
        (0..n)
            .filter(|&i| fold[i] == f)
            .for_each(|i| thresholds[i] = t);
    }
    held_out_scores(&col, &thresholds, labels)
}

/// Cross-validated report on one file.
pub fn evaluate_cv(
    pipeline: &Pipeline,
    pairs: &[SentencePair],
    folds: usize,
    split: FoldSplit,
) -> Result<PairReport> {
    if folds < 2 || folds > pairs.len() {
        return Err(Error::Query(format!(
            "--folds 应在 2 到 {} 之间",
            pairs.len()
        )));
    }
    let labels: Vec<bool> = pairs.iter().map(|p| p.same).collect();
    let f = pair_features(pipeline, pairs);
    let fold = assign_folds(pairs, folds, split);
    let (probs, thresholds) = cross_validate(&f, &labels, &fold, folds)?;
    let all: Vec<usize> = (0..pairs.len()).collect();
    Ok(PairReport {
        method: format!(
            "{folds}折交叉验证{}（阈值取训练折上F1最高者）",
            match split {
                FoldSplit::Spread => "",
                FoldSplit::DisjointSentences => "，同一句子只在一折",
            }
        ),
        pairs: pairs.len(),
        positives: labels.iter().filter(|l| **l).count(),
        learned: held_out_scores(&probs, &thresholds, &labels),
        model: fit_on(&f, &all, &labels, folds)?.0,
        baselines: (0..FEATURES.len())
            .map(|c| {
                (
                    FEATURES[c].to_string(),
                    baseline(&f.lexical, &labels, c, &fold, folds),
                )
            })
            .collect(),
    })
}

/// Inner folds for the association counts when fitting on a whole dev file.
const DEV_FOLDS: usize = 5;

/// Weights and thresholds fitted on `dev`, scored on `test`.
pub fn evaluate_with_dev(
    pipeline: &Pipeline,
    dev: &[SentencePair],
    dev_name: &str,
    test: &[SentencePair],
) -> Result<PairReport> {
    let labels: Vec<bool> = test.iter().map(|p| p.same).collect();
    let dev_labels: Vec<bool> = dev.iter().map(|p| p.same).collect();
    let (tf, df) = (pair_features(pipeline, test), pair_features(pipeline, dev));
    let dev_rows: Vec<usize> = (0..dev.len()).collect();
    let (model, learned) = fit_on(&df, &dev_rows, &dev_labels, DEV_FOLDS)?;
    let x = learned.matrix(&tf, &(0..test.len()).collect::<Vec<_>>());
    let dx = &df.lexical;
    let baselines = (0..FEATURES.len())
        .map(|f| {
            let t = best_threshold(&dx.column(f).to_vec(), &dev_labels);
            (
                FEATURES[f].to_string(),
                pair_scores(&x.column(f).to_vec(), &labels, t),
            )
        })
        .collect();
    Ok(PairReport {
        method: format!("在 {dev_name} 上拟合权重与阈值"),
        pairs: test.len(),
        positives: labels.iter().filter(|l| **l).count(),
        learned: pair_scores(&model.probabilities(&x), &labels, model.threshold),
        model,
        baselines,
    })
}

impl PairReport {
    /// The report as text for the terminal.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "评估方式: {}；共{}对（同义{}对）",
            self.method, self.pairs, self.positives
        );
        let _ = writeln!(
            out,
            "{:<14}{:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
            "方法", "精确率", "召回率", "F1", "准确率", "AUC", "阈值"
        );
        let rows = std::iter::once(("组合（逻辑回归）", &self.learned))
            .chain(self.baselines.iter().map(|(n, s)| (n.as_str(), s)));
        for (name, s) in rows {
            let _ = writeln!(
                out,
                "{:<14}{:>10.3}{:>10.3}{:>8.3}{:>10.3}{:>8.3}{:>9.3}",
                name, s.precision, s.recall, s.f1, s.accuracy, s.auc, s.threshold
            );
        }
        let weights: Vec<String> = feature_names()
            .iter()
            .zip(&self.model.weights)
            .map(|(f, w)| format!("{f} {w:+.2}"))
            .collect();
        let _ = writeln!(
            out,
            "权重: {}；截距 {:+.2}",
            weights.join("、"),
            self.model.intercept
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_best_threshold_by_hand() {
        let scores = [0.9, 0.8, 0.7, 0.3, 0.2];
        let labels = [true, true, false, true, false];
        // positives ranked above negatives: (0.9 > 0.7, 0.2), (0.8 > 0.7, 0.2), (0.3 > 0.2) = 5 of 6
        assert!((roc_auc(&scores, &labels) - 5.0 / 6.0).abs() < 1e-12);
        // cut at 0.3 takes all 3 positives and 1 negative: F1 = 6/7, the best
        assert_eq!(best_threshold(&scores, &labels), 0.3);
        let s = pair_scores(&scores, &labels, 0.3);
        assert!((s.precision - 0.75).abs() < 1e-12 && s.recall == 1.0);
        assert!((s.accuracy - 0.8).abs() < 1e-12);
    }

    #[test]
    fn disjoint_folds_keep_pairs_sharing_a_sentence_together() {
        let pair = |a: &str, b: &str| SentencePair {
            s1: a.into(),
            s2: b.into(),
            same: true,
        };
        // a-b-c chain together through b; d-e apart; f-g apart
        let pairs = [
            pair("a", "b"),
            pair("d", "e"),
            pair("b", "c"),
            pair("f", "g"),
        ];
        let fold = assign_folds(&pairs, 2, FoldSplit::DisjointSentences);
        assert_eq!(fold[0], fold[2], "{fold:?}");
        assert_ne!(
            fold[1], fold[0],
            "the emptier fold takes the next component"
        );
        assert_eq!(fold, vec![0, 1, 0, 1]);
    }

    #[test]
    fn numbers_are_compared_as_sets() {
        assert_eq!(numbers("借款5000元，分12期"), vec!["12", "5000"]);
        assert!(numbers("没有数字").is_empty());
    }

    #[test]
    fn logistic_model_learns_a_separating_feature() {
        let x = Array2::from_shape_fn((40, FEATURES.len()), |(i, j)| {
            if j == 0 {
                (i % 2) as f64
            } else {
                0.3
            }
        });
        let labels: Vec<bool> = (0..40).map(|i| i % 2 == 1).collect();
        let m = PairModel::fit(&x, &labels).unwrap();
        let p = m.probabilities(&x);
        assert!(labels
            .iter()
            .zip(&p)
            .all(|(l, p)| (*p >= m.threshold) == *l));
        assert!(m.weights[0] > 0.0);
    }
}
