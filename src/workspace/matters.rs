//! Moving matters through the loop: 交办 (an item, or a whole common problem, whose members each
//! get the event), the department's and the analyst's later steps, and 撤销 of an earlier event.
//! Each command is one transaction: every event it writes is checked against its matter's log
//! first, and a refused item named on its own refuses the whole command.

use std::collections::{BTreeMap, HashSet};

use super::loop_config::LoopConfig;
use super::Workspace;
use crate::closed_loop::state::check_append;
use crate::closed_loop::{Case, Event, EventKind, Outcome, Rating};
use crate::date::Date;
use crate::store::{now_utc, View};
use crate::{Error, Result};

/// Who records a step, and the day it happened.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub day: Date,
}

/// A step of the loop, as a command asks for it.
#[derive(Debug, Clone)]
pub enum Step {
    /// 交办; `due` defaults to the profile's reply deadline from the day, by kind of matter.
    Assign {
        lead: String,
        co: Vec<String>,
        due: Option<Date>,
        kind: Option<String>,
        profile: Option<String>,
    },
    Accept,
    Return {
        reason: String,
    },
    Extend {
        due: Date,
        reason: String,
    },
    /// 答复; the unit defaults to the matter's lead unit.
    Reply {
        text: String,
        unit: Option<String>,
        outcome: Outcome,
    },
    Rate {
        rating: Rating,
    },
    /// 重办; `due` defaults to the profile's reply deadline from the day.
    Reopen {
        due: Option<Date>,
        reason: String,
    },
    Close,
    Track {
        reason: String,
    },
    FollowUp,
}

/// What a step command wrote, and the group members it left alone (with why).
#[derive(Debug, Clone, Default)]
pub struct StepResult {
    pub written: Vec<Event>,
    pub skipped: Vec<(String, String)>,
}

/// A matter named by a command: the item, and the group it was named through.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub item: String,
    pub group: Option<String>,
}

