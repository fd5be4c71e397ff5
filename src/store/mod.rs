//! The store: one SQLite database per workspace (`qingdan.db`, WAL mode, SQLite bundled in the
//! binary), the workspace's only state. It holds the batches read (files, times, row counts and
//! their rejects, kept for good), every item (as written and normalized, with a past answer when
//! it came with one) with its analysis (terms, topics) and its merge group, the groups, the
//! analyst's corrections, the settings the workspace was built with, and the closed loop's
//! append-only event log with the reply and rating sheets imported into it, the workbench's
//! accounts, and the audit log of who changed what. Every file a user reads is an export made
//! from it.
//!
//! Reading goes through a [`Snapshot`] (one read transaction: a consistent view however long it
//! is held, whatever a writer does meanwhile); changing goes through a [`Change`], which takes
//! SQLite's write lock up front (`BEGIN IMMEDIATE`) and is all or nothing. The workspace-level
//! [`WriterLock`] keeps a second writing command out for the whole command, not only its
//! transaction.

mod accounts;
mod audit;
mod batches;
mod events;
mod groups;
mod items;
mod lock;
mod pages;
mod schema;
mod settings;
mod terms;

pub use accounts::{Account, Role};
pub use audit::AuditRow;
pub use events::{ImportKind, ImportRecord};
pub use groups::GroupRow;
pub use items::{content_hash, text_key, Detail, ItemRow, NewItem};
pub use lock::{wait as writer_wait, WriterLock, DEFAULT_WAIT, LOCK_FILE, WAIT_ENV};
pub use pages::{EnterpriseLine, GroupFilter, GroupLine, GroupOrder, ItemLine, Page};
pub use schema::current_version as schema_version;
pub use settings::Setting;
pub use terms::encode as encode_terms;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::{Error, Result};

/// The database's file name inside the workspace.
pub const DB_FILE: &str = "qingdan.db";

/// An open workspace database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the database of the workspace in `dir`, creating it (and applying every
    /// migration) when `create` is set and it is missing.
    pub fn open(dir: &Path, create: bool) -> Result<Self> {
        let path = dir.join(DB_FILE);
        if !create && !path.is_file() {
            return Err(Error::Workspace {
                path: dir.to_path_buf(),
                reason: format!("没有 {DB_FILE}"),
            });
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| sql(&path, e))?;
        let mut store = Store { conn, path };
        store.configure(lock::wait())?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// WAL before any transaction (it is a property of the file, kept once set); a busy
    /// timeout so a reader or a second writer waits for the lock instead of failing at once;
    /// FULL sync so a committed change survives a crash of the machine, not only of qingdan.
    fn configure(&mut self, busy: Duration) -> Result<()> {
        let p = self.path.clone();
        self.conn
            .busy_timeout(busy.max(Duration::from_millis(100)))
            .map_err(|e| sql(&p, e))?;
        // Pages of 16 KiB where the database is new (an existing one keeps its own): an item's
        // row is about 3 KB, one to a 4 KiB page, and a million of them took a million pages.
        self.conn
            .execute_batch("PRAGMA page_size = 16384")
            .map_err(|e| sql(&p, e))?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| sql(&p, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Workspace {
                path: p,
                reason: format!("数据库无法切换到 WAL 模式（{mode}）"),
            });
        }
        // A page cache of up to 256 MiB: a large batch's index pages stay in memory instead of
        // being written out and read back during the transaction.
        self.conn
            .execute_batch(
                "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144;",
            )
            .map_err(|e| sql(&p, e))
    }

    /// Applies the missing migrations in one write transaction.
    fn migrate(&mut self) -> Result<()> {
        let p = self.path.clone();
        let version = |c: &Connection| -> Result<i64> {
            c.query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| sql(&p, e))
        };
        let target = schema::current_version();
        if version(&self.conn)? == target {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql(&p, e))?;
        let found = version(&tx)?;
        if found > target {
            return Err(Error::Workspace {
                path: p,
                reason: format!(
                    "数据库版本为{found}，高于本程序支持的{target}；请使用更新版本的 qingdan"
                ),
            });
        }
        for step in &schema::MIGRATIONS[found as usize..] {
            tx.execute_batch(step).map_err(|e| sql(&p, e))?;
        }
        tx.pragma_update(None, "user_version", target)
            .map_err(|e| sql(&p, e))?;
        let change = Change { tx, path: &p };
        if found < schema::TERMS_AS_NUMBERS {
            terms::number_text_terms(&change)?;
        }
        change.commit()
    }

    /// Copies what the WAL holds into the database file (a passive checkpoint: it waits for no
    /// reader or writer). On a second `Store` of the same workspace, another thread can do it while
    /// this process reads on ([`Change::commit_leaving_checkpoint`]). Nothing is lost if it fails:
    /// the next checkpoint copies the same pages.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|e| sql(&self.path, e))
    }

    /// A consistent read-only view, held until dropped.
    pub fn snapshot(&mut self) -> Result<Snapshot<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(|e| sql(&self.path, e))?;
        // The snapshot is taken at the first read, so read now.
        tx.query_row("SELECT count(*) FROM settings", [], |_| Ok(()))
            .map_err(|e| sql(&self.path, e))?;
        Ok(Snapshot {
            tx,
            path: &self.path,
        })
    }

    /// A change: SQLite's write lock is taken now; nothing is visible to others until
    /// [`Change::commit`], and dropping it uncommitted leaves the database as it was.
    pub fn change(&mut self) -> Result<Change<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql(&self.path, e))?;
        Ok(Change {
            tx,
            path: &self.path,
        })
    }
}

