//! Corrections (`qingdan merge`, `qingdan split`): recorded in the store, then only the groups
//! they touch are merged again, from the stored analysis — nothing is analysed again, and every
//! other group keeps its members and id. Every later add and regroup honours them.

use std::collections::{BTreeSet, HashSet};

use super::build::{merge_keeping_ids, put_groups};
use super::matters::targets;
use super::{BuiltWith, Outcome, Workspace};
use crate::merge::{Constraints, Correction};
use crate::pipeline::AnalyzedItem;
use crate::store::{now_utc, View};
use crate::{Error, Result};

impl Workspace {
    /// Resolves item or group ids (as `qingdan merge`/`split` take them) to item ids, in the
    /// order given; a group stands for its members.
    pub fn resolve_ids(&self, ids: &[String]) -> Result<Vec<String>> {
        self.read(|view| {
            Ok(targets(view, &self.dir, ids)?
                .into_iter()
                .map(|t| t.item)
                .collect())
        })
    }

    /// Records a correction and merges again the groups it touches.
    pub fn correct(&self, correction: Correction) -> Result<Outcome> {
        let mut w = self.writer(false)?;
        let change = w.store.change()?;
        let view = change.view();
        let named = match &correction {
            Correction::Merge { items } | Correction::Split { items } => items.clone(),
        };
        // Checked again under the lock: the ids must still be there.
        let present = view.groups_of(&named)?;
        if present.len() != named.len() {
            let missing: Vec<&String> = named
                .iter()
                .filter(|id| !present.iter().any(|(p, _)| p == *id))
                .collect();
            return Err(Error::Workspace {
                path: self.dir.clone(),
                reason: format!(
                    "没有编号“{}”",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            });
        }
        change.add_correction(&correction, &now_utc())?;
        let built = BuiltWith::load(&view)?;
        let constraints = Constraints::from_corrections(&view.corrections()?);
        let mut touched: BTreeSet<String> = present.into_iter().map(|(_, g)| g).collect();
        let named_ids: HashSet<&str> = named.iter().map(String::as_str).collect();
        close_over_corrections(&view, &constraints, &mut touched, &named_ids)?;
        let touched: Vec<String> = touched.into_iter().collect();
        let local: Vec<AnalyzedItem> = view
            .merge_rows_in_groups(&touched)?
            .into_iter()
            .map(|r| r.analyzed)
            .collect();
        let frequencies = view.document_frequencies()?;
        let groups = merge_keeping_ids(
            &built.merge,
            &view,
            &constraints,
            &local,
            Some(&frequencies),
        )?;
        for g in &touched {
            change.delete_group(g)?;
        }
        put_groups(&change, &local, &groups)?;
        let action = match &correction {
            Correction::Merge { .. } => "合并",
            Correction::Split { .. } => "拆开",
        };
        change.audit(self.actor(), action, &named.join("、"))?;
        change.commit()?;
        w.finish(None, groups.len(), 0)
    }
}

/// Adds to `touched` the groups that merge corrections tie to it: a correction naming an item
/// in `own` or in a touched group brings the groups of all its items, until nothing joins.
pub(super) fn close_over_corrections(
    view: &View,
    constraints: &Constraints,
    touched: &mut BTreeSet<String>,
    own: &HashSet<&str>,
) -> Result<()> {
    loop {
        let mut more: Vec<String> = Vec::new();
        for set in &constraints.forced {
            let groups: Vec<String> = view.groups_of(set)?.into_iter().map(|(_, g)| g).collect();
            let reaches = set.iter().any(|id| own.contains(id.as_str()))
                || groups.iter().any(|g| touched.contains(g));
            if reaches {
                more.extend(groups.into_iter().filter(|g| !touched.contains(g)));
            }
        }
        if more.is_empty() {
            return Ok(());
        }
        touched.extend(more);
    }
}
