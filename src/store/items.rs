//! Item rows: each accepted item as the user wrote it, normalized, analysed (terms, topics) and
//! placed in its merge group, with the similarity to the group's representative.

use std::path::Path;
use std::sync::mpsc::sync_channel;

use rusqlite::{params, Row};
use sha2::{Digest, Sha256};

use super::terms::TermNames;
use super::{Change, View};
use crate::date::Date;
use crate::merge::Group;
use crate::pipeline::{Analysis, AnalyzedItem};
use crate::record::{Item, PastAnswer, SourceRef};
use crate::segment::Terms;
use crate::topics::TopicAssignment;
use crate::vectors::FxMap;
use crate::{Error, Result};

/// An item as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    /// Its place in the workspace's order (first seen first; a replaced item keeps its place).
    pub seq: i64,
    /// The batch that last wrote it.
    pub batch: i64,
    pub analyzed: AnalyzedItem,
    /// The merge's exact-text key (see [`crate::merge::text_key`]).
    pub text_key: u64,
    pub group: String,
    pub similarity: f32,
}

/// An item to write: [`ItemRow`]'s fields with the analysis borrowed, so a whole build is
/// written without a copy of every item.
#[derive(Debug, Clone, Copy)]
pub struct NewItem<'a> {
    /// The batch that writes it.
    pub batch: i64,
    pub analyzed: &'a AnalyzedItem,
    /// The merge's exact-text key (see [`crate::merge::text_key`]).
    pub text_key: u64,
    pub group: &'a str,
    pub similarity: f32,
}

impl<'a> From<&'a ItemRow> for NewItem<'a> {
    fn from(r: &'a ItemRow) -> Self {
        NewItem {
            batch: r.batch,
            analyzed: &r.analyzed,
            text_key: r.text_key,
            group: &r.group,
            similarity: r.similarity,
        }
    }
}

/// Rows written per round: each round's hashes, JSON and terms are made on all threads, then
/// inserted, so a build holds a round of them rather than every item's.
const WRITE_ROUND: usize = 4096;

/// How much of each item a read brings back. Terms are most of an item's size, and raw title
/// and text (what the user wrote, before normalization) are only needed to analyse it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every field.
    Full,
    /// Terms left out (self-training reads the raw text again, not the terms).
    NoTerms,
    /// Terms and the raw title and text left out: what the lists and counts use.
    Lists,
    /// The raw title and text left out: what the exports use (`groups.json` shows the terms
    /// each member shares).
    Exports,
    /// The raw title and text left out: what the merge reads (terms, normalized text).
    Merge,
}

impl Detail {
    /// Whether the items' terms are read.
    fn reads_terms(self) -> bool {
        matches!(self, Detail::Full | Detail::Exports | Detail::Merge)
    }

    fn columns(self) -> String {
        let no_terms = |c: String| c.replace("terms,", "'' AS terms,");
        let no_raw = |c: String| {
            c.replace("raw_title,", "'' AS raw_title,")
                .replace(raw_text!(), "''")
        };
        // The merge never writes an item back, and answers can be long.
        let no_answer = |c: String| c.replace("answer_text,", "'' AS answer_text,");
        let columns = match self.reads_terms() {
            true => ITEM_COLUMNS.to_string(),
            false => no_terms(ITEM_COLUMNS.to_string()),
        };
        match self {
            Detail::Full | Detail::NoTerms => columns,
            Detail::Lists | Detail::Exports => no_raw(columns),
            Detail::Merge => no_answer(no_raw(columns)),
        }
    }
}

/// A hash of what the user wrote (not where it was read from): an item read again unchanged
/// has the same hash and is left alone. The past answer counts only when there is one, so an
/// item without one hashes as it did before answers were read (a workspace built then finds
/// its items unchanged when they are added again).
pub fn content_hash(item: &Item) -> String {
    content_hash_with_text(item, &item.text)
}

