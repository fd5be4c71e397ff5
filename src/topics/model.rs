//! A learned topic model: feature space + one-vs-rest SVM + class names, trained from labelled
//! history, saved as JSON, and used as a [`TopicAssigner`]. Also stratified K-fold
//! cross-validation, so a model's quality can be measured on the file it would learn from.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::features::{FeatureConfig, FeatureInput, FeatureSpace};
use super::linear::{LinearSvm, SvmConfig};
use super::{TopicAssigner, TopicAssignment, TopicMethod};
use crate::progress::Timing;
use crate::vectors::SparseVec;
use crate::{Error, Result};

const FORMAT: &str = "qingdan-topic-model-1";
/// How [`TopicModel::to_bytes`] begins.
const BINARY_MAGIC: &[u8; 8] = b"QDTM1bin";
/// Besides the best class, a class is assigned when its decision value is positive (its own
/// classifier says yes) and within this margin of the best.
const SECOND_TOPIC_MARGIN: f32 = 0.5;
const MAX_TOPICS: usize = 3;
const EXPLAIN_FEATURES: usize = 5;

/// How a model is trained: its features and its classifier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub svm: SvmConfig,
    pub features: FeatureConfig,
}

impl ModelConfig {
    /// What models were trained with before NB scaling and the tuned features (a stored model
    /// without its settings was trained with these; the keyword self-training keeps its SVM).
    pub fn legacy() -> Self {
        ModelConfig {
            svm: SvmConfig {
                nb_scale: false,
                ..SvmConfig::default()
            },
            features: FeatureConfig::legacy(),
        }
    }
}

/// What [`TopicModel::to_bytes`] stores of the configuration: the SVM's fields, and the
/// features (absent from models stored before they were configurable).
#[derive(Serialize, Deserialize)]
struct StoredConfig {
    #[serde(flatten)]
    svm: SvmConfig,
    #[serde(default = "FeatureConfig::legacy")]
    features: FeatureConfig,
}

/// One labelled training document.
#[derive(Debug, Clone)]
pub struct LabelledDoc<'a> {
    pub input: FeatureInput<'a>,
    pub labels: Vec<String>,
}

/// A trained topic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicModel {
    format: String,
    pub classes: Vec<String>,
    pub space: FeatureSpace,
    pub svm: LinearSvm,
    pub config: SvmConfig,
}

impl TopicModel {
    /// Learns a model. Classes are the labels seen, sorted.
    pub fn train(docs: &[LabelledDoc], config: &ModelConfig) -> Self {
        let mut classes: Vec<String> = docs.iter().flat_map(|d| d.labels.iter().cloned()).collect();
        classes.sort();
        classes.dedup();
        let inputs: Vec<FeatureInput> = docs.iter().map(|d| d.input).collect();
        let t = Timing::start("topics.train.features");
        let (space, xs) = FeatureSpace::fit_documents(&inputs, &config.features);
        drop(t);
        let labels: Vec<Vec<usize>> = docs
            .iter()
            .map(|d| {
                d.labels
                    .iter()
                    .map(|l| classes.binary_search(l).expect("class of a training label"))
                    .collect()
            })
            .collect();
        let t = Timing::start("topics.train.svm");
        let svm = LinearSvm::train(&xs, &labels, classes.len(), space.len(), &config.svm);
        drop(t);
        TopicModel {
            format: FORMAT.into(),
            classes,
            space,
            svm,
            config: config.svm,
        }
    }

