//! Paged reads for the workbench: each page is one query that walks an index in the order
//! shown and stops after the page, so a page costs the same at 1M items as at 1,000.

use rusqlite::{params, Row};

use super::items::raw_text;
use super::View;
use crate::Result;

/// A page of rows and how many rows the whole list has.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub total: usize,
    pub rows: Vec<T>,
}

/// How the list of common problems is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOrder {
    /// Most enterprises first (the common-problem list's own order), then most items.
    Enterprises,
    /// Most items first.
    Size,
}

/// What the common-problem list filters on.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    /// Only groups raised by at least this many enterprises.
    pub min_enterprises: usize,
    /// The representative's main topic.
    pub topic: Option<String>,
    /// Words the representative's text must contain.
    pub contains: Option<String>,
}

/// One line of the common-problem list: the group with its representative's text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupLine {
    pub id: String,
    pub size: usize,
    pub enterprises: usize,
    pub score: f32,
    pub shared_terms: Vec<String>,
    pub representative: String,
    pub title: String,
    pub text: String,
    pub topic: String,
}

/// One enterprise with how much it raised.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EnterpriseLine {
    pub enterprise: String,
    pub items: usize,
    pub groups: usize,
}

/// One item as the workbench's lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemLine {
    pub id: String,
    pub enterprise: String,
    pub title: String,
    pub text: String,
    pub date: String,
    pub channel: String,
    pub region: String,
    pub topic: String,
    pub group: String,
    pub similarity: f32,
    pub source: String,
    pub answer: String,
}

const ITEM_LINE: &str = concat!(
    "id, raw_enterprise, raw_title, ",
    raw_text!(),
    ", coalesce(date, ''), raw_channel, \
     raw_region, main_topic, group_id, similarity, source_file || ' 第' || source_row || '行', \
     answer_text",
);

fn item_line(r: &Row) -> rusqlite::Result<ItemLine> {
    Ok(ItemLine {
        id: r.get(0)?,
        enterprise: r.get(1)?,
        title: r.get(2)?,
        text: r.get(3)?,
        date: r.get(4)?,
        channel: r.get(5)?,
        region: r.get(6)?,
        topic: r.get(7)?,
        group: r.get(8)?,
        similarity: r.get::<_, f64>(9)? as f32,
        source: r.get(10)?,
        answer: r.get(11)?,
    })
}