/// [`content_hash`] of `item` with `text` as its raw text (an analysed item may share it with
/// the normalized one).
fn content_hash_with_text(item: &Item, text: &str) -> String {
    let mut h = Sha256::new();
    let mut part = |part: &str| {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    };
    for p in [
        item.enterprise.as_str(),
        &item.title,
        text,
        &item.date.map(|d| d.to_string()).unwrap_or_default(),
        &item.channel,
        &item.region,
    ] {
        part(p);
    }
    if let Some(a) = &item.answer {
        // A marker no six-part hash has, then the answer's own parts.
        part("\u{0}answer");
        for p in [
            a.text.as_str(),
            &a.date.map(|d| d.to_string()).unwrap_or_default(),
            &a.unit,
            &a.result,
        ] {
            part(p);
        }
    }
    hex(&h.finalize()[..16])
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The text key as SQLite stores it (a signed 64-bit integer, the same bits).
pub fn text_key(key: u64) -> i64 {
    key as i64
}

/// The SQL of what the user wrote as the text. Most items' text is unchanged by normalization, and then
/// `raw_text` is stored empty rather than a second copy (the text of a million items is a
/// gigabyte). Lossless: an empty raw text normalizes to an empty text.
macro_rules! raw_text {
    () => {
        raw_text!("")
    };
    // Columns of the table named by this prefix ("i.").
    ($table:literal) => {
        concat!(
            "CASE ",
            $table,
            "raw_text WHEN '' THEN ",
            $table,
            "text ELSE ",
            $table,
            "raw_text END"
        )
    };
}
pub(super) use raw_text;

pub(super) const ITEM_COLUMNS: &str = concat!(
    "seq, batch, id, raw_enterprise, raw_title, ",
    raw_text!(),
    ", date, raw_channel, raw_region, source_file, source_row, enterprise, channel, region, title, text, \
     text_key, terms, topics, group_id, similarity, answer_text, answer_date, answer_unit, \
     answer_result",
);

/// The stored answer columns as an item's answer: none when the text is empty.
fn past_answer(r: &Row, first: usize) -> rusqlite::Result<Option<PastAnswer>> {
    let text: String = r.get(first)?;
    if text.is_empty() {
        return Ok(None);
    }
    let date: Option<String> = r.get(first + 1)?;
    Ok(Some(PastAnswer {
        text,
        date: date.as_deref().and_then(Date::parse),
        unit: r.get(first + 2)?,
        result: r.get(first + 3)?,
    }))
}

/// Rows named at a time on the naming thread of [`View::for_each_item_with`].
const NAMED_AT_A_TIME: usize = 1024;

/// `row` with its terms named from their stored numbers.
fn with_stored_terms(
    names: &TermNames,
    path: &Path,
    mut row: ItemRow,
    stored: &[u8],
) -> Result<ItemRow> {
    row.analyzed.terms = names.terms(stored).ok_or_else(|| Error::Workspace {
        path: path.to_path_buf(),
        reason: format!("条目“{}”的词（terms）已损坏", row.analyzed.item.id),
    })?;
    Ok(row)
}

/// The naming thread of [`View::for_each_item_with`] ended before its work was done.
fn namer_gone(path: &Path) -> Error {
    Error::Workspace {
        path: path.to_path_buf(),
        reason: "读取条目的词时内部线程意外结束".into(),
    }
}

/// An item read, with its terms still as stored (numbers, see [`super::terms`]).
pub(super) fn item_row(r: &Row) -> rusqlite::Result<(ItemRow, Vec<u8>)> {
    let date: Option<String> = r.get(6)?;
    let topics: String = r.get(18)?;
    let terms = r.get_ref(17)?.as_bytes()?.to_vec();
    let row = ItemRow {
        seq: r.get(0)?,
        batch: r.get(1)?,
        analyzed: AnalyzedItem {
            item: Item {
                id: r.get(2)?,
                enterprise: r.get(3)?,
                title: r.get(4)?,
                text: r.get(5)?,
                date: date.as_deref().and_then(Date::parse),
                channel: r.get(7)?,
                region: r.get(8)?,
                source: SourceRef {
                    file: r.get(9)?,
                    row: r.get::<_, i64>(10)? as usize,
                },
                answer: past_answer(r, 21)?,
            },
            enterprise: r.get(11)?,
            channel: r.get(12)?,
            region: r.get(13)?,
            title: r.get(14)?,
            text: r.get(15)?,
            terms: Terms::new(),
            topics: parse_topics(&topics)?,
            words: None,
        },
        text_key: r.get::<_, i64>(16)? as u64,
        group: r.get(19)?,
        similarity: r.get::<_, f64>(20)? as f32,
    };
    Ok((row, terms))
}

fn parse_topics(json: &str) -> rusqlite::Result<Vec<TopicAssignment>> {
    serde_json::from_str(json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl View<'_> {
    /// Every item and group as the pipeline's [`Analysis`]: items in workspace order, each
    /// group's members in id order (as the merge gives them), with the fields `detail` asks for.
    pub fn analysis(&self, detail: Detail) -> Result<Analysis> {
        let mut items: Vec<AnalyzedItem> = Vec::new();
        let mut places: Vec<(String, f32)> = Vec::new();
        self.for_each_item_with(detail, |r| {
            places.push((r.group, r.similarity));
            items.push(r.analyzed);
            Ok(())
        })?;
        let rows = self.groups()?;
        let at: FxMap<&str, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i))
            .collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
        for (i, (g, _)) in places.iter().enumerate() {
            let g = at.get(g.as_str()).ok_or_else(|| Error::Workspace {
                path: self.path.to_path_buf(),
                reason: format!("条目“{}”所属合并组“{g}”不存在", items[i].item.id),
            })?;
            members[*g].push(i);
        }
        let index: FxMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, a)| (a.item.id.as_str(), i))
            .collect();
        let mut groups = Vec::with_capacity(rows.len());
        for (row, mut m) in rows.iter().zip(members) {
            m.sort_by(|&a, &b| items[a].item.id.cmp(&items[b].item.id));
            let representative =
                *index
                    .get(row.representative.as_str())
                    .ok_or_else(|| Error::Workspace {
                        path: self.path.to_path_buf(),
                        reason: format!("合并组“{}”的代表表述不存在", row.id),
                    })?;
            groups.push(Group {
                id: row.id.clone(),
                similarity: m.iter().map(|&i| places[i].1).collect(),
                members: m,
                representative,
                shared_terms: row.shared_terms.clone(),
            });
        }
        Ok(Analysis { items, groups })
    }

    pub fn item_count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// The stored content hash of an id, if the workspace has it.
    pub fn content_hash_of(&self, id: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT content_hash FROM items WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// How many items have a keyword topic other than `fallback` first, with at least
    /// `min_confidence` (the self-training's teachers). The threshold is compared as the
    /// shortest decimal of the f32, which is how the topics' JSON stores confidences, so the
    /// count is the one a comparison of the f32 values gives.
    pub fn count_confident(&self, fallback: &str, min_confidence: f32) -> Result<usize> {
        let threshold: f64 = min_confidence.to_string().parse().unwrap_or(f64::INFINITY);
        self.conn
            .query_row(
                "SELECT count(*) FROM items
                 WHERE main_topic <> ?1
                   AND json_extract(topics, '$[0].method') = 'Keyword'
                   AND json_extract(topics, '$[0].confidence') >= ?2",
                rusqlite::params![fallback, threshold],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// Calls `f` on every item in workspace order, one row at a time.
    pub fn for_each_item(&self, f: impl FnMut(ItemRow) -> Result<()>) -> Result<()> {
        self.for_each_item_with(Detail::Full, f)
    }

    /// [`View::for_each_item`] with the fields `detail` asks for (the others empty).
    pub fn for_each_item_with(
        &self,
        detail: Detail,
        mut f: impl FnMut(ItemRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM items ORDER BY seq",
                detail.columns()
            ))
            .map_err(|e| self.err(e))?;
        let names = match detail.reads_terms() {
            true => Some(self.all_term_names()?),
            false => None,
        };
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let Some(names) = names else {
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                f(item_row(r).map_err(|e| self.err(e))?.0)?;
            }
            return Ok(());
        };
        // The terms are named on a second thread while the next rows are read: naming them was
        // a third of reading every item back, and the reading is one connection's, serial.
        let path = self.path;
        std::thread::scope(|s| {
            let (to_name, unnamed) = sync_channel::<Vec<(ItemRow, Vec<u8>)>>(1);
            let (named_out, named) = sync_channel::<Result<Vec<ItemRow>>>(1);
            s.spawn(move || {
                for rows in unnamed {
                    let rows = rows
                        .into_iter()
                        .map(|(row, stored)| with_stored_terms(&names, path, row, &stored))
                        .collect();
                    // The reader stopped on an error: nothing more is wanted.
                    if named_out.send(rows).is_err() {
                        break;
                    }
                }
            });
            let mut take_named = || -> Result<()> {
                let rows = named.recv().map_err(|_| namer_gone(path))??;
                rows.into_iter().try_for_each(&mut f)
            };
            // Chunks sent to be named and not yet taken back: one while rows are read.
            let mut in_flight = 0;
            loop {
                let mut chunk = Vec::with_capacity(NAMED_AT_A_TIME);
                while chunk.len() < NAMED_AT_A_TIME {
                    match rows.next().map_err(|e| self.err(e))? {
                        Some(r) => chunk.push(item_row(r).map_err(|e| self.err(e))?),
                        None => break,
                    }
                }
                let last = chunk.len() < NAMED_AT_A_TIME;
                if !chunk.is_empty() {
                    to_name.send(chunk).map_err(|_| namer_gone(path))?;
                    in_flight += 1;
                }
                while in_flight > usize::from(!last) {
                    take_named()?;
                    in_flight -= 1;
                }
                if last {
                    break;
                }
            }
            Ok(())
        })
    }

    /// Every item, in workspace order.
    pub fn items(&self) -> Result<Vec<ItemRow>> {
        let mut out = Vec::new();
        self.for_each_item(|r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// The items with these ids that exist, in workspace order.
    pub fn items_by_ids<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<ItemRow>> {
        self.items_where("id", ids, Detail::Full)
    }

    /// Every member of these groups, in workspace order.
    pub fn items_in_groups<S: AsRef<str>>(&self, groups: &[S]) -> Result<Vec<ItemRow>> {
        self.items_where("group_id", groups, Detail::Full)
    }

    /// [`View::items_by_ids`] with what the lists read only ([`Detail::Lists`]).
    pub fn list_rows_by_ids<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<ItemRow>> {
        self.items_where("id", ids, Detail::Lists)
    }

    /// [`View::items_by_ids`] with what the merge reads only ([`Detail::Merge`]).
    pub fn merge_rows_by_ids<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<ItemRow>> {
        self.items_where("id", ids, Detail::Merge)
    }

    /// [`View::items_in_groups`] with what the merge reads only ([`Detail::Merge`]).
    pub fn merge_rows_in_groups<S: AsRef<str>>(&self, groups: &[S]) -> Result<Vec<ItemRow>> {
        self.items_where("group_id", groups, Detail::Merge)
    }

    fn items_where<S: AsRef<str>>(
        &self,
        column: &str,
        values: &[S],
        detail: Detail,
    ) -> Result<Vec<ItemRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM items WHERE {column} = ?1",
                detail.columns()
            ))
            .map_err(|e| self.err(e))?;
        let mut read = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for v in values {
            if !seen.insert(v.as_ref()) {
                continue;
            }
            let rows = stmt
                .query_map([v.as_ref()], item_row)
                .map_err(|e| self.err(e))?;
            for r in rows {
                read.push(r.map_err(|e| self.err(e))?);
            }
        }
        read.sort_by_key(|(r, _): &(ItemRow, Vec<u8>)| r.seq);
        if !detail.reads_terms() {
            return Ok(read.into_iter().map(|(r, _)| r).collect());
        }
        let names = self.term_names_of(read.iter().map(|(_, t)| t.as_slice()))?;
        read.into_iter()
            .map(|(row, terms)| with_stored_terms(&names, self.path, row, &terms))
            .collect()
    }

    /// Ids and groups of the items whose normalized text has this exact-text key.
    pub fn ids_with_text_key(&self, key: u64) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, group_id FROM items WHERE text_key = ?1 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([text_key(key)], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Whether any item carries a past answer (the exports add answer columns only then).
    pub fn has_answers(&self) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM items WHERE answer_text <> '')",
                [],
                |r| r.get::<_, bool>(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The past answer of each of these ids that has one (others are left out), in the order
    /// asked.
    pub fn answers_of<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<(String, PastAnswer)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT answer_text, answer_date, answer_unit, answer_result FROM items
                 WHERE id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for id in ids {
            use rusqlite::OptionalExtension;
            let answer = stmt
                .query_row([id.as_ref()], |r| past_answer(r, 0))
                .optional()
                .map_err(|e| self.err(e))?
                .flatten();
            if let Some(a) = answer {
                out.push((id.as_ref().to_string(), a));
            }
        }
        Ok(out)
    }

    /// The normalized title and text of the item with this id.
    pub fn title_and_text(&self, id: &str) -> Result<Option<(String, String)>> {
        use rusqlite::OptionalExtension;
        self.conn
            .prepare_cached("SELECT title, text FROM items WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// The group of each of these ids (ids not in the workspace are left out).
    pub fn groups_of<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT group_id FROM items WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for id in ids {
            use rusqlite::OptionalExtension;
            if let Some(g) = stmt
                .query_row([id.as_ref()], |r| r.get::<_, String>(0))
                .optional()
                .map_err(|e| self.err(e))?
            {
                out.push((id.as_ref().to_string(), g));
            }
        }
        Ok(out)
    }
}

