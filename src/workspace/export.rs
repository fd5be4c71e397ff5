//! The exports: every file a person reads, written from one store snapshot after each change
//! (and by `qingdan report`). Each file is written beside its final name and renamed into
//! place, so a reader never finds one half-written; none is ever read back.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Outcome, Workspace, Writer};
use crate::progress::Timing;
use crate::record::BatchRecord;
use crate::report::{
    build_lists, group_record, write_atomically, write_outputs, MemberInput, Summary,
};
use crate::store::{Detail, GroupRow, MemberRow, Setting, Store, View};
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
        Ok(write_all(&self.dir, &mut w.store)?.0)
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
        let (summary, exports) = if self.ws.write_exports {
            let (summary, exports) = write_all(&self.ws.dir, &mut self.store)?;
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
pub(super) fn write_all(dir: &Path, store: &mut Store) -> Result<(Summary, Vec<PathBuf>)> {
    let _t = Timing::start("exports");
    let snapshot = store.snapshot()?;
    let view = snapshot.view();
    let batches = view.batches()?;
    let mut warnings = Vec::new();
    for b in &batches {
        warnings.extend(view.warnings(b.id)?);
    }
    let rejects: Vec<_> = view.rejects()?.into_iter().map(|(_, r)| r).collect();
    let t = Timing::start("exports.load");
    let analysis = view.analysis(Detail::Lists)?;
    drop(t);
    let t = Timing::start("exports.lists");
    let lists = build_lists(&analysis);
    let summary = Summary::new(&batches, warnings, &analysis, &lists);
    drop(t);
    let t = Timing::start("exports.write");
    write_outputs(dir, &analysis, &lists, &summary, &rejects)?;
    drop(t);
    crate::failpoint::hit("exports-written");
    drop(analysis);
    let _t = Timing::start("exports.groups");
    write_groups_json(&dir.join("groups.json"), &view)?;
    let stale = view.exports_stale()?;
    drop(snapshot);
    if stale {
        let change = store.change()?;
        change.remove_setting(Setting::ExportsStale)?;
        change.commit()?;
    }
    Ok((summary, EXPORT_FILES.iter().map(|f| dir.join(f)).collect()))
}

/// `groups.json`, a group at a time (each member's shared terms need every member's terms,
/// which the lists leave out): one group per line. The groups are read from the store on this
/// thread and formatted and written on another, a batch at a time: reading and formatting take
/// about as long, and at a million items each takes a minute.
fn write_groups_json(path: &Path, view: &View) -> Result<()> {
    /// Groups sent to the writing thread at a time.
    const BATCH: usize = 512;
    let io = |e: std::io::Error| Error::io(path, e);
    write_atomically(path, |out| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<(GroupRow, Vec<MemberRow>)>>(4);
        std::thread::scope(|s| {
            let writer = s.spawn(move || -> Result<()> {
                out.write_all(b"[").map_err(io)?;
                let mut first = true;
                for (group, rows) in receive.into_iter().flatten() {
                    let json = group_json(path, &group, &rows)?;
                    out.write_all(if first { b"\n" } else { b",\n" })
                        .map_err(io)?;
                    first = false;
                    out.write_all(json.as_bytes()).map_err(io)?;
                }
                out.write_all(b"\n]\n").map_err(io)
            });
            let mut batch = Vec::with_capacity(BATCH);
            let read = view.for_each_group(|group, rows| {
                batch.push((group, rows));
                if batch.len() == BATCH {
                    // The writer stopped on an error: stop reading; its error is returned.
                    send.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .map_err(|_| Error::output(path, "写入线程已停止"))?;
                }
                Ok(())
            });
            if read.is_ok() && !batch.is_empty() {
                // Fails only when the writer stopped, whose error is returned below.
                let _ = send.send(batch);
            }
            drop(send);
            let written = writer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            written.and(read)
        })
    })
}

/// One group's line of `groups.json`.
fn group_json(path: &Path, group: &GroupRow, rows: &[MemberRow]) -> Result<String> {
    let members: Vec<MemberInput> = rows
        .iter()
        .map(|r| MemberInput {
            id: &r.id,
            enterprise: &r.enterprise,
            date: r.date.clone(),
            channel: &r.channel,
            text: &r.text,
            terms: r.terms.split('\n').filter(|t| !t.is_empty()).collect(),
            topic: &r.topic,
            similarity: r.similarity,
        })
        .collect();
    let record = group_record(
        &group.id,
        group.score,
        &group.shared_terms,
        &group.representative,
        &members,
    );
    serde_json::to_string(&record).map_err(|e| Error::output(path, e))
}
