//! Corrections an analyst makes to the merge (`qingdan merge A B`, `qingdan split A`), stored by
//! item id in the workspace and applied, in the order made, to every later run and add. A split
//! item is kept out of automatic merging; a merge joins its items whatever their similarity.
//! A later merge of a split item wins for the items it names.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// One correction, by item ids (group ids are resolved to their members when it is made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Correction {
    Merge { items: Vec<String> },
    Split { items: Vec<String> },
}

/// What the corrections amount to for one merge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    /// Items no automatic edge may touch.
    pub isolated: HashSet<String>,
    /// Sets of items that must end in one group.
    pub forced: Vec<Vec<String>>,
    /// Sets of items joined before any linking, each standing for an existing group: linking
    /// may add to them but never joins two of them (see [`super::Groups::freeze`]). Not from
    /// corrections: set by a caller merging part of a workspace.
    pub frozen: Vec<Vec<String>>,
}

impl Constraints {
    /// Folds corrections in order: a split isolates its items and takes them out of earlier
    /// merges; a merge forces its items together.
    pub fn from_corrections(corrections: &[Correction]) -> Self {
        let mut c = Constraints::default();
        for correction in corrections {
            match correction {
                Correction::Split { items } => {
                    for set in &mut c.forced {
                        set.retain(|i| !items.contains(i));
                    }
                    c.isolated.extend(items.iter().cloned());
                }
                Correction::Merge { items } => c.forced.push(items.clone()),
            }
        }
        c.forced.retain(|set| set.len() > 1);
        c
    }

    pub fn is_empty(&self) -> bool {
        self.isolated.is_empty() && self.forced.is_empty() && self.frozen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn later_corrections_win() {
        let c = Constraints::from_corrections(&[
            Correction::Merge {
                items: ids(&["a", "b", "c"]),
            },
            Correction::Split { items: ids(&["b"]) },
            Correction::Merge {
                items: ids(&["b", "d"]),
            },
        ]);
        assert_eq!(c.forced, vec![ids(&["a", "c"]), ids(&["b", "d"])]);
        assert!(c.isolated.contains("b"));
    }

    #[test]
    fn stored_form_is_readable_json() {
        let s = serde_json::to_string(&Correction::Split {
            items: ids(&["QD0001"]),
        })
        .unwrap();
        assert_eq!(s, r#"{"kind":"split","items":["QD0001"]}"#);
    }
}
