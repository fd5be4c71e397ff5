//! Reply and rating sheets into the loop. Rows are read with the ingest rules; each accepted row
//! then either writes its events, is found already in the log (the same sheet imported again
//! changes nothing), or is rejected with the rule it breaks — every row is counted once, and the
//! import is recorded with its rejects in the same transaction as its events.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::loop_config::LoopConfig;
use super::matters::Pending;
use super::reply_checks::reply_flags;
use super::Workspace;
use crate::closed_loop::reply_check::ReplyFlag;
use crate::closed_loop::sheets::{self, AssignSheet, RatingSheet, ReplySheet};
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

/// The items a row is about and the group it named, or why none can be found.
type RowItems = std::result::Result<(Vec<String>, Option<String>), String>;

/// The rows of any kind of sheet, as the import applies them.
struct SheetRow {
    source: SourceRef,
    /// The items the row is about, and the group it named, if any.
    items: RowItems,
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
    /// Refused before any event, with the reason.
    Refuse(String),
    Write(Date, EventKind),
}

impl Workspace {
    /// Imports an assignment sheet (交办表): each row assigns an item, or every member of a common
    /// problem still 待交办, to its 主办单位; the due date is the sheet's 答复期限 or the deadline
    /// profile's.
    pub fn import_assignments(
        &self,
        path: &Path,
        options: &IngestOptions,
        actor: &str,
        today: Date,
        profile: Option<&str>,
    ) -> Result<ImportSummary> {
        let sheet = sheets::read_assignments(path, options)?;
        self.import(ImportKind::Assignments, actor, |view| {
            assignment_rows(view, sheet, today, profile)
        })
    }

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
                    Effect::Refuse(why) => {
                        refused.push(if items.len() > 1 {
                            format!("{item}：{why}")
                        } else {
                            why
                        });
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
                refused.push(match kind {
                    ImportKind::Assignments => "合并组内没有待交办的条目".into(),
                    _ => "合并组内没有已交办待答复的条目".into(),
                });
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
        change.audit(
            self.actor(),
            &format!("导入{}表", record.kind.label()),
            &format!(
                "{}：{}行，写入{}条记录",
                record.file, record.rows_read, record.events_added
            ),
        )?;
        crate::failpoint::hit("events-appended");
        change.commit()?;
        crate::failpoint::hit("events-committed");
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
        let items = row_items(view, &r.target)?;
        let field = target_field(&r.target);
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

/// The field a refusal of a row about this target is reported under.
fn target_field(target: &sheets::Target) -> &'static str {
    match target {
        sheets::Target::Item(_) => "编号",
        sheets::Target::Group(_) => "合并组号",
    }
}

/// The items a sheet row names: an item by its 编号, a group by its members.
fn row_items(view: &View, target: &sheets::Target) -> Result<RowItems> {
    Ok(match target {
        sheets::Target::Item(id) => {
            if item_exists(view, id)? {
                Ok((vec![id.clone()], None))
            } else {
                Err(not_found("编号", id))
            }
        }
        sheets::Target::Group(g) => {
            let members = view.members_of(g)?;
            if members.is_empty() {
                Err(not_found("合并组", g))
            } else {
                Ok((members, Some(g.clone())))
            }
        }
    })
}

fn assignment_rows(
    view: &View,
    sheet: AssignSheet,
    today: Date,
    profile: Option<&str>,
) -> Result<SheetTally> {
    let config = LoopConfig::load(view)?;
    let profile = config.profile(profile)?;
    let mut rows = Vec::with_capacity(sheet.rows.len());
    let mut warnings = sheet.warnings;
    for r in sheet.rows {
        let items = row_items(view, &r.target)?;
        let through_group = matches!(r.target, sheets::Target::Group(_));
        // When each named item was collected: none is assigned before.
        let collected: BTreeMap<String, Option<Date>> = match &items {
            Ok((ids, _)) => view
                .items_by_ids(ids)?
                .into_iter()
                .map(|row| (row.analyzed.item.id, row.analyzed.item.date))
                .collect(),
            Err(_) => BTreeMap::new(),
        };
        let day = match r.day {
            Some(d) => d,
            None => {
                warnings.push(Warning {
                    source: r.source.clone(),
                    field: "交办日期".into(),
                    message: format!("未填交办日期，按导入当天 {today} 计"),
                });
                today
            }
        };
        let due = r
            .due
            .unwrap_or_else(|| profile.reply_due(day, r.kind.as_deref(), &config.calendar));
        let (lead, co) = (r.lead, r.co);
        let content = format!("{} {lead}", r.target.id());
        let field = target_field(&r.target);
        rows.push(SheetRow {
            source: r.source,
            items,
            field,
            content,
            event: Box::new(move |case| {
                if case.lead.as_deref() == Some(lead.as_str()) && case.assigned == Some(day) {
                    return Effect::Same;
                }
                if case.state != State::Pending && through_group {
                    return Effect::Skip;
                }
                if let Some(Some(c)) = collected.get(&case.item) {
                    if *c > day {
                        if through_group {
                            return Effect::Skip;
                        }
                        return Effect::Refuse(format!("收集日期 {c} 晚于交办日期 {day}"));
                    }
                }
                Effect::Write(
                    day,
                    EventKind::Assign {
                        lead: lead.clone(),
                        co: co.clone(),
                        due,
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
        warnings,
    })
}
