//! Helpers shared by the end-to-end tests: run the binary, read its CSV outputs, read the gold.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The columns of a full batch, named as analysts' sheets name them.
pub const BATCH_HEADER: [&str; 7] = [
    "编号",
    "企业名称",
    "标题",
    "意见建议",
    "提出时间",
    "渠道",
    "地区",
];

/// Writes a batch CSV: [`BATCH_HEADER`], then these rows.
pub fn write_batch_csv(path: &Path, rows: &[[&str; 7]]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(BATCH_HEADER).unwrap();
    for row in rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
}

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/suggestions.csv")
}

pub fn qingdan() -> Command {
    let mut cmd = Command::cargo_bin("qingdan").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs a prepared command, asserts it succeeded and returns its standard output.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `qingdan run` on the given inputs (none: the shipped corpus) into `out`.
pub fn run_into(out: &Path, inputs: &[&Path]) -> String {
    let mut cmd = qingdan();
    cmd.arg("run").arg("--quiet").arg("--out").arg(out);
    for i in inputs {
        cmd.arg(i);
    }
    stdout_of(&mut cmd)
}

/// A CSV written by qingdan (UTF-8 with BOM) as header → value maps.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text
        .strip_prefix('\u{FEFF}')
        .expect("qingdan writes a BOM for Excel");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// One line of `corpora/gold.jsonl`.
#[derive(Debug, serde::Deserialize)]
pub struct Gold {
    pub id: String,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub reject: Option<String>,
}

pub fn gold() -> Vec<Gold> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/gold.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Gold merge labels: the gold group, or the item's own id for a singleton.
pub fn gold_groups() -> HashMap<String, String> {
    gold()
        .into_iter()
        .filter(|g| g.reject.is_none())
        .map(|g| {
            let label = g
                .group
                .clone()
                .unwrap_or_else(|| format!("single:{}", g.id));
            (g.id, label)
        })
        .collect()
}

/// Our corpus with its gold topics as a labelled file (标签 = topics joined by 、).
pub fn labelled_corpus(dir: &Path) -> PathBuf {
    let gold: std::collections::HashMap<String, Vec<String>> = gold()
        .into_iter()
        .filter(|g| g.reject.is_none())
        .map(|g| (g.id, g.topics))
        .collect();
    let mut r = csv::Reader::from_path(corpus()).unwrap();
    let path = dir.join("历史标注.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["编号", "标题", "意见建议", "标签"])
        .unwrap();
    for row in r.deserialize::<std::collections::HashMap<String, String>>() {
        let row = row.unwrap();
        if let Some(topics) = gold.get(&row["编号"]) {
            w.write_record([
                &row["编号"],
                &row["标题"],
                &row["意见建议"],
                &topics.join("、"),
            ])
            .unwrap();
        }
    }
    w.flush().unwrap();
    path
}

/// Copies a workspace folder (store, index, exports) as it is, for tests that change copies.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
