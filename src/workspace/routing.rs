//! Suggesting the handling unit on a workspace: the responsibility list in force, and the
//! workspace's own past assignments (the unit each assigned matter is with now; one that was
//! returned as 非本单位职责 does not count for the unit that returned it).

use std::collections::HashMap;
use std::path::Path;

use super::loop_config::LoopConfig;
use super::matters::targets;
use super::Workspace;
use crate::closed_loop::routing::{PastAssignment, Router, Suggestion};
use crate::closed_loop::state::{fold, logs_by_item};
use crate::closed_loop::State;
use crate::store::{Detail, ItemRow, View};
use crate::Result;

/// A matter and the units suggested for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suggested {
    pub id: String,
    /// Its title, or the start of its text when it has none.
    pub title: String,
    pub topic: String,
    /// Best first.
    pub suggestions: Vec<Suggestion>,
}

/// The unit router of a workspace as it stands: its responsibility list, and every matter
/// assigned so far with the unit it is with now, in workspace order.
pub fn unit_router(view: &View) -> Result<Router> {
    let config = LoopConfig::load(view)?;
    let events = view.events()?;
    let logs = logs_by_item(&events);
    let leads: HashMap<&str, String> = logs
        .iter()
        .filter_map(|(item, log)| {
            let case = fold(item, log).ok()?;
            if case.state == State::Pending {
                return None;
            }
            Some((*item, case.lead?))
        })
        .collect();
    let ids: Vec<&str> = leads.keys().copied().collect();
    // In workspace order, as the rows come.
    let past: Vec<PastAssignment> = view
        .merge_rows_by_ids(&ids)?
        .into_iter()
        .filter_map(|r| {
            let a = r.analyzed;
            Some(PastAssignment {
                topic: a.main_topic().to_string(),
                terms: a.terms.to_vec(),
                unit: leads.get(a.item.id.as_str())?.clone(),
            })
        })
        .collect();
    Ok(Router::new(config.duties.clone(), &past))
}

/// The `k` likeliest units by `router` for each named item or group member (every matter
/// still 待交办 when `ids` is empty), in workspace order.
pub fn suggest_units(
    view: &View,
    dir: &Path,
    router: &Router,
    ids: &[String],
    k: usize,
) -> Result<Vec<Suggested>> {
    let mut asked = Vec::new();
    let mut ask = |row: ItemRow| {
        let a = row.analyzed;
        // Untitled items are shown by the start of their text.
        let title = if a.title.is_empty() {
            a.text.chars().take(24).collect()
        } else {
            a.title.clone()
        };
        asked.push(Suggested {
            suggestions: router.suggest(a.main_topic(), &a.terms.to_vec(), k),
            id: a.item.id.clone(),
            title,
            topic: a.main_topic().to_string(),
        });
    };
    if ids.is_empty() {
        let events = view.events()?;
        let logs = logs_by_item(&events);
        view.for_each_item_with(Detail::Merge, |row| {
            let pending = logs
                .get(row.analyzed.item.id.as_str())
                .and_then(|log| fold(&row.analyzed.item.id, log).ok())
                .is_none_or(|c| c.state == State::Pending);
            if pending {
                ask(row);
            }
            Ok(())
        })?;
    } else {
        // Only the named items: read those, not every item.
        let wanted: Vec<String> = targets(view, dir, ids)?
            .into_iter()
            .map(|t| t.item)
            .collect();
        view.merge_rows_by_ids(&wanted)?
            .into_iter()
            .for_each(&mut ask);
    }
    Ok(asked)
}

impl Workspace {
    /// The `k` likeliest units for each named item or group member (every matter still 待交办
    /// when `ids` is empty), in workspace order.
    pub fn suggest(&self, ids: &[String], k: usize) -> Result<Vec<Suggested>> {
        self.read(|view| suggest_units(view, &self.dir, &unit_router(view)?, ids, k))
    }
}
