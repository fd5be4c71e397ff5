//! The audit log: every change made through a command or the workbench, with who made it,
//! written inside the change's own transaction (so it is there exactly when the change is).
//! Append-only: the schema's triggers refuse an edit or a delete.

use rusqlite::params;

use super::{now_utc, Change, View};
use crate::Result;

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub recorded: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

impl View<'_> {
    /// The newest `limit` lines after skipping `offset`, newest first, and how many there are.
    pub fn audit_page(&self, offset: usize, limit: usize) -> Result<(usize, Vec<AuditRow>)> {
        let total: i64 = self
            .conn
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, recorded, actor, action, detail FROM audit
                 ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![limit as i64, offset as i64], |r| {
                Ok(AuditRow {
                    seq: r.get(0)?,
                    recorded: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    detail: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        let rows = rows
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        Ok((total as usize, rows))
    }
}

impl View<'_> {
    /// The newest audit line's number (0 with none): it moves on with every committed change.
    pub fn last_audit_seq(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

impl Change<'_> {
    /// Records who made this change and what it was.
    pub fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO audit (recorded, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![now_utc(), actor, action, detail],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
