//! The closed loop's event log (append-only: the schema's triggers refuse an edit or a delete)
//! and the record of each assignment, reply or rating sheet imported.

use rusqlite::{params, Row};

use super::{Change, View};
use crate::closed_loop::{Event, EventKind};
use crate::date::Date;
use crate::record::Reject;
use crate::{Error, Result};

/// What kind of sheet an import read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Assignments,
    Replies,
    Ratings,
}

impl ImportKind {
    fn stored(self) -> &'static str {
        match self {
            ImportKind::Assignments => "assignments",
            ImportKind::Replies => "replies",
            ImportKind::Ratings => "ratings",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Assignments => "交办",
            ImportKind::Replies => "答复",
            ImportKind::Ratings => "评价",
        }
    }
}

/// One imported sheet and what became of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub kind: ImportKind,
    pub started: String,
    pub finished: String,
    pub file: String,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// Accepted rows that wrote events.
    pub rows_applied: usize,
    /// Accepted rows already in the log (the same sheet imported again).
    pub rows_unchanged: usize,
    /// Events written (a reply to a merge group writes one per member).
    pub events_added: usize,
}

const EVENT_COLUMNS: &str = "seq, item, grp, day, recorded, actor, data, note, source";

fn event_row(r: &Row) -> rusqlite::Result<std::result::Result<Event, String>> {
    let seq: i64 = r.get(0)?;
    let day: String = r.get(3)?;
    let data: String = r.get(6)?;
    let kind = serde_json::from_str::<EventKind>(&data)
        .map_err(|e| format!("第 {seq} 号记录无法读取: {e}"));
    let day = Date::parse(&day).ok_or_else(|| format!("第 {seq} 号记录日期无效: {day}"));
    Ok(kind.and_then(|kind| {
        Ok(Event {
            seq,
            item: r.get(1).unwrap_or_default(),
            group: r.get(2).unwrap_or_default(),
            day: day?,
            recorded: r.get(4).unwrap_or_default(),
            actor: r.get(5).unwrap_or_default(),
            kind,
            note: r.get(7).unwrap_or_default(),
            source: r.get(8).unwrap_or_default(),
        })
    }))
}

impl View<'_> {
    fn query_events(&self, sql: &str, param: Option<&str>) -> Result<Vec<Event>> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = match param {
            Some(p) => stmt.query_map([p], event_row),
            None => stmt.query_map([], event_row),
        }
        .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let event = row
                .map_err(|e| self.err(e))?
                .map_err(|reason| Error::Store {
                    path: self.path.to_path_buf(),
                    reason,
                })?;
            out.push(event);
        }
        Ok(out)
    }

    /// One matter's events, oldest first.
    pub fn events_of(&self, item: &str) -> Result<Vec<Event>> {
        self.query_events(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE item = ?1 ORDER BY seq"),
            Some(item),
        )
    }

    /// The whole log, oldest first.
    pub fn events(&self) -> Result<Vec<Event>> {
        self.query_events(
            &format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"),
            None,
        )
    }

    pub fn event_count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// Every imported sheet, oldest first.
    pub fn imports(&self) -> Result<Vec<ImportRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, started, finished, file, rows_read, rows_accepted, rows_rejected,
                        rows_applied, rows_unchanged, events_added
                 FROM imports ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let kind: String = r.get(1)?;
                Ok(ImportRecord {
                    id: r.get(0)?,
                    kind: match kind.as_str() {
                        "ratings" => ImportKind::Ratings,
                        "assignments" => ImportKind::Assignments,
                        _ => ImportKind::Replies,
                    },
                    started: r.get(2)?,
                    finished: r.get(3)?,
                    file: r.get(4)?,
                    rows_read: r.get::<_, i64>(5)? as usize,
                    rows_accepted: r.get::<_, i64>(6)? as usize,
                    rows_rejected: r.get::<_, i64>(7)? as usize,
                    rows_applied: r.get::<_, i64>(8)? as usize,
                    rows_unchanged: r.get::<_, i64>(9)? as usize,
                    events_added: r.get::<_, i64>(10)? as usize,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The rows an import did not apply, with their reasons.
    pub fn import_rejects(&self, import: i64) -> Result<Vec<Reject>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT file, row, field, reason, content FROM import_rejects
                 WHERE import = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([import], |r| {
                Ok(Reject {
                    source: crate::record::SourceRef {
                        file: r.get(0)?,
                        row: r.get::<_, i64>(1)? as usize,
                    },
                    field: r.get(2)?,
                    reason: r.get(3)?,
                    content: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

impl Change<'_> {
    /// Appends an event; returns its number in the log.
    pub fn append_event(&self, event: &Event) -> Result<i64> {
        let data = serde_json::to_string(&event.kind).map_err(|e| Error::Store {
            path: self.view().path.to_path_buf(),
            reason: e.to_string(),
        })?;
        self.conn()
            .execute(
                "INSERT INTO events (item, grp, kind, day, recorded, actor, data, note, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    event.item,
                    event.group,
                    event.kind.key(),
                    event.day.to_string(),
                    event.recorded,
                    event.actor,
                    data,
                    event.note,
                    event.source
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Records an imported sheet with the rows it did not apply; returns its id.
    pub fn insert_import(&self, record: &ImportRecord, rejects: &[Reject]) -> Result<i64> {
        let c = self.conn();
        c.execute(
            "INSERT INTO imports (kind, started, finished, file, rows_read, rows_accepted,
                 rows_rejected, rows_applied, rows_unchanged, events_added)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                record.kind.stored(),
                record.started,
                record.finished,
                record.file,
                record.rows_read as i64,
                record.rows_accepted as i64,
                record.rows_rejected as i64,
                record.rows_applied as i64,
                record.rows_unchanged as i64,
                record.events_added as i64,
            ],
        )
        .map_err(|e| self.err(e))?;
        let id = c.last_insert_rowid();
        self.insert_rejects("import_rejects", "import", id, rejects)?;
        Ok(id)
    }
}