    /// Writes the model as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json()).map_err(|e| Error::io(path, e))
    }

    /// Reads a model written by [`TopicModel::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// Whether the weights, biases and idf fit the classes and features: one weight vector and
    /// one bias a class, one weight and one idf a feature (scoring indexes them blindly).
    fn fits(&self) -> bool {
        let (classes, features) = (self.classes.len(), self.space.names.len());
        self.space.idf.len() == features
            && self.svm.bias().len() == classes
            && self.svm.weights().len() == classes
            && self.svm.weights().iter().all(|w| w.len() == features)
    }

    /// The model as JSON (what [`TopicModel::save`] writes).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a model serializes")
    }

    /// A model from [`TopicModel::to_json`]'s bytes; `origin` names it in errors.
    pub fn from_json(bytes: &[u8], origin: &str) -> Result<Self> {
        let bad = |reason: String| Error::Taxonomy {
            file: origin.to_string(),
            reason,
        };
        let mut model: TopicModel = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("不是 qingdan 模型文件: {e}")))?;
        if model.format != FORMAT {
            return Err(bad(format!("模型格式 {} 不受支持", model.format)));
        }
        if !model.fits() {
            let (classes, features) = (model.classes.len(), model.space.names.len());
            return Err(bad(format!(
                "模型数据不完整: {classes}个类别、{features}个特征，权重或偏置的个数与之不符"
            )));
        }
        model.space.index();
        Ok(model)
    }

    /// The model in a compact binary form (numbers as little-endian bytes, not text): what a
    /// workspace stores, a tenth of the JSON's reading time for a model of a million features.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.space.len() * (12 + 4 * self.classes.len()));
        out.extend_from_slice(BINARY_MAGIC);
        let put_str = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        let put_f32s = |out: &mut Vec<u8>, v: &[f32]| {
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            for x in v {
                out.extend_from_slice(&x.to_le_bytes());
            }
        };
        put_str(
            &mut out,
            &serde_json::to_string(&StoredConfig {
                svm: self.config,
                features: self.space.config,
            })
            .expect("config serializes"),
        );
        out.extend_from_slice(&(self.classes.len() as u32).to_le_bytes());
        for c in &self.classes {
            put_str(&mut out, c);
        }
        out.extend_from_slice(&(self.space.names.len() as u32).to_le_bytes());
        for n in &self.space.names {
            put_str(&mut out, n);
        }
        put_f32s(&mut out, &self.space.idf);
        for w in self.svm.weights() {
            put_f32s(&mut out, w);
        }
        put_f32s(&mut out, self.svm.bias());
        out
    }

    /// A model from [`TopicModel::to_bytes`]; `origin` names it in errors.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self> {
        let parsed = (|| -> Option<TopicModel> {
            let mut rd = ByteReader(bytes.strip_prefix(BINARY_MAGIC.as_slice())?);
            let stored: StoredConfig = serde_json::from_str(&rd.string()?).ok()?;
            let classes = (0..rd.u32()?)
                .map(|_| rd.string())
                .collect::<Option<Vec<_>>>()?;
            let n = rd.u32()?;
            let mut names = Vec::with_capacity(n.min(rd.0.len()));
            for _ in 0..n {
                names.push(rd.string()?);
            }
            let idf = rd.f32s()?;
            let weights = (0..classes.len())
                .map(|_| rd.f32s())
                .collect::<Option<Vec<_>>>()?;
            let bias = rd.f32s()?;
            let model = TopicModel {
                format: FORMAT.into(),
                classes,
                space: FeatureSpace::with_names(names, idf, stored.features),
                svm: LinearSvm::new(weights, bias),
                config: stored.svm,
            };
            (rd.0.is_empty() && model.fits()).then_some(model)
        })();
        parsed.ok_or_else(|| Error::Taxonomy {
            file: origin.to_string(),
            reason: "模型数据损坏".into(),
        })
    }

    /// Decision values per class.
    pub fn scores(&self, input: &FeatureInput) -> Vec<f32> {
        self.svm.scores(&self.space.vector_of(input))
    }
}

impl TopicModel {
    /// The topics [`TopicAssigner::assign`] gives a document, only those of at least
    /// `min_confidence`: the others' explaining features are never looked for.
    pub fn assign_confident(
        &self,
        doc: &FeatureInput,
        min_confidence: f32,
    ) -> Vec<TopicAssignment> {
        let x = self.space.vector_of(doc);
        self.assign_scored(&x, &self.svm.scores(&x), min_confidence)
    }

    /// The topics of a document given its vector and its decision values per class, those of
    /// at least `min_confidence` (confidence grows with the score, so they lead the order).
    fn assign_scored(
        &self,
        x: &SparseVec,
        scores: &[f32],
        min_confidence: f32,
    ) -> Vec<TopicAssignment> {
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let best = scores[order[0]];
        order
            .into_iter()
            .enumerate()
            .filter(|&(rank, k)| {
                rank == 0 || (scores[k] > 0.0 && best - scores[k] <= SECOND_TOPIC_MARGIN)
            })
            .take(MAX_TOPICS)
            .filter(|&(_, k)| sigmoid(2.0 * scores[k]) >= min_confidence)
            .map(|(_, k)| TopicAssignment {
                topic: self.classes[k].clone(),
                score: scores[k],
                confidence: sigmoid(2.0 * scores[k]),
                terms: self
                    .svm
                    .top_features(x, k, EXPLAIN_FEATURES)
                    .into_iter()
                    .map(|(f, _)| self.space.display(f))
                    .collect(),
                method: TopicMethod::Model,
            })
            .collect()
    }
}

