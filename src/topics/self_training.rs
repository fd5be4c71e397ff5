//! Self-training for the keyword taxonomy: items with no seed term would all be 其他. Within a
//! batch, the items the keywords place confidently teach a linear model (the same one `train`
//! fits) what each topic's texts look like; it then labels the unseeded items it is sure about.
//! Only items that would otherwise be 其他 change, and they are marked 自训练.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::features::{FeatureConfig, FeatureInput};
use super::model::{LabelledDoc, ModelConfig, TopicModel};
use super::{TopicAssignment, TopicMethod};
use crate::segment::Terms;

/// When and how self-training runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfTraining {
    /// Keyword confidence an item needs to teach (0.86 ≈ two core terms).
    pub min_teacher_confidence: f32,
    /// Fewer teachers than this: no self-training (the batch is too small to learn from).
    pub min_teachers: usize,
    /// At most this many teachers, the most confident of each topic, to bound the cost.
    pub max_teachers: usize,
    /// The model's confidence needed to take an unseeded item out of 其他.
    pub min_confidence: f32,
    pub model: ModelConfig,
}

impl Default for SelfTraining {
    fn default() -> Self {
        SelfTraining {
            min_teacher_confidence: 0.86,
            min_teachers: 40,
            max_teachers: 4000,
            min_confidence: 0.75,
            // The features cross-validation chose for learned topics (character 1–2-grams,
            // min df 3, titles ×3) with the plain classifier: fitted in about half the time
            // of the older features, and no worse on real messages (see the README).
            model: ModelConfig {
                svm: ModelConfig::legacy().svm,
                features: FeatureConfig::default(),
            },
        }
    }
}

/// An item's words and text, as [`FeatureInput`] borrows them.
pub type OwnedInput = (Terms, Terms, String);

fn input(o: &OwnedInput) -> FeatureInput<'_> {
    FeatureInput {
        title_words: &o.0,
        text_words: &o.1,
        text: &o.2,
    }
}

/// Whether an item's topics are only the fallback (no seed term placed it).
pub fn is_unseeded(assigned: &[TopicAssignment], fallback: &str) -> bool {
    // A fallback given for its own terms (噪音, 违建) was placed, not left over.
    assigned
        .first()
        .is_none_or(|t| t.topic == fallback && t.terms.is_empty())
}

/// The positions of the items whose topics are only the fallback ([`is_unseeded`]), in order:
/// those self-training may relabel.
pub fn unseeded(assigned: &[Vec<TopicAssignment>], fallback: &str) -> Vec<usize> {
    (0..assigned.len())
        .filter(|&i| is_unseeded(&assigned[i], fallback))
        .collect()
}

/// The items confident enough to teach, by topic (in index order).
fn eligible<'a>(
    assigned: &'a [Vec<TopicAssignment>],
    fallback: &str,
    config: &SelfTraining,
) -> BTreeMap<&'a str, Vec<usize>> {
    let mut by_topic: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in assigned.iter().enumerate() {
        if !is_unseeded(a, fallback) && a[0].confidence >= config.min_teacher_confidence {
            by_topic.entry(a[0].topic.as_str()).or_default().push(i);
        }
    }
    by_topic
}

/// How many items are confident enough to teach.
pub fn eligible_teachers(
    assigned: &[Vec<TopicAssignment>],
    fallback: &str,
    config: &SelfTraining,
) -> usize {
    eligible(assigned, fallback, config)
        .values()
        .map(Vec::len)
        .sum()
}

/// Fits the self-trained model on the most confident items of each topic; `None` when there
/// are too few teachers (or fewer than two topics) to learn from. `words_of(i)` gives item
/// `i`'s title words, text words and normalized text; it is called for the teachers only.
pub fn fit_self_model<F>(
    assigned: &[Vec<TopicAssignment>],
    fallback: &str,
    config: &SelfTraining,
    words_of: F,
) -> Option<TopicModel>
where
    F: Fn(usize) -> OwnedInput + Sync,
{
    let mut by_topic = eligible(assigned, fallback, config);
    let teachers_total: usize = by_topic.values().map(Vec::len).sum();
    if by_topic.len() < 2 || teachers_total < config.min_teachers {
        return None;
    }
    let per_topic = (config.max_teachers / by_topic.len()).max(1);
    let mut teachers: Vec<usize> = Vec::new();
    for members in by_topic.values_mut() {
        members.sort_by(|&a, &b| {
            assigned[b][0]
                .confidence
                .total_cmp(&assigned[a][0].confidence)
                .then(a.cmp(&b))
        });
        teachers.extend(members.iter().take(per_topic));
    }
    teachers.sort_unstable();
    let teacher_words: Vec<OwnedInput> = teachers.par_iter().map(|&i| words_of(i)).collect();
    let docs: Vec<LabelledDoc> = teachers
        .iter()
        .zip(&teacher_words)
        .map(|(&i, o)| LabelledDoc {
            input: input(o),
            labels: assigned[i].iter().map(|t| t.topic.clone()).collect(),
        })
        .collect();
    Some(TopicModel::train(&docs, &config.model))
}