/// The statement that inserts an item, every column bound.
macro_rules! insert_item {
    () => {
        "INSERT INTO items (batch, id, content_hash, raw_enterprise, raw_title, raw_text,
                     date, raw_channel, raw_region, source_file, source_row, enterprise, channel,
                     region, title, text, text_key, terms, topics, main_topic, group_id,
                     similarity, answer_text, answer_date, answer_unit, answer_result)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
    };
}

/// Inserts an item (into a table without it).
const INSERT_ITEM: &str = insert_item!();

/// Inserts an item, or replaces the one of its id in place.
const UPSERT_ITEM: &str = concat!(
    insert_item!(),
    " ON CONFLICT (id) DO UPDATE SET
                     batch = excluded.batch, content_hash = excluded.content_hash,
                     raw_enterprise = excluded.raw_enterprise, raw_title = excluded.raw_title,
                     raw_text = excluded.raw_text, date = excluded.date,
                     raw_channel = excluded.raw_channel, raw_region = excluded.raw_region,
                     source_file = excluded.source_file, source_row = excluded.source_row,
                     enterprise = excluded.enterprise, channel = excluded.channel,
                     region = excluded.region, title = excluded.title, text = excluded.text,
                     text_key = excluded.text_key, terms = excluded.terms,
                     topics = excluded.topics, main_topic = excluded.main_topic,
                     group_id = excluded.group_id, similarity = excluded.similarity,
                     answer_text = excluded.answer_text, answer_date = excluded.answer_date,
                     answer_unit = excluded.answer_unit, answer_result = excluded.answer_result"
);

