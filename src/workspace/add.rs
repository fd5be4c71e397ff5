//! `add`: a batch joins a workspace without analysing it again. Only new items and items whose
//! content changed are analysed; an unchanged item read again is left alone. The merge looks
//! for each analysed item's candidates in the index (its heaviest terms) and by exact text,
//! keeps those similar enough to matter, and merges the new items with just the groups those
//! belong to, weighing terms by the whole workspace's document frequencies. A small group is
//! merged again whole; a large one stands for itself with a few members, frozen together, so
//! it takes new items but is never split. Other groups, and their ids, stay as they are.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::build::{analysed_items, keep_ids, last_batch, put_analysed, put_groups};
use super::correct::close_over_corrections;
use super::self_training::{self, SelfModel, StoredTopics};
use super::{BuiltWith, Outcome, Requested, Workspace, Writer};
use crate::index::{IndexUpdate, SearchIndex};
use crate::ingest::Batch;
use crate::merge::{text_key, Constraints, Group};
use crate::pipeline::{merge_items, AnalyzedItem, Pipeline};
use crate::progress::{Progress, Timing};
use crate::record::{BatchKind, BatchRecord, Item};
use crate::segment::Terms;
use crate::store::{content_hash, now_utc, Detail, GroupRow, ItemRow, Setting, View};
use crate::vectors::DocumentFrequencies;
use crate::{Error, Result};

/// Index hits asked for per analysed item, before the similarity check.
const CANDIDATES: usize = 12;
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
    /// New items and items whose content changed, in the batch's order: what is analysed.
    analyse: Vec<Item>,
    /// The ids among them the workspace already has.
    changed: HashSet<String>,
    added: usize,
    unchanged: usize,
}

impl Workspace {
    /// Adds a batch: an id seen before with other content replaces that item, an id seen
    /// before with the same content changes nothing, a new id is appended. Settings named in
    /// `options` that differ from the workspace's are refused unless `reanalyse` is set.
    pub fn add(&self, batch: &Batch, options: AddOptions, progress: &Progress) -> Result<Outcome> {
        let mut w = self.writer(false)?;
        let mut built = {
            let snapshot = w.store.snapshot()?;
            BuiltWith::load(&snapshot.view())?
        };
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
        if options.reanalyse {
            return w.reanalyse(&built.replaced_by(options.requested), batch, progress);
        }
        let differences = built.differences(&options.requested);
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
        analyse: Vec::new(),
        changed: HashSet::new(),
        added: 0,
        unchanged: 0,
    };
    for item in &batch.items {
        match view.content_hash_of(&item.id)? {
            None => sorted.added += 1,
            Some(h) if h == content_hash(item) => {
                sorted.unchanged += 1;
                continue;
            }
            Some(_) => {
                sorted.changed.insert(item.id.clone());
            }
        }
        sorted.analyse.push(item.clone());
    }
    Ok(sorted)
}

