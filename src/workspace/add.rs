//! `add`: a batch joins a workspace without analysing it again. Only new items and items whose
//! content changed are analysed; an unchanged item read again is left alone. The merge looks
//! for each analysed item's candidates in the index (its heaviest terms) and by exact text,
//! keeps those similar enough to matter, and merges again just the groups they belong to —
//! with the whole workspace's document frequencies, so the result is what a merge of
//! everything would make of those groups. Other groups, and their ids, stay as they are.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::build::{last_batch, merge_keeping_ids, put_groups};
use super::correct::close_over_corrections;
use super::self_training::{self, SelfModel, StoredTopics};
use super::{BuiltWith, Outcome, Requested, Workspace, Writer};
use crate::index::{IndexUpdate, SearchIndex};
use crate::ingest::Batch;
use crate::merge::text_key;
use crate::pipeline::{AnalyzedItem, Pipeline};
use crate::progress::Progress;
use crate::record::{BatchKind, BatchRecord, Item};
use crate::store::{content_hash, now_utc, ItemRow, Setting, View};
use crate::vectors::DocumentFrequencies;
use crate::{Error, Result};

/// Index hits asked for per analysed item, before the similarity check.
const CANDIDATES: usize = 30;
/// The heaviest terms of an item that make its candidate query.
const QUERY_TERMS: usize = 12;

/// How `add` treats a batch.
#[derive(Clone, Default)]
pub struct AddOptions {
    /// Dictionaries or model named on the command line.
    pub requested: Requested,
    /// Analyse every item again with the requested settings (instead of refusing them).
    pub reanalyse: bool,
}

/// The batch's items sorted by what the workspace already holds.
struct Sorted {
    new: Vec<Item>,
    changed: Vec<Item>,
    unchanged: usize,
}

impl Workspace {
    /// Adds a batch: an id seen before with other content replaces that item, an id seen
    /// before with the same content changes nothing, a new id is appended. Settings named in
    /// `options` that differ from the workspace's are refused unless `reanalyse` is set.
    pub fn add(&self, batch: &Batch, options: AddOptions, progress: &Progress) -> Result<Outcome> {
        let mut w = self.writer(false)?;
        let built = {
            let snapshot = w.store.snapshot()?;
            BuiltWith::load(&snapshot.view())?
        };
        let mut built = built;
        if built.model_missing && !options.reanalyse {
            // An earlier-format workspace built with a model it did not keep: it is named now.
            if options.requested.model.is_none() {
                return Err(Error::Workspace {
                    path: self.dir.clone(),
                    reason: "这个工作目录原来是用主题模型建立的，旧版工作目录没有保存该模型；请用 --model 指定同一个模型".into(),
                });
            }
            built = built.replaced_by(Requested {
                dicts: None,
                model: options.requested.model.clone(),
            });
        }
        let differences = built.differences(&options.requested);
        if options.reanalyse {
            return w.reanalyse(&built.replaced_by(options.requested), batch, progress);
        }
        if !differences.is_empty() {
            return Err(Error::Workspace {
                path: self.dir.clone(),
                reason: format!(
                    "{}。本次没有做任何改动；要用新的设置重新分析全部条目，请加 --reanalyse",
                    differences.join("；")
                ),
            });
        }
        let pipeline = built.pipeline()?;
        w.sync_index(&pipeline)?;
        w.add_incremental(&built, &pipeline, batch, progress)
    }
}

