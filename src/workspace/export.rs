//! The exports: every file a person reads, written from one store snapshot after each change
//! (and by `qingdan report`); after a whole build, from the items and groups it has just
//! committed, which are that snapshot's. Each file is written beside its final name and renamed
//! into place, so a reader never finds one half-written; none is ever read back.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Outcome, Workspace, Writer};
use crate::merge::Group;
use crate::pipeline::Analysis;
use crate::progress::Timing;
use crate::record::BatchRecord;
use crate::report::{build_lists, record_of, write_atomically, write_outputs, Summary};
use crate::store::{Detail, GroupRow, Setting, Store};
use crate::{Error, Result};

/// The files every change writes into the workspace, besides the index.
pub const EXPORT_FILES: [&str; 10] = [
    "report.html",
    "report.md",
    "enterprises.csv",
    "enterprises.json",
    "common_problems.csv",
    "common_problems.json",
    "items.csv",
    "summary.json",
    "rejects.csv",
    "groups.json",
];

impl Workspace {
    /// Writes every export again from the store (`qingdan report`); returns the counts.
    /// Taken under the writer lock, so the files are never written from two states at once.
    pub fn export(&self) -> Result<Summary> {
        let mut w = self.writer(false)?;
        Ok(write_all(&self.dir, &mut w.store, None)?.0)
    }
}

impl Writer {
    /// After a change: the exports, and what the command reports.
    pub(super) fn finish(
        &mut self,
        batch: Option<BatchRecord>,
        groups_rebuilt: usize,
        items_retopiced: usize,
    ) -> Result<Outcome> {
        self.finish_with(batch, groups_rebuilt, items_retopiced, None)
    }

    /// [`Writer::finish`] after a whole build, with `committed`: every item and group it just
    /// committed, as [`View::analysis`](crate::store::View::analysis) reads them back for the
    /// exports. The exports are made from it instead of reading every item back.
    pub(super) fn finish_with(
        &mut self,
        batch: Option<BatchRecord>,
        groups_rebuilt: usize,
        items_retopiced: usize,
        committed: Option<Analysis>,
    ) -> Result<Outcome> {
        let (summary, exports) = if self.ws.write_exports {
            let (summary, exports) = write_all(&self.ws.dir, &mut self.store, committed)?;
            (Some(summary), exports)
        } else {
            // Said on the workbench's home page until `qingdan report` (or its button) runs.
            let change = self.store.change()?;
            change.set_setting(Setting::ExportsStale, b"1")?;
            change.commit()?;
            (None, Vec::new())
        };
        let (items, groups) = {
            let snapshot = self.store.snapshot()?;
            let view = snapshot.view();
            (view.item_count()?, view.group_count()?)
        };
        Ok(Outcome {
            summary,
            items,
            groups,
            batch,
            groups_rebuilt,
            items_retopiced,
            exports,
        })
    }
}

/// Writes every export from one snapshot; returns the summary and the files written.
/// `committed`: the snapshot's items and groups, already in memory (see [`Writer::finish_with`]).
pub(super) fn write_all(
    dir: &Path,
    store: &mut Store,
    committed: Option<Analysis>,
) -> Result<(Summary, Vec<PathBuf>)> {
    let _t = Timing::start("exports");
    let snapshot = store.snapshot()?;
    let view = snapshot.view();
    let batches = view.batches()?;
    let mut warnings = Vec::new();
    for b in &batches {
        warnings.extend(view.warnings(b.id)?);
    }
    let rejects: Vec<_> = view.rejects()?.into_iter().map(|(_, r)| r).collect();
    let analysis = match committed {
        Some(analysis) => {
            // Every test that builds a workspace checks the two agree.
            debug_assert!(
                analysis == view.analysis(Detail::Exports)?,
                "the analysis in memory is not the one committed"
            );
            analysis
        }
        None => {
            let _t = Timing::start("exports.load");
            view.analysis(Detail::Exports)?
        }
    };
    let group_rows = view.groups()?;
    let t = Timing::start("exports.write");
    // groups.json beside the lists and the other files (it needs no list): its members are
    // formatted while they are written.
    let write = || {
        rayon::join(
            || {
                let t = Timing::start("exports.lists");
                let lists = build_lists(&analysis);
                let summary = Summary::new(&batches, warnings, &analysis, &lists);
                drop(t);
                write_outputs(dir, &analysis, &lists, &summary, &rejects).map(|()| summary)
            },
            || write_groups_json(&dir.join("groups.json"), &group_rows, &analysis),
        )
    };
    // Twice as many threads as cores: a file's thread waits for the disk at each stretch and
    // at its sync (about 0.6 s of a 100,000-item run's exports), and meanwhile another formats.
    // Written on the cores alone, the write took 0.85, 0.85, 0.81 s; this way 0.70, 0.76, 0.73.
    let (outputs, groups) = match rayon::ThreadPoolBuilder::new()
        .num_threads(2 * rayon::current_num_threads())
        .build()
    {
        Ok(pool) => pool.install(write),
        Err(_) => write(),
    };
    let summary = outputs?;
    groups?;
    drop(t);
    crate::failpoint::hit("exports-written");
    crate::memory::drop_aside((analysis, group_rows));
    let stale = view.exports_stale()?;
    drop(snapshot);
    if stale {
        let change = store.change()?;
        change.remove_setting(Setting::ExportsStale)?;
        change.commit()?;
    }
    Ok((summary, EXPORT_FILES.iter().map(|f| dir.join(f)).collect()))
}

