//! Writing the index: a whole new index for a new workspace, or the changed items of an existing
//! one. Every commit carries the store's generation as its payload, and the caller's database
//! commit runs between tantivy's two commit phases: the segments are written and synced first,
//! the database commits, then tantivy's `meta.json` names the new segments. Killed anywhere, the
//! index is at the old generation or the new one, and a mismatch with the database shows it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::{doc, Index, IndexWriter, TantivyDocument, Term};

use super::schema::IndexSchema;
use super::tokenizer::{AnalyzerTokenizer, PreCut, TOKENIZER_NAME};
use crate::pipeline::AnalyzedItem;
use crate::progress::Timing;
use crate::segment::Analyzer;
use crate::{failpoint, Error, Result};

/// Each indexing thread's buffer. A full buffer is written out as a segment, and tantivy merges
/// segments once eight of a size pile up: at 50 MB a million items made segments of about
/// 63,600 and merged eight of them into one while the build went on. At 150 MB they make five,
/// and none is merged.
const INDEX_BUFFER_BYTES: usize = 150_000_000;

/// Changes to an index, committed together.
pub struct IndexUpdate {
    dir: PathBuf,
    schema: IndexSchema,
    writer: IndexWriter,
    /// The words of added items' titles and texts, from their analysis.
    pre_cut: Arc<PreCut>,
}

impl IndexUpdate {
    /// Opens the index in `dir` for changes.
    pub fn open(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self> {
        let index = Index::open_in_dir(dir)?;
        Self::with_index(dir, index, analyzer)
    }

    /// Creates an empty index in `dir` (which must not hold one).
    pub fn create(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let index = Index::create_in_dir(dir, IndexSchema::new().schema)?;
        Self::with_index(dir, index, analyzer)
    }

    fn with_index(dir: &Path, index: Index, analyzer: Arc<Analyzer>) -> Result<Self> {
        let pre_cut = Arc::new(PreCut::default());
        index.tokenizers().register(
            TOKENIZER_NAME,
            AnalyzerTokenizer::with_pre_cut(analyzer, pre_cut.clone()),
        );
        // tantivy tokenizes on its own threads: one per core, each with a buffer of
        // INDEX_BUFFER_BYTES.
        let threads = rayon::current_num_threads().clamp(1, 8);
        let writer = index.writer_with_num_threads(threads, threads * INDEX_BUFFER_BYTES)?;
        Ok(IndexUpdate {
            dir: dir.to_path_buf(),
            schema: IndexSchema::new(),
            writer,
            pre_cut,
        })
    }

    /// Removes the item with this id (if indexed).
    pub fn remove(&self, id: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.schema.id, id));
    }

    /// Indexes an item (remove its earlier version first when replacing it).
    pub fn add(&self, a: &AnalyzedItem) -> Result<()> {
        if let Some(words) = &a.words {
            self.pre_cut.offer(&a.title, &words.title);
            self.pre_cut.offer(&a.text, &words.text);
        }
        self.writer.add_document(document(&self.schema, a))?;
        Ok(())
    }

    /// Commits at `generation`, with `between` (the database commit) run after the index's
    /// files are written and synced and before they become the index. If `between` fails, the
    /// index is left as it was.
    pub fn commit_with(
        mut self,
        generation: u64,
        between: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        let t = Timing::start("commit.index_files");
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&generation.to_string());
        drop(t);
        failpoint::hit("index-prepared");
        let t = Timing::start("commit.between");
        if let Err(e) = between() {
            prepared.abort()?;
            return Err(e);
        }
        drop(t);
        failpoint::hit("store-committed");
        let _t = Timing::start("commit.index_meta");
        prepared.commit()?;
        self.writer.wait_merging_threads()?;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn document(s: &IndexSchema, a: &AnalyzedItem) -> TantivyDocument {
    let mut d = doc!(
        s.id => a.item.id.clone(),
        s.enterprise => a.enterprise.clone(),
        s.enterprise_words => a.enterprise.clone(),
        s.title => a.title.clone(),
        s.text => a.text.clone(),
        s.channel => a.channel.clone(),
        s.region => a.region.clone(),
        s.source => format!("{}:{}", a.item.source.file, a.item.source.row),
    );
    if let Some(date) = a.item.date {
        d.add_text(s.date, date.to_string());
        d.add_i64(s.day, day_number(date));
    }
    for t in &a.topics {
        d.add_text(s.topic, &t.topic);
    }
    d
}

