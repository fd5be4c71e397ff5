//! Measuring the loop's suggestions and checks on past matters with their replies: routing
//! accuracy (top-1, top-3) against the unit that answered, and how well reply relevance tells a
//! message's own reply from a reply to another message (ROC AUC).
//!
//! Everything here is pure and seeded: the same cases and seed give the same figures. Tuning
//! choices are read on one half of the cases (dev) and the figures reported on the other (test).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use super::reply_check::{Method, RelevanceModel, DEFAULT_METHOD, OFF_TOPIC_BELOW};
use super::routing::{DutyList, PastAssignment, Router, RouterParams};

/// ROC AUC: the probability that a positive scores above a negative, ties counting half; exact,
/// by sorting both lists once. `None` without positives or negatives (or with a NaN score).
pub fn roc_auc(positives: &[f32], negatives: &[f32]) -> Option<f64> {
    if positives.is_empty() || negatives.is_empty() {
        return None;
    }
    if positives.iter().chain(negatives).any(|s| s.is_nan()) {
        return None;
    }
    let mut neg = negatives.to_vec();
    neg.sort_by(f32::total_cmp);
    let mut wins = 0.0f64;
    for &p in positives {
        // Negatives strictly below p, and equal to it.
        let below = neg.partition_point(|&n| n < p);
        let not_above = neg.partition_point(|&n| n <= p);
        wins += below as f64 + 0.5 * (not_above - below) as f64;
    }
    Some(wins / (positives.len() as f64 * neg.len() as f64))
}

/// Share of scores below a threshold (0 for none).
pub fn share_below(scores: &[f32], threshold: f32) -> f64 {
    if scores.is_empty() {
        return 0.0;
    }
    scores.iter().filter(|&&s| s < threshold).count() as f64 / scores.len() as f64
}

/// Splits `0..n` into two seeded halves (dev, test), each in increasing order.
pub fn seeded_halves(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    shuffle(&mut order, &mut rng);
    let (a, b) = order.split_at(n / 2);
    let mut dev = a.to_vec();
    let mut test = b.to_vec();
    dev.sort_unstable();
    test.sort_unstable();
    (dev, test)
}

fn shuffle<T>(v: &mut [T], rng: &mut Xoshiro256PlusPlus) {
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// A message with the reply it got, as the reply check sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyCase {
    pub id: String,
    /// qingdan's main topic of the message.
    pub topic: String,
    pub terms: Vec<String>,
    pub reply_text: String,
    pub reply_terms: Vec<String>,
}

/// Own replies against one kind of negative, on one half.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AucFigure {
    /// 随机 / 同主题 / 最相似.
    pub negative: String,
    /// Messages with a negative of this kind (each gives one own and one other pair).
    pub pairs: usize,
    pub auc: Option<f64>,
    /// Pairs whose own reply has at least [`SHORT_REPLY`] characters, and their AUC.
    pub pairs_long: usize,
    pub auc_long: Option<f64>,
    /// Share of the negatives below [`OFF_TOPIC_BELOW`] (caught as 答非所问).
    pub negatives_flagged: f64,
}

/// One relevance method on both halves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodFigures {
    pub method: Method,
    pub label: String,
    pub dev: Vec<AucFigure>,
    pub test: Vec<AucFigure>,
    /// Share of own replies below [`OFF_TOPIC_BELOW`] on the test half (false flags).
    pub own_flagged_test: f64,
    /// Own replies' 5th percentile on dev: where a threshold flagging 5% of real replies sits.
    pub own_p5_dev: f32,
}

/// Thresholds shown for the default method on the dev half.
const CANDIDATE_THRESHOLDS: [f32; 12] = [
    0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.15, 0.20,
];

/// A reply shorter than this (in characters) is a short one in the threshold table.
pub const SHORT_REPLY: usize = 60;

/// What a threshold flags on the dev half: shares of own replies and of each kind of negative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdRow {
    pub threshold: f32,
    pub own: f64,
    /// Of the own replies flagged, the share shorter than [`SHORT_REPLY`] characters ("留言已收悉",
    /// "已转某单位处理"): non-answers rather than false flags.
    pub own_short: f64,
    pub random: f64,
    pub same_topic: f64,
    pub similar: f64,
}

