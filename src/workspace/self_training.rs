//! Self-training across the workspace. With the keyword taxonomy, items no seed term placed are
//! labelled by a model fitted on the confidently seeded items ([`crate::topics`]). A whole build
//! fits it on every item. An added batch is labelled with the stored model, and the model is
//! fitted again — relabelling every unseeded item of the workspace — only once the items able to
//! teach have grown by a quarter since the last fit: topics stay put between fits, each fit
//! uses the whole workspace, and the number of fits grows with the logarithm of its size.

use crate::pipeline::{AnalyzedItem, Pipeline};
use crate::progress::Timing;
use crate::record::Item;
use crate::store::{Change, ItemRow, Setting, View};
use crate::topics::{
    eligible_teachers, fit_self_model, relabel_with, unseeded, SelfTraining, TopicAssignment,
    TopicMethod, TopicModel,
};
use crate::Result;

/// A new fit once the eligible teachers number this many times those of the last fit.
const REFIT_GROWTH: f64 = 1.25;

/// The stored self-trained model and the number of eligible teachers it was fitted with.
pub(super) struct SelfModel {
    pub model: Option<TopicModel>,
    pub teachers: u64,
}

impl SelfModel {
    pub fn load(view: &View) -> Result<Self> {
        let model = match view.setting(Setting::SelfModel)? {
            Some(bytes) => Some(TopicModel::from_bytes(&bytes, "工作目录的自训练模型")?),
            None => None,
        };
        Ok(SelfModel {
            model,
            teachers: view.setting_number(Setting::SelfTeachers)?,
        })
    }

    pub fn save(&self, change: &Change) -> Result<()> {
        match &self.model {
            Some(m) => change.set_setting(Setting::SelfModel, &m.to_bytes())?,
            None => change.remove_setting(Setting::SelfModel)?,
        }
        change.set_setting(Setting::SelfTeachers, self.teachers.to_string().as_bytes())
    }

    /// Whether `eligible` teachers call for a new fit.
    fn due(&self, eligible: usize) -> bool {
        match self.model {
            None => true,
            Some(_) => eligible as f64 >= REFIT_GROWTH * self.teachers as f64,
        }
    }
}

/// The self-training configuration and fallback topic of a pipeline using the keyword
/// taxonomy; `None` with a learned model (which places every item itself).
fn config(pipeline: &Pipeline) -> Option<(&str, &SelfTraining)> {
    pipeline
        .self_training
        .as_ref()
        .map(|(fallback, c)| (fallback.as_str(), c))
}

/// Whole build: fits on every item and relabels the unseeded ones, as [`Pipeline::analyze`]
/// does for a batch. The items' topics are `assigned`, taken out of them
/// ([`crate::pipeline::take_topics`]): the items are only read, so the merge can read them
/// meanwhile. Returns the model to store and the topics to put back.
pub(super) fn train_all(
    pipeline: &Pipeline,
    items: &[AnalyzedItem],
    mut assigned: Vec<Vec<TopicAssignment>>,
) -> (SelfModel, Vec<Vec<TopicAssignment>>) {
    let Some((fallback, config)) = config(pipeline) else {
        let none = SelfModel {
            model: None,
            teachers: 0,
        };
        return (none, assigned);
    };
    let eligible = eligible_teachers(&assigned, fallback, config);
    let words_of = |i: usize| pipeline.words_of_analysed(&items[i]);
    let fit = Timing::start("build.self_training.fit");
    let model = fit_self_model(&assigned, fallback, config, words_of);
    drop(fit);
    if let Some(model) = &model {
        let _relabel = Timing::start("build.self_training.relabel");
        let unseeded = unseeded(&assigned, fallback);
        for (i, topics) in relabel_with(model, config, &unseeded, words_of) {
            assigned[i] = topics;
        }
    }
    let model = SelfModel {
        model,
        teachers: eligible as u64,
    };
    (model, assigned)
}

/// A stored item as self-training sees it.
pub(super) struct StoredTopics {
    pub item: Item,
    pub topics: Vec<TopicAssignment>,
}

/// What an added batch does to topics.
pub(super) struct BatchTopics {
    /// Stored items whose topics a new fit changed: (id, new topics).
    pub retopiced: Vec<(String, Vec<TopicAssignment>)>,
    /// The model to store, when it was fitted again.
    pub refitted: Option<SelfModel>,
}