impl Change<'_> {
    /// Writes an item: a new id is appended at the end of the workspace's order, a known id
    /// is replaced in place.
    pub fn put_item(&self, row: &ItemRow) -> Result<()> {
        self.put_items(&[NewItem::from(row)])
    }

    /// Writes items as [`Change::put_item`] does, in order. Their terms are numbered first (the
    /// terms the store does not know yet after the stored ones); what else each row stores (its
    /// hash, its topics as JSON) is made on all threads, a round of rows at a time.
    pub fn put_items(&self, rows: &[NewItem<'_>]) -> Result<()> {
        let mut numbers = self.term_numbers()?;
        let stored: Vec<Vec<u8>> = rows
            .iter()
            .map(|r| {
                let mut out = Vec::new();
                numbers.encode(&r.analyzed.terms, &mut out);
                out
            })
            .collect();
        self.put_new_term_names(&mut numbers)?;
        self.put_items_with_terms(rows, |i, out| out.extend_from_slice(&stored[i]))
    }

    /// [`Change::put_items`] for items whose terms are kept apart from them, numbered as
    /// [`Change::replace_term_names`] numbered them: `terms(i, out)` appends the numbers of
    /// `rows[i]`'s terms (see [`super::encode_terms`]).
    pub fn put_items_with_terms(
        &self,
        rows: &[NewItem<'_>],
        terms: impl Fn(usize, &mut Vec<u8>) + Sync,
    ) -> Result<()> {
        self.write_items(UPSERT_ITEM, rows, terms)
    }

    /// [`Change::put_items_with_terms`] into a table [`Change::clear_items`] emptied: each row
    /// is inserted, and an id already written is an error. Without an upsert SQLite keeps no
    /// statement journal for each row (an upsert may have to undo its row halfway), whose
    /// pages it wrote to a temporary file: at 5,000 items 28,289 writes against 6,785.
    pub fn insert_items_with_terms(
        &self,
        rows: &[NewItem<'_>],
        terms: impl Fn(usize, &mut Vec<u8>) + Sync,
    ) -> Result<()> {
        self.write_items(INSERT_ITEM, rows, terms)
    }

    fn write_items(
        &self,
        sql: &str,
        rows: &[NewItem<'_>],
        terms: impl Fn(usize, &mut Vec<u8>) + Sync,
    ) -> Result<()> {
        use rayon::prelude::*;
        let mut stmt = self.conn().prepare_cached(sql).map_err(|e| self.err(e))?;
        for (r, round) in rows.chunks(WRITE_ROUND).enumerate() {
            let made: Vec<(String, String, Vec<u8>)> = round
                .par_iter()
                .enumerate()
                .map(|(k, row)| {
                    let a = row.analyzed;
                    let topics = serde_json::to_string(&a.topics).expect("topics serialize");
                    let hash = content_hash_with_text(&a.item, a.raw_text());
                    let mut stored = Vec::new();
                    terms(r * WRITE_ROUND + k, &mut stored);
                    (hash, topics, stored)
                })
                .collect();
            for (row, (hash, topics, terms)) in round.iter().zip(made) {
                let a = row.analyzed;
                let answer = a.item.answer.as_ref();
                stmt.execute(params![
                    row.batch,
                    a.item.id,
                    hash,
                    a.item.enterprise,
                    a.item.title,
                    if a.raw_text() == a.text {
                        ""
                    } else {
                        a.raw_text()
                    },
                    a.item.date.map(|d| d.to_string()),
                    a.item.channel,
                    a.item.region,
                    a.item.source.file,
                    a.item.source.row as i64,
                    a.enterprise,
                    a.channel,
                    a.region,
                    a.title,
                    a.text,
                    text_key(row.text_key),
                    terms,
                    topics,
                    a.main_topic(),
                    row.group,
                    row.similarity as f64,
                    answer.map_or("", |x| x.text.as_str()),
                    answer.and_then(|x| x.date).map(|d| d.to_string()),
                    answer.map_or("", |x| x.unit.as_str()),
                    answer.map_or("", |x| x.result.as_str()),
                ])
                .map_err(|e| self.err(e))?;
            }
        }
        Ok(())
    }

    /// New topics for a stored item (self-training relabelled it).
    pub fn set_topics(&self, id: &str, topics: &[TopicAssignment]) -> Result<()> {
        let json = serde_json::to_string(topics).map_err(|e| Error::Workspace {
            path: self.view().path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let main = topics.first().map(|t| t.topic.as_str()).unwrap_or("");
        self.conn()
            .prepare_cached("UPDATE items SET topics = ?2, main_topic = ?3 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, json, main]))
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Puts an item in a group, with its similarity to the group's representative.
    pub fn set_group(&self, id: &str, group: &str, similarity: f32) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE items SET group_id = ?2, similarity = ?3 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, group, similarity as f64]))
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Removes every item and group, and the terms' numbering (a `run` starts the workspace
    /// afresh).
    pub fn clear_items(&self) -> Result<()> {
        self.conn()
            .execute_batch("DELETE FROM items; DELETE FROM groups; DELETE FROM term_names;")
            .map_err(|e| self.err(e))
    }

    /// Runs `fill` (a bulk write of items) with the items' secondary indexes dropped, then
    /// builds them again from their own stored definitions, all in this transaction. Built once
    /// by sorting, an index costs a fraction of one kept up row by row: at a million items the
    /// keys (a text hash, group ids, enterprises) land on random pages far beyond the cache.
    pub fn with_item_indexes_rebuilt<T>(&self, fill: impl FnOnce() -> Result<T>) -> Result<T> {
        let indexes: Vec<(String, String)> = self
            .conn()
            .prepare(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND tbl_name = 'items' AND sql IS NOT NULL ORDER BY name",
            )
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(|e| self.err(e))?;
        for (name, _) in &indexes {
            self.conn()
                .execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .map_err(|e| self.err(e))?;
        }
        let filled = fill()?;
        for (_, sql) in &indexes {
            self.conn().execute_batch(sql).map_err(|e| self.err(e))?;
        }
        Ok(filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item as the analysis leaves it: `raw` as written, `text` normalized.
    fn analysed(id: &str, raw: &str, text: &str) -> AnalyzedItem {
        AnalyzedItem {
            item: Item {
                id: id.into(),
                enterprise: "恒通物流".into(),
                title: "标题".into(),
                text: raw.into(),
                date: None,
                channel: String::new(),
                region: String::new(),
                source: SourceRef {
                    file: "a.csv".into(),
                    row: 2,
                },
                answer: None,
            },
            enterprise: "恒通物流".into(),
            channel: String::new(),
            region: String::new(),
            title: "标题".into(),
            text: text.into(),
            terms: Default::default(),
            topics: Vec::new(),
            words: None,
        }
    }

    /// `items` as rows of a new batch, all in group `G`.
    fn new_rows<'a>(change: &Change, items: &'a [AnalyzedItem]) -> Vec<NewItem<'a>> {
        let record = crate::ingest::Batch::default()
            .record(crate::record::BatchKind::Run, super::super::now_utc());
        let batch = change.insert_batch(&record, &[], &[]).unwrap();
        items
            .iter()
            .map(|a| NewItem {
                batch,
                analyzed: a,
                text_key: 1,
                group: "G",
                similarity: 1.0,
            })
            .collect()
    }

    #[test]
    fn the_raw_text_reads_back_whether_or_not_normalization_changed_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = super::super::Store::open(dir.path(), true).unwrap();
        // A whole build keeps one copy of an unchanged text: its stored row is the same.
        let mut shared = analysed("shared", "融资难", "融资难");
        let unshared_hash = content_hash(&shared.item);
        shared.share_unchanged_text();
        assert!(shared.item.text.is_empty());
        let items = [
            analysed("same", "贷款难", "贷款难"),
            analysed("changed", "貸款難，ＡＢ", "贷款难,AB"),
            analysed("empty", "", ""),
            shared,
        ];
        let change = store.change().unwrap();
        let rows = new_rows(&change, &items);
        change
            .with_item_indexes_rebuilt(|| change.put_items(&rows))
            .unwrap();
        change.commit().unwrap();
        let snapshot = store.snapshot().unwrap();
        let view = snapshot.view();
        let strings = |sql: &str| -> Vec<String> {
            view.conn
                .prepare(sql)
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert_eq!(
            strings("SELECT raw_text FROM items ORDER BY seq"),
            ["", "貸款難，ＡＢ", "", ""],
            "one copy of an unchanged text"
        );
        assert_eq!(
            strings("SELECT content_hash FROM items WHERE id = 'shared'"),
            [unshared_hash]
        );
        for detail in [Detail::Full, Detail::NoTerms] {
            let mut read = Vec::new();
            view.for_each_item_with(detail, |r| {
                read.push((r.analyzed.item.text, r.analyzed.text));
                Ok(())
            })
            .unwrap();
            let want: Vec<(String, String)> = items
                .iter()
                .map(|a| (a.raw_text().to_string(), a.text.clone()))
                .collect();
            assert_eq!(read, want, "{detail:?}");
        }
        for detail in [Detail::Lists, Detail::Merge] {
            assert!(!detail.columns().contains("raw_text"), "{detail:?}");
        }
        assert_eq!(
            strings(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' \
                 ORDER BY name"
            ),
            [
                "items_by_enterprise",
                "items_by_group",
                "items_by_text_key",
                "sqlite_autoindex_items_1"
            ],
            "the indexes dropped for the bulk write are back"
        );
    }

    /// Items inserted into an emptied table are stored as the upsert stores them; an id
    /// written twice is an error, and the change commits nothing of it.
    #[test]
    fn inserted_items_are_the_upserted_ones_and_a_repeated_id_is_an_error() {
        let items = [
            analysed("a", "貸款難", "贷款难"),
            analysed("b", "融资难", "融资难"),
        ];
        let terms = |i: usize, out: &mut Vec<u8>| out.extend_from_slice(&[i as u8 + 1]);
        let rows_of = |insert: bool| {
            let dir = tempfile::tempdir().unwrap();
            let mut store = super::super::Store::open(dir.path(), true).unwrap();
            let change = store.change().unwrap();
            let rows = new_rows(&change, &items);
            change.clear_items().unwrap();
            if insert {
                change.insert_items_with_terms(&rows, terms).unwrap();
            } else {
                change.put_items_with_terms(&rows, terms).unwrap();
            }
            let all: Vec<String> = change
                .conn()
                .prepare("SELECT * FROM items ORDER BY seq")
                .unwrap()
                .query_map([], |r| {
                    Ok((0..r.as_ref().column_count())
                        .map(|k| format!("{:?}", r.get_ref(k).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            all
        };
        let inserted = rows_of(true);
        assert_eq!(inserted.len(), 2);
        assert_eq!(inserted, rows_of(false));

        let dir = tempfile::tempdir().unwrap();
        let mut store = super::super::Store::open(dir.path(), true).unwrap();
        let change = store.change().unwrap();
        let twice = [analysed("a", "甲", "甲"), analysed("a", "乙", "乙")];
        let rows = new_rows(&change, &twice);
        let err = change.insert_items_with_terms(&rows, terms).unwrap_err();
        assert!(err.to_string().contains("UNIQUE"), "{err}");
        drop(change);
        let snapshot = store.snapshot().unwrap();
        let count: i64 = snapshot
            .view()
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 0, "nothing of a failed change is kept");
    }

    #[test]
    fn the_hash_counts_an_answer_only_when_there_is_one() {
        let mut item = Item {
            id: "1".into(),
            enterprise: "恒通物流".into(),
            title: String::new(),
            text: "贷款难".into(),
            date: Date::new(2025, 3, 1),
            channel: "走访".into(),
            region: "江北区".into(),
            source: SourceRef {
                file: "a.csv".into(),
                row: 2,
            },
            answer: None,
        };
        // The hash before answers were read (the six fields, length-prefixed, in SHA-256):
        // workspaces built then keep their items unchanged on re-add.
        assert_eq!(content_hash(&item), "d3c26f88f110945b3d378d8f8ae70568");
        item.answer = Some(PastAnswer {
            text: "已协调".into(),
            date: None,
            unit: String::new(),
            result: String::new(),
        });
        let answered = content_hash(&item);
        assert_ne!(answered, "d3c26f88f110945b3d378d8f8ae70568");
        item.answer.as_mut().unwrap().unit = "市金融局".into();
        assert_ne!(content_hash(&item), answered);
    }

    fn with_terms(id: &str, terms: &[&str]) -> AnalyzedItem {
        let mut a = analysed(id, "贷款难", "贷款难");
        a.terms = terms.iter().collect();
        a
    }

    fn put(store: &mut super::super::Store, items: &[AnalyzedItem]) {
        let change = store.change().unwrap();
        change.put_items(&new_rows(&change, items)).unwrap();
        change.commit().unwrap();
    }

    /// Every item's terms, read all at once and by id.
    fn stored_terms(store: &mut super::super::Store) -> (Vec<String>, Vec<String>) {
        let snapshot = store.snapshot().unwrap();
        let view = snapshot.view();
        let mut all = Vec::new();
        view.for_each_item_with(Detail::Merge, |r| {
            all.push(r.analyzed.terms.joined().to_string());
            Ok(())
        })
        .unwrap();
        let ids: Vec<String> = view
            .items()
            .unwrap()
            .into_iter()
            .map(|r| r.analyzed.item.id)
            .collect();
        let by_id = view
            .merge_rows_by_ids(&ids)
            .unwrap()
            .into_iter()
            .map(|r| r.analyzed.terms.joined().to_string())
            .collect();
        (all, by_id)
    }

    #[test]
    fn terms_are_stored_as_numbers_and_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = super::super::Store::open(dir.path(), true).unwrap();
        put(
            &mut store,
            &[
                with_terms("a", &["贷款", "抵押", "贷款"]),
                with_terms("b", &[]),
            ],
        );
        // A later write numbers only the terms it brings new; a replaced item is renumbered.
        put(
            &mut store,
            &[
                with_terms("c", &["抵押", "厂房"]),
                with_terms("a", &["贷款", "利率"]),
            ],
        );
        let want: Vec<String> = ["贷款\n利率", "", "抵押\n厂房"].map(String::from).to_vec();
        assert_eq!(stored_terms(&mut store), (want.clone(), want));
        let snapshot = store.snapshot().unwrap();
        let names: Vec<(i64, String)> = snapshot
            .view()
            .conn
            .prepare("SELECT id, name FROM term_names ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let names: Vec<(i64, &str)> = names.iter().map(|(i, n)| (*i, n.as_str())).collect();
        assert_eq!(names, [(0, "贷款"), (1, "抵押"), (2, "厂房"), (3, "利率")]);
        let blob: Vec<u8> = snapshot
            .view()
            .conn
            .query_row("SELECT terms FROM items WHERE id = 'c'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(blob, [1, 2]);
    }

    #[test]
    fn damaged_stored_terms_are_an_error_naming_the_item() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = super::super::Store::open(dir.path(), true).unwrap();
        put(&mut store, &[with_terms("a", &["贷款"])]);
        for damage in ["X'80'", "X'05'"] {
            let change = store.change().unwrap();
            change
                .conn()
                .execute_batch(&format!("UPDATE items SET terms = {damage}"))
                .unwrap();
            change.commit().unwrap();
            let snapshot = store.snapshot().unwrap();
            let err = snapshot
                .view()
                .for_each_item(|_| Ok(()))
                .unwrap_err()
                .to_string();
            assert!(err.contains("条目“a”的词"), "{err}");
            let err = snapshot
                .view()
                .items_by_ids(&["a"])
                .unwrap_err()
                .to_string();
            assert!(err.contains("条目“a”的词"), "{err}");
        }
    }

    #[test]
    fn reading_every_item_names_terms_across_chunks_in_order_and_stops_at_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = super::super::Store::open(dir.path(), true).unwrap();
        // More than two chunks of the naming thread, the last one short.
        let n = 2 * NAMED_AT_A_TIME + 7;
        let terms: Vec<Vec<String>> = (0..n)
            .map(|i| (0..i % 5).map(|k| format!("词{}", (i + k) % 97)).collect())
            .collect();
        let items: Vec<AnalyzedItem> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let t: Vec<&str> = t.iter().map(String::as_str).collect();
                with_terms(&format!("i{i:05}"), &t)
            })
            .collect();
        put(&mut store, &items);
        let read = |store: &mut super::super::Store| {
            let snapshot = store.snapshot().unwrap();
            let mut seen = Vec::new();
            let done = snapshot.view().for_each_item_with(Detail::Merge, |r| {
                let t: Vec<String> = r.analyzed.terms.iter().map(String::from).collect();
                seen.push((r.analyzed.item.id, t));
                Ok(())
            });
            (done, seen)
        };
        let (done, seen) = read(&mut store);
        done.unwrap();
        let want: Vec<(String, Vec<String>)> = (0..n)
            .map(|i| (format!("i{i:05}"), terms[i].clone()))
            .collect();
        assert_eq!(seen, want);

        // `f` failing stops the read with its error, whichever chunk it is in.
        let snapshot = store.snapshot().unwrap();
        let mut calls = 0;
        let err = snapshot
            .view()
            .for_each_item_with(Detail::Merge, |_| {
                calls += 1;
                match calls > NAMED_AT_A_TIME + 3 {
                    true => Err(Error::Workspace {
                        path: dir.path().to_path_buf(),
                        reason: "停".into(),
                    }),
                    false => Ok(()),
                }
            })
            .unwrap_err();
        assert!(err.to_string().contains('停'), "{err}");
        assert_eq!(calls, NAMED_AT_A_TIME + 4);
        drop(snapshot);

        // Damaged terms in the second chunk: the items before it are read, then the error.
        let damaged = format!("i{:05}", NAMED_AT_A_TIME + 2);
        let change = store.change().unwrap();
        change
            .conn()
            .execute("UPDATE items SET terms = X'80' WHERE id = ?1", [&damaged])
            .unwrap();
        change.commit().unwrap();
        let (done, seen) = read(&mut store);
        let err = done.unwrap_err().to_string();
        assert!(err.contains(&format!("条目“{damaged}”的词")), "{err}");
        assert_eq!(seen, want[..NAMED_AT_A_TIME]);
    }

    #[test]
    fn opening_a_version_3_workspace_numbers_its_text_terms() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(super::super::DB_FILE);
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for step in &super::super::schema::MIGRATIONS[..3] {
                conn.execute_batch(step).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            conn.execute_batch(
                "INSERT INTO batches VALUES (1, 'run', 't', 't', '[]', 2, 2, 0, 2, 0, 0, 1);
                 INSERT INTO groups VALUES ('G', 'x', 2, 1, 1.0, '[]');",
            )
            .unwrap();
            for (id, terms) in [("x", "融资\n贷款\n融资"), ("y", "")] {
                conn.execute(
                    "INSERT INTO items (id, batch, content_hash, raw_enterprise, raw_title,
                         raw_text, raw_channel, raw_region, source_file, source_row, enterprise,
                         channel, region, title, text, text_key, terms, topics, main_topic,
                         group_id, similarity)
                     VALUES (?1, 1, 'h', 'e', '', '', '', '', 'a.csv', 2, 'e', '', '', '', '贷款',
                         1, ?2, '[]', '', 'G', 1.0)",
                    rusqlite::params![id, terms],
                )
                .unwrap();
            }
        }
        let mut store = super::super::Store::open(dir.path(), false).unwrap();
        let want: Vec<String> = ["融资\n贷款\n融资", ""].map(String::from).to_vec();
        assert_eq!(stored_terms(&mut store), (want.clone(), want));
        assert!(store.snapshot().unwrap().view().check().unwrap().is_empty());
        // Terms written after the upgrade number on from the converted ones.
        put(&mut store, &[with_terms("z", &["贷款", "厂房"])]);
        let (all, _) = stored_terms(&mut store);
        assert_eq!(all[2], "贷款\n厂房");
    }
}
