//! `qingdan run` on the shipped corpus: counts add up, every output is written, topics and merges
//! agree with the gold labels at the stated thresholds, and the report is stable.

mod common;

use std::collections::HashMap;

use common::*;
use qingdan::eval::{pairwise_scores, topic_scores};

/// Macro-F1 of keyword topics on our corpus must stay at or above this (measured: see README).
const TOPIC_MACRO_F1_MIN: f64 = 0.83;
/// Pairwise F1 of merge groups against the gold groups (measured: see README).
const MERGE_PAIRWISE_F1_MIN: f64 = 0.80;

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_into(&dir.path().join("ws"), &[]);
    dir
}

#[test]
fn counts_add_up_and_every_output_exists() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    for f in [
        "report.md",
        "enterprises.csv",
        "enterprises.json",
        "common_problems.csv",
        "common_problems.json",
        "items.csv",
        "summary.json",
        "groups.json",
        "rejects.csv",
        "index/meta.json",
    ] {
        assert!(ws.join(f).exists(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("summary.json")).unwrap()).unwrap();
    let read = summary["rows_read"].as_u64().unwrap();
    let accepted = summary["rows_accepted"].as_u64().unwrap();
    let rejected = summary["rows_rejected"].as_u64().unwrap();
    assert_eq!(read, accepted + rejected);
    assert_eq!(summary["rows_add_up"], true);

    let gold = gold();
    assert_eq!(
        read as usize,
        gold.len(),
        "every corpus row has a gold line"
    );
    let items = read_csv(&ws.join("items.csv"));
    let rejects = read_csv(&ws.join("rejects.csv"));
    assert_eq!(items.len() as u64, accepted);
    assert_eq!(rejects.len() as u64, rejected);

    // The rows the gold marks as bad are exactly the rejected ones, for the field it names.
    let mut expected: Vec<(String, String)> = gold
        .iter()
        .filter_map(|g| g.reject.clone().map(|f| (g.id.clone(), f)))
        .collect();
    expected.sort();
    let mut got: Vec<(String, String)> = rejects
        .iter()
        .map(|r| {
            let id = r["原始内容"]
                .split(" | ")
                .next()
                .unwrap()
                .trim()
                .to_string();
            (id, r["字段"].clone())
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
    for r in &rejects {
        assert!(r["行号"].parse::<usize>().unwrap() >= 2 && !r["原因"].is_empty());
    }
}

#[test]
fn topics_agree_with_gold() {
    let dir = workspace();
    let items = read_csv(&dir.path().join("ws/items.csv"));
    let predicted: HashMap<String, Vec<String>> = items
        .iter()
        .map(|r| {
            (
                r["编号"].clone(),
                r["主题"].split('、').map(str::to_string).collect(),
            )
        })
        .collect();
    let gold: HashMap<String, Vec<String>> = gold()
        .into_iter()
        .filter(|g| g.reject.is_none())
        .map(|g| (g.id, g.topics))
        .collect();
    let scores = topic_scores(&gold, &predicted);
    for (topic, prf) in &scores.per_topic {
        eprintln!(
            "{topic}: P {:.3} R {:.3} F1 {:.3} (n={})",
            prf.precision, prf.recall, prf.f1, prf.support
        );
    }
    eprintln!("topic macro-F1 {:.3}", scores.macro_f1);
    assert!(
        scores.macro_f1 >= TOPIC_MACRO_F1_MIN,
        "macro-F1 {:.3}",
        scores.macro_f1
    );
    // Every item carries the reason for each topic it got (except 其他).
    for r in &items {
        assert!(!r["主题依据"].is_empty() || r["主题"] == "其他", "{r:?}");
    }
}

#[test]
fn merge_groups_recover_gold_groups() {
    let dir = workspace();
    let items = read_csv(&dir.path().join("ws/items.csv"));
    let predicted: HashMap<String, String> = items
        .iter()
        .map(|r| (r["编号"].clone(), r["合并组"].clone()))
        .collect();
    let s = pairwise_scores(&gold_groups(), &predicted);
    eprintln!(
        "merge pairwise P {:.3} R {:.3} F1 {:.3}",
        s.precision, s.recall, s.f1
    );
    assert!(s.f1 >= MERGE_PAIRWISE_F1_MIN, "pairwise F1 {:.3}", s.f1);
}

#[test]
fn common_problems_are_ranked_by_enterprises_then_count() {
    let dir = workspace();
    let common = read_csv(&dir.path().join("ws/common_problems.csv"));
    assert!(!common.is_empty());
    let keys: Vec<(usize, usize)> = common
        .iter()
        .map(|r| (r["企业数"].parse().unwrap(), r["次数"].parse().unwrap()))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{keys:?}");
    assert!(keys.iter().all(|(e, n)| *e >= 2 && n >= e));
    for (i, r) in common.iter().enumerate() {
        assert_eq!(r["排名"], (i + 1).to_string());
        assert_eq!(r["反映企业"].split('、').count().to_string(), r["企业数"]);
    }
}

#[test]
fn enterprise_lists_account_for_every_item_once() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let lists: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("enterprises.json")).unwrap()).unwrap();
    let mut ids: Vec<String> = lists
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["problems"].as_array().unwrap().iter())
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
        })
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "an item appears twice");
    assert_eq!(n, read_csv(&ws.join("items.csv")).len());
}

#[test]
fn report_is_stable() {
    let dir = workspace();
    let report = std::fs::read_to_string(dir.path().join("ws/report.md")).unwrap();
    let again = tempfile::tempdir().unwrap();
    run_into(&again.path().join("ws"), &[]);
    assert_eq!(
        report,
        std::fs::read_to_string(again.path().join("ws/report.md")).unwrap()
    );
    insta::assert_snapshot!("report_md", report);
}
