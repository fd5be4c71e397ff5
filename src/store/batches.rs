//! Batches: every set of files a command read, when, how many rows it read, accepted and
//! rejected, what it did to the items, and its rejected rows and warnings. Kept for good: a
//! later `run` marks earlier batches as no longer current, it never deletes them.

use rusqlite::params;

use super::{Change, View};
use crate::record::{BatchKind, BatchRecord, Reject, SourceRef, Warning};
use crate::Result;

impl View<'_> {
    /// The current batches (since the last `run`), oldest first.
    pub fn batches(&self) -> Result<Vec<BatchRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, started, finished, files, rows_read, rows_accepted,
                        rows_rejected, items_added, items_updated, items_unchanged
                 FROM batches WHERE current = 1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let files: String = r.get(4)?;
                Ok(BatchRecord {
                    id: r.get(0)?,
                    kind: BatchKind::parse_stored(&r.get::<_, String>(1)?),
                    started: r.get(2)?,
                    finished: r.get(3)?,
                    files: serde_json::from_str(&files).unwrap_or_default(),
                    rows_read: r.get::<_, i64>(5)? as usize,
                    rows_accepted: r.get::<_, i64>(6)? as usize,
                    rows_rejected: r.get::<_, i64>(7)? as usize,
                    items_added: r.get::<_, i64>(8)? as usize,
                    items_updated: r.get::<_, i64>(9)? as usize,
                    items_unchanged: r.get::<_, i64>(10)? as usize,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The rejected rows of the current batches, batch by batch, in the order found.
    pub fn rejects(&self) -> Result<Vec<(i64, Reject)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.batch, r.file, r.row, r.field, r.reason, r.content
                 FROM rejects r JOIN batches b ON b.id = r.batch
                 WHERE b.current = 1 ORDER BY r.batch, r.seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    Reject {
                        source: SourceRef {
                            file: r.get(1)?,
                            row: r.get::<_, i64>(2)? as usize,
                        },
                        field: r.get(3)?,
                        reason: r.get(4)?,
                        content: r.get(5)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The warnings of one batch.
    pub fn warnings(&self, batch: i64) -> Result<Vec<Warning>> {
        let mut stmt = self
            .conn
            .prepare("SELECT file, row, field, message FROM warnings WHERE batch = ?1 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([batch], |r| {
                Ok(Warning {
                    source: SourceRef {
                        file: r.get(0)?,
                        row: r.get::<_, i64>(1)? as usize,
                    },
                    field: r.get(2)?,
                    message: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

impl Change<'_> {
    /// Records a batch with its rejects and warnings; returns its id.
    pub fn insert_batch(
        &self,
        record: &BatchRecord,
        rejects: &[Reject],
        warnings: &[Warning],
    ) -> Result<i64> {
        let c = self.conn();
        c.execute(
            "INSERT INTO batches (kind, started, finished, files, rows_read, rows_accepted,
                 rows_rejected, items_added, items_updated, items_unchanged)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                record.kind.stored(),
                record.started,
                record.finished,
                serde_json::to_string(&record.files).unwrap_or_default(),
                record.rows_read as i64,
                record.rows_accepted as i64,
                record.rows_rejected as i64,
                record.items_added as i64,
                record.items_updated as i64,
                record.items_unchanged as i64,
            ],
        )
        .map_err(|e| self.err(e))?;
        let id = c.last_insert_rowid();
        self.insert_rejects("rejects", "batch", id, rejects)?;
        let mut stmt = c
            .prepare(
                "INSERT INTO warnings (batch, seq, file, row, field, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(|e| self.err(e))?;
        for (seq, w) in warnings.iter().enumerate() {
            stmt.execute(params![
                id,
                seq as i64,
                w.source.file,
                w.source.row as i64,
                w.field,
                w.message
            ])
            .map_err(|e| self.err(e))?;
        }
        Ok(id)
    }

    /// Keeps the rows a batch or an import (`owner`, in column `column` of `table`) rejected.
    pub(super) fn insert_rejects(
        &self,
        table: &str,
        column: &str,
        owner: i64,
        rejects: &[Reject],
    ) -> Result<()> {
        let mut stmt = self
            .conn()
            .prepare(&format!(
                "INSERT INTO {table} ({column}, seq, file, row, field, reason, content)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))
            .map_err(|e| self.err(e))?;
        for (seq, r) in rejects.iter().enumerate() {
            stmt.execute(params![
                owner,
                seq as i64,
                r.source.file,
                r.source.row as i64,
                r.field,
                r.reason,
                r.content
            ])
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Marks every batch so far as no longer current (a `run` starts afresh).
    pub fn retire_batches(&self) -> Result<()> {
        self.conn()
            .execute("UPDATE batches SET current = 0", [])
            .map(drop)
            .map_err(|e| self.err(e))
    }
}
