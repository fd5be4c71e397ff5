//! The loop as reports see it: every item of the workspace with its matter folded from the log,
//! how it stands against its deadlines on a given day, and what the checks find in its reply.

use super::loop_config::LoopConfig;
use super::reply_checks::flag_replies;
use super::Workspace;
use crate::closed_loop::deadlines::Urgency;
use crate::closed_loop::metrics::CaseRow;
use crate::closed_loop::state::{fold, logs_by_item};
use crate::closed_loop::{Case, Event};
use crate::date::Date;
use crate::store::{Detail, View};
use crate::{Error, Result};

/// Every matter of the workspace on a day, with the whole log.
#[derive(Debug, Clone)]
pub struct CaseBook {
    pub rows: Vec<CaseRow>,
    pub events: Vec<Event>,
    /// Matters in the log whose item a later `run` dropped (kept in the log, left out here).
    pub orphaned: Vec<String>,
    pub as_of: Date,
    /// Years the calendar does not cover among the due dates, so working days there are only
    /// weekdays (said in the report).
    pub uncovered_years: Vec<i32>,
}

/// Folds every matter, places it against the deadlines as of `as_of`, and checks its reply.
pub fn case_book(view: &View, as_of: Date) -> Result<CaseBook> {
    let config = LoopConfig::load(view)?;
    let mut book = fold_all(view, &config, as_of, false)?;
    flag_replies(view, &mut book)?;
    Ok(book)
}

/// The matters with at least one event (every one that was ever assigned), as
/// [`case_book`] has them but without the reply checks: what the loop's boards and inboxes
/// show, read without walking every item of a large workspace (the checks weigh each reply's
/// words against every item's terms).
pub fn logged_case_book(view: &View, as_of: Date) -> Result<CaseBook> {
    let config = LoopConfig::load(view)?;
    fold_all(view, &config, as_of, true)
}

fn fold_all(view: &View, config: &LoopConfig, as_of: Date, only_logged: bool) -> Result<CaseBook> {
    let events = view.events()?;
    let logs = logs_by_item(&events);
    let profile = config.profile(None)?;
    let calendar = &config.calendar;
    let mut rows = Vec::new();
    let mut years: Vec<i32> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut each = |row: crate::store::ItemRow| -> Result<()> {
        let a = &row.analyzed;
        let id = a.item.id.as_str();
        let case = match logs.get(id) {
            Some(log) => fold(id, log).map_err(|broken| Error::Workspace {
                path: view.path.to_path_buf(),
                reason: broken.to_string(),
            })?,
            None => Case::pending(id),
        };
        seen.push(id.to_string());
        let collected = a.item.date;
        let urgency = match (case.state.awaits_department(), case.due) {
            (true, Some(due)) => {
                years.push(due.year);
                Some(profile.urgency(due, as_of, calendar))
            }
            _ => None,
        };
        let opened = case.first_assigned.or(collected);
        let follow_up_due = match (case.state, opened) {
            (crate::closed_loop::State::Closed, _) | (_, None) => None,
            (_, Some(opened)) => profile.follow_up_due(opened, case.last_follow_up, as_of),
        };
        rows.push(CaseRow {
            title: a.title.clone(),
            enterprise: a.enterprise.clone(),
            topic: a.main_topic().to_string(),
            region: a.region.clone(),
            collected,
            assign_due: collected.map(|c| profile.assign_due(c, calendar)),
            urgency,
            follow_up_due,
            reply_flags: Vec::new(),
            working_days_late: match (urgency, case.due) {
                (Some(Urgency::Overdue | Urgency::Supervise), Some(due)) => {
                    Some(calendar.working_days_between(due, as_of))
                }
                _ => None,
            },
            case,
        });
        Ok(())
    };
    if only_logged {
        let ids: Vec<&str> = logs.keys().copied().collect();
        for row in view.list_rows_by_ids(&ids)? {
            each(row)?;
        }
    } else {
        view.for_each_item_with(Detail::Lists, each)?;
    }
    seen.sort();
    let orphaned: Vec<String> = logs
        .keys()
        .filter(|k| seen.binary_search_by(|s| s.as_str().cmp(k)).is_err())
        .map(|k| k.to_string())
        .collect();
    years.sort_unstable();
    years.dedup();
    years.retain(|y| !calendar.covers(*y));
    Ok(CaseBook {
        rows,
        events,
        orphaned,
        as_of,
        uncovered_years: years,
    })
}

impl Workspace {
    /// Every matter as of `as_of`, with the reply checks.
    pub fn case_book(&self, as_of: Date) -> Result<CaseBook> {
        self.read(|view| case_book(view, as_of))
    }

    /// Every matter with at least one event as of `as_of`, without the reply checks.
    pub fn logged_case_book(&self, as_of: Date) -> Result<CaseBook> {
        self.read(|view| logged_case_book(view, as_of))
    }
}
