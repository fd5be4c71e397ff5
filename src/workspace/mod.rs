//! The workspace: a folder holding the store (`qingdan.db`, the only state), the search index
//! (`index/`, kept at the store's generation and rebuilt from the store when behind) and the
//! exports people read (CSV, JSON, Markdown, HTML), which are written from the store and never
//! read back.
//!
//! Every command that changes the workspace holds its [`WriterLock`] from start to end and
//! changes the store in one transaction, with the index committed in step ([`crate::index`]).
//! Commands that only read take a store snapshot and an index at the same generation.
//!
//! The closed loop's commands (交办, the steps of a matter, reply and rating sheets, the monthly
//! analysis) append to the store's event log in the same way; they leave the index alone.

mod accounts;
mod add;
mod build;
mod built_with;
mod cases;
mod check;
mod correct;
mod export;
mod imports;
mod legacy;
mod loop_config;
mod matters;
mod monthly;
mod reading;
mod reply_checks;
mod routing;
mod self_training;

pub use add::AddOptions;
pub use built_with::{read_while_setting_up, BuiltWith, Requested, RunSetup};
pub use cases::{case_book, logged_case_book, CaseBook};
pub use check::CheckReport;
pub use export::EXPORT_FILES;
pub use imports::ImportSummary;
pub use loop_config::{LoopConfig, LoopFiles};
pub use matters::{Actor, Step, StepResult};
pub use monthly::MonthlyOutput;
pub use reading::{BuiltPipeline, PipelineCache, ReadIndexed};
pub use routing::{suggest_units, unit_router, Suggested};

use std::path::{Path, PathBuf};

use crate::index::{clean_leftovers, index_generation, rebuild_index};
use crate::pipeline::Pipeline;
use crate::record::BatchRecord;
use crate::report::Summary;
use crate::store::{Detail, Store, WriterLock, DB_FILE, LOCK_FILE};
use crate::{Error, Result};

/// The default workspace folder, used when `run` gets no `--out`.
pub const DEFAULT_WORKSPACE: &str = "qingdan-out";

/// A workspace folder.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub dir: PathBuf,
    /// Whether changing commands write the exports after each change (the default); without,
    /// `qingdan report` writes them when wanted (loading many batches in a row).
    pub write_exports: bool,
    /// Who makes the changes, as the audit log records them (the workbench's user).
    pub actor: Option<String>,
}

/// What a changing command did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The workspace's counts after the command (what `summary.json` says); `None` when the
    /// exports were not written.
    pub summary: Option<Summary>,
    /// Items and groups in the workspace after the command.
    pub items: usize,
    pub groups: usize,
    /// The batch the command read, if it read one.
    pub batch: Option<BatchRecord>,
    /// Groups the command rebuilt (all of them for `run` and `regroup`).
    pub groups_rebuilt: usize,
    /// Items whose topics a refitted self-training changed (besides the batch's own).
    pub items_retopiced: usize,
    /// The export files written.
    pub exports: Vec<PathBuf>,
}

impl Workspace {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Workspace {
            dir: dir.into(),
            write_exports: true,
            actor: None,
        }
    }

    /// The same workspace, its changes recorded as made by `name`.
    pub fn by(mut self, name: &str) -> Self {
        self.actor = Some(name.to_string());
        self
    }

    /// Who the audit log names for this workspace's changes.
    pub fn actor(&self) -> &str {
        self.actor.as_deref().unwrap_or("命令行")
    }

    /// The same workspace, its changing commands writing no exports.
    pub fn without_exports(mut self) -> Self {
        self.write_exports = false;
        self
    }

    pub fn index_dir(&self) -> PathBuf {
        self.dir.join("index")
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    /// Whether the folder holds a workspace (the store, or the earlier folder format).
    pub fn exists(&self) -> bool {
        self.db_path().is_file() || legacy::has_old_state(&self.dir)
    }

    /// The error for a folder that holds no workspace.
    fn not_a_workspace(&self) -> Error {
        Error::Workspace {
            path: self.dir.clone(),
            reason: format!(
                "不是 qingdan 工作目录；请先运行 qingdan run --out {}",
                self.dir.display()
            ),
        }
    }

    /// Takes the writer lock and opens the store, converting a workspace of the earlier folder
    /// format first. `create` allows a new workspace in an empty folder.
    fn writer(&self, create: bool) -> Result<Writer> {
        if create {
            self.prepare_dir()?;
        } else if !self.exists() {
            return Err(self.not_a_workspace());
        }
        let lock = WriterLock::acquire(&self.dir)?;
        let converted = legacy::take_over(self)?;
        let mut store = Store::open(&self.dir, create)?;
        if converted {
            // The exports of the earlier format, written again from the store.
            export::write_all(&self.dir, &mut store, None)?;
        }
        clean_leftovers(&self.index_dir())?;
        Ok(Writer {
            _lock: lock,
            store,
            ws: self.clone(),
        })
    }

    /// A folder `run` may write into: missing, empty, or a workspace already.
    fn prepare_dir(&self) -> Result<()> {
        if self.dir.exists() && !self.exists() {
            let mut entries = std::fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
            let foreign = entries.any(|e| {
                e.map(|e| e.file_name() != LOCK_FILE && e.file_name() != DB_FILE)
                    .unwrap_or(true)
            });
            if foreign {
                return Err(Error::Workspace {
                    path: self.dir.clone(),
                    reason:
                        "目录非空且不是 qingdan 工作目录，为免覆盖他人文件，请换一个 --out 目录"
                            .into(),
                });
            }
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

impl AsRef<Path> for Workspace {
    fn as_ref(&self) -> &Path {
        &self.dir
    }
}

/// A command that changes the workspace: the writer lock, held until dropped, and the store.
struct Writer {
    _lock: WriterLock,
    store: Store,
    ws: Workspace,
}

impl Writer {
    /// Brings the index to the store's generation, rebuilding it from the store when it is
    /// behind (a command was killed between its database commit and the index's).
    fn sync_index(&mut self, pipeline: &Pipeline) -> Result<()> {
        let dir = self.ws.index_dir();
        let snapshot = self.store.snapshot()?;
        let want = snapshot.view().index_generation()?;
        if want == 0 || index_generation(&dir)? == Some(want) {
            return Ok(());
        }
        // The index keeps no terms: it cuts the text itself.
        let items = build::analysed_items(&snapshot.view(), Detail::NoTerms)?;
        drop(snapshot);
        rebuild_index(&dir, items.iter(), pipeline.analyzer.clone(), want, || {
            Ok(())
        })
    }
}