/// The relevance evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyEvaluation {
    pub seed: u64,
    pub cases: usize,
    pub dev: usize,
    pub test: usize,
    /// The 答非所问 threshold and the method it applies to.
    pub threshold: f32,
    pub method: Method,
    /// Candidate thresholds of that method on the dev half.
    pub thresholds: Vec<ThresholdRow>,
    pub methods: Vec<MethodFigures>,
    /// Messages per main topic, commonest first: how hard the same-topic negative can be.
    pub topics: Vec<(String, usize)>,
    /// The method with the best dev AUC against same-topic replies (none without such pairs).
    pub best_on_dev: Option<Method>,
}

/// Scores each message against its own reply and against, within the same half, a random other
/// message's reply, a reply to another message of the same main topic, and the reply to the most
/// similar other message (cosine of IDF-weighted terms). Term weights come from every message and
/// reply of `cases` (no labels are involved).
pub fn evaluate_replies(cases: &[ReplyCase], seed: u64) -> ReplyEvaluation {
    let model = RelevanceModel::new(
        cases
            .iter()
            .flat_map(|c| [c.terms.as_slice(), c.reply_terms.as_slice()]),
    );
    let (dev, test) = seeded_halves(cases.len(), seed);
    let dev_neg = negatives(cases, &dev, &model, seed ^ 0x5eed);
    let test_neg = negatives(cases, &test, &model, seed ^ 0x7e57);
    let mut methods = Vec::new();
    let mut thresholds = Vec::new();
    for method in Method::ALL {
        let score = |i: usize, j: usize| {
            let (a, b) = (&cases[i], &cases[j]);
            model.score(method, &a.terms, &b.reply_text, &b.reply_terms)
        };
        type Figures = (Vec<AucFigure>, Vec<f32>, Vec<Vec<f32>>);
        let figures = |half: &[usize], neg: &[Vec<Option<usize>>; 3]| -> Figures {
            let own: Vec<f32> = half.iter().map(|&i| score(i, i)).collect();
            let names = ["随机", "同主题", "最相似"];
            let mut all_negs = Vec::new();
            let out = names
                .iter()
                .zip(neg)
                .map(|(name, choice)| {
                    let mut pos = Vec::new();
                    let mut negs = Vec::new();
                    // The same pairs where the own reply is not a short non-answer.
                    let (mut pos_long, mut negs_long) = (Vec::new(), Vec::new());
                    for (k, &i) in half.iter().enumerate() {
                        if let Some(j) = choice[k] {
                            let n = score(i, j);
                            pos.push(own[k]);
                            negs.push(n);
                            if cases[i].reply_text.chars().count() >= SHORT_REPLY {
                                pos_long.push(own[k]);
                                negs_long.push(n);
                            }
                        }
                    }
                    let figure = AucFigure {
                        negative: name.to_string(),
                        pairs: pos.len(),
                        auc: roc_auc(&pos, &negs),
                        pairs_long: pos_long.len(),
                        auc_long: roc_auc(&pos_long, &negs_long),
                        negatives_flagged: share_below(&negs, OFF_TOPIC_BELOW),
                    };
                    all_negs.push(negs);
                    figure
                })
                .collect();
            (out, own, all_negs)
        };
        let (dev_fig, mut dev_own, dev_negs) = figures(&dev, &dev_neg);
        let (test_fig, test_own, _) = figures(&test, &test_neg);
        if method == DEFAULT_METHOD {
            // Candidate thresholds on dev: what share of own and of other replies each flags.
            let short: Vec<bool> = dev
                .iter()
                .map(|&i| cases[i].reply_text.chars().count() < SHORT_REPLY)
                .collect();
            thresholds = CANDIDATE_THRESHOLDS
                .iter()
                .map(|&t| {
                    let flagged = dev_own.iter().filter(|&&s| s < t).count();
                    let flagged_short = dev_own
                        .iter()
                        .zip(&short)
                        .filter(|(&s, &short)| s < t && short)
                        .count();
                    ThresholdRow {
                        threshold: t,
                        own: share_below(&dev_own, t),
                        own_short: ratio(flagged_short, flagged),
                        random: dev_negs.first().map_or(0.0, |n| share_below(n, t)),
                        same_topic: dev_negs.get(1).map_or(0.0, |n| share_below(n, t)),
                        similar: dev_negs.get(2).map_or(0.0, |n| share_below(n, t)),
                    }
                })
                .collect();
        }
        dev_own.sort_by(f32::total_cmp);
        let own_p5_dev = dev_own.get(dev_own.len() / 20).copied().unwrap_or(0.0);
        methods.push(MethodFigures {
            method,
            label: method.label().to_string(),
            dev: dev_fig,
            test: test_fig,
            own_flagged_test: share_below(&test_own, OFF_TOPIC_BELOW),
            own_p5_dev,
        });
    }
    // The first method with the highest dev AUC against same-topic replies, if any has one.
    let mut best_on_dev: Option<(Method, f64)> = None;
    for m in &methods {
        if let Some(auc) = m.dev.get(1).and_then(|f| f.auc) {
            if best_on_dev.is_none_or(|(_, b)| auc > b) {
                best_on_dev = Some((m.method, auc));
            }
        }
    }
    let best_on_dev = best_on_dev.map(|b| b.0);
    let mut topics: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cases {
        *topics.entry(c.topic.as_str()).or_default() += 1;
    }
    let mut topics: Vec<(String, usize)> = topics
        .into_iter()
        .map(|(t, n)| (t.to_string(), n))
        .collect();
    topics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ReplyEvaluation {
        seed,
        cases: cases.len(),
        dev: dev.len(),
        test: test.len(),
        threshold: OFF_TOPIC_BELOW,
        method: DEFAULT_METHOD,
        thresholds,
        methods,
        topics,
        best_on_dev,
    }
}