fn sort_batch(view: &View, batch: &Batch) -> Result<Sorted> {
    let mut sorted = Sorted {
        new: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    for item in &batch.items {
        match view.content_hash_of(&item.id)? {
            None => sorted.new.push(item.clone()),
            Some(h) if h == content_hash(item) => sorted.unchanged += 1,
            Some(_) => sorted.changed.push(item.clone()),
        }
    }
    Ok(sorted)
}

fn record(batch: &Batch, sorted: &Sorted, started: String) -> BatchRecord {
    BatchRecord {
        id: 0,
        kind: BatchKind::Add,
        started,
        finished: now_utc(),
        files: batch.files.clone(),
        rows_read: batch.rows_read,
        rows_accepted: batch.items.len(),
        rows_rejected: batch.rejects.len(),
        items_added: sorted.new.len(),
        items_updated: sorted.changed.len(),
        items_unchanged: sorted.unchanged,
    }
}

impl Writer {
    /// Every item analysed again with `built` (other dictionaries or model), the batch applied.
    fn reanalyse(
        &mut self,
        built: &BuiltWith,
        batch: &Batch,
        progress: &Progress,
    ) -> Result<Outcome> {
        let started = now_utc();
        let (mut items, sorted) = {
            let snapshot = self.store.snapshot()?;
            let view = snapshot.view();
            (
                super::build::stored_items(&view)?,
                sort_batch(&view, batch)?,
            )
        };
        let at: HashMap<String, usize> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.clone(), i))
            .collect();
        for item in &batch.items {
            match at.get(&item.id) {
                Some(&i) => items[i] = item.clone(),
                None => items.push(item.clone()),
            }
        }
        let pipeline = built.pipeline()?;
        let analyzed = pipeline.analyze_each(items, progress);
        let record = record(batch, &sorted, started);
        self.rebuild(
            built,
            &pipeline,
            analyzed,
            Some((record, batch)),
            false,
            progress,
        )
    }

    fn add_incremental(
        &mut self,
        built: &BuiltWith,
        pipeline: &Pipeline,
        batch: &Batch,
        progress: &Progress,
    ) -> Result<Outcome> {
        let started = now_utc();
        let snapshot = self.store.snapshot()?;
        let view = snapshot.view();
        let sorted = sort_batch(&view, batch)?;
        let changed_ids: HashSet<String> = sorted.changed.iter().map(|i| i.id.clone()).collect();
        let new_ids: HashSet<&str> = sorted.new.iter().map(|i| i.id.as_str()).collect();
        // In the batch's order.
        let to_analyse: Vec<Item> = batch
            .items
            .iter()
            .filter(|i| changed_ids.contains(&i.id) || new_ids.contains(i.id.as_str()))
            .cloned()
            .collect();
        let mut analysed = pipeline.analyze_each(to_analyse, progress);

        // Topics: the stored self-trained model, or a new fit over the workspace when due.
        let own = SelfModel::load(&view)?;
        let stored_topics = view.topics_in_order()?;
        let kept_topics: Vec<Vec<_>> = stored_topics
            .iter()
            .filter(|(id, _)| !changed_ids.contains(id))
            .map(|(_, t)| t.clone())
            .collect();
        let eligible_stored = self_training::eligible_among(pipeline, &kept_topics);
        drop(kept_topics);
        let batch_topics = self_training::label_batch(
            pipeline,
            &own,
            || {
                Ok(view
                    .items()?
                    .into_iter()
                    .filter(|r| !changed_ids.contains(&r.analyzed.item.id))
                    .map(|r| StoredTopics {
                        item: r.analyzed.item,
                        topics: r.analyzed.topics,
                    })
                    .collect())
            },
            eligible_stored,
            &mut analysed,
        )?;
        let kept_ids: Vec<&String> = stored_topics
            .iter()
            .map(|(id, _)| id)
            .filter(|id| !changed_ids.contains(*id))
            .collect();
        let retopiced: Vec<(String, Vec<_>)> = batch_topics
            .retopiced
            .into_iter()
            .map(|(i, t)| (kept_ids[i].clone(), t))
            .collect();
        drop(stored_topics);

        // Document frequencies of the workspace as it will be.
        let mut frequencies = view.document_frequencies()?;
        for old in view.items_by_ids(&sorted.changed.iter().map(|i| &i.id).collect::<Vec<_>>())? {
            frequencies.count_item(&old.analyzed.terms, &old.analyzed.text, false);
        }
        for a in &analysed {
            frequencies.count_item(&a.terms, &a.text, true);
        }

        let spinner = progress.spinner("合并同类项");
        let index = SearchIndex::open(&self.ws.index_dir(), pipeline.analyzer.clone())?;
        let (local, touched) = neighbourhood(
            &view,
            &index,
            pipeline,
            &frequencies,
            &analysed,
            &changed_ids,
        )?;
        drop(index);
        let groups = merge_keeping_ids(&pipeline.merge_config, &view, &local, Some(&frequencies))?;
        spinner.finish_and_clear();
        drop(snapshot);

        let spinner = progress.spinner("写入数据库");
        let change = self.store.change()?;
        let mut record = record(batch, &sorted, started);
        let batch_id = if batch.rows_read > 0 || !batch.files.is_empty() {
            record.id = change.insert_batch(&record, &batch.rejects, &batch.warnings)?;
            record.id
        } else {
            last_batch(&change.view())?
        };
        for a in &analysed {
            change.put_item(&ItemRow {
                seq: 0,
                batch: batch_id,
                analyzed: a.clone(),
                text_key: text_key(&a.text),
                group: String::new(),
                similarity: 1.0,
            })?;
        }
        crate::failpoint::hit("items-written");
        for (id, topics) in &retopiced {
            change.set_topics(id, topics)?;
        }
        for g in &touched {
            change.delete_group(g)?;
        }
        put_groups(&change, &local, &groups)?;
        if let Some(model) = &batch_topics.refitted {
            model.save(&change)?;
        }
        built.save(&change)?;
        change.set_setting(Setting::DocumentFrequencies, &frequencies.encode())?;
        let generation = change.next_index_generation()?;
        let retopiced_rows = change
            .view()
            .items_by_ids(&retopiced.iter().map(|(id, _)| id).collect::<Vec<_>>())?;
        spinner.finish_and_clear();

        let spinner = progress.spinner("更新索引");
        let update = IndexUpdate::open(&self.ws.index_dir(), pipeline.analyzer.clone())?;
        for id in changed_ids.iter().chain(retopiced.iter().map(|(id, _)| id)) {
            update.remove(id);
        }
        for a in analysed
            .iter()
            .chain(retopiced_rows.iter().map(|r| &r.analyzed))
        {
            update.add(a)?;
        }
        update.commit_with(generation, || change.commit())?;
        spinner.finish_and_clear();
        let rebuilt = groups.len();
        self.finish(Some(record), rebuilt, retopiced.len())
    }
}