/// Item ids stand for themselves, group ids for their members (in id order), each item once, in
/// the order named; the first unknown id is an error. `merge` and `split` name items the same way.
pub(super) fn targets(view: &View, dir: &std::path::Path, ids: &[String]) -> Result<Vec<Target>> {
    let mut out: Vec<Target> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for id in ids {
        let found: Vec<Target> = if !view.groups_of(std::slice::from_ref(id))?.is_empty() {
            vec![Target {
                item: id.clone(),
                group: None,
            }]
        } else {
            let mut members = view.members_of(id)?;
            members.sort();
            members
                .into_iter()
                .map(|item| Target {
                    item,
                    group: Some(id.clone()),
                })
                .collect()
        };
        if found.is_empty() {
            return Err(Error::Workspace {
                path: dir.to_path_buf(),
                reason: format!("没有编号或合并组“{id}”"),
            });
        }
        for t in found {
            if seen.insert(t.item.clone()) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// The events a command is adding, checked against each matter's log as it grows.
pub(super) struct Pending<'v> {
    view: &'v View<'v>,
    logs: BTreeMap<String, Vec<Event>>,
    pub events: Vec<Event>,
}

impl<'v> Pending<'v> {
    pub fn new(view: &'v View<'v>) -> Self {
        Pending {
            view,
            logs: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    /// The matter's log so far, with what this command added.
    pub fn log(&mut self, item: &str) -> Result<&Vec<Event>> {
        if !self.logs.contains_key(item) {
            let events = self.view.events_of(item)?;
            self.logs.insert(item.to_string(), events);
        }
        Ok(&self.logs[item])
    }

    /// The matter as it stands, with this command's events.
    pub fn case(&mut self, item: &str) -> Result<Case> {
        let log = self.log(item)?.clone();
        crate::closed_loop::state::fold(item, &log).map_err(|broken| Error::Workspace {
            path: self.view.path.to_path_buf(),
            reason: broken.to_string(),
        })
    }

    /// Takes back the events added after the first `mark` ones.
    pub fn truncate(&mut self, mark: usize) {
        for e in self.events.drain(mark.min(self.events.len())..) {
            if let Some(log) = self.logs.get_mut(&e.item) {
                log.pop();
            }
        }
    }

    /// Adds the event if its matter's rules allow it; `Err` carries the rule's words.
    pub fn push(&mut self, event: Event) -> Result<std::result::Result<Case, String>> {
        let log = self.log(&event.item)?;
        match check_append(&event.item, log, &event) {
            Ok(case) => {
                if let Some(log) = self.logs.get_mut(&event.item) {
                    log.push(event.clone());
                }
                self.events.push(event);
                Ok(Ok(case))
            }
            Err(e) => Ok(Err(e.to_string())),
        }
    }
}

impl Step {
    /// The event this step writes for a matter as it stands.
    fn event_kind(&self, case: &Case, day: Date, config: &LoopConfig) -> Result<EventKind> {
        Ok(match self {
            Step::Assign {
                lead,
                co,
                due,
                kind,
                profile,
            } => EventKind::Assign {
                lead: lead.trim().to_string(),
                co: co.clone(),
                due: match due {
                    Some(d) => *d,
                    None => config.profile(profile.as_deref())?.reply_due(
                        day,
                        kind.as_deref(),
                        &config.calendar,
                    ),
                },
            },
            Step::Accept => EventKind::Accept,
            Step::Return { reason } => EventKind::Return {
                reason: reason.clone(),
            },
            Step::Extend { due, reason } => EventKind::Extend {
                due: *due,
                reason: reason.clone(),
            },
            Step::Reply {
                text,
                unit,
                outcome,
            } => EventKind::Reply {
                text: text.clone(),
                unit: unit
                    .clone()
                    .or_else(|| case.lead.clone())
                    .unwrap_or_default(),
                outcome: *outcome,
            },
            Step::Rate { rating } => EventKind::Rate { rating: *rating },
            Step::Reopen { due, reason } => EventKind::Reopen {
                due: match due {
                    Some(d) => *d,
                    None => config.profile(None)?.reply_due(day, None, &config.calendar),
                },
                reason: reason.clone(),
            },
            Step::Close => EventKind::Close,
            Step::Track { reason } => EventKind::Track {
                reason: reason.clone(),
            },
            Step::FollowUp => EventKind::FollowUp,
        })
    }
}

/// One audit line per kind of step written, naming its matters.
fn audit_events(change: &crate::store::Change, actor: &str, events: &[Event]) -> Result<()> {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in events {
        by_kind.entry(e.kind.label()).or_default().push(&e.item);
    }
    for (kind, items) in by_kind {
        change.audit(actor, kind, &items.join("、"))?;
    }
    Ok(())
}

/// Writes the events and commits, or, when any named matter refused its step, writes nothing
/// and says why for each.
fn write_all_or_none(
    dir: &std::path::Path,
    change: crate::store::Change,
    mut events: Vec<Event>,
    refused: &[String],
) -> Result<Vec<Event>> {
    if !refused.is_empty() {
        return Err(Error::Workspace {
            path: dir.to_path_buf(),
            reason: format!("未做任何改动。{}", refused.join("；")),
        });
    }
    for e in &mut events {
        e.seq = change.append_event(e)?;
    }
    crate::failpoint::hit("events-appended");
    change.commit()?;
    crate::failpoint::hit("events-committed");
    Ok(events)
}

impl Workspace {
    /// Writes a step for each named matter (a group: each member). A member whose state does not
    /// allow the step is left alone and reported; an item named on its own that does not allow
    /// it refuses the whole command, and nothing is written.
    pub fn step(&self, ids: &[String], step: &Step, by: &Actor, note: &str) -> Result<StepResult> {
        let mut w = self.writer(false)?;
        let change = w.store.change()?;
        let view = change.view();
        let config = LoopConfig::load(&view)?;
        let targets = targets(&view, &self.dir, ids)?;
        let mut pending = Pending::new(&view);
        let mut skipped = Vec::new();
        let mut refused = Vec::new();
        let recorded = now_utc();
        // A matter is not assigned before it was collected (a group's later members wait).
        let collected: BTreeMap<String, Option<Date>> = if matches!(step, Step::Assign { .. }) {
            let ids: Vec<&str> = targets.iter().map(|t| t.item.as_str()).collect();
            view.items_by_ids(&ids)?
                .into_iter()
                .map(|r| (r.analyzed.item.id, r.analyzed.item.date))
                .collect()
        } else {
            BTreeMap::new()
        };
        for t in &targets {
            if let Some(Some(date)) = collected.get(&t.item) {
                if *date > by.day {
                    let why = format!("收集日期 {date} 晚于交办日期 {}", by.day);
                    match t.group {
                        Some(_) => skipped.push((t.item.clone(), why)),
                        None => refused.push(format!("{}：{why}", t.item)),
                    }
                    continue;
                }
            }
            let case = pending.case(&t.item)?;
            let kind = step.event_kind(&case, by.day, &config)?;
            let event = Event {
                seq: 0,
                item: t.item.clone(),
                group: t.group.clone(),
                day: by.day,
                recorded: recorded.clone(),
                actor: by.name.clone(),
                kind,
                note: note.to_string(),
                source: None,
            };
            if let Err(why) = pending.push(event)? {
                match t.group {
                    Some(_) => skipped.push((t.item.clone(), why)),
                    None => refused.push(format!("{}：{why}", t.item)),
                }
            }
        }
        let events = pending.events;
        audit_events(&change, self.actor(), &events)?;
        let written = write_all_or_none(&self.dir, change, events, &refused)?;
        Ok(StepResult { written, skipped })
    }

    /// 撤销: undoes earlier events by their numbers. Refused, with nothing written, when an event
    /// is unknown, already undone, or a later event stands on it.
    pub fn undo(&self, seqs: &[i64], reason: &str, by: &Actor) -> Result<StepResult> {
        let mut w = self.writer(false)?;
        let change = w.store.change()?;
        let view = change.view();
        let all = view.events()?;
        let mut pending = Pending::new(&view);
        let mut refused = Vec::new();
        let recorded = now_utc();
        for &seq in seqs {
            let Some(target) = all.iter().find(|e| e.seq == seq) else {
                refused.push(format!("没有第 {seq} 号记录"));
                continue;
            };
            let event = Event {
                seq: 0,
                item: target.item.clone(),
                group: target.group.clone(),
                day: by.day,
                recorded: recorded.clone(),
                actor: by.name.clone(),
                kind: EventKind::Undo {
                    target: seq,
                    reason: reason.to_string(),
                },
                note: String::new(),
                source: None,
            };
            if let Err(why) = pending.push(event)? {
                refused.push(format!("{}：{why}", target.item));
            }
        }
        let events = pending.events;
        audit_events(&change, self.actor(), &events)?;
        let written = write_all_or_none(&self.dir, change, events, &refused)?;
        Ok(StepResult {
            written,
            skipped: Vec::new(),
        })
    }

    /// Each named matter as it stands, with its whole log (撤销 included).
    pub fn history(&self, ids: &[String]) -> Result<Vec<(Case, Vec<Event>)>> {
        self.read(|view| {
            let targets = targets(view, &self.dir, ids)?;
            let mut pending = Pending::new(view);
            let mut out = Vec::new();
            for t in targets {
                let case = pending.case(&t.item)?;
                out.push((case, pending.log(&t.item)?.clone()));
            }
            Ok(out)
        })
    }
}
