//! Whole-workspace builds: `run` (a new workspace from a batch), a re-analysis with other
//! dictionaries or another model, and `regroup` (every group merged anew from the stored
//! analysis). Corrections and earlier group ids carry over in each.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::self_training::{self, SelfModel};
use super::{BuiltWith, Outcome, Requested, RunSetup, Workspace, Writer};
use crate::index::Rebuild;
use crate::ingest::Batch;
use crate::merge::{self, keep_previous_ids, Constraints, Group, MergeConfig};
use crate::pipeline::{
    merge_items, merge_whole, put_topics, take_topics, Analysis, AnalyzedItem, InternedTerms,
    Pipeline,
};
use crate::progress::{Progress, Timing};
use crate::record::{BatchKind, BatchRecord};
use crate::store::{
    encode_terms, now_utc, Change, Detail, GroupRow, NewItem, Setting, Store, View,
};
use crate::vectors::DocumentFrequencies;
use crate::Result;

impl Workspace {
    /// Builds a new workspace from a batch, replacing the items of an earlier one in the folder
    /// (its corrections and group ids carry over; its batches stay on record). A folder with
    /// other files in it is refused rather than overwritten. The batch's items move into the
    /// analysis (a copy of every text would cost a gigabyte at a million items).
    pub fn run(&self, batch: Batch, requested: Requested, progress: &Progress) -> Result<Outcome> {
        self.run_set_up(batch, requested.set_up()?, progress)
    }

    /// [`Workspace::run`] with its settings and pipeline made beforehand (see
    /// [`read_while_setting_up`](super::read_while_setting_up)).
    pub fn run_set_up(
        &self,
        mut batch: Batch,
        setup: RunSetup,
        progress: &Progress,
    ) -> Result<Outcome> {
        let RunSetup { built, pipeline } = setup;
        let mut w = self.writer(true)?;
        let record = batch.record(BatchKind::Run, now_utc());
        let t = Timing::start("build.analyse");
        let analysed = pipeline.analyze_interning(std::mem::take(&mut batch.items), progress);
        drop(t);
        let outcome = w.rebuild(
            &built,
            &pipeline,
            analysed,
            Some((record, &batch)),
            true,
            progress,
        );
        // The dictionaries and models are many small allocations; freeing them is the last
        // thing a run does.
        crate::memory::drop_aside((built, pipeline, batch));
        outcome
    }

    /// Merges every group anew from the stored analysis (nothing is analysed again); the
    /// corrections hold and groups keep their ids where their members agree.
    pub fn regroup(&self, progress: &Progress) -> Result<Outcome> {
        let mut w = self.writer(false)?;
        let built = {
            let snapshot = w.store.snapshot()?;
            BuiltWith::load(&snapshot.view())?
        };
        let pipeline = built.pipeline()?;
        w.sync_index(&pipeline)?;
        let change = w.store.change()?;
        let items = analysed_items(&change.view(), Detail::Merge)?;
        let constraints = Constraints::from_corrections(&change.view().corrections()?);
        let spinner = progress.spinner("合并同类项");
        let groups = merge_keeping_ids(&built.merge, &change.view(), &constraints, &items, None)?;
        spinner.finish_and_clear();
        for id in change.view().group_ids()? {
            change.delete_group(&id)?;
        }
        put_groups(&change, &items, &groups)?;
        change.audit(
            w.ws.actor(),
            "重新合并",
            &format!("{}个合并组", groups.len()),
        )?;
        change.commit()?;
        let groups_rebuilt = groups.len();
        w.finish(None, groups_rebuilt, 0)
    }
}

