//! Topics: assigns each item one or more topics of a taxonomy (金融信贷, 物流运输, …), each with a
//! score, a confidence and the terms that decided it. [`TopicAssigner`] is the stage's interface;
//! [`KeywordAssigner`] implements it from the weighted seed terms of `dicts/topics.toml`.

mod keyword;
mod taxonomy;

pub use keyword::KeywordAssigner;
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
    /// The words of the item that decided it.
    pub terms: Vec<String>,
}

/// Gives topics to an item from its words (surface words, stop words removed).
pub trait TopicAssigner: Send + Sync {
    /// Topics, best first; never empty (the taxonomy's fallback topic when nothing fits).
    fn assign(&self, words: &[String]) -> Vec<TopicAssignment>;
}
