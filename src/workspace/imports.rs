//! Reply and rating sheets into the loop. Rows are read with the ingest rules; each accepted row
//! then either writes its events, is found already in the log (the same sheet imported again
//! changes nothing), or is rejected with the rule it breaks — every row is counted once, and the
//! import is recorded with its rejects in the same transaction as its events.

use std::collections::BTreeSet;
use std::path::Path;

use super::matters::Pending;
use super::reply_checks::reply_flags;
use super::Workspace;
use crate::closed_loop::reply_check::ReplyFlag;
use crate::closed_loop::sheets::{self, RatingSheet, ReplySheet};
use crate::closed_loop::{Event, EventKind, State};
use crate::date::Date;
use crate::ingest::IngestOptions;
use crate::record::{Reject, SourceRef, Warning};
use crate::store::{now_utc, ImportKind, ImportRecord, View};
use crate::Result;

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub record: ImportRecord,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<Warning>,
    /// The events written.
    pub events: Vec<Event>,
    /// What the reply checks found in the replies written, by item.
    pub flags: Vec<(String, Vec<ReplyFlag>)>,
}

/// The rows of either kind of sheet, as the import applies them.
struct SheetRow {
    source: SourceRef,
    /// The items the row is about, and the group it named, if any.
    items: std::result::Result<(Vec<String>, Option<String>), String>,
    /// The field a refusal is reported under.
    field: &'static str,
    content: String,
    /// What the row means for an item as it stands.
    event: Box<dyn Fn(&crate::closed_loop::Case) -> Effect>,
}

/// What a row does to one of its items.
enum Effect {
    /// The log already has it.
    Same,
    /// A group member the row does not reach (not assigned, or answered and rated since).
    Skip,
    Write(Date, EventKind),
}

impl Workspace {
    /// Imports a reply sheet (答复): each row answers an item (编号) or every member of a common
    /// problem (合并组号).
    pub fn import_replies(
        &self,
        path: &Path,
        options: &IngestOptions,
        actor: &str,
    ) -> Result<ImportSummary> {
        let sheet = sheets::read_replies(path, options)?;
        self.import(ImportKind::Replies, actor, |view| reply_rows(view, sheet))
    }

    /// Imports a rating sheet (评价): each row rates the current reply of one item.
    pub fn import_ratings(
        &self,
        path: &Path,
        options: &IngestOptions,
        actor: &str,
        today: Date,
    ) -> Result<ImportSummary> {
        let sheet = sheets::read_ratings(path, options)?;
        self.import(ImportKind::Ratings, actor, |view| {
            rating_rows(view, sheet, today)
        })
    }

    fn import(
        &self,
        kind: ImportKind,
        actor: &str,
        rows: impl FnOnce(&View) -> Result<SheetTally>,
    ) -> Result<ImportSummary> {
        let started = now_utc();
        let mut w = self.writer(false)?;
        let change = w.store.change()?;
        let view = change.view();
        let SheetTally {
            file,
            rows_read,
            rows,
            mut rejects,
            warnings,
        } = rows(&view)?;
        let mut pending = Pending::new(&view);
        let (mut applied, mut unchanged) = (0usize, 0usize);
        for row in rows {
            let reject = |reason: String| Reject {
                source: row.source.clone(),
                field: row.field.to_string(),
                reason,
                content: row.content.clone(),
            };
            let (items, group) = match row.items {
                Ok(found) => found,
                Err(why) => {
                    rejects.push(reject(why));
                    continue;
                }
            };
            // A row is applied to all its items or to none, so a sheet imported again after a
            // fix finishes what the first import left.
            let mark = pending.events.len();
            let mut refused: Vec<String> = Vec::new();
            let (mut same, mut skipped) = (0usize, 0usize);
            for item in &items {
                let case = pending.case(item)?;
                let (day, kind) = match (row.event)(&case) {
                    Effect::Same => {
                        same += 1;
                        continue;
                    }
                    Effect::Skip => {
                        skipped += 1;
                        continue;
                    }
                    Effect::Write(day, kind) => (day, kind),
                };
                let event = Event {
                    seq: 0,
                    item: item.clone(),
                    group: group.clone(),
                    day,
                    recorded: started.clone(),
                    actor: actor.to_string(),
                    kind,
                    note: String::new(),
                    source: Some(format!("{}:{}", row.source.file, row.source.row)),
                };
                if let Err(why) = pending.push(event)? {
                    refused.push(if items.len() > 1 {
                        format!("{item}：{why}")
                    } else {
                        why
                    });
                }
            }
            if same == 0 && skipped == items.len() {
                refused.push("合并组内没有已交办待答复的条目".into());
            }
            if !refused.is_empty() {
                pending.truncate(mark);
                rejects.push(reject(refused.join("；")));
            } else if pending.events.len() == mark {
                unchanged += 1;
            } else {
                applied += 1;
            }
        }
        // In the sheet's order, whichever step refused them.
        rejects.sort_by_key(|r| r.source.row);
        let mut events = pending.events;
        let record = ImportRecord {
            id: 0,
            kind,
            started,
            finished: now_utc(),
            file,
            rows_read,
            rows_accepted: applied + unchanged,
            rows_rejected: rejects.len(),
            rows_applied: applied,
            rows_unchanged: unchanged,
            events_added: events.len(),
        };
        for e in &mut events {
            e.seq = change.append_event(e)?;
        }
        let id = change.insert_import(&record, &rejects)?;
        change.commit()?;
        let replied: BTreeSet<String> = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Reply { .. }))
            .map(|e| e.item.clone())
            .collect();
        let flags = if replied.is_empty() {
            Vec::new()
        } else {
            let snapshot = w.store.snapshot()?;
            let view = snapshot.view();
            reply_flags(&view, &view.events()?, Some(&replied))?
                .into_iter()
                .collect()
        };
        Ok(ImportSummary {
            record: ImportRecord { id, ..record },
            rejects,
            warnings,
            events,
            flags,
        })
    }
}