fn record(batch: &Batch, sorted: &Sorted, started: String) -> BatchRecord {
    BatchRecord {
        finished: now_utc(),
        items_added: sorted.added,
        items_updated: sorted.changed.len(),
        items_unchanged: sorted.unchanged,
        ..batch.record(BatchKind::Add, started)
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
            let stored = analysed_items(&view, Detail::NoTerms)?;
            (
                stored.into_iter().map(|a| a.item).collect::<Vec<Item>>(),
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
        let analyzed = pipeline.analyze_interning(items, progress);
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
        let mut sorted = sort_batch(&view, batch)?;
        let changed_ids = &sorted.changed;
        let t = Timing::start("add.analyse");
        let mut analysed = pipeline.analyze_each(std::mem::take(&mut sorted.analyse), progress);
        drop(t);
        let t = Timing::start("add.topics");

        // Topics: the stored self-trained model, or a new fit over the workspace when due.
        let own = SelfModel::load(&view)?;
        let changed_rows = view.items_by_ids(&changed_ids.iter().collect::<Vec<_>>())?;
        let eligible_stored = self_training::eligible_stored(&view, pipeline, &changed_rows)?;
        let batch_topics = self_training::label_batch(
            pipeline,
            &own,
            || {
                let mut stored = Vec::new();
                view.for_each_item_with(Detail::NoTerms, |r| {
                    if !changed_ids.contains(&r.analyzed.item.id) {
                        stored.push(StoredTopics {
                            item: r.analyzed.item,
                            topics: r.analyzed.topics,
                        });
                    }
                    Ok(())
                })?;
                Ok(stored)
            },
            eligible_stored,
            &mut analysed,
        )?;
        let retopiced = batch_topics.retopiced;

        drop(t);
        let t = Timing::start("add.frequencies");
        // Document frequencies of the workspace as it will be.
        let mut frequencies = view.document_frequencies()?;
        for old in &changed_rows {
            frequencies.count_item(old.analyzed.terms.iter(), &old.analyzed.text, false);
        }
        for a in &analysed {
            frequencies.count_item(a.terms.iter(), &a.text, true);
        }

        drop(t);
        let spinner = progress.spinner("合并同类项");
        let t = Timing::start("add.neighbourhood");
        let index = SearchIndex::open(&self.ws.index_dir(), pipeline.analyzer.clone())?;
        let constraints = Constraints::from_corrections(&view.corrections()?);
        let hood = neighbourhood(
            &view,
            &index,
            pipeline,
            &frequencies,
            &constraints,
            &analysed,
            &changed_rows,
        )?;
        drop(index);
        drop(t);
        let t = Timing::start("add.merge");
        let merged = merge_neighbourhood(pipeline, &view, constraints, &hood, &frequencies)?;
        spinner.finish_and_clear();
        drop(snapshot);
        drop(t);

        let t = Timing::start("add.store");
        let spinner = progress.spinner("写入数据库");
        let change = self.store.change()?;
        let mut record = record(batch, &sorted, started);
        let batch_id = if batch.rows_read > 0 || !batch.files.is_empty() {
            record.id = change.insert_batch(&record, &batch.rejects, &batch.warnings)?;
            record.id
        } else {
            last_batch(&change.view())?
        };
        put_analysed(&change, &analysed, batch_id)?;
        crate::failpoint::hit("items-written");
        for (id, topics) in &retopiced {
            change.set_topics(id, topics)?;
        }
        for g in &hood.small {
            change.delete_group(g)?;
        }
        put_groups(&change, &hood.items, &merged.free)?;
        for (id, group, similarity) in &merged.joined {
            change.set_group(id, group, *similarity)?;
        }
        for l in &hood.large {
            change.refresh_group(&l.row.id)?;
        }
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

        drop(t);
        let t = Timing::start("add.index");
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
        change.audit(
            self.ws.actor(),
            "添加批次",
            &format!(
                "{}：接收{}条，退回{}条",
                record.files.join("、"),
                record.rows_accepted,
                record.rows_rejected
            ),
        )?;
        update.commit_with(generation, || change.commit())?;
        spinner.finish_and_clear();
        drop(t);
        let rebuilt = merged.free.len() + hood.large.len();
        self.finish(Some(record), rebuilt, retopiced.len())
    }
}

/// The part of the workspace an added batch can change, as [`neighbourhood`] finds it.
struct Neighbourhood {
    /// The analysed items and the stored items merged with them, in workspace order.
    items: Vec<AnalyzedItem>,
    /// Groups merged again whole (their ids are free for the new groups).
    small: Vec<String>,
    /// Groups too large to merge again: each stands in the merge for a sample of its members,
    /// frozen together, which may take in new items but is never split.
    large: Vec<LargeGroup>,
}

/// A large group an added batch reaches.
struct LargeGroup {
    row: GroupRow,
    /// The members standing for it: the representative, the members the batch came close to,
    /// then the first others.
    sample: Vec<String>,
}

/// Groups with more members than this are not merged again when a batch reaches them.
const LARGE_GROUP: usize = 8;
/// How many members stand for a large group.
const SAMPLE: usize = 8;

/// Finds the neighbourhood of an added batch: the analysed items, and the groups holding an
/// item similar enough to one of them (or a replaced item's earlier version), closed over
/// corrections that tie groups together. Small groups come whole; a large group comes as a
/// sample of its members (see [`LargeGroup`]), so the work per added item stays bounded
/// however large the groups grow.
fn neighbourhood(
    view: &View,
    index: &SearchIndex,
    pipeline: &Pipeline,
    frequencies: &DocumentFrequencies,
    constraints: &Constraints,
    analysed: &[AnalyzedItem],
    changed_rows: &[ItemRow],
) -> Result<Neighbourhood> {
    let own: HashSet<&str> = analysed.iter().map(|a| a.item.id.as_str()).collect();
    let changed: HashSet<&str> = changed_rows
        .iter()
        .map(|r| r.analyzed.item.id.as_str())
        .collect();
    let t = Timing::start("add.n.candidates");
    // Candidates of each analysed item: index hits on its heaviest terms, and identical texts.
    let mut per_item: Vec<Vec<String>> = analysed
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
    for (a, ids) in analysed.iter().zip(per_item.iter_mut()) {
        for (id, _) in view.ids_with_text_key(text_key(&a.text))? {
            if !own.contains(id.as_str()) && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    drop(t);
    let t = Timing::start("add.n.similar");
    let wanted: BTreeSet<&String> = per_item.iter().flatten().collect();
    let wanted: Vec<&String> = wanted.into_iter().collect();
    let rows = view.merge_rows_by_ids(&wanted)?;
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
    drop(pool);
    let floor = pipeline
        .merge_config
        .same_enterprise_threshold
        .min(pipeline.merge_config.cross_enterprise_threshold);
    // Each reached group, with its members the batch came close to (closest first).
    let mut close: Vec<(f32, usize)> = pairs
        .iter()
        .zip(&sims)
        .filter(|(_, &sim)| sim >= floor)
        .map(|(&(_, j), &sim)| (sim, j - analysed.len()))
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut near: HashMap<&str, Vec<&str>> = HashMap::new();
    for &(_, r) in &close {
        let row = &rows[r];
        touched.insert(row.group.clone());
        let list = near.entry(row.group.as_str()).or_default();
        if !list.contains(&row.analyzed.item.id.as_str()) {
            list.push(&row.analyzed.item.id);
        }
    }
    // A replaced item's earlier version leaves its group.
    let old_groups: HashMap<&str, &str> = changed_rows
        .iter()
        .map(|r| (r.analyzed.item.id.as_str(), r.group.as_str()))
        .collect();
    touched.extend(old_groups.values().map(|g| g.to_string()));
    close_over_corrections(view, constraints, &mut touched, &own)?;
    drop(t);

    let _t = Timing::start("add.n.members");
    let corrected: HashSet<&str> = constraints
        .forced
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let mut small = Vec::new();
    let mut large = Vec::new();
    for id in touched {
        let Some(row) = view.group(&id)? else {
            continue;
        };
        // A group whose representative is being replaced is merged again whole.
        let loses_representative =
            old_groups.get(row.representative.as_str()) == Some(&row.id.as_str());
        if row.size <= LARGE_GROUP || loses_representative {
            small.push(id);
            continue;
        }
        let mut sample: Vec<String> = vec![row.representative.clone()];
        let members = view.members_of(&id)?;
        // Members named in corrections must be in the merge for the corrections to hold.
        let named = members.iter().filter(|m| corrected.contains(m.as_str()));
        let close = near
            .get(id.as_str())
            .into_iter()
            .flatten()
            .map(|m| m.to_string());
        for m in named.cloned().chain(close).chain(members.iter().cloned()) {
            if sample.len() >= SAMPLE && !corrected.contains(m.as_str()) {
                continue;
            }
            if !sample.contains(&m) && !changed.contains(m.as_str()) {
                sample.push(m);
            }
        }
        large.push(LargeGroup { row, sample });
    }
    let sampled: Vec<&String> = large.iter().flat_map(|l| &l.sample).collect();
    let mut members: Vec<ItemRow> = view
        .merge_rows_in_groups(&small)?
        .into_iter()
        .chain(view.merge_rows_by_ids(&sampled)?)
        .filter(|r| !changed.contains(r.analyzed.item.id.as_str()))
        .collect();
    // Workspace order: stored items by place, a replaced item at its old place, new ones last.
    let places: HashMap<&str, i64> = changed_rows
        .iter()
        .map(|r| (r.analyzed.item.id.as_str(), r.seq))
        .collect();
    let mut ordered: Vec<(i64, usize, AnalyzedItem)> =
        members.drain(..).map(|r| (r.seq, 0, r.analyzed)).collect();
    for (i, a) in analysed.iter().enumerate() {
        let seq = places.get(a.item.id.as_str()).copied().unwrap_or(i64::MAX);
        ordered.push((seq, i, a.clone()));
    }
    ordered.sort_by_key(|(seq, i, _)| (*seq, *i));
    Ok(Neighbourhood {
        items: ordered.into_iter().map(|(_, _, a)| a).collect(),
        small,
        large,
    })
}

/// What the merge of a neighbourhood gives.
struct Merged {
    /// Groups of the neighbourhood's items besides the large groups, with their ids.
    free: Vec<Group>,
    /// Items that joined a large group: (item, group, similarity to its representative).
    joined: Vec<(String, String, f32)>,
}

/// Merges a neighbourhood under the corrections, each large group frozen as its sample. A
/// group holding a sample is that large group (same id, same representative); the rest keep
/// the ids most of their members had, new ones avoiding every id in use elsewhere.
fn merge_neighbourhood(
    pipeline: &Pipeline,
    view: &View,
    mut constraints: Constraints,
    hood: &Neighbourhood,
    frequencies: &DocumentFrequencies,
) -> Result<Merged> {
    constraints.frozen = hood.large.iter().map(|l| l.sample.clone()).collect();
    let groups = merge_items(
        &pipeline.merge_config,
        &hood.items,
        &constraints,
        Some(frequencies),
    );
    let unit_of: HashMap<&str, usize> = hood
        .large
        .iter()
        .enumerate()
        .flat_map(|(k, l)| l.sample.iter().map(move |m| (m.as_str(), k)))
        .collect();
    let position: HashMap<&str, usize> = hood
        .items
        .iter()
        .enumerate()
        .map(|(i, a)| (a.item.id.as_str(), i))
        .collect();
    let mut free = Vec::new();
    let mut joining: Vec<(usize, usize)> = Vec::new();
    for g in groups {
        let unit = g
            .members
            .iter()
            .find_map(|&m| unit_of.get(hood.items[m].item.id.as_str()).copied());
        match unit {
            Some(k) => joining.extend(
                g.members
                    .iter()
                    .filter(|&&m| !unit_of.contains_key(hood.items[m].item.id.as_str()))
                    .map(|&m| (k, m)),
            ),
            None => free.push(g),
        }
    }
    // Joined items are measured against the large group's own representative.
    let pairs: Vec<(usize, usize)> = joining
        .iter()
        .map(|&(k, m)| (position[hood.large[k].row.representative.as_str()], m))
        .collect();
    let sims = pipeline.similarities(&hood.items, frequencies, &pairs);
    let joined = joining
        .iter()
        .zip(sims)
        .map(|(&(k, m), sim)| {
            let id = hood.items[m].item.id.clone();
            (id, hood.large[k].row.id.clone(), sim)
        })
        .collect();
    // Only the small groups were merged again: the large ones keep their ids.
    let freed: HashSet<String> = hood.small.iter().cloned().collect();
    keep_ids(view, &mut free, &hood.items, Some(&freed))?;
    Ok(Merged { free, joined })
}

/// An item's distinct terms with the highest TF-IDF weight in the workspace, heaviest first.
fn heaviest_terms(terms: &Terms, f: &DocumentFrequencies, n: usize) -> Vec<String> {
    let mut tf: HashMap<&str, u32> = HashMap::new();
    for t in terms.iter() {
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
