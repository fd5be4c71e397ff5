//! Training and measuring topic models on labelled history: rows are prepared exactly as `run`
//! prepares items, a model is fitted or cross-validated, and predictions are scored (accuracy,
//! macro-F1, per-class precision/recall/F1, confusion matrix). [`split_halves`] gives the
//! dev/held protocol: tune by cross-validation inside the dev half, check on the held half.

use std::collections::BTreeMap;
use std::fmt::Write;

use rayon::prelude::*;
use serde::Serialize;

use crate::eval::{topic_scores, Prf};
use crate::ingest::LabelledRow;
use crate::pipeline::{Pipeline, Prepared};
use crate::topics::{
    cross_validate, LabelledDoc, ModelConfig, TopicAssigner, TopicAssignment, TopicModel,
};

/// Normalizes and segments labelled rows in parallel, in input order.
pub fn prepare_rows(pipeline: &Pipeline, rows: &[LabelledRow]) -> Vec<Prepared> {
    rows.par_iter()
        .map(|r| pipeline.prepare(&r.title, &r.text))
        .collect()
}

fn docs<'a>(prepared: &'a [Prepared], rows: &[LabelledRow]) -> Vec<LabelledDoc<'a>> {
    prepared
        .iter()
        .zip(rows)
        .map(|(p, r)| LabelledDoc {
            input: p.input(),
            labels: r.labels.clone(),
        })
        .collect()
}

/// Fits a model on all rows.
pub fn train(pipeline: &Pipeline, rows: &[LabelledRow], config: &ModelConfig) -> TopicModel {
    let prepared = prepare_rows(pipeline, rows);
    TopicModel::train(&docs(&prepared, rows), config)
}

/// Predictions of stratified K-fold cross-validation: each row predicted by a model that never saw it.
pub fn cross_validated(
    pipeline: &Pipeline,
    rows: &[LabelledRow],
    folds: usize,
    config: &ModelConfig,
) -> Vec<Vec<TopicAssignment>> {
    let prepared = prepare_rows(pipeline, rows);
    cross_validate(&docs(&prepared, rows), folds, config)
}

/// The dev and held halves of labelled rows (indices): rows sorted by first label, then id
/// (numerically when ids are numbers), dealt alternately, the first to dev. Each half has every
/// class in the same proportion, and the split depends on nothing but the file.
pub fn split_halves(rows: &[LabelledRow]) -> (Vec<usize>, Vec<usize>) {
    let key = |i: usize| {
        let r = &rows[i];
        let number = r.id.parse::<u64>().ok();
        (
            r.labels[0].as_str(),
            number.is_none(),
            number,
            r.id.as_str(),
        )
    };
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
    let dev = order.iter().step_by(2).copied().collect();
    let held = order.iter().skip(1).step_by(2).copied().collect();
    (dev, held)
}

/// The half protocol's two reports: stratified K-fold cross-validation inside the dev half, and
/// a model trained on the dev half predicting the held half.
pub fn evaluate_halves(
    pipeline: &Pipeline,
    rows: &[LabelledRow],
    folds: usize,
    config: &ModelConfig,
) -> (EvalReport, EvalReport) {
    let prepared = prepare_rows(pipeline, rows);
    let all = docs(&prepared, rows);
    let (dev, held) = split_halves(rows);
    let pick =
        |idx: &[usize]| -> Vec<LabelledDoc> { idx.iter().map(|&i| all[i].clone()).collect() };
    let labels = |idx: &[usize]| -> Vec<Vec<String>> {
        idx.iter().map(|&i| rows[i].labels.clone()).collect()
    };
    let dev_docs = pick(&dev);
    let cv = cross_validate(&dev_docs, folds, config);
    let model = TopicModel::train(&dev_docs, config);
    let held_predicted: Vec<Vec<TopicAssignment>> = held
        .par_iter()
        .map(|&i| model.assign(&all[i].input))
        .collect();
    (
        evaluate(
            &format!("开发半{}条内{folds}折分层交叉验证", dev.len()),
            &labels(&dev),
            &cv,
        ),
        evaluate(
            &format!("开发半{}条训练，留出半测试", dev.len()),
            &labels(&held),
            &held_predicted,
        ),
    )
}

/// Predictions of a trained model (or any assigner) for the rows.
pub fn predict(
    pipeline: &Pipeline,
    assigner: &dyn TopicAssigner,
    rows: &[LabelledRow],
) -> Vec<Vec<TopicAssignment>> {
    let prepared = prepare_rows(pipeline, rows);
    prepared
        .par_iter()
        .map(|p| assigner.assign(&p.input()))
        .collect()
}

/// How predictions compare with the labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub method: String,
    pub documents: usize,
    /// Share of rows whose main predicted topic is one of their labels.
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: BTreeMap<String, Prf>,
    /// Row and column names of the confusion matrix (labels, then topics only ever predicted).
    pub classes: Vec<String>,
    /// `confusion[g][p]`: rows whose first label is `classes[g]` and main prediction `classes[p]`.
    pub confusion: Vec<Vec<usize>>,
}