/// Read access to the store, through a snapshot or inside a change.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) path: &'a Path,
}

impl View<'_> {
    /// Wraps a database error with the database's path.
    pub(crate) fn err(&self, e: rusqlite::Error) -> Error {
        sql(self.path, e)
    }

    /// SQLite's own integrity check: empty when the database file is sound.
    pub fn integrity(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let lines: Vec<String> = rows
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        Ok(lines
            .into_iter()
            .filter(|l| l != "ok")
            .map(|l| format!("数据库完整性: {l}"))
            .collect())
    }

    /// Checks the invariants every committed state keeps: each item in exactly one existing
    /// group, group sizes and representatives that match their members, current batches
    /// whose rows add up. Returns what is wrong, if anything (for tests and `qingdan check`).
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut q = |sql: &str, what: &str| -> Result<()> {
            let n: i64 = self
                .conn
                .query_row(sql, [], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            if n > 0 {
                problems.push(format!("{what}: {n}"));
            }
            Ok(())
        };
        q(
            "SELECT count(*) FROM items i LEFT JOIN groups g ON g.id = i.group_id WHERE g.id IS NULL",
            "条目所属合并组不存在",
        )?;
        q(
            "SELECT count(*) FROM groups g WHERE g.size <> (SELECT count(*) FROM items i WHERE i.group_id = g.id)",
            "合并组条数与成员不符",
        )?;
        q(
            "SELECT count(*) FROM groups g WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = g.representative AND i.group_id = g.id)",
            "代表表述不在组内",
        )?;
        q(
            "SELECT count(*) FROM items WHERE typeof(terms) <> 'blob'",
            "条目的词未按编号存储",
        )?;
        q(
            "SELECT count(*) FROM batches WHERE rows_read <> rows_accepted + rows_rejected",
            "批次行数不符",
        )?;
        q(
            "SELECT count(*) FROM batches b WHERE rows_rejected <> (SELECT count(*) FROM rejects r WHERE r.batch = b.id)",
            "批次退回行数与退回记录不符",
        )?;
        q(
            "SELECT count(*) FROM imports i WHERE rows_rejected <> (SELECT count(*) FROM import_rejects r WHERE r.import = i.id)",
            "导入退回行数与退回记录不符",
        )?;
        Ok(problems)
    }
}

/// A consistent read-only view of the store.
pub struct Snapshot<'a> {
    tx: Transaction<'a>,
    path: &'a Path,
}

impl Snapshot<'_> {
    pub fn view(&self) -> View<'_> {
        View {
            conn: &self.tx,
            path: self.path,
        }
    }
}

/// One all-or-nothing change of the store.
pub struct Change<'a> {
    tx: Transaction<'a>,
    path: &'a Path,
}

