//! `qingdan eval pairs` on sentence pairs made from our corpus: members of one gold group are
//! “same”, items of different groups “different”. The similarity must separate them well, and a
//! malformed pair file is an error naming the file and row.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::*;

fn write_pairs(path: &Path) -> (usize, usize) {
    let texts: HashMap<String, String> = csv::Reader::from_path(corpus())
        .unwrap()
        .deserialize::<HashMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            (r["编号"].clone(), r["意见建议"].clone())
        })
        .collect();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in gold().into_iter().filter(|g| g.reject.is_none()) {
        groups
            .entry(g.group.unwrap_or_else(|| format!("single:{}", g.id)))
            .or_default()
            .push(g.id);
    }
    let groups: Vec<Vec<String>> = groups.into_values().collect();
    let mut lines = String::new();
    let (mut same, mut different) = (0, 0);
    let mut line = |a: &str, b: &str, label: u8| {
        let obj = serde_json::json!({"s1": texts[a], "s2": texts[b], "label": label});
        lines.push_str(&format!("{obj}\n"));
    };
    for (k, members) in groups.iter().enumerate() {
        if members.len() > 1 {
            line(&members[0], &members[1], 1);
            same += 1;
        }
        // a fixed partner from another group
        let other = &groups[(k * 37 + 11) % groups.len()];
        if other != members {
            line(&members[0], &other[0], 0);
            different += 1;
        }
    }
    std::fs::write(path, lines).unwrap();
    (same, different)
}

#[test]
fn similarity_separates_gold_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pairs.jsonl");
    let (same, different) = write_pairs(&path);
    assert!(same >= 50 && different >= 250);
    let out = stdout_of(qingdan().args(["eval", "pairs", path.to_str().unwrap(), "--json"]));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let auc = r["learned"]["auc"].as_f64().unwrap();
    let f1 = r["learned"]["f1"].as_f64().unwrap();
    eprintln!("corpus pairs: AUC {auc:.3}, F1 {f1:.3} ({same} same, {different} different)");
    assert_eq!(r["pairs"].as_u64().unwrap() as usize, same + different);
    assert!(auc >= 0.95, "{auc}");
    assert!(f1 >= 0.75, "{f1}");
    // Fitting on one file and scoring another works too.
    let text = stdout_of(qingdan().args([
        "eval",
        "pairs",
        path.to_str().unwrap(),
        "--dev",
        path.to_str().unwrap(),
    ]));
    assert!(
        text.contains("组合（逻辑回归）") && text.contains("权重"),
        "{text}"
    );
}

#[test]
fn malformed_pairs_name_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad_pairs.jsonl");
    std::fs::write(&path, "{\"s1\":\"贷款难\",\"s2\":\"借钱难\",\"label\":1}\n{\"s1\":\"a\",\"s2\":\"b\",\"label\":\"是\"}\n").unwrap();
    let out = qingdan()
        .args(["eval", "pairs"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad_pairs.jsonl") && err.contains("第2行"),
        "{err}"
    );
}