/// For each message of `half` (by position), the message whose reply is its negative: random,
/// same topic, most similar; `None` when the half has no such other message.
fn negatives(
    cases: &[ReplyCase],
    half: &[usize],
    model: &RelevanceModel,
    seed: u64,
) -> [Vec<Option<usize>>; 3] {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pick = |pool: &[usize], not: usize| -> Option<usize> {
        if pool.len() < 2 || !pool.contains(&not) {
            return None;
        }
        // Draw among the others: an index in 0..len-1, skipping `not`.
        let k = (rng.next_u64() % (pool.len() as u64 - 1)) as usize;
        let pos = pool.iter().position(|&p| p == not).unwrap_or(0);
        Some(pool[if k >= pos { k + 1 } else { k }])
    };
    let mut by_topic: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in half {
        by_topic.entry(cases[i].topic.as_str()).or_default().push(i);
    }
    let random: Vec<Option<usize>> = half.iter().map(|&i| pick(half, i)).collect();
    let same: Vec<Option<usize>> = half
        .iter()
        .map(|&i| {
            let pool = by_topic.get(cases[i].topic.as_str()).map(Vec::as_slice);
            pick(pool.unwrap_or(&[]), i)
        })
        .collect();
    // Nearest other message by IDF-weighted cosine of the messages' terms. Vectors are sorted
    // by term so every sum runs in the same order and the result does not depend on hashing.
    let vectors: Vec<Vec<(&str, f32)>> = half
        .iter()
        .map(|&i| {
            let mut v: Vec<(&str, f32)> = cases[i]
                .terms
                .iter()
                .map(|t| (t.as_str(), model.weight(t)))
                .filter(|e| e.1 > 0.0)
                .collect();
            v.sort_by(|a, b| a.0.cmp(b.0));
            v.dedup_by(|a, b| a.0 == b.0);
            let norm = v.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
            for e in v.iter_mut() {
                e.1 /= norm;
            }
            v
        })
        .collect();
    let mut postings: HashMap<&str, Vec<(usize, f32)>> = HashMap::new();
    for (k, v) in vectors.iter().enumerate() {
        for &(t, w) in v {
            postings.entry(t).or_default().push((k, w));
        }
    }
    let similar: Vec<Option<usize>> = vectors
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let mut sims: BTreeMap<usize, f32> = BTreeMap::new();
            for (t, w) in v {
                for &(o, ow) in postings.get(t).map(Vec::as_slice).unwrap_or(&[]) {
                    if o != k {
                        *sims.entry(o).or_default() += w * ow;
                    }
                }
            }
            // Highest similarity; on a tie the earlier message.
            sims.into_iter()
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(o, _)| half[o])
        })
        .collect();
    [random, same, similar]
}

