//! Topics: assigns each item one or more topics (金融信贷, 物流运输, …), each with a score, a
//! confidence and the terms or features that decided it. [`TopicAssigner`] is the stage's
//! interface; [`KeywordAssigner`] implements it from the weighted seed terms of
//! `dicts/topics.toml`, [`TopicModel`] from labelled history (`qingdan train`).

mod features;
mod keyword;
mod linear;
mod model;
mod self_training;
mod taxonomy;

pub use features::{for_each_feature, raw_features, FeatureConfig, FeatureInput, FeatureSpace};
pub use keyword::KeywordAssigner;
pub use linear::{LinearSvm, SvmConfig};
pub use model::{cross_validate, stratified_folds, LabelledDoc, ModelConfig, TopicModel};
pub use self_training::{
    eligible_teachers, fit_self_model, is_unseeded, relabel_unseeded, relabel_with, unseeded,
    OwnedInput, SelfTraining,
};
pub use taxonomy::{Taxonomy, Topic};

use serde::{Deserialize, Serialize};

/// One topic given to an item, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicAssignment {
    /// The topic's display name (金融信贷).
    pub topic: String,
    pub score: f32,
    /// 0..1: how sure the assigner is.
    pub confidence: f32,
    /// The words (or, for a learned model, the features) of the item that decided it.
    pub terms: Vec<String>,
    #[serde(default)]
    pub method: TopicMethod,
}

/// How a topic was decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopicMethod {
    /// Seed terms of the keyword taxonomy.
    #[default]
    Keyword,
    /// A model trained on labelled history.
    Model,
    /// A model trained on this batch's confidently seeded items, for an item with no seed term.
    SelfTrained,
}

impl TopicMethod {
    /// How reports name it.
    pub fn label(self) -> &'static str {
        match self {
            TopicMethod::Keyword => "关键词",
            TopicMethod::Model => "模型",
            TopicMethod::SelfTrained => "自训练",
        }
    }
}

/// Gives topics to an item from its title and text words (surface words, stop words removed)
/// and its normalized text.
pub trait TopicAssigner: Send + Sync {
    /// Topics, best first; never empty.
    fn assign(&self, doc: &FeatureInput) -> Vec<TopicAssignment>;
}
