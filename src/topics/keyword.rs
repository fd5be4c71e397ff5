//! Keyword topics: each distinct seed term found adds its weight (core 2, related 1) to its topic.
//! A topic is given when one of its core terms occurs (or three related ones do) and its score
//! reaches 70% of the best topic's: related terms (手续, 订单, 园区) only support, so a passing
//! mention does not add a second topic. The fallback topic (其他) may have terms of its own
//! (noise, pollution, illegal building: what no other topic owns); it is then given only alone,
//! when it scores best, never beside another topic.

use super::{FeatureInput, Taxonomy, TopicAssigner, TopicAssignment, TopicMethod};
use crate::vectors::StrMap;

const CORE_WEIGHT: f32 = 2.0;
const RELATED_WEIGHT: f32 = 1.0;
/// The least score that assigns a topic with a core term.
const MIN_SCORE: f32 = 2.0;
/// Without a core term, this many related terms' worth is needed.
const RELATED_ONLY_MIN: f32 = 3.0;
/// A further topic needs this share of the best topic's score.
const RELATIVE_MIN: f32 = 0.7;
const MAX_TOPICS: usize = 3;
const TITLE_FACTOR: f32 = 2.0;

/// Assigns topics from the taxonomy's seed terms.
pub struct KeywordAssigner {
    names: Vec<String>,
    fallback: String,
    fallback_index: usize,
    /// term → (topic index, weight); every word of every text is looked up.
    weights: StrMap<Vec<(usize, f32)>>,
}

impl KeywordAssigner {
    pub fn new(taxonomy: &Taxonomy) -> Self {
        // Every word of every text is looked up; few start as a topic term does.
        let mut weights: StrMap<Vec<(usize, f32)>> = StrMap::new().screened();
        for (i, topic) in taxonomy.topics.iter().enumerate() {
            let terms = topic
                .core
                .iter()
                .map(|t| (t, CORE_WEIGHT))
                .chain(topic.related.iter().map(|t| (t, RELATED_WEIGHT)));
            for (term, w) in terms {
                weights
                    .get_or_insert_with(&term.to_lowercase(), Vec::new)
                    .push((i, w));
            }
        }
        KeywordAssigner {
            names: taxonomy.topics.iter().map(|t| t.name.clone()).collect(),
            fallback: taxonomy.fallback().name.clone(),
            fallback_index: taxonomy
                .topics
                .iter()
                .position(|t| t.fallback)
                .unwrap_or(usize::MAX),
            weights,
        }
    }
}

impl TopicAssigner for KeywordAssigner {
    fn assign(&self, doc: &FeatureInput) -> Vec<TopicAssignment> {
        // A term in the title counts double: a title states the subject.
        let words = (doc.title_words.iter().map(|w| (w, TITLE_FACTOR)))
            .chain(doc.text_words.iter().map(|w| (w, 1.0)));
        let mut scores = vec![0f32; self.names.len()];
        let mut has_core = vec![false; self.names.len()];
        let mut terms: Vec<Vec<String>> = vec![Vec::new(); self.names.len()];
        for (word, factor) in words {
            for &(topic, weight) in self.weights.get(word).into_iter().flatten() {
                if !terms[topic].iter().any(|t| t == word) {
                    terms[topic].push(word.to_string());
                    scores[topic] += weight * factor;
                    has_core[topic] |= weight >= CORE_WEIGHT;
                }
            }
        }
        let best = scores.iter().cloned().fold(0f32, f32::max);
        let mut chosen: Vec<usize> = (0..scores.len())
            .filter(|&i| {
                let enough = if has_core[i] {
                    MIN_SCORE
                } else {
                    RELATED_ONLY_MIN
                };
                scores[i] >= enough && scores[i] >= RELATIVE_MIN * best
            })
            .collect();
        chosen.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        if chosen.first() == Some(&self.fallback_index) {
            chosen.truncate(1);
        } else {
            chosen.retain(|&i| i != self.fallback_index);
        }
        chosen.truncate(MAX_TOPICS);
        if chosen.is_empty() {
            // Confidence in "other" falls as partial evidence for a real topic grows.
            return vec![TopicAssignment {
                topic: self.fallback.clone(),
                score: 0.0,
                confidence: 1.0 - confidence(best),
                terms: Vec::new(),
                method: TopicMethod::Keyword,
            }];
        }
        chosen
            .into_iter()
            .map(|i| TopicAssignment {
                topic: self.names[i].clone(),
                score: scores[i],
                confidence: confidence(scores[i]),
                terms: std::mem::take(&mut terms[i]),
                method: TopicMethod::Keyword,
            })
            .collect()
    }
}

/// Saturating map from score to 0..1: one core term ≈ 0.63, two ≈ 0.86.
fn confidence(score: f32) -> f32 {
    1.0 - (-score / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::Terms;

    fn assigner() -> KeywordAssigner {
        let toml = r#"
[[topic]]
id = "financing"
name = "金融信贷"
core = ["贷款", "融资"]
related = ["银行", "利率"]
[[topic]]
id = "land"
name = "土地用地"
core = ["用地", "厂房"]
related = ["租金"]
[[topic]]
id = "other"
name = "其他"
fallback = true
core = ["扰民"]
related = ["噪音"]
"#;
        KeywordAssigner::new(&Taxonomy::parse(toml, "t").unwrap())
    }

    /// Assigns topics to space-separated words.
    fn assign(a: &KeywordAssigner, s: &str) -> Vec<TopicAssignment> {
        let words: Terms = s.split(' ').collect();
        a.assign(&FeatureInput {
            title_words: &Terms::new(),
            text_words: &words,
            text: s,
        })
    }

    #[test]
    fn core_term_assigns_with_reason() {
        let a = assign(&assigner(), "银行 贷款 难");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].topic, "金融信贷");
        assert_eq!(a[0].score, 3.0);
        assert_eq!(a[0].terms, vec!["银行", "贷款"]);
    }

    #[test]
    fn second_topic_needs_real_weight() {
        let two = assign(&assigner(), "厂房 抵押 贷款");
        assert_eq!(
            two.iter().map(|t| t.topic.as_str()).collect::<Vec<_>>(),
            vec!["金融信贷", "土地用地"]
        );
        let one = assign(&assigner(), "贷款 融资 银行 租金");
        // two related terms make a score of 2 but no core term: no second topic
        assert_eq!(one[0].topic, "金融信贷");
        assert_eq!(one.len(), 1, "{one:?}");
    }

    #[test]
    fn fallback_terms_win_alone_or_not_at_all() {
        let a = assign(&assigner(), "厂房 扰民 噪音");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].topic, "其他");
        assert_eq!(a[0].terms, vec!["扰民", "噪音"]);
        let b = assign(&assigner(), "贷款 融资 扰民");
        assert_eq!(
            b.iter().map(|t| t.topic.as_str()).collect::<Vec<_>>(),
            vec!["金融信贷"]
        );
    }

    #[test]
    fn nothing_fits_gives_fallback() {
        let a = assign(&assigner(), "食堂 饭菜");
        assert_eq!(a[0].topic, "其他");
        assert!(a[0].terms.is_empty());
        // two related terms alone are not enough
        assert_eq!(assign(&assigner(), "利率 银行")[0].topic, "其他");
    }
}