impl ReplyEvaluation {
    /// A Chinese table of the figures.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "答复相关度评估：{}条留言及其答复，按种子 {} 分为调参半（{}条）和测试半（{}条）",
            self.cases, self.seed, self.dev, self.test
        );
        let _ = writeln!(
            s,
            "AUC = 本条答复得分高于他条答复得分的概率（相等计一半）；负例均取自同一半"
        );
        let topics: Vec<String> = self
            .topics
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        let _ = writeln!(s, "留言主题（qingdan 主题归类）：{}", topics.join("、"));
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "| 方法 | 半 | 随机 AUC（对数） | 同主题 AUC（对数） | 最相似 AUC（对数） |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        for m in &self.methods {
            for (half, figs) in [("调参", &m.dev), ("测试", &m.test)] {
                let cells: Vec<String> = figs
                    .iter()
                    .map(|f| match f.auc {
                        Some(a) => format!("{a:.3}（{}）", f.pairs),
                        None => format!("—（{}）", f.pairs),
                    })
                    .collect();
                let _ = writeln!(s, "| {} | {half} | {} |", m.label, cells.join(" | "));
            }
        }
        if let Some(m) = self.methods.iter().find(|m| m.method == self.method) {
            let cells: Vec<String> = m
                .test
                .iter()
                .map(|f| match f.auc_long {
                    Some(a) => format!("{} {a:.3}（{}对）", f.negative, f.pairs_long),
                    None => format!("{} —", f.negative),
                })
                .collect();
            let _ = writeln!(
                s,
                "\n{}，测试半只计本条答复不少于{SHORT_REPLY}字的留言：{}",
                m.label,
                cells.join("，")
            );
        }
        let _ = writeln!(s);
        if let Some(best) = self.best_on_dev {
            let _ = writeln!(s, "调参半上同主题 AUC 最高的方法：{}", best.label());
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{}在调参半上的候选阈值（低于阈值即标记答非所问）：",
            self.method.label()
        );
        let _ = writeln!(
            s,
            "| 阈值 | 本条答复被标记 | 其中答复不足{SHORT_REPLY}字 | 随机他条被标记 | 同主题他条被标记 | 最相似他条被标记 |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for r in &self.thresholds {
            let _ = writeln!(
                s,
                "| {:.3} | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% |",
                r.threshold,
                r.own * 100.0,
                r.own_short * 100.0,
                r.random * 100.0,
                r.same_topic * 100.0,
                r.similar * 100.0
            );
        }
        let _ = writeln!(s);
        if let Some(m) = self.methods.iter().find(|m| m.method == self.method) {
            let _ = writeln!(
                s,
                "答非所问阈值 {:.2}（{}，相关度低于此值即标记）：测试半本条答复误标 {:.1}%；\
                 测试半被标记的他条答复：随机 {:.1}%，同主题 {:.1}%，最相似 {:.1}%；\
                 调参半本条答复第5百分位 {:.3}",
                self.threshold,
                m.label,
                m.own_flagged_test * 100.0,
                m.test
                    .first()
                    .map(|f| f.negatives_flagged * 100.0)
                    .unwrap_or(0.0),
                m.test
                    .get(1)
                    .map(|f| f.negatives_flagged * 100.0)
                    .unwrap_or(0.0),
                m.test
                    .get(2)
                    .map(|f| f.negatives_flagged * 100.0)
                    .unwrap_or(0.0),
                m.own_p5_dev + 0.0 // no "-0.000"
            );
        }
        s
    }
}

/// A past matter with the unit that handled it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingCase {
    pub topic: String,
    pub terms: Vec<String>,
    pub unit: String,
}

/// How often the right unit came first, and among the first three.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Accuracy {
    pub cases: usize,
    pub top1: usize,
    pub top3: usize,
}

