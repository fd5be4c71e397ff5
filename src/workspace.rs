//! The workspace: the folder `run` writes and `search`, `similar` and `add` read. It holds the
//! accepted items (`items.jsonl`, the state `add` builds on), the index and every output file.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::dicts::Dicts;
use crate::index::write_index;
use crate::ingest::Batch;
use crate::merge::{keep_previous_ids, Constraints, Correction};
use crate::pipeline::{Analysis, Pipeline};
use crate::progress::Progress;
use crate::record::{Item, Reject, SourceRef};
use crate::report::{
    build_lists, spreadsheet_unescape, write_outputs, write_report_html, GroupRecord, Summary,
    REPORT_HTML,
};
use crate::{Error, Result};

/// The default workspace folder, used when `run` gets no `--out`.
pub const DEFAULT_WORKSPACE: &str = "qingdan-out";
const STATE: &str = "items.jsonl";
const CORRECTIONS: &str = "corrections.json";
/// Every item's analysis (topics, terms) and the groups, for commands that read a built workspace.
const ANALYSIS: &str = "analysis.json";

/// A workspace folder.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub dir: PathBuf,
}

impl Workspace {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Workspace { dir: dir.into() }
    }

    pub fn index_dir(&self) -> PathBuf {
        self.dir.join("index")
    }

    /// The dictionaries the workspace was built with; later commands cut text with them.
    pub fn dicts_dir(&self) -> PathBuf {
        self.dir.join("dicts")
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join(STATE)
    }

    /// Whether the folder holds a workspace written by `run`.
    pub fn exists(&self) -> bool {
        self.state_path().is_file()
    }

    /// Writes a new workspace from a batch, replacing an earlier workspace in the folder.
    /// A folder with other files in it is refused rather than overwritten.
    pub fn run(
        &self,
        batch: &Batch,
        pipeline: &Pipeline,
        progress: &Progress,
        dicts: &Dicts,
    ) -> Result<(Summary, Analysis)> {
        self.prepare_dir()?;
        dicts.save(&self.dicts_dir())?;
        self.write(batch, batch.items.clone(), 0, pipeline, progress)
    }

    /// Adds a batch to an existing workspace: an id seen before replaces that item, a new id is
    /// appended; then every list, the index and the report are rebuilt.
    pub fn add(
        &self,
        batch: &Batch,
        pipeline: &Pipeline,
        progress: &Progress,
        dicts: &Dicts,
    ) -> Result<(Summary, Analysis)> {
        if !self.exists() {
            return Err(Error::Workspace {
                path: self.dir.clone(),
                reason:
                    "不是 qingdan 工作目录（没有 items.jsonl）；请先运行 qingdan run --out 该目录"
                        .into(),
            });
        }
        dicts.save(&self.dicts_dir())?;
        let mut items = self.load_items()?;
        let mut updated = 0;
        for new in &batch.items {
            match items.iter_mut().find(|old| old.id == new.id) {
                Some(old) => {
                    *old = new.clone();
                    updated += 1;
                }
                None => items.push(new.clone()),
            }
        }
        self.write(batch, items, updated, pipeline, progress)
    }

    /// The accepted items of the workspace, in their order.
    pub fn load_items(&self) -> Result<Vec<Item>> {
        let path = self.state_path();
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let mut items = Vec::new();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::io(&path, e))?;
            let item = serde_json::from_str(&line).map_err(|e| Error::Row {
                file: path.display().to_string(),
                row: i + 1,
                reason: format!("工作目录状态文件损坏: {e}"),
            })?;
            items.push(item);
        }
        Ok(items)
    }

    fn write(
        &self,
        batch: &Batch,
        items: Vec<Item>,
        updated: usize,
        pipeline: &Pipeline,
        progress: &Progress,
    ) -> Result<(Summary, Analysis)> {
        let items = pipeline.analyze(items, progress);
        let spinner = progress.spinner("合并同类项");
        let constraints = Constraints::from_corrections(&self.corrections()?);
        let groups = pipeline.merge_with(&items, &constraints);
        spinner.finish_and_clear();
        let mut analysis = Analysis { items, groups };
        let previous = self.previous_group_ids()?;
        let ids: Vec<&str> = analysis.items.iter().map(|a| a.item.id.as_str()).collect();
        keep_previous_ids(&mut analysis.groups, &ids, &previous);
        let spinner = progress.spinner("建立索引");
        write_index(&self.index_dir(), &analysis, pipeline.analyzer.clone())?;
        spinner.finish_and_clear();
        let lists = build_lists(&analysis);
        let summary = Summary::new(batch, updated, &analysis, &lists);
        write_outputs(&self.dir, &analysis, &lists, &summary, &batch.rejects)?;
        self.save_items(&analysis)?;
        self.save_analysis(&analysis)?;
        Ok((summary, analysis))
    }

    /// The analyst's merge and split corrections, in the order made.
    pub fn corrections(&self) -> Result<Vec<Correction>> {
        Ok(self.read_json(CORRECTIONS)?.unwrap_or_default())
    }

    /// Resolves item or group ids (as `qingdan merge`/`split` take them) to item ids.
    pub fn resolve_ids(&self, ids: &[String]) -> Result<Vec<String>> {
        let items: HashSet<String> = self.load_items()?.into_iter().map(|i| i.id).collect();
        let groups = self.previous_group_ids()?;
        let mut out: Vec<String> = Vec::new();
        for id in ids {
            let found: Vec<String> = if items.contains(id) {
                vec![id.clone()]
            } else {
                let mut members: Vec<String> = groups
                    .iter()
                    .filter(|(_, g)| *g == id)
                    .map(|(i, _)| i.clone())
                    .collect();
                members.sort();
                members
            };
            if found.is_empty() {
                return Err(Error::Workspace {
                    path: self.dir.clone(),
                    reason: format!("没有编号或合并组“{id}”"),
                });
            }
            for f in found {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        Ok(out)
    }

    /// Records a correction and rebuilds the workspace so every list shows it.
    pub fn correct(
        &self,
        correction: Correction,
        pipeline: &Pipeline,
        progress: &Progress,
        dicts: &Dicts,
    ) -> Result<(Summary, Analysis)> {
        let mut all = self.corrections()?;
        all.push(correction);
        let path = self.dir.join(CORRECTIONS);
        let bytes = serde_json::to_vec_pretty(&all).map_err(|e| Error::output(&path, e))?;
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        self.add(&Batch::default(), pipeline, progress, dicts)
    }

    /// The dictionaries the workspace was built with (the shipped ones if it kept none), so
    /// later commands cut text exactly as `run` did.
    pub fn dicts(&self) -> Result<Dicts> {
        let dir = self.dicts_dir();
        Dicts::load(dir.is_dir().then_some(dir.as_path()))
    }

    /// The merge groups as the workspace last wrote them (none for a new workspace).
    pub fn groups(&self) -> Result<Vec<GroupRecord>> {
        Ok(self.read_json("groups.json")?.unwrap_or_default())
    }

    /// Item id → group id as the workspace last wrote them (empty for a new workspace).
    fn previous_group_ids(&self) -> Result<HashMap<String, String>> {
        Ok(self
            .groups()?
            .into_iter()
            .flat_map(|g| {
                let id = g.id;
                g.members.into_iter().map(move |m| (m.id, id.clone()))
            })
            .collect())
    }

    /// The analysis the workspace was last built with: items with their topics and terms, and
    /// the merge groups (`clusters` and `report` read it rather than analysing again).
    pub fn analysis(&self) -> Result<Analysis> {
        self.read_json(ANALYSIS)?.ok_or_else(|| Error::Workspace {
            path: self.dir.clone(),
            reason: format!("没有 {ANALYSIS}；请先运行 qingdan run --out 该目录"),
        })
    }

    /// The counts of the last `run` or `add` (`summary.json`).
    pub fn summary(&self) -> Result<Summary> {
        let name = "summary.json";
        self.read_json(name)?.ok_or_else(|| {
            let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "文件不存在");
            Error::io(self.dir.join(name), missing)
        })
    }

    /// One of the workspace's JSON files, or `None` when it is not there.
    fn read_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let path = self.dir.join(name);
        if !path.is_file() {
            return Ok(None);
        }
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        serde_json::from_reader(std::io::BufReader::new(file))
            .map(Some)
            .map_err(|e| Error::Workspace {
                reason: format!("{name} 无法读取: {e}"),
                path,
            })
    }

    /// The rows the last batch rejected, as `rejects.csv` lists them (none if it is missing).
    pub fn rejects(&self) -> Result<Vec<Reject>> {
        let path = self.dir.join("rejects.csv");
        if !path.is_file() {
            return Ok(Vec::new());
        }
        let bad = |reason: String| Error::Workspace {
            path: path.clone(),
            reason: format!("rejects.csv 无法读取: {reason}"),
        };
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let mut rejects = Vec::new();
        for record in csv::Reader::from_reader(text.as_bytes()).records() {
            let r = record.map_err(|e| bad(e.to_string()))?;
            // Undo what write_csv did to formula-like cells, so the report reads the originals.
            let cell = |i: usize| spreadsheet_unescape(r.get(i).unwrap_or("")).to_string();
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

    /// Rewrites `report.html` from the workspace's own files: the counts are `summary.json`'s
    /// and the lists are rebuilt from `analysis.json` as `run` built them, so the page agrees
    /// with every other file. Returns the page's path.
    pub fn write_report(&self) -> Result<PathBuf> {
        let analysis = self.analysis()?;
        let summary = self.summary()?;
        let lists = build_lists(&analysis);
        write_report_html(&self.dir, &summary, &lists, &self.rejects()?)?;
        Ok(self.dir.join(REPORT_HTML))
    }

    fn save_analysis(&self, analysis: &Analysis) -> Result<()> {
        let path = self.dir.join(ANALYSIS);
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut out, analysis).map_err(|e| Error::output(&path, e))?;
        std::io::Write::flush(&mut out).map_err(|e| Error::io(&path, e))
    }

    fn save_items(&self, analysis: &Analysis) -> Result<()> {
        let path = self.state_path();
        let mut out = String::new();
        for a in &analysis.items {
            out.push_str(&serde_json::to_string(&a.item).map_err(|e| Error::output(&path, e))?);
            out.push('\n');
        }
        std::fs::write(&path, out).map_err(|e| Error::io(&path, e))
    }

    fn prepare_dir(&self) -> Result<()> {
        if self.dir.exists() && !self.exists() {
            let mut entries = std::fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
            if entries.next().is_some() {
                return Err(Error::Workspace {
                    path: self.dir.clone(),
                    reason:
                        "目录非空且不是 qingdan 工作目录，为免覆盖他人文件，请换一个 --out 目录"
                            .into(),
                });
            }
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

impl AsRef<Path> for Workspace {
    fn as_ref(&self) -> &Path {
        &self.dir
    }
}