impl Writer {
    /// Writes a whole new analysis of `items` (in workspace order, their terms kept apart in
    /// `terms`, as [`Pipeline::analyze_interning`] gives them): every group merged anew,
    /// the settings, the batch if any (`retire`: earlier batches stop being current), and a
    /// new index. The self-trained model is fitted on these items.
    pub(super) fn rebuild(
        &mut self,
        built: &BuiltWith,
        pipeline: &Pipeline,
        (mut items, terms): (Vec<AnalyzedItem>, InternedTerms),
        batch: Option<(BatchRecord, &Batch)>,
        retire: bool,
        progress: &Progress,
    ) -> Result<Outcome> {
        let change = self.store.change()?;
        let spinner = progress.spinner("合并同类项");
        let constraints = Constraints::from_corrections(&change.view().corrections()?);
        // Self-training and the merge read the items side by side: neither needs the other,
        // and each leaves one core idle at times.
        let assigned = take_topics(&mut items);
        let ((self_model, assigned), (mut groups, frequencies, text_keys)) = rayon::join(
            || {
                let _t = Timing::start("build.self_training");
                self_training::train_all(pipeline, &items, assigned)
            },
            || {
                let _t = Timing::start("build.merge");
                merge_whole(&built.merge, &items, &terms, &constraints)
            },
        );
        put_topics(&mut items, assigned);
        keep_ids(&change.view(), &mut groups, &items, None)?;
        spinner.finish_and_clear();
        let index_dir = self.ws.index_dir();
        let analyzer = pipeline.analyzer.clone();
        let stop = AtomicBool::new(false);
        let group_count = groups.len();
        let record = std::thread::scope(|s| -> Result<Option<BatchRecord>> {
            // The new index is filled on its own threads while the store is written: neither
            // reads the other, and nothing is committed until both are done, in the same order
            // as ever (index files, database, index meta).
            let filling = s.spawn(|| -> Result<Rebuild> {
                let _t = Timing::start("build.index");
                let rebuild = Rebuild::start(&index_dir, analyzer)?;
                for a in &items {
                    // The store failed: the index is dropped unfinished, never committed.
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    rebuild.add(a)?;
                }
                Ok(rebuild)
            });
            let t = Timing::start("build.store");
            let spinner = progress.spinner("写入数据库");
            let written = write_store(
                &change,
                built,
                &self_model,
                (&items, &terms, &text_keys, &groups, &frequencies),
                batch,
                retire,
            );
            spinner.finish_and_clear();
            drop(t);
            if written.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            let spinner = progress.spinner("建立索引");
            let rebuild = filling
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let (record, generation) = match written {
                Ok(written) => written,
                Err(e) => {
                    if let Ok(unfinished) = rebuild {
                        unfinished.discard()?;
                    }
                    return Err(e);
                }
            };
            change.audit(
                self.ws.actor(),
                "运行",
                &format!("{}条，{}个合并组", items.len(), group_count),
            )?;
            let t = Timing::start("build.commit");
            rebuild?.finish(generation, || change.commit_leaving_checkpoint())?;
            drop(t);
            spinner.finish_and_clear();
            Ok(record)
        })?;
        // The commit's pages are copied from the WAL into the database file on a thread of its
        // own while the exports are made, from what was just committed (still in memory: read
        // back, the items took 0.5 s at 100,000).
        let dir = self.ws.dir.clone();
        std::thread::scope(|s| {
            let checkpoint = s.spawn(|| {
                let _t = Timing::start("build.checkpoint");
                Store::open(&dir, false)?.checkpoint()
            });
            drop((text_keys, frequencies, self_model));
            // Only the exports read the committed analysis: without them (the workbench) it is
            // not made, and the items are freed beside the rest of the work.
            let committed = if self.ws.write_exports {
                let _t = Timing::start("build.committed");
                Some(committed_analysis(items, terms, groups))
            } else {
                crate::memory::drop_aside((items, terms, groups));
                None
            };
            let t = Timing::start("build.return_heap");
            crate::memory::return_freed_heap();
            drop(t);
            let outcome = self.finish_with(record, group_count, 0, committed);
            // A failed checkpoint loses nothing (the WAL keeps the pages for the next one).
            let _ = checkpoint
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            outcome
        })
    }
}

/// What the exports would read back of a whole build just committed ([`View::analysis`] with
/// [`Detail::Exports`]), made from memory: the raw title and text and the words' places left
/// out, the terms named. The groups are already as the store gives them back: the merge puts
/// each group's members in id order and [`keep_previous_ids`] the groups. Reading every item
/// back took 0.5 s of a 100,000-item run.
fn committed_analysis(
    mut items: Vec<AnalyzedItem>,
    terms: InternedTerms,
    groups: Vec<Group>,
) -> Analysis {
    items.par_iter_mut().for_each(|a| {
        a.item.title = String::new();
        a.item.text = String::new();
        a.words = None;
    });
    terms.name_into(&mut items);
    Analysis { items, groups }
}

/// The store's part of a whole build, all but its commit: the batch (`retire`: earlier ones stop
/// being current), every item (its terms from `terms`) in its group, the groups, the settings
/// with the items' document frequencies. Returns the batch's record and the generation the new
/// index is to carry.
fn write_store(
    change: &Change,
    built: &BuiltWith,
    self_model: &SelfModel,
    (items, terms, text_keys, groups, frequencies): (
        &[AnalyzedItem],
        &InternedTerms,
        &[u64],
        &[Group],
        &DocumentFrequencies,
    ),
    batch: Option<(BatchRecord, &Batch)>,
    retire: bool,
) -> Result<(Option<BatchRecord>, u64)> {
    if retire {
        change.retire_batches()?;
    }
    change.clear_items()?;
    let mut record = batch.as_ref().map(|(r, _)| r.clone());
    let batch_id = match &mut record {
        Some(r) => {
            r.finished = now_utc();
            let b = batch.as_ref().expect("a record comes with its batch").1;
            r.id = change.insert_batch(r, &b.rejects, &b.warnings)?;
            r.id
        }
        None => last_batch(&change.view())?,
    };
    // Stored terms are numbered as the analysis numbered them.
    change.replace_term_names(terms.names())?;
    change.with_item_indexes_rebuilt(|| {
        let rows = item_rows(items, text_keys, groups, batch_id);
        change.insert_items_with_terms(&rows, |i, out| {
            encode_terms(terms.ids(i).iter().copied(), out)
        })
    })?;
    put_group_rows(change, items, groups)?;
    built.save(change)?;
    self_model.save(change)?;
    change.set_setting(Setting::DocumentFrequencies, &frequencies.encode())?;
    let generation = change.next_index_generation()?;
    // The index is still being filled: the pages go to the WAL meanwhile, not at the commit.
    change.write_ahead()?;
    Ok((record, generation))
}