impl TopicAssigner for TopicModel {
    fn assign(&self, doc: &FeatureInput) -> Vec<TopicAssignment> {
        // The vector once: building it is most of the work.
        let x = self.space.vector_of(doc);
        self.assign_scored(&x, &self.svm.scores(&x), f32::NEG_INFINITY)
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Stratified K-fold assignment: each class's documents (by their first label, in input order
/// shuffled with a fixed seed) are dealt round-robin to the folds.
pub fn stratified_folds(first_labels: &[&str], k: usize, seed: u64) -> Vec<usize> {
    let mut by_class: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, l) in first_labels.iter().enumerate() {
        by_class.entry(l).or_default().push(i);
    }
    let mut fold = vec![0; first_labels.len()];
    let mut rng = seed | 1;
    let mut next = 0;
    for members in by_class.values_mut() {
        for i in (1..members.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            members.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        for &m in members.iter() {
            fold[m] = next % k;
            next += 1;
        }
    }
    fold
}

/// Trains on K−1 folds and predicts the held-out fold, K times: every document gets a prediction
/// from a model that never saw it.
pub fn cross_validate(
    docs: &[LabelledDoc],
    k: usize,
    config: &ModelConfig,
) -> Vec<Vec<TopicAssignment>> {
    let first: Vec<&str> = docs.iter().map(|d| d.labels[0].as_str()).collect();
    let folds = stratified_folds(&first, k, config.svm.seed);
    let mut predictions = vec![Vec::new(); docs.len()];
    for f in 0..k {
        let train: Vec<LabelledDoc> = docs
            .iter()
            .zip(&folds)
            .filter(|(_, g)| **g != f)
            .map(|(d, _)| d.clone())
            .collect();
        let model = TopicModel::train(&train, config);
        for (i, d) in docs.iter().enumerate().filter(|(i, _)| folds[*i] == f) {
            predictions[i] = model.assign(&d.input);
        }
    }
    predictions
}

/// Reads [`TopicModel::to_bytes`]'s fields; `None` past the end.
struct ByteReader<'a>(&'a [u8]);

impl<'a> ByteReader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        (self.0.len() >= n).then(|| {
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            head
        })
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.u32()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn f32s(&mut self) -> Option<Vec<f32>> {
        let n = self.u32()?;
        let raw = self.take(n.checked_mul(4)?)?;
        Some(
            raw.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::Terms;

    fn w(s: &str) -> Terms {
        s.split(' ').collect()
    }

    #[test]
    fn folds_are_stratified_and_deterministic() {
        let labels: Vec<&str> = (0..30)
            .map(|i| if i % 3 == 0 { "甲" } else { "乙" })
            .collect();
        let f = stratified_folds(&labels, 5, 7);
        assert_eq!(f, stratified_folds(&labels, 5, 7));
        for fold in 0..5 {
            let jia = (0..30)
                .filter(|&i| f[i] == fold && labels[i] == "甲")
                .count();
            assert_eq!(jia, 2, "10 甲 over 5 folds");
        }
    }

    #[test]
    fn saved_model_reloads_and_predicts_the_same() {
        let texts = [
            ("贷款 利率 银行", "金融"),
            ("招工 工人 工资", "用工"),
            ("贷款 抵押 银行", "金融"),
            ("招工 技工 培训", "用工"),
        ];
        let words: Vec<Terms> = texts.iter().map(|(t, _)| w(t)).collect();
        let none = Terms::new();
        let docs: Vec<LabelledDoc> = texts
            .iter()
            .zip(&words)
            .map(|((t, l), ws)| LabelledDoc {
                input: FeatureInput {
                    title_words: &none,
                    text_words: ws,
                    text: t,
                },
                labels: vec![l.to_string()],
            })
            .collect();
        let model = TopicModel::train(&docs, &ModelConfig::default());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        model.save(&path).unwrap();
        let back = TopicModel::load(&path).unwrap();
        let q = w("银行 贷款 难");
        let input = FeatureInput {
            title_words: &none,
            text_words: &q,
            text: "银行贷款难",
        };
        assert_eq!(model.assign(&input), back.assign(&input));
        assert_eq!(back.assign(&input)[0].topic, "金融");
        assert!(TopicModel::load(&dir.path().join("none.json")).is_err());
        std::fs::write(&path, b"{}").unwrap();
        assert!(TopicModel::load(&path).is_err());
        // The binary form a workspace stores gives the same model, and refuses damage.
        let bytes = model.to_bytes();
        let from_bytes = TopicModel::from_bytes(&bytes, "m").unwrap();
        assert_eq!(from_bytes, model);
        assert_eq!(from_bytes.assign(&input), model.assign(&input));
        assert!(TopicModel::from_bytes(&bytes[..bytes.len() - 1], "m").is_err());
        assert!(TopicModel::from_bytes(b"QDTM1bin", "m").is_err());
        // A model stored before features were configurable is read with the features it was
        // trained with.
        let mut old: serde_json::Value = serde_json::from_slice(&model.to_json()).unwrap();
        old["space"].as_object_mut().unwrap().remove("config");
        old["config"].as_object_mut().unwrap().remove("nb_scale");
        let old = TopicModel::from_json(&serde_json::to_vec(&old).unwrap(), "old").unwrap();
        assert_eq!(old.space.config, FeatureConfig::legacy());
        assert!(!old.config.nb_scale);
        // A model file whose weights do not fit its features is refused, not scored.
        let mut short: serde_json::Value = serde_json::from_slice(&model.to_json()).unwrap();
        short["svm"]["weights"][1]
            .as_array_mut()
            .unwrap()
            .push(1.0.into());
        let err = TopicModel::from_json(&serde_json::to_vec(&short).unwrap(), "short.json");
        assert!(err.unwrap_err().to_string().contains("模型数据不完整"));
    }
}