/// `groups.json`, one group per line, from the analysis the other files were written from.
/// The members are in memory, so a stretch of groups is formatted on every core while the one
/// before is written: reading each group's members from the store was random access into the
/// items table (20 s of a run at a million items). A stretch ends after about
/// [`STRETCH_MEMBERS`] members, so its lines stay tens of megabytes however large the groups are.
fn write_groups_json(path: &Path, rows: &[GroupRow], analysis: &Analysis) -> Result<()> {
    if rows.len() != analysis.groups.len() {
        let reason = format!(
            "合并组表有{}个组，条目所属的合并组有{}个，两者不一致",
            rows.len(),
            analysis.groups.len()
        );
        return Err(Error::output(path, reason));
    }
    let io = |e: std::io::Error| Error::io(path, e);
    write_atomically(path, |out| {
        out.write_all(b"[").map_err(io)?;
        let mut first = true;
        let write = |out: &mut std::io::BufWriter<_>, lines: Vec<String>, first: &mut bool| {
            for json in lines {
                out.write_all(if *first { b"\n" } else { b",\n" })
                    .map_err(io)?;
                *first = false;
                out.write_all(json.as_bytes()).map_err(io)?;
            }
            Ok::<(), Error>(())
        };
        // Each stretch is written while the next is formatted.
        let mut formatted: Vec<String> = Vec::new();
        let mut start = 0;
        loop {
            let mut end = start;
            let mut members = 0;
            while end < rows.len() && members < STRETCH_MEMBERS {
                members += analysis.groups[end].members.len();
                end += 1;
            }
            let ready = std::mem::take(&mut formatted);
            let (written, next) = rayon::join(
                || write(out, ready, &mut first),
                || {
                    rows[start..end]
                        .par_iter()
                        .zip(&analysis.groups[start..end])
                        .map(|(row, group)| group_json(path, row, group, analysis))
                        .collect::<Result<Vec<String>>>()
                },
            );
            written?;
            formatted = next?;
            if formatted.is_empty() {
                break;
            }
            start = end;
        }
        out.write_all(b"\n]\n").map_err(io)
    })
}

/// Members whose lines of `groups.json` are formatted at a time (about 20 MB of text).
const STRETCH_MEMBERS: usize = 16_384;

/// One group's line of `groups.json`: its members from the analysis, its score as stored.
fn group_json(path: &Path, row: &GroupRow, group: &Group, analysis: &Analysis) -> Result<String> {
    if row.id != group.id {
        let reason = format!(
            "合并组表的“{}”与条目所属的合并组“{}”不对应",
            row.id, group.id
        );
        return Err(Error::output(path, reason));
    }
    let record = record_of(analysis, group, row.score);
    serde_json::to_string(&record).map_err(|e| Error::output(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_json_says_which_groups_do_not_match_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.json");
        let group = Group {
            id: "G-a".into(),
            members: Vec::new(),
            representative: 0,
            similarity: Vec::new(),
            shared_terms: Vec::new(),
        };
        let analysis = Analysis {
            items: Vec::new(),
            groups: vec![group],
        };
        let row = GroupRow {
            id: "G-b".into(),
            representative: "a".into(),
            size: 1,
            enterprises: 1,
            score: 1.0,
            shared_terms: Vec::new(),
        };
        let err = write_groups_json(&path, &[], &analysis)
            .unwrap_err()
            .to_string();
        assert!(err.contains("有0个组") && err.contains("有1个"), "{err}");
        let err = write_groups_json(&path, &[row], &analysis)
            .unwrap_err()
            .to_string();
        assert!(err.contains("“G-b”") && err.contains("“G-a”"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