/// The newest batch's id (items written without a batch of their own are credited to it).
pub(super) fn last_batch(view: &View) -> Result<i64> {
    Ok(view.batches()?.last().map(|b| b.id).unwrap_or(0))
}

/// Merges `items` (all of the workspace, or with `frequencies` the part being regrouped)
/// under `constraints`, then [`keep_ids`]: the groups the items came from are merged again
/// here, so their ids are free.
pub(super) fn merge_keeping_ids(
    config: &MergeConfig,
    view: &View,
    constraints: &Constraints,
    items: &[AnalyzedItem],
    frequencies: Option<&DocumentFrequencies>,
) -> Result<Vec<Group>> {
    let mut groups = merge_items(config, items, constraints, frequencies);
    let freed = match frequencies {
        None => None,
        Some(_) => {
            let ids: Vec<&str> = items.iter().map(|a| a.item.id.as_str()).collect();
            Some(view.groups_of(&ids)?.into_iter().map(|(_, g)| g).collect())
        }
    };
    keep_ids(view, &mut groups, items, freed.as_ref())?;
    Ok(groups)
}

/// Gives newly merged `groups` of `items` the ids most of their members had. `freed` are the
/// ids of the groups merged again here, free to take; every other id in use stays out of
/// reach, so no id is ever given twice. `None`: the whole workspace was merged, every id free.
pub(super) fn keep_ids(
    view: &View,
    groups: &mut [Group],
    items: &[AnalyzedItem],
    freed: Option<&HashSet<String>>,
) -> Result<()> {
    let ids: Vec<&str> = items.iter().map(|a| a.item.id.as_str()).collect();
    let previous: HashMap<String, String> = view.groups_of(&ids)?.into_iter().collect();
    let reserved: HashSet<String> = match freed {
        None => HashSet::new(),
        Some(freed) => view
            .group_ids()?
            .into_iter()
            .filter(|g| !freed.contains(g))
            .collect(),
    };
    keep_previous_ids(groups, &ids, &previous, &reserved);
    Ok(())
}

/// Writes analysed items (new ones appended, others in place of the same ids), credited to
/// `batch`; [`put_groups`] then places them.
pub(super) fn put_analysed(change: &Change, items: &[AnalyzedItem], batch: i64) -> Result<()> {
    change.put_items(&item_rows(items, &text_keys(items), &[], batch))
}

/// Each item's [`merge::text_key`], made on all threads.
pub(super) fn text_keys(items: &[AnalyzedItem]) -> Vec<u64> {
    merge::text_keys(items.par_iter().map(|a| a.text.as_str()))
}

/// The rows that write `items` (with their [`merge::text_key`]s) credited to `batch`, each
/// with its place in `groups` (an item in none: no group yet, similarity 1). Items are written
/// with their groups: one write each, no update after.
pub(super) fn item_rows<'a>(
    items: &'a [AnalyzedItem],
    text_keys: &[u64],
    groups: &'a [Group],
    batch: i64,
) -> Vec<NewItem<'a>> {
    let mut place: Vec<(&str, f32)> = vec![("", 1.0); items.len()];
    for g in groups {
        for (&m, &sim) in g.members.iter().zip(&g.similarity) {
            place[m] = (&g.id, sim);
        }
    }
    items
        .iter()
        .zip(place)
        .zip(text_keys)
        .map(|((a, (group, similarity)), &text_key)| NewItem {
            batch,
            analyzed: a,
            text_key,
            group,
            similarity,
        })
        .collect()
}

/// Writes groups and each member's place in them; `items` are the groups' members by index.
pub(super) fn put_groups(change: &Change, items: &[AnalyzedItem], groups: &[Group]) -> Result<()> {
    put_group_rows(change, items, groups)?;
    for g in groups {
        for (&m, &sim) in g.members.iter().zip(&g.similarity) {
            change.set_group(&items[m].item.id, &g.id, sim)?;
        }
    }
    Ok(())
}

/// Writes the groups' own rows (their members' places are written apart).
fn put_group_rows(change: &Change, items: &[AnalyzedItem], groups: &[Group]) -> Result<()> {
    for g in groups {
        let rep = &items[g.representative];
        let mut enterprises: Vec<&str> = g
            .members
            .iter()
            .map(|&m| items[m].enterprise.as_str())
            .collect();
        enterprises.sort_unstable();
        enterprises.dedup();
        change.put_group(&GroupRow {
            id: g.id.clone(),
            representative: rep.item.id.clone(),
            size: g.members.len(),
            enterprises: enterprises.len(),
            score: g.score(),
            shared_terms: g.shared_terms.clone(),
        })?;
    }
    Ok(())
}

/// Every stored item's analysis, in workspace order, with the fields `detail` asks for.
pub(super) fn analysed_items(view: &View, detail: Detail) -> Result<Vec<AnalyzedItem>> {
    let mut items = Vec::new();
    view.for_each_item_with(detail, |r| {
        items.push(r.analyzed);
        Ok(())
    })?;
    Ok(items)
}
