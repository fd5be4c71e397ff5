//! Suggesting the handling unit on a workspace: the responsibility list in force, and the
//! workspace's own past assignments (the unit each assigned matter is with now; one that was
//! returned as 非本单位职责 does not count for the unit that returned it).

use super::loop_config::LoopConfig;
use super::matters::targets;
use super::Workspace;
use crate::closed_loop::routing::{PastAssignment, Router, Suggestion};
use crate::closed_loop::state::{fold, logs_by_item};
use crate::closed_loop::State;
use crate::store::Detail;
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

impl Workspace {
    /// The `k` likeliest units for each named item or group member (every matter still 待交办
    /// when `ids` is empty), in workspace order.
    pub fn suggest(&self, ids: &[String], k: usize) -> Result<Vec<Suggested>> {
        self.read(|view| {
            let config = LoopConfig::load(view)?;
            let events = view.events()?;
            let logs = logs_by_item(&events);
            let wanted: Option<std::collections::HashSet<String>> = if ids.is_empty() {
                None
            } else {
                Some(
                    targets(view, &self.dir, ids)?
                        .into_iter()
                        .map(|t| t.item)
                        .collect(),
                )
            };
            let mut past = Vec::new();
            let mut asked = Vec::new();
            let mut each = |row: crate::store::ItemRow| -> Result<()> {
                let a = row.analyzed;
                let case = logs
                    .get(a.item.id.as_str())
                    .and_then(|log| fold(&a.item.id, log).ok());
                let lead = case
                    .as_ref()
                    .filter(|c| c.state != State::Pending)
                    .and_then(|c| c.lead.clone());
                let pending = case.as_ref().is_none_or(|c| c.state == State::Pending);
                let want = match &wanted {
                    Some(w) => w.contains(&a.item.id),
                    None => pending,
                };
                if want {
                    // Untitled items are shown by the start of their text.
                    let title = if a.title.is_empty() {
                        a.text.chars().take(24).collect()
                    } else {
                        a.title.clone()
                    };
                    asked.push((
                        a.item.id.clone(),
                        title,
                        a.main_topic().to_string(),
                        a.terms.to_vec(),
                    ));
                }
                if let Some(unit) = lead {
                    past.push(PastAssignment {
                        topic: a.main_topic().to_string(),
                        terms: a.terms.to_vec(),
                        unit,
                    });
                }
                Ok(())
            };
            match &wanted {
                // Only the named items and the assigned ones count: read those, not every item.
                Some(w) => {
                    let mut ids: Vec<&str> = w.iter().map(String::as_str).collect();
                    ids.extend(logs.keys().copied());
                    ids.sort_unstable();
                    ids.dedup();
                    let mut rows = Vec::new();
                    for chunk in ids.chunks(500) {
                        rows.extend(view.merge_rows_by_ids(chunk)?);
                    }
                    rows.sort_by_key(|r| r.seq);
                    for row in rows {
                        each(row)?;
                    }
                }
                None => view.for_each_item_with(Detail::Merge, each)?,
            }
            let router = Router::new(config.duties.clone(), &past);
            Ok(asked
                .into_iter()
                .map(|(id, title, topic, terms)| Suggested {
                    suggestions: router.suggest(&topic, &terms, k),
                    id,
                    title,
                    topic,
                })
                .collect())
        })
    }
}
