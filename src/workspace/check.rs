//! `qingdan check`: is the workspace whole? The database's own integrity check, the store's
//! invariants (every item in one existing group, sizes that match, batches whose rows add
//! up, every matter's event log a history the loop's rules allow), and an index at the store's
//! generation holding exactly the store's items.

use serde::Serialize;

use super::{ReadIndexed, Workspace};
use crate::closed_loop::state::{fold, logs_by_item};
use crate::Result;

/// What `check` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub items: usize,
    pub groups: usize,
    pub batches: usize,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    pub index_generation: u64,
    pub index_documents: u64,
    /// Entries of the closed loop's event log.
    pub events: usize,
    /// Everything wrong, in words; empty when the workspace is whole.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_whole(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Workspace {
    /// Checks the store and the index (bringing an index that is behind up to date first, as
    /// every reader does).
    pub fn check(&self) -> Result<CheckReport> {
        self.read_indexed(|r: &ReadIndexed| {
            let view = &r.view;
            let mut problems = view.integrity()?;
            problems.extend(view.check()?);
            let batches = view.batches()?;
            let items = view.item_count()?;
            let events = view.events()?;
            for (item, log) in &logs_by_item(&events) {
                if let Err(broken) = fold(item, log) {
                    problems.push(broken.to_string());
                }
            }
            let index_documents = r.index.len();
            if index_documents != items as u64 {
                problems.push(format!("索引有{index_documents}条，数据库有{items}条"));
            }
            Ok(CheckReport {
                items,
                groups: view.group_count()?,
                batches: batches.len(),
                rows_read: batches.iter().map(|b| b.rows_read).sum(),
                rows_accepted: batches.iter().map(|b| b.rows_accepted).sum(),
                rows_rejected: batches.iter().map(|b| b.rows_rejected).sum(),
                index_generation: view.index_generation()?,
                index_documents,
                events: events.len(),
                problems,
            })
        })
    }
}