/// Labels the unseeded items of an added batch (`new`, keyword topics only), fitting the model
/// again over the whole workspace when it is due. `stored` is every stored item in workspace
/// order except those the batch replaces; `new` follows them in the workspace's order.
pub(super) fn label_batch(
    pipeline: &Pipeline,
    own: &SelfModel,
    stored: impl FnOnce() -> Result<Vec<StoredTopics>>,
    eligible_stored: usize,
    new: &mut [AnalyzedItem],
) -> Result<BatchTopics> {
    let none = BatchTopics {
        retopiced: Vec::new(),
        refitted: None,
    };
    let Some((fallback, config)) = config(pipeline) else {
        return Ok(none);
    };
    let new_assigned: Vec<Vec<TopicAssignment>> = new.iter().map(|a| a.topics.clone()).collect();
    let eligible = eligible_stored + eligible_teachers(&new_assigned, fallback, config);
    if !own.due(eligible) {
        let model = own.model.as_ref().expect("a model when no fit is due");
        let unseeded = unseeded(&new_assigned, fallback);
        for (i, topics) in relabel_with(model, config, &unseeded, |i| {
            pipeline.words_of_analysed(&new[i])
        }) {
            new[i].topics = topics;
        }
        return Ok(none);
    }
    // A fit over the whole workspace: stored self-trained items count as unseeded again.
    let stored = stored()?;
    let mut assigned: Vec<Vec<TopicAssignment>> =
        stored.iter().map(|s| keyword_view(&s.topics)).collect();
    assigned.extend(new_assigned);
    let n_stored = stored.len();
    let words_of = |i: usize| {
        if i < n_stored {
            pipeline.words_of(&stored[i].item.title, &stored[i].item.text)
        } else {
            pipeline.words_of_analysed(&new[i - n_stored])
        }
    };
    let Some(model) = fit_self_model(&assigned, fallback, config, words_of) else {
        return Ok(BatchTopics {
            retopiced: Vec::new(),
            refitted: Some(SelfModel {
                model: None,
                teachers: eligible as u64,
            }),
        });
    };
    let unseeded = unseeded(&assigned, fallback);
    let mut relabelled: std::collections::HashMap<usize, Vec<TopicAssignment>> =
        relabel_with(&model, config, &unseeded, words_of)
            .into_iter()
            .collect();
    let mut retopiced = Vec::new();
    let mut new_topics: Vec<(usize, Vec<TopicAssignment>)> = Vec::new();
    for &i in &unseeded {
        let topics = match relabelled.remove(&i) {
            Some(t) => t,
            // Not placed: its own keyword result (the fallback, with its confidence).
            None if i >= n_stored => continue,
            None => pipeline.topics.assign(
                &pipeline
                    .prepare(&stored[i].item.title, &stored[i].item.text)
                    .input(),
            ),
        };
        if i < n_stored {
            if topics != stored[i].topics {
                retopiced.push((stored[i].item.id.clone(), topics));
            }
        } else {
            new_topics.push((i - n_stored, topics));
        }
    }
    for (i, topics) in new_topics {
        new[i].topics = topics;
    }
    Ok(BatchTopics {
        retopiced,
        refitted: Some(SelfModel {
            model: Some(model),
            teachers: eligible as u64,
        }),
    })
}

/// How many stored items are eligible teachers, those about to be replaced (`changed`) left
/// out: counted in the store, so an add need not read every item's topics.
pub(super) fn eligible_stored(
    view: &View,
    pipeline: &Pipeline,
    changed: &[ItemRow],
) -> Result<usize> {
    let Some((fallback, config)) = config(pipeline) else {
        return Ok(0);
    };
    let all = view.count_confident(fallback, config.min_teacher_confidence)?;
    let topics: Vec<Vec<TopicAssignment>> = changed
        .iter()
        .map(|r| keyword_view(&r.analyzed.topics))
        .collect();
    Ok(all - eligible_teachers(&topics, fallback, config))
}

/// A stored item's topics as the keywords gave them: a self-trained item had none of its own
/// (it is unseeded, an empty list), every other keeps its topics.
fn keyword_view(topics: &[TopicAssignment]) -> Vec<TopicAssignment> {
    match topics.first() {
        Some(t) if t.method == TopicMethod::SelfTrained => Vec::new(),
        _ => topics.to_vec(),
    }
}
