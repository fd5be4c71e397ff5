//! Workspaces of the earlier folder format (state in `items.jsonl`, `analysis.json`,
//! `corrections.json` and `dicts/`) are taken over into the store on first use: the items with
//! their analysis, the groups with their ids, the corrections and the dictionaries as they
//! were, so nothing is analysed again. The old state files are removed only once the store
//! holds them (a conversion killed half-way leaves them, and runs again).

use std::path::Path;

use serde::Deserialize;

use super::built_with::BuiltWith;
use super::self_training::SelfModel;
use super::Workspace;
use crate::dicts::Dicts;
use crate::index::rebuild_index;
use crate::merge::Correction;
use crate::pipeline::Analysis;
use crate::progress::Progress;
use crate::record::{BatchKind, BatchRecord, Item, Reject, SourceRef};
use crate::store::{now_utc, Change, Setting, Store};
use crate::topics::TopicMethod;
use crate::vectors::DocumentFrequencies;
use crate::{Error, Result};

/// The earlier format's state files (and folder), removed after the conversion.
const OLD_STATE: [&str; 3] = ["items.jsonl", "analysis.json", "corrections.json"];
const OLD_DICTS: &str = "dicts";

/// Whether `dir` holds state of the earlier folder format.
pub(super) fn has_old_state(dir: &Path) -> bool {
    dir.join(OLD_STATE[0]).is_file()
}

/// Whether the store already holds what the old state files held.
fn taken_over(store: &mut Store) -> Result<bool> {
    let snapshot = store.snapshot()?;
    Ok(!snapshot.view().batches()?.is_empty())
}

/// Converts the workspace in `ws` if it still needs it, then removes the old state files;
/// returns whether it converted. The caller holds the writer lock.
pub(super) fn take_over(ws: &Workspace) -> Result<bool> {
    if !has_old_state(&ws.dir) {
        return Ok(false);
    }
    let mut store = Store::open(&ws.dir, true)?;
    let converted = !taken_over(&mut store)?;
    if converted {
        convert(ws, &mut store)?;
    }
    for name in OLD_STATE {
        let path = ws.dir.join(name);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    let dicts = ws.dir.join(OLD_DICTS);
    if dicts.is_dir() {
        std::fs::remove_dir_all(&dicts).map_err(|e| Error::io(&dicts, e))?;
    }
    Ok(converted)
}

/// The counts the old `summary.json` kept of its files.
#[derive(Deserialize, Default)]
struct OldSummary {
    #[serde(default)]
    files: Vec<String>,
}

fn convert(ws: &Workspace, store: &mut Store) -> Result<()> {
    let dir = &ws.dir;
    let dicts_dir = dir.join(OLD_DICTS);
    let dicts = Dicts::load(dicts_dir.is_dir().then_some(dicts_dir.as_path()))?;
    let mut built = BuiltWith::from_request(super::Requested {
        dicts: Some(dicts),
        model: None,
    })?;
    let pipeline = built.pipeline()?;
    let analysis: Analysis = match read_json(&dir.join("analysis.json"))? {
        Some(a) => a,
        None => {
            // The oldest workspaces kept only the items: analyse them once, here.
            let items = read_items(&dir.join(OLD_STATE[0]))?;
            pipeline.run(items, &Progress::hidden())
        }
    };
    // A workspace built with a learned model did not keep the model.
    let from_model = analysis
        .items
        .iter()
        .any(|a| a.topics.iter().any(|t| t.method == TopicMethod::Model));
    built.model_missing = from_model;
    let corrections: Vec<Correction> =
        read_json(&dir.join("corrections.json"))?.unwrap_or_default();
    let rejects = read_rejects(&dir.join("rejects.csv"))?;
    let files = read_json::<OldSummary>(&dir.join("summary.json"))
        .ok()
        .flatten()
        .unwrap_or_default()
        .files;

    let change = store.change()?;
    let record = BatchRecord {
        id: 0,
        kind: BatchKind::Convert,
        started: now_utc(),
        finished: now_utc(),
        files,
        rows_read: analysis.items.len() + rejects.len(),
        rows_accepted: analysis.items.len(),
        rows_rejected: rejects.len(),
        items_added: analysis.items.len(),
        items_updated: 0,
        items_unchanged: 0,
    };
    let batch = change.insert_batch(&record, &rejects, &[])?;
    write_analysis(&change, &analysis, batch)?;
    for c in &corrections {
        change.add_correction(c, "旧版工作目录")?;
    }
    built.save(&change)?;
    SelfModel {
        model: None,
        teachers: 0,
    }
    .save(&change)?;
    let generation = change.next_index_generation()?;
    rebuild_index(
        &ws.index_dir(),
        analysis.items.iter(),
        pipeline.analyzer.clone(),
        generation,
        || change.commit(),
    )
}

/// The items, their groups and the document frequencies, as the analysis has them.
fn write_analysis(change: &Change, analysis: &Analysis, batch: i64) -> Result<()> {
    let items = &analysis.items;
    let frequencies = DocumentFrequencies::of_items(items, |a| a.terms.iter(), |a| a.text.as_str());
    let text_keys = super::build::text_keys(items);
    let rows = super::build::item_rows(items, &text_keys, &analysis.groups, batch);
    change.put_items(&rows)?;
    super::build::put_groups(change, items, &analysis.groups)?;
    change.set_setting(Setting::DocumentFrequencies, &frequencies.encode())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    if !path.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_reader(std::io::BufReader::new(file))
        .map(Some)
        .map_err(|e| Error::Workspace {
            path: path.to_path_buf(),
            reason: format!("旧版工作目录文件无法读取: {e}"),
        })
}

fn read_items(path: &Path) -> Result<Vec<Item>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| Error::Row {
                file: path.display().to_string(),
                row: i + 1,
                reason: format!("旧版工作目录状态文件损坏: {e}"),
            })
        })
        .collect()
}

/// The rejected rows the old `rejects.csv` listed (none when it is missing).
fn read_rejects(path: &Path) -> Result<Vec<Reject>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let bad = |reason: String| Error::Workspace {
        path: path.to_path_buf(),
        reason: format!("rejects.csv 无法读取: {reason}"),
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut rejects = Vec::new();
    for record in csv::Reader::from_reader(text.as_bytes()).records() {
        let r = record.map_err(|e| bad(e.to_string()))?;
        let cell = |i: usize| r.get(i).unwrap_or("").to_string();
        rejects.push(Reject {
            source: SourceRef {
                file: cell(0),
                row: cell(1)
                    .parse()
                    .map_err(|_| bad(format!("行号“{}”", cell(1))))?,
            },
            field: cell(2),
            reason: cell(3),
            content: cell(4),
        });
    }
    Ok(rejects)
}