/// The topics a fitted self-trained model gives the `unseeded` items it is sure about, as
/// (item, topics) pairs; the others stay with the fallback.
pub fn relabel_with<F>(
    model: &TopicModel,
    config: &SelfTraining,
    unseeded: &[usize],
    words_of: F,
) -> Vec<(usize, Vec<TopicAssignment>)>
where
    F: Fn(usize) -> OwnedInput + Sync,
{
    // Each item's words only while it is labelled: at a million items, all of them at once
    // would take gigabytes.
    unseeded
        .par_iter()
        .filter_map(|&i| {
            let topics: Vec<TopicAssignment> = model
                .assign_confident(&input(&words_of(i)), config.min_confidence)
                .into_iter()
                .map(|t| TopicAssignment {
                    method: TopicMethod::SelfTrained,
                    ..t
                })
                .collect();
            (!topics.is_empty()).then_some((i, topics))
        })
        .collect()
}

/// Relabels the items whose only topic is `fallback`; returns how many changed. `words_of(i)`
/// gives item `i`'s title words, text words and normalized text: it is called only for the
/// teachers and the unseeded items, so a large batch need not keep every item's words.
pub fn relabel_unseeded<F>(
    assigned: &mut [Vec<TopicAssignment>],
    fallback: &str,
    config: &SelfTraining,
    words_of: F,
) -> usize
where
    F: Fn(usize) -> OwnedInput + Sync,
{
    let unseeded = unseeded(assigned, fallback);
    if unseeded.is_empty() {
        return 0;
    }
    let Some(model) = fit_self_model(assigned, fallback, config, &words_of) else {
        return 0;
    };
    let relabelled = relabel_with(&model, config, &unseeded, &words_of);
    let changed = relabelled.len();
    for (i, topics) in relabelled {
        assigned[i] = topics;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(topic: &str, confidence: f32) -> Vec<TopicAssignment> {
        vec![TopicAssignment {
            topic: topic.into(),
            score: 4.0,
            confidence,
            terms: vec![],
            method: TopicMethod::Keyword,
        }]
    }

    fn owned(words: &str) -> OwnedInput {
        let w = words.split(' ').collect();
        (Terms::new(), w, words.replace(' ', ""))
    }

    #[test]
    fn unseeded_items_learn_from_seeded_ones() {
        let mut texts: Vec<OwnedInput> = Vec::new();
        let mut assigned: Vec<Vec<TopicAssignment>> = Vec::new();
        for i in 0..60 {
            let (words, topic) = if i % 2 == 0 {
                ("银行 贷款 抵押 利息", "金融")
            } else {
                ("货车 限行 通行证 物流", "物流")
            };
            texts.push(owned(words));
            assigned.push(kw(topic, 0.9));
        }
        // Two unseeded items: their words overlap the topics' texts but carry no seed term.
        texts.push(owned("银行 利息 抵押"));
        texts.push(owned("货车 通行证 限行"));
        assigned.push(kw("其他", 1.0));
        assigned.push(kw("其他", 1.0));
        let config = SelfTraining::default();
        let changed = relabel_unseeded(&mut assigned, "其他", &config, |i| texts[i].clone());
        assert_eq!(changed, 2);
        assert_eq!(assigned[60][0].topic, "金融");
        assert_eq!(assigned[61][0].topic, "物流");
        assert_eq!(assigned[61][0].method, TopicMethod::SelfTrained);
        assert!(
            !assigned[61][0].terms.is_empty(),
            "the features that decided it are kept"
        );
        assert_eq!(
            assigned[0][0].method,
            TopicMethod::Keyword,
            "seeded items are left alone"
        );
    }

    #[test]
    fn too_few_teachers_changes_nothing() {
        let mut assigned = vec![kw("金融", 0.9), kw("物流", 0.9), kw("其他", 1.0)];
        let config = SelfTraining::default();
        assert_eq!(
            relabel_unseeded(&mut assigned, "其他", &config, |_| owned("贷款")),
            0
        );
        assert_eq!(assigned[2][0].topic, "其他");
    }
}