/// Builds a whole index of `items` at `generation` beside `dir`, runs `between` (the database
/// commit), then puts the new index in `dir`'s place (see [`Rebuild`]).
pub fn rebuild_index<'a>(
    dir: &Path,
    items: impl Iterator<Item = &'a AnalyzedItem>,
    analyzer: Arc<Analyzer>,
    generation: u64,
    between: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let rebuild = Rebuild::start(dir, analyzer)?;
    for a in items {
        rebuild.add(a)?;
    }
    rebuild.finish(generation, between)
}

/// A whole new index, written beside `dir` and put in its place by [`Rebuild::finish`]. The
/// items can be added on one thread while the caller writes its database on another: nothing
/// is committed before `finish`.
pub struct Rebuild {
    dir: PathBuf,
    update: IndexUpdate,
}

impl Rebuild {
    /// Starts an empty index beside `dir` (over what an earlier attempt left there).
    pub fn start(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self> {
        let fresh = sibling(dir, "new");
        remove_dir_if_present(&fresh)?;
        Ok(Rebuild {
            dir: dir.to_path_buf(),
            update: IndexUpdate::create(&fresh, analyzer)?,
        })
    }

    /// Indexes an item.
    pub fn add(&self, a: &AnalyzedItem) -> Result<()> {
        self.update.add(a)
    }

    /// Drops an index that will not be finished, with what it had written.
    pub fn discard(self) -> Result<()> {
        let fresh = self.update.dir().to_path_buf();
        // Dropping the writer waits for its threads, which may still be writing there.
        drop(self.update);
        remove_dir_if_present(&fresh)
    }

    /// Commits at `generation` with `between` (the database commit) run between the two
    /// phases, then puts the new index in `dir`'s place. Readers of the old index keep it open
    /// until they finish; a crash before the swap leaves the old index, which the generation
    /// check then finds behind.
    pub fn finish(self, generation: u64, between: impl FnOnce() -> Result<()>) -> Result<()> {
        let Rebuild { dir, update } = self;
        let fresh = update.dir().to_path_buf();
        update.commit_with(generation, between)?;
        failpoint::hit("index-built");
        let old = sibling(&dir, "old");
        remove_dir_if_present(&old)?;
        if dir.exists() {
            std::fs::rename(&dir, &old).map_err(|e| Error::io(&dir, e))?;
        }
        failpoint::hit("index-swapping");
        std::fs::rename(&fresh, &dir).map_err(|e| Error::io(&dir, e))?;
        remove_dir_if_present(&old)
    }
}

/// Removes what an interrupted rebuild may have left beside `dir`.
pub fn clean_leftovers(dir: &Path) -> Result<()> {
    remove_dir_if_present(&sibling(dir, "new"))?;
    remove_dir_if_present(&sibling(dir, "old"))
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".into());
    dir.with_file_name(format!("{name}.{suffix}"))
}

fn remove_dir_if_present(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(dir, e)),
        _ => Ok(()),
    }
}

/// The generation the index in `dir` was committed at; `None` when there is no index or its
/// commit carries none.
pub fn index_generation(dir: &Path) -> Result<Option<u64>> {
    if !dir.join("meta.json").is_file() {
        return Ok(None);
    }
    let metas = Index::open_in_dir(dir)?.load_metas()?;
    Ok(metas.payload.and_then(|p| p.parse().ok()))
}

/// A date as yyyymmdd.
pub(super) fn day_number(d: crate::date::Date) -> i64 {
    d.year as i64 * 10_000 + d.month as i64 * 100 + d.day as i64
}