impl View<'_> {
    fn count(&self, sql: &str, p: impl rusqlite::Params) -> Result<usize> {
        self.conn
            .query_row(sql, p, |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    fn collect<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnMut(&Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map(p, f).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// A page of the common-problem list.
    pub fn group_page(
        &self,
        filter: &GroupFilter,
        order: GroupOrder,
        offset: usize,
        limit: usize,
    ) -> Result<Page<GroupLine>> {
        let order_by = match order {
            GroupOrder::Enterprises => "g.enterprises DESC, g.size DESC, g.id",
            GroupOrder::Size => "g.size DESC, g.enterprises DESC, g.id",
        };
        let filtered = filter.topic.is_some() || filter.contains.is_some();
        let from = "FROM groups g JOIN items i ON i.id = g.representative
             WHERE g.enterprises >= ?1 AND (?2 IS NULL OR i.main_topic = ?2)
               AND (?3 IS NULL OR instr(i.text, ?3) > 0)";
        let min = filter.min_enterprises as i64;
        let total = if filtered {
            self.count(
                &format!("SELECT count(*) {from}"),
                params![min, filter.topic, filter.contains],
            )?
        } else {
            // The representative always exists (`check` holds it): the index alone counts.
            self.count(
                "SELECT count(*) FROM groups g WHERE g.enterprises >= ?1",
                params![min],
            )?
        };
        let rows = self.collect(
            &format!(
                "SELECT g.id, g.size, g.enterprises, g.score, g.shared_terms, i.id, i.raw_title,
                        substr({raw_text}, 1, 200), i.main_topic
                 {from} ORDER BY {order_by} LIMIT ?4 OFFSET ?5",
                raw_text = raw_text!("i.")
            ),
            params![
                min,
                filter.topic,
                filter.contains,
                limit as i64,
                offset as i64
            ],
            |r| {
                let shared: String = r.get(4)?;
                Ok(GroupLine {
                    id: r.get(0)?,
                    size: r.get::<_, i64>(1)? as usize,
                    enterprises: r.get::<_, i64>(2)? as usize,
                    score: r.get::<_, f64>(3)? as f32,
                    shared_terms: serde_json::from_str(&shared).unwrap_or_default(),
                    representative: r.get(5)?,
                    title: r.get(6)?,
                    text: r.get(7)?,
                    topic: r.get(8)?,
                })
            },
        )?;
        Ok(Page { total, rows })
    }

    /// Enterprises by name (normalized), a page at a time, those whose name contains `contains`.
    pub fn enterprise_page(
        &self,
        contains: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Page<EnterpriseLine>> {
        let total = self.count(
            "SELECT count(DISTINCT enterprise) FROM items WHERE ?1 IS NULL OR instr(enterprise, ?1) > 0",
            params![contains],
        )?;
        let rows = self.enterprise_lines(contains, offset, limit)?;
        Ok(Page { total, rows })
    }

    /// [`View::enterprise_page`]'s rows alone.
    pub fn enterprise_lines(
        &self,
        contains: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<EnterpriseLine>> {
        self.collect(
            "SELECT enterprise, count(*), count(DISTINCT group_id) FROM items
             WHERE ?1 IS NULL OR instr(enterprise, ?1) > 0
             GROUP BY enterprise ORDER BY enterprise LIMIT ?2 OFFSET ?3",
            params![contains, limit as i64, offset as i64],
            enterprise_line,
        )
    }

    /// How many enterprises raised anything.
    pub fn enterprise_count(&self) -> Result<usize> {
        self.count("SELECT count(DISTINCT enterprise) FROM items", [])
    }

    /// Every enterprise with its counts, most items first (read whole; the caller keeps it
    /// while the store does not change).
    pub fn enterprises_by_items(&self) -> Result<Vec<EnterpriseLine>> {
        self.collect(
            "SELECT enterprise, count(*), count(DISTINCT group_id) FROM items
             GROUP BY enterprise ORDER BY count(*) DESC, enterprise",
            [],
            enterprise_line,
        )
    }

    /// One enterprise's items (its 一企一清单), a page at a time, in workspace order.
    pub fn enterprise_items(
        &self,
        enterprise: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ItemLine>> {
        let total = self.count(
            "SELECT count(*) FROM items WHERE enterprise = ?1",
            [enterprise],
        )?;
        let rows = self.collect(
            &format!(
                "SELECT {ITEM_LINE} FROM items WHERE enterprise = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3"
            ),
            params![enterprise, limit as i64, offset as i64],
            item_line,
        )?;
        Ok(Page { total, rows })
    }

    /// A group's members, a page at a time, by id.
    pub fn group_members(
        &self,
        group: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ItemLine>> {
        let total = self.count("SELECT count(*) FROM items WHERE group_id = ?1", [group])?;
        let rows = self.collect(
            &format!(
                "SELECT {ITEM_LINE} FROM items WHERE group_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3"
            ),
            params![group, limit as i64, offset as i64],
            item_line,
        )?;
        Ok(Page { total, rows })
    }

    /// The items the groups hold, by their sizes (equal to the item count in every committed
    /// state).
    pub fn items_in_all_groups(&self) -> Result<usize> {
        self.count("SELECT coalesce(sum(size), 0) FROM groups", [])
    }

    /// Items by id, as list lines, in the order given (unknown ids left out).
    pub fn item_lines<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<ItemLine>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.collect(
                &format!("SELECT {ITEM_LINE} FROM items WHERE id = ?1"),
                [id.as_ref()],
                item_line,
            )?);
        }
        Ok(out)
    }
}

fn enterprise_line(r: &Row) -> rusqlite::Result<EnterpriseLine> {
    Ok(EnterpriseLine {
        enterprise: r.get(0)?,
        items: r.get::<_, i64>(1)? as usize,
        groups: r.get::<_, i64>(2)? as usize,
    })
}
