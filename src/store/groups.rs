//! Merge groups: each group's representative, size, enterprises, score and shared terms (its
//! members are the items whose `group_id` names it), and the analyst's corrections.

use rusqlite::{params, OptionalExtension, Row};

use super::{Change, View};
use crate::merge::Correction;
use crate::{Error, Result};

/// One merge group as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub id: String,
    /// The representative's item id.
    pub representative: String,
    pub size: usize,
    /// Distinct (normalized) enterprises among the members.
    pub enterprises: usize,
    /// Mean similarity of the members to the representative.
    pub score: f32,
    pub shared_terms: Vec<String>,
}

fn group_row(r: &Row) -> rusqlite::Result<GroupRow> {
    let shared: String = r.get(5)?;
    Ok(GroupRow {
        id: r.get(0)?,
        representative: r.get(1)?,
        size: r.get::<_, i64>(2)? as usize,
        enterprises: r.get::<_, i64>(3)? as usize,
        score: r.get::<_, f64>(4)? as f32,
        shared_terms: serde_json::from_str(&shared).unwrap_or_default(),
    })
}

const GROUP_COLUMNS: &str = "id, representative, size, enterprises, score, shared_terms";

impl View<'_> {
    /// Every group, by id.
    pub fn groups(&self) -> Result<Vec<GroupRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {GROUP_COLUMNS} FROM groups ORDER BY id"))
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], group_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    pub fn group(&self, id: &str) -> Result<Option<GroupRow>> {
        self.conn
            .query_row(
                &format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = ?1"),
                [id],
                group_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn group_count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT count(*) FROM groups", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// Every group id in use.
    pub fn group_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM groups ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The member ids of a group, in workspace order.
    pub fn members_of(&self, group: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM items WHERE group_id = ?1 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([group], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The analyst's corrections, in the order made.
    pub fn corrections(&self) -> Result<Vec<Correction>> {
        let mut stmt = self
            .conn
            .prepare("SELECT kind, items FROM corrections ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, items) = row.map_err(|e| self.err(e))?;
            let items: Vec<String> =
                serde_json::from_str(&items).map_err(|e| Error::Workspace {
                    path: self.path.to_path_buf(),
                    reason: format!("更正记录损坏: {e}"),
                })?;
            out.push(if kind == "merge" {
                Correction::Merge { items }
            } else {
                Correction::Split { items }
            });
        }
        Ok(out)
    }
}

impl Change<'_> {
    pub fn put_group(&self, g: &GroupRow) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO groups (id, representative, size, enterprises, score, shared_terms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET representative = excluded.representative,
                     size = excluded.size, enterprises = excluded.enterprises,
                     score = excluded.score, shared_terms = excluded.shared_terms",
            )
            .and_then(|mut s| {
                s.execute(params![
                    g.id,
                    g.representative,
                    g.size as i64,
                    g.enterprises as i64,
                    g.score as f64,
                    serde_json::to_string(&g.shared_terms).unwrap_or_default(),
                ])
            })
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Recounts a group's size, enterprises and score from its members (after members joined
    /// it); its representative and shared terms stay.
    pub fn refresh_group(&self, id: &str) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE groups SET
                     size = (SELECT count(*) FROM items WHERE group_id = ?1),
                     enterprises = (SELECT count(DISTINCT enterprise) FROM items WHERE group_id = ?1),
                     score = coalesce((SELECT avg(similarity) FROM items
                                       WHERE group_id = ?1 AND id <> groups.representative), 1.0)
                 WHERE id = ?1",
            )
            .and_then(|mut s| s.execute([id]))
            .map(drop)
            .map_err(|e| self.err(e))
    }

    pub fn delete_group(&self, id: &str) -> Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM groups WHERE id = ?1")
            .and_then(|mut s| s.execute([id]))
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Records a correction after the earlier ones.
    pub fn add_correction(&self, correction: &Correction, made: &str) -> Result<()> {
        let (kind, items) = match correction {
            Correction::Merge { items } => ("merge", items),
            Correction::Split { items } => ("split", items),
        };
        self.conn()
            .execute(
                "INSERT INTO corrections (kind, items, made) VALUES (?1, ?2, ?3)",
                params![kind, serde_json::to_string(items).unwrap_or_default(), made],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }
}