/// A sheet's rows as the import applies them, with the rows the sheet itself rejected.
struct SheetTally {
    file: String,
    rows_read: usize,
    rows: Vec<SheetRow>,
    rejects: Vec<Reject>,
    warnings: Vec<Warning>,
}

fn item_exists(view: &View, id: &str) -> Result<bool> {
    Ok(!view.groups_of(&[id])?.is_empty())
}

fn not_found(what: &str, id: &str) -> String {
    format!("工作目录中没有{what}“{id}”")
}

fn reply_rows(view: &View, sheet: ReplySheet) -> Result<SheetTally> {
    let mut rows = Vec::with_capacity(sheet.rows.len());
    for r in sheet.rows {
        let (items, field) = match &r.target {
            sheets::Target::Item(id) => (
                if item_exists(view, id)? {
                    Ok((vec![id.clone()], None))
                } else {
                    Err(not_found("编号", id))
                },
                "编号",
            ),
            sheets::Target::Group(g) => {
                let members = view.members_of(g)?;
                (
                    if members.is_empty() {
                        Err(not_found("合并组", g))
                    } else {
                        Ok((members, Some(g.clone())))
                    },
                    "合并组号",
                )
            }
        };
        let content: String = r.text.chars().take(60).collect();
        let (day, text, unit, outcome) = (r.day, r.text, r.unit, r.outcome);
        let through_group = field == "合并组号";
        rows.push(SheetRow {
            source: r.source,
            items,
            field,
            content,
            event: Box::new(move |case| {
                let same = case.reply().is_some_and(|current| {
                    current.day == day
                        && current.text == text
                        && current.outcome == outcome
                        && unit.as_ref().is_none_or(|u| *u == current.unit)
                });
                // Already answered with this very reply (and maybe rated since): nothing to add.
                if same && !case.state.awaits_department() {
                    return Effect::Same;
                }
                // A group reply reaches the members waiting for an answer; the others (not yet
                // assigned, or answered and rated on their own) keep their course.
                let reachable = case.state.awaits_department() || case.state == State::Replied;
                if through_group && !reachable {
                    return Effect::Skip;
                }
                Effect::Write(
                    day,
                    EventKind::Reply {
                        text: text.clone(),
                        unit: unit
                            .clone()
                            .or_else(|| case.lead.clone())
                            .unwrap_or_default(),
                        outcome,
                    },
                )
            }),
        });
    }
    Ok(SheetTally {
        file: sheet.file,
        rows_read: sheet.rows_read,
        rows,
        rejects: sheet.rejects,
        warnings: sheet.warnings,
    })
}

fn rating_rows(view: &View, sheet: RatingSheet, today: Date) -> Result<SheetTally> {
    let mut rows = Vec::with_capacity(sheet.rows.len());
    let mut warnings = sheet.warnings;
    for r in sheet.rows {
        let items = if item_exists(view, &r.item)? {
            Ok((vec![r.item.clone()], None))
        } else {
            Err(not_found("编号", &r.item))
        };
        let day = match r.day {
            Some(d) => d,
            None => {
                warnings.push(Warning {
                    source: r.source.clone(),
                    field: "评价时间".into(),
                    message: format!("未填评价时间，按导入当天 {today} 计"),
                });
                today
            }
        };
        let (rating, dated) = (r.rating, r.day);
        rows.push(SheetRow {
            source: r.source,
            items,
            field: "满意度",
            content: format!("{} {}", r.item, rating.label()),
            event: Box::new(move |case| {
                // The same rating of the current reply is already in the log.
                let same = case.rating() == Some(rating)
                    && dated.is_none_or(|d| case.ratings.last().is_some_and(|(rd, _)| *rd == d));
                if same && case.state != State::Replied {
                    return Effect::Same;
                }
                Effect::Write(day, EventKind::Rate { rating })
            }),
        });
    }
    Ok(SheetTally {
        file: sheet.file,
        rows_read: sheet.rows_read,
        rows,
        rejects: sheet.rejects,
        warnings,
    })
}