/// The part of the workspace an added batch can change: the analysed items and every member
/// of the groups holding an item similar enough to one of them (or holding a replaced item's
/// earlier version), closed over corrections that tie groups together. Returns those items in
/// workspace order, analysed items in place of the versions they replace, and the ids of the
/// groups they come from.
fn neighbourhood(
    view: &View,
    index: &SearchIndex,
    pipeline: &Pipeline,
    frequencies: &DocumentFrequencies,
    analysed: &[AnalyzedItem],
    changed: &HashSet<String>,
) -> Result<(Vec<AnalyzedItem>, Vec<String>)> {
    let own: HashSet<&str> = analysed.iter().map(|a| a.item.id.as_str()).collect();
    // Candidates of each analysed item: index hits on its heaviest terms, and identical texts.
    let per_item: Vec<Vec<String>> = analysed
        .par_iter()
        .map(|a| -> Result<Vec<String>> {
            let terms = heaviest_terms(&a.terms, frequencies, QUERY_TERMS);
            let mut ids = if terms.is_empty() {
                Vec::new()
            } else {
                index.ids_matching(&terms, CANDIDATES)?
            };
            ids.retain(|id| !own.contains(id.as_str()));
            Ok(ids)
        })
        .collect::<Result<_>>()?;
    let mut per_item = per_item;
    for (a, ids) in analysed.iter().zip(per_item.iter_mut()) {
        for (id, _) in view.ids_with_text_key(text_key(&a.text))? {
            if !own.contains(id.as_str()) && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let wanted: BTreeSet<&String> = per_item.iter().flatten().collect();
    let wanted: Vec<&String> = wanted.into_iter().collect();
    let rows = view.items_by_ids(&wanted)?;
    let at: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.analyzed.item.id.as_str(), analysed.len() + i))
        .collect();
    let mut pool: Vec<AnalyzedItem> = analysed.to_vec();
    pool.extend(rows.iter().map(|r| r.analyzed.clone()));
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, ids) in per_item.iter().enumerate() {
        pairs.extend(
            ids.iter()
                .filter_map(|id| at.get(id.as_str()).map(|&j| (i, j))),
        );
    }
    let sims = pipeline.similarities(&pool, frequencies, &pairs);
    let floor = pipeline
        .merge_config
        .same_enterprise_threshold
        .min(pipeline.merge_config.cross_enterprise_threshold);
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for (&(_, j), &sim) in pairs.iter().zip(&sims) {
        if sim >= floor {
            touched.insert(rows[j - analysed.len()].group.clone());
        }
    }
    let changed_ids: Vec<&String> = changed.iter().collect();
    touched.extend(view.groups_of(&changed_ids)?.into_iter().map(|(_, g)| g));
    close_over_corrections(view, &mut touched, &own)?;
    let touched: Vec<String> = touched.into_iter().collect();
    let mut members: Vec<ItemRow> = view
        .items_in_groups(&touched)?
        .into_iter()
        .filter(|r| !changed.contains(&r.analyzed.item.id))
        .collect();
    // Workspace order: stored items by place, a replaced item at its old place, new ones last.
    let places: HashMap<String, i64> = view
        .items_by_ids(&changed.iter().collect::<Vec<_>>())?
        .into_iter()
        .map(|r| (r.analyzed.item.id, r.seq))
        .collect();
    let mut ordered: Vec<(i64, usize, AnalyzedItem)> =
        members.drain(..).map(|r| (r.seq, 0, r.analyzed)).collect();
    for (i, a) in analysed.iter().enumerate() {
        let seq = places.get(&a.item.id).copied().unwrap_or(i64::MAX);
        ordered.push((seq, i, a.clone()));
    }
    ordered.sort_by_key(|(seq, i, _)| (*seq, *i));
    Ok((ordered.into_iter().map(|(_, _, a)| a).collect(), touched))
}

/// An item's distinct terms with the highest TF-IDF weight in the workspace, heaviest first.
fn heaviest_terms(terms: &[String], f: &DocumentFrequencies, n: usize) -> Vec<String> {
    let mut tf: HashMap<&str, u32> = HashMap::new();
    for t in terms {
        *tf.entry(t).or_default() += 1;
    }
    let docs = f.docs.max(1) as f32;
    let mut weighted: Vec<(&str, f32)> = tf
        .into_iter()
        .map(|(t, c)| {
            let df = f.words.get(t).copied().unwrap_or(0) as f32;
            let idf = ((1.0 + docs) / (1.0 + df)).ln() + 1.0;
            (t, (1.0 + (c as f32).ln()) * idf)
        })
        .collect();
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    weighted
        .into_iter()
        .take(n)
        .map(|(t, _)| t.to_string())
        .collect()
}