impl Accuracy {
    pub fn top1_rate(&self) -> f64 {
        ratio(self.top1, self.cases)
    }
    pub fn top3_rate(&self) -> f64 {
        ratio(self.top3, self.cases)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The routing evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutingEvaluation {
    pub seed: u64,
    pub cases: usize,
    pub train: usize,
    pub test: usize,
    /// The duty list alone, on every case.
    pub duty_all: Accuracy,
    /// The duty list alone, on the test half.
    pub duty_test: Accuracy,
    /// The train half's assignments with the duty list, on the test half (default parameters).
    pub with_past_test: Accuracy,
    /// The parameters that did best when a seeded part of the train half was routed with the
    /// rest as the past, and the test half's accuracy with them and the whole train half.
    pub tuned: RouterParams,
    pub tuned_test: Accuracy,
    /// Always the train half's three commonest units, on the test half (a floor).
    pub commonest_test: Accuracy,
    /// Cases per unit, commonest first.
    pub units: Vec<(String, usize)>,
}

/// Top-1 and top-3 accuracy of [`Router::suggest`]: with the duty list alone, and with the
/// assignments of a seeded half as the past, tested on the other half. Units compare by
/// [`DutyList::canonical`].
pub fn evaluate_routing(duties: &DutyList, cases: &[RoutingCase], seed: u64) -> RoutingEvaluation {
    let (train, test) = seeded_halves(cases.len(), seed);
    let past_of = |which: &[usize]| -> Vec<PastAssignment> {
        which
            .iter()
            .map(|&i| PastAssignment {
                topic: cases[i].topic.clone(),
                terms: cases[i].terms.clone(),
                unit: cases[i].unit.clone(),
            })
            .collect()
    };
    let accuracy = |router: &Router, which: &[usize]| {
        let mut acc = Accuracy {
            cases: which.len(),
            top1: 0,
            top3: 0,
        };
        for &i in which {
            let c = &cases[i];
            let gold = duties.canonical(&c.unit);
            let s = router.suggest(&c.topic, &c.terms, 3);
            if s.first().is_some_and(|s| s.unit == gold) {
                acc.top1 += 1;
            }
            if s.iter().any(|s| s.unit == gold) {
                acc.top3 += 1;
            }
        }
        acc
    };
    let all: Vec<usize> = (0..cases.len()).collect();
    let duty_only = Router::new(duties.clone(), &[]);
    let past = past_of(&train);
    let with_past = Router::new(duties.clone(), &past);
    // Tuning sees the train half only: a seeded half of it is routed with the rest as the past.
    let (inner_dev, inner_past) = seeded_halves(train.len(), seed ^ 0x7a11);
    let inner_dev: Vec<usize> = inner_dev.iter().map(|&k| train[k]).collect();
    let inner_past = past_of(&inner_past.iter().map(|&k| train[k]).collect::<Vec<_>>());
    let mut tuned = RouterParams::default();
    let mut best = accuracy(&Router::new(duties.clone(), &inner_past), &inner_dev);
    for neighbours in [5, 10, 15, 30, 60] {
        for past_half_weight in [10.0, 30.0, 100.0, 300.0] {
            let params = RouterParams {
                neighbours,
                past_half_weight,
            };
            let router = Router::with_params(duties.clone(), &inner_past, params);
            let a = accuracy(&router, &inner_dev);
            if (a.top1, a.top3) > (best.top1, best.top3) {
                best = a;
                tuned = params;
            }
        }
    }
    let tuned_test = accuracy(&Router::with_params(duties.clone(), &past, tuned), &test);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in cases {
        *counts.entry(duties.canonical(&c.unit)).or_default() += 1;
    }
    let mut train_counts: HashMap<String, usize> = HashMap::new();
    for &i in &train {
        *train_counts
            .entry(duties.canonical(&cases[i].unit))
            .or_default() += 1;
    }
    let mut commonest: Vec<(String, usize)> = train_counts.into_iter().collect();
    commonest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top: Vec<&str> = commonest.iter().take(3).map(|c| c.0.as_str()).collect();
    let mut commonest_test = Accuracy {
        cases: test.len(),
        top1: 0,
        top3: 0,
    };
    for &i in &test {
        let gold = duties.canonical(&cases[i].unit);
        if top.first() == Some(&gold.as_str()) {
            commonest_test.top1 += 1;
        }
        if top.contains(&gold.as_str()) {
            commonest_test.top3 += 1;
        }
    }
    let mut units: Vec<(String, usize)> = counts.into_iter().collect();
    units.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    RoutingEvaluation {
        seed,
        cases: cases.len(),
        train: train.len(),
        test: test.len(),
        duty_all: accuracy(&duty_only, &all),
        duty_test: accuracy(&duty_only, &test),
        with_past_test: accuracy(&with_past, &test),
        tuned,
        tuned_test,
        commonest_test,
        units,
    }
}

impl RoutingEvaluation {
    /// A Chinese table of the figures.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "承办单位推荐评估：{}条有唯一承办单位的事项，按种子 {} 分为以往交办半（{}条）和测试半（{}条）",
            self.cases, self.seed, self.train, self.test
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "| 推荐依据 | 评估事项 | 第1位命中 | 前3位命中 |");
        let _ = writeln!(s, "|---|---|---|---|");
        let rows = [
            ("仅职责清单（全部事项）", &self.duty_all),
            ("仅职责清单（测试半）", &self.duty_test),
            (
                "职责清单＋以往交办（测试半，默认参数）",
                &self.with_past_test,
            ),
            (
                "职责清单＋以往交办（测试半，以往交办半内调参）",
                &self.tuned_test,
            ),
            (
                "总推荐最常见的3个单位（测试半，参照）",
                &self.commonest_test,
            ),
        ];
        for (name, a) in rows {
            let _ = writeln!(
                s,
                "| {name} | {} | {:.1}%（{}） | {:.1}%（{}） |",
                a.cases,
                a.top1_rate() * 100.0,
                a.top1,
                a.top3_rate() * 100.0,
                a.top3
            );
        }
        let _ = writeln!(
            s,
            "以往交办半内调参（其中一半作以往交办、另一半评估）选出：近邻 {} 个，以往交办 {} 条时与职责清单各占一半",
            self.tuned.neighbours, self.tuned.past_half_weight
        );
        let _ = writeln!(s);
        let shown: Vec<String> = self
            .units
            .iter()
            .take(12)
            .map(|(u, n)| format!("{u} {n}"))
            .collect();
        let _ = writeln!(s, "承办单位分布（前12）：{}", shown.join("、"));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn auc_by_hand() {
        // Pairs (p, n): 0.9 beats all three; 0.5 beats 0.1, ties 0.5, loses to 0.7;
        // 0.1 ties 0.1 → (3 + 1.5 + 0.5) / 9 = 5/9.
        let auc = roc_auc(&[0.9, 0.5, 0.1], &[0.1, 0.5, 0.7]).expect("auc");
        assert!((auc - 5.0 / 9.0).abs() < 1e-12, "{auc}");
        assert_eq!(roc_auc(&[1.0], &[0.0]), Some(1.0));
        assert_eq!(roc_auc(&[0.0], &[1.0]), Some(0.0));
        assert_eq!(roc_auc(&[0.3, 0.3], &[0.3]), Some(0.5));
        assert_eq!(roc_auc(&[], &[0.1]), None);
        assert_eq!(roc_auc(&[f32::NAN], &[0.1]), None);
    }

    #[test]
    fn halves_are_seeded_and_disjoint() {
        let (a, b) = seeded_halves(11, 7);
        assert_eq!(a.len(), 5);
        assert_eq!(b.len(), 6);
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..11).collect::<Vec<_>>());
        assert_eq!(seeded_halves(11, 7), (a, b));
        assert_eq!(seeded_halves(0, 1), (vec![], vec![]));
        assert_eq!(share_below(&[0.1, 0.5], 0.2), 0.5);
    }

    #[test]
    fn replies_evaluate_on_tiny_data() {
        let case = |id: &str, topic: &str, terms: &str, reply: &str| ReplyCase {
            id: id.into(),
            topic: topic.into(),
            terms: t(terms),
            reply_text: reply.replace(' ', ""),
            reply_terms: t(reply),
        };
        let cases = vec![
            case("1", "土地用地", "厂房 用地", "您好 厂房 用地 已 安排"),
            case("2", "土地用地", "土地 出让", "您好 土地 出让 按 规定"),
            case("3", "金融信贷", "贷款 利率", "您好 贷款 利率 下调"),
            case("4", "金融信贷", "担保 费用", "您好 担保 费用 减免"),
            case("5", "税费", "发票 开具", "您好 发票 开具 已 办理"),
            case("6", "税费", "退税 进度", "您好 退税 进度 加快"),
        ];
        let e = evaluate_replies(&cases, 3);
        assert_eq!(e.dev + e.test, 6);
        let cov = &e.methods[0];
        // Every own reply covers its message fully, no other reply shares a word: AUC 1.
        for f in cov.dev.iter().chain(&cov.test) {
            if f.pairs > 0 {
                assert_eq!(f.auc, Some(1.0), "{f:?}");
            }
        }
        assert_eq!(cov.own_flagged_test, 0.0);
        assert_eq!(e, evaluate_replies(&cases, 3));
        assert!(e.render().contains("AUC"));
    }

    #[test]
    fn routing_evaluates_on_tiny_data() {
        let duties = DutyList::shipped().expect("list");
        let cases: Vec<RoutingCase> = (0..10)
            .map(|i| RoutingCase {
                topic: "土地用地".into(),
                terms: t(if i % 2 == 0 {
                    "工业 用地"
                } else {
                    "学校 入学"
                }),
                unit: if i % 2 == 0 {
                    "A市自然资源和规划局".into()
                } else {
                    "A2区教育局".into()
                },
            })
            .collect();
        let e = evaluate_routing(&duties, &cases, 5);
        assert_eq!(e.train + e.test, 10);
        assert_eq!(e.duty_all.cases, 10);
        assert_eq!(e.duty_all.top3, 10);
        assert_eq!(e.with_past_test.top1, e.test);
        assert!(e.render().contains("前3位命中"));
    }
}