impl Change<'_> {
    pub fn view(&self) -> View<'_> {
        View {
            conn: &self.tx,
            path: self.path,
        }
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.tx
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> Error {
        sql(self.path, e)
    }

    /// Writes the change's pages to the WAL now, still uncommitted (SQLite's cache flush), and
    /// has the disk take them, so that its commit later writes and syncs little more than the
    /// commit record: a whole build does this while its index is still being filled (the sync
    /// had been most of a 100k build's 0.16 s commit). Killed before the commit, the pages are
    /// ignored.
    pub fn write_ahead(&self) -> Result<()> {
        self.conn().cache_flush().map_err(|e| self.err(e))?;
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        // Only an early start: the commit syncs the WAL itself, whatever happens here.
        if let Ok(file) = std::fs::File::open(&wal) {
            let _ = file.sync_data();
        }
        Ok(())
    }

    /// Makes the change visible and durable.
    pub fn commit(self) -> Result<()> {
        let path = self.path.to_path_buf();
        self.tx.commit().map_err(|e| sql(&path, e))
    }

    /// Commits without the checkpoint that would follow it (copying the committed pages from
    /// the WAL into the database file): for a change of hundreds of megabytes, which
    /// [`Store::checkpoint`] then copies beside other work. Committed is committed either way: the
    /// WAL is synced, and whatever copies it later (that checkpoint, the next one, or recovery
    /// after a crash) copies the same pages.
    pub fn commit_leaving_checkpoint(self) -> Result<()> {
        let set = |pages: i64| self.tx.pragma_update(None, "wal_autocheckpoint", pages);
        let pages: i64 = self
            .tx
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        set(0).map_err(|e| self.err(e))?;
        // COMMIT by hand, so the connection can be set back afterwards; the transaction then
        // finds it committed when dropped (or rolls back a failed commit).
        let committed = self.tx.execute_batch("COMMIT").map_err(|e| self.err(e));
        set(pages).map_err(|e| self.err(e))?;
        committed
    }
}

fn sql(path: &Path, e: rusqlite::Error) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Now, as UTC `yyyy-mm-ddThh:mm:ssZ`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::date::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_migrates_and_refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Store::open(dir.path(), false).is_err(), "no database yet");
        let mut store = Store::open(dir.path(), true).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema::current_version());
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(store.snapshot().unwrap().view().check().unwrap().is_empty());
        store
            .conn
            .pragma_update(None, "user_version", v + 1)
            .unwrap();
        drop(store);
        let err = Store::open(dir.path(), false).err().unwrap().to_string();
        assert!(err.contains("更新版本"), "{err}");
    }

    #[test]
    fn an_uncommitted_change_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), true).unwrap();
        {
            let change = store.change().unwrap();
            change.set_setting(Setting::IndexGeneration, b"7").unwrap();
        }
        let snap = store.snapshot().unwrap();
        assert_eq!(snap.view().setting(Setting::IndexGeneration).unwrap(), None);
    }

    #[test]
    fn a_commit_leaving_its_checkpoint_is_committed_and_checkpointed_later() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), true).unwrap();
        // A value found in the database file's bytes only once a checkpoint has copied it.
        let marker = b"commit-leaving-checkpoint-marker-0123456789";
        let in_db_file = || {
            let bytes = std::fs::read(dir.path().join(DB_FILE)).unwrap();
            bytes.windows(marker.len()).any(|w| w == marker)
        };
        // A plain commit would checkpoint at once: the WAL reaches a page.
        store
            .conn
            .pragma_update(None, "wal_autocheckpoint", 1)
            .unwrap();
        let change = store.change().unwrap();
        change.set_setting(Setting::SelfTeachers, marker).unwrap();
        change.commit_leaving_checkpoint().unwrap();
        let autocheckpoint: i64 = store
            .conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(autocheckpoint, 1, "automatic checkpoints are back on");
        // Committed: another connection sees it, from the WAL alone.
        let mut other = Store::open(dir.path(), false).unwrap();
        let seen = other
            .snapshot()
            .unwrap()
            .view()
            .setting(Setting::SelfTeachers);
        assert_eq!(seen.unwrap().as_deref(), Some(&marker[..]));
        assert!(!in_db_file(), "not checkpointed by the commit");
        other.checkpoint().unwrap();
        assert!(in_db_file(), "copied by the checkpoint");
    }

    #[test]
    fn utc_time_is_iso() {
        let t = now_utc();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T');
    }
}
