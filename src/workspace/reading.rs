//! Reading a workspace: a store snapshot, and for searching, the index at the snapshot's
//! generation. A reader that finds the index at another generation waits while a writer is at
//! work (it is between its two commits), and when no writer is, brings the index up to date
//! itself (a writer was killed between them) — so no reader sees half a change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{BuiltWith, Workspace};
use crate::index::{Hit, ItemTexts, SearchIndex};
use crate::pipeline::Pipeline;
use crate::store::{writer_wait, Store, View, WriterLock};
use crate::{Error, Result};

/// What a searching command reads: the store's view, the index at the same generation, and
/// the pipeline the workspace was built with (to cut queries as the items were cut).
pub struct ReadIndexed<'a> {
    pub view: View<'a>,
    pub index: &'a SearchIndex,
    pub pipeline: &'a Pipeline,
    pub built: &'a BuiltWith,
}

impl ReadIndexed<'_> {
    /// Fills in each hit's merge group and past answer, which the store keeps.
    pub fn complete(&self, mut hits: Vec<Hit>) -> Result<Vec<Hit>> {
        let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        let groups: HashMap<String, String> = self.view.groups_of(&ids)?.into_iter().collect();
        let mut answers: HashMap<String, _> = self.view.answers_of(&ids)?.into_iter().collect();
        for h in &mut hits {
            h.group = groups.get(&h.id).cloned().unwrap_or_default();
            h.answer = answers.remove(&h.id);
        }
        Ok(hits)
    }
}

/// Hits read their titles and texts from the store, at the index's generation.
impl ItemTexts for View<'_> {
    fn title_and_text(&self, id: &str) -> Result<Option<(String, String)>> {
        View::title_and_text(self, id)
    }
}

impl Workspace {
    /// Opens the store for reading, converting a workspace of the earlier format first.
    fn open_for_reading(&self) -> Result<Store> {
        if !self.exists() {
            return Err(self.not_a_workspace());
        }
        if super::legacy::has_old_state(&self.dir) {
            // The earlier folder format: taken over once, under the writer lock.
            drop(self.writer(false)?);
        }
        Store::open(&self.dir, false)
    }

    /// Calls `f` with a consistent view of the store.
    pub fn read<T>(&self, f: impl FnOnce(&View) -> Result<T>) -> Result<T> {
        let mut store = self.open_for_reading()?;
        let snapshot = store.snapshot()?;
        f(&snapshot.view())
    }

    /// Calls `f` with a view of the store and the index at the same generation.
    pub fn read_indexed<T>(&self, f: impl FnOnce(&ReadIndexed) -> Result<T>) -> Result<T> {
        self.read_indexed_with(&PipelineCache::default(), f)
    }

    /// [`Workspace::read_indexed`], with the settings and pipeline kept in `cache` from one
    /// read to the next while the store's generation stays (a server's searches).
    pub fn read_indexed_with<T>(
        &self,
        cache: &PipelineCache,
        f: impl FnOnce(&ReadIndexed) -> Result<T>,
    ) -> Result<T> {
        let mut store = self.open_for_reading()?;
        let start = Instant::now();
        let wait = writer_wait();
        loop {
            let prepared = {
                let snapshot = store.snapshot()?;
                let view = snapshot.view();
                let generation = view.index_generation()?;
                let prepared = cache.get(&view, generation)?;
                let opened = SearchIndex::open_at(
                    &self.index_dir(),
                    prepared.pipeline.analyzer.clone(),
                    generation,
                )
                // An index being swapped in is briefly missing: try again.
                .unwrap_or(None);
                if let Some(index) = opened {
                    return f(&ReadIndexed {
                        view,
                        index: &index,
                        pipeline: &prepared.pipeline,
                        built: &prepared.built,
                    });
                }
                prepared
            };
            if start.elapsed() > wait {
                return Err(Error::Busy {
                    path: self.dir.clone(),
                    waited: start.elapsed().as_secs_f64(),
                });
            }
            if WriterLock::is_held(&self.dir)? {
                std::thread::sleep(Duration::from_millis(50));
            } else {
                let mut w = self.writer(false)?;
                w.sync_index(&prepared.pipeline)?;
            }
        }
    }
}

/// The settings a workspace was built with and the pipeline built from them.
pub struct BuiltPipeline {
    pub built: BuiltWith,
    pub pipeline: Pipeline,
}

/// A [`BuiltPipeline`] kept across reads, for the store generation it was built at (every change
/// that could change the settings moves the generation on).
#[derive(Default)]
pub struct PipelineCache(Mutex<Option<(u64, Arc<BuiltPipeline>)>>);

impl PipelineCache {
    /// The settings and pipeline as of `view`, built now unless kept from this generation.
    pub fn get(&self, view: &View, generation: u64) -> Result<Arc<BuiltPipeline>> {
        if let Some((g, p)) = self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if *g == generation {
                return Ok(p.clone());
            }
        }
        let built = BuiltWith::load(view)?;
        let pipeline = built.pipeline()?;
        let prepared = Arc::new(BuiltPipeline { built, pipeline });
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((generation, prepared.clone()));
        Ok(prepared)
    }
}