/// Scores predictions against labels. With single labels only the main prediction counts; with
/// several labels per row every predicted topic counts (multi-label F1).
pub fn evaluate(
    method: &str,
    labels: &[Vec<String>],
    predicted: &[Vec<TopicAssignment>],
) -> EvalReport {
    let multi = labels.iter().any(|l| l.len() > 1);
    let key = |i: usize| i.to_string();
    let gold = (0..labels.len())
        .map(|i| (key(i), labels[i].clone()))
        .collect();
    let pred = (0..labels.len())
        .map(|i| {
            let topics = predicted[i].iter().map(|t| t.topic.clone());
            (
                key(i),
                if multi {
                    topics.collect()
                } else {
                    topics.take(1).collect()
                },
            )
        })
        .collect();
    let scores = topic_scores(&gold, &pred);
    let main = |i: usize| predicted[i].first().map(|t| t.topic.as_str()).unwrap_or("");
    let correct = (0..labels.len())
        .filter(|&i| labels[i].iter().any(|l| l == main(i)))
        .count();
    let mut classes: Vec<String> = labels.iter().flatten().cloned().collect();
    classes.sort();
    classes.dedup();
    let mut extra: Vec<String> = (0..labels.len())
        .map(|i| main(i).to_string())
        .filter(|p| !classes.contains(p))
        .collect();
    extra.sort();
    extra.dedup();
    classes.extend(extra);
    let index = |c: &str| classes.iter().position(|x| x == c).expect("class listed");
    let mut confusion = vec![vec![0; classes.len()]; classes.len()];
    for i in 0..labels.len() {
        confusion[index(&labels[i][0])][index(main(i))] += 1;
    }
    EvalReport {
        method: method.to_string(),
        documents: labels.len(),
        accuracy: if labels.is_empty() {
            0.0
        } else {
            correct as f64 / labels.len() as f64
        },
        macro_f1: scores.macro_f1,
        per_class: scores.per_topic,
        classes,
        confusion,
    }
}

impl EvalReport {
    /// The report as text for the terminal.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "评估方式: {}；共{}条", self.method, self.documents);
        let _ = writeln!(
            s,
            "宏平均F1 {:.3}  准确率 {:.3}\n",
            self.macro_f1, self.accuracy
        );
        let _ = writeln!(
            s,
            "{:<12}{:>8}{:>8}{:>8}{:>8}",
            "类别", "精确率", "召回率", "F1", "条数"
        );
        for (c, p) in &self.per_class {
            let _ = writeln!(
                s,
                "{:<12}{:>10.3}{:>10.3}{:>8.3}{:>8}",
                c, p.precision, p.recall, p.f1, p.support
            );
        }
        let _ = writeln!(s, "\n混淆矩阵（行: 标注，列: 预测的主要主题）");
        let short: Vec<String> = self
            .classes
            .iter()
            .map(|c| c.chars().take(4).collect())
            .collect();
        let _ = writeln!(
            s,
            "{:<10}{}",
            "",
            short.iter().map(|c| format!("{c:>6}")).collect::<String>()
        );
        for (g, row) in self.confusion.iter().enumerate() {
            let _ = writeln!(
                s,
                "{:<10}{}",
                short[g],
                row.iter().map(|n| format!("{n:>8}")).collect::<String>()
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(topic: &str) -> TopicAssignment {
        TopicAssignment {
            topic: topic.into(),
            score: 1.0,
            confidence: 0.7,
            terms: vec![],
            method: Default::default(),
        }
    }

    #[test]
    fn halves_alternate_within_each_class_by_numeric_id() {
        let row = |id: &str, label: &str| LabelledRow {
            id: id.into(),
            title: String::new(),
            text: "文本".into(),
            labels: vec![label.into()],
        };
        // 乙: 2 < 10 < 11 numerically (not as text); 甲: 5 < 7.
        let rows = vec![
            row("10", "乙"),
            row("7", "甲"),
            row("2", "乙"),
            row("11", "乙"),
            row("5", "甲"),
        ];
        // Order 乙2 乙10 乙11 甲5 甲7 (labels sort by code point), dealt dev, held, dev, …
        assert_eq!(split_halves(&rows), (vec![2, 3, 1], vec![0, 4]));
    }

    #[test]
    fn arithmetic_on_a_hand_checked_case() {
        // gold: A A B B C; predicted main: A B B B A
        let labels: Vec<Vec<String>> = ["A", "A", "B", "B", "C"]
            .iter()
            .map(|l| vec![l.to_string()])
            .collect();
        let predicted = vec![
            vec![t("A")],
            vec![t("B"), t("C")],
            vec![t("B")],
            vec![t("B")],
            vec![t("A")],
        ];
        let r = evaluate("test", &labels, &predicted);
        assert!((r.accuracy - 0.6).abs() < 1e-9);
        // A: tp1 fp1 fn1 → F1 .5; B: tp2 fp1 fn0 → P 2/3 R 1 F1 .8; C: tp0 fn1 → 0 (the C in row 2
        // is a second topic and single-label scoring counts only the main one)
        assert!((r.per_class["A"].f1 - 0.5).abs() < 1e-9);
        assert!((r.per_class["B"].f1 - 0.8).abs() < 1e-9);
        assert_eq!(r.per_class["C"].f1, 0.0);
        assert!((r.macro_f1 - 1.3 / 3.0).abs() < 1e-9);
        assert_eq!(r.classes, vec!["A", "B", "C"]);
        assert_eq!(
            r.confusion,
            vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 0]]
        );
        assert!(r.render().contains("宏平均F1 0.433"));
    }
}
