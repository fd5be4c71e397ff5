//! Commands over a workspace: search (segmented BM25 with filters), similar ("raised before?") and
//! add (an id seen before updates its item; the lists are rebuilt).

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

fn corpus_texts() -> HashMap<String, (String, String)> {
    let mut r = csv::Reader::from_path(corpus()).unwrap();
    r.deserialize::<HashMap<String, String>>()
        .map(|row| {
            let row = row.unwrap();
            (
                row["编号"].clone(),
                (row["标题"].clone(), row["意见建议"].clone()),
            )
        })
        .collect()
}

/// Gold groups of two or more members, sorted.
fn gold_multi_groups() -> Vec<Vec<String>> {
    let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for g in gold() {
        if let Some(group) = g.group {
            by.entry(group).or_default().push(g.id);
        }
    }
    by.into_values().filter(|m| m.len() > 1).collect()
}

fn json_hits(args: &[&str], ws: &Path) -> Vec<serde_json::Value> {
    let out = qingdan()
        .args(args)
        .arg("--json")
        .arg("--workspace")
        .arg(ws)
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

fn ids(hits: &[serde_json::Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_finds_the_same_problem_in_other_words() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let texts = corpus_texts();
    let groups = gold_multi_groups();
    let mut found = 0;
    for members in &groups {
        let query = &texts[&members[0]].1;
        let hits = ids(&json_hits(&["search", query, "--limit", "6"], &ws));
        assert_eq!(
            hits.first(),
            Some(&members[0]),
            "an item's own text ranks it first"
        );
        if members[1..].iter().any(|m| hits.contains(m)) {
            found += 1;
        }
    }
    let rate = found as f64 / groups.len() as f64;
    eprintln!(
        "search: another member of the gold group in the top 6 for {found}/{} groups",
        groups.len()
    );
    assert!(rate >= 0.85, "{rate:.2}");
}

#[test]
fn search_filters_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let all = json_hits(&["search", "贷款利率太高", "--limit", "50"], &ws);
    assert!(all.len() >= 5);
    assert!(all
        .iter()
        .any(|h| h["snippet"].as_str().unwrap().contains('【')));
    let finance = json_hits(
        &[
            "search",
            "贷款利率太高",
            "--limit",
            "50",
            "--topic",
            "金融信贷",
        ],
        &ws,
    );
    assert!(!finance.is_empty() && finance.len() <= all.len());
    assert!(finance.iter().all(|h| h["topics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "金融信贷")));
    let dated = json_hits(
        &[
            "search",
            "贷款",
            "--limit",
            "50",
            "--from",
            "2025-03-01",
            "--to",
            "2025-04-30",
        ],
        &ws,
    );
    assert!(!dated.is_empty());
    assert!(dated.iter().all(|h| {
        let d = h["date"].as_str().unwrap();
        ("2025-03-01"..="2025-04-30").contains(&d)
    }));
    let city = json_hits(
        &["search", "贷款", "--limit", "50", "--region", "市级"],
        &ws,
    );
    assert!(!city.is_empty() && city.iter().all(|h| h["region"] == "市级"));
    let one = json_hits(
        &[
            "search",
            "贷款",
            "--limit",
            "50",
            "--enterprise",
            "恒通物流",
        ],
        &ws,
    );
    assert!(one
        .iter()
        .all(|h| h["enterprise"].as_str().unwrap().contains("恒通物流")));

    // Plain output names the item and its enterprise; nothing found is exit code 1.
    let out = qingdan()
        .args(["search", "贷款", "--workspace"])
        .arg(&ws)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("1. [") && text.contains("得分"), "{text}");
    let none = qingdan()
        .args(["search", "火星移民", "--workspace"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(1));
}

#[test]
fn similar_finds_earlier_statements_of_the_same_problem() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let groups = gold_multi_groups();
    let dates: HashMap<String, String> = read_csv(&ws.join("items.csv"))
        .into_iter()
        .map(|r| (r["编号"].clone(), r["时间"].clone()))
        .collect();
    let (mut asked, mut found) = (0, 0);
    for members in &groups {
        // the latest member asks "has this been raised before?"
        let last = members.iter().max_by_key(|m| (&dates[*m], *m)).unwrap();
        let hits = json_hits(&["similar", last, "--limit", "3"], &ws);
        assert!(!ids(&hits).contains(last));
        for h in &hits {
            assert!(
                h["date"].as_str().unwrap() <= dates[last].as_str(),
                "only earlier items"
            );
            let s = h["score"].as_f64().unwrap();
            assert!((0.10..=1.0001).contains(&s), "below the default floor: {s}");
        }
        asked += 1;
        if ids(&hits).iter().any(|h| members.contains(h)) {
            found += 1;
        }
    }
    eprintln!("similar: an earlier member of the gold group in the top 3 for {found}/{asked}");
    assert!(found as f64 / asked as f64 >= 0.8);

    let by_text = json_hits(
        &[
            "similar",
            "--text",
            "银行续贷要先还后贷，企业只能借过桥资金",
        ],
        &ws,
    );
    assert!(!by_text.is_empty());
}

#[test]
fn add_updates_seen_ids_and_rebuilds_lists() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let before = read_csv(&ws.join("items.csv"));
    let first = &before[0];
    let batch = dir.path().join("第二批.csv");
    let (title, text) = corpus_texts()[&first["编号"]].clone();
    let amended = format!("{text}（补充：问题仍未解决）");
    write_batch_csv(
        &batch,
        &[
            [
                first["编号"].as_str(),
                first["企业名称"].as_str(),
                title.as_str(),
                amended.as_str(),
                "2025-09-01",
                "电话",
                "市级",
            ],
            [
                "NEW-1",
                "新来的测试企业有限公司",
                "",
                text.as_str(),
                "2025-09-02",
                "线上",
                "江北区",
            ],
            [
                "NEW-2",
                "另一家测试企业有限公司",
                "",
                "园区食堂晚上不开门，加班员工吃饭不方便",
                "2025-09-03",
                "走访",
                "江南区",
            ],
        ],
    );
    let stdout = stdout_of(
        qingdan()
            .args(["add", "--quiet", "--workspace"])
            .arg(&ws)
            .arg(&batch),
    );
    assert!(stdout.contains("新增2条，更新1条"), "{stdout}");

    let after = read_csv(&ws.join("items.csv"));
    assert_eq!(after.len(), before.len() + 2);
    let mut seen: Vec<&String> = after.iter().map(|r| &r["编号"]).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), after.len(), "no id twice");
    let updated = after.iter().find(|r| r["编号"] == first["编号"]).unwrap();
    assert!(updated["内容"].contains("补充"));
    assert_eq!(updated["渠道"], "电话");
    // The new item restating the old problem joins its group, so the problem becomes common.
    let new1 = after.iter().find(|r| r["编号"] == "NEW-1").unwrap();
    assert_eq!(new1["合并组"], updated["合并组"]);
    // Group ids are stable: the group keeps the id it had before the batch (NEW-1 sorts before
    // every QD id, so a naming by smallest member would have changed it).
    assert_eq!(updated["合并组"], first["合并组"]);
    // Every earlier group lives on under its id: some of its former members still carry it
    // (a batch may split a group; the part holding most of it keeps the name).
    let after_group: HashMap<&String, &String> =
        after.iter().map(|r| (&r["编号"], &r["合并组"])).collect();
    let mut members: HashMap<&String, Vec<&String>> = HashMap::new();
    for r in &before {
        members.entry(&r["合并组"]).or_default().push(&r["编号"]);
    }
    for (group, ids) in members {
        assert!(
            ids.iter().any(|id| after_group[id] == group),
            "{group} lost its id"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["items"].as_u64().unwrap() as usize, after.len());
    assert_eq!(summary["items_updated"], 1);
    // The rows of both batches add up; the last batch has its own figures.
    assert_eq!(summary["rows_read"], 441 + 3);
    let last = &summary["batches"][1];
    assert_eq!(
        (last["kind"].as_str(), last["rows_read"].as_u64()),
        (Some("add"), Some(3))
    );
    assert_eq!(
        (last["items_added"].as_u64(), last["items_updated"].as_u64()),
        (Some(2), Some(1))
    );
    // The index is rebuilt too.
    let hits = json_hits(&["search", "食堂 加班 吃饭"], &ws);
    assert_eq!(ids(&hits).first().map(String::as_str), Some("NEW-2"));
}

#[test]
fn groups_lists_and_explains_merges() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let groups: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(ws.join("groups.json")).unwrap()).unwrap();
    let total: u64 = groups.iter().map(|g| g["size"].as_u64().unwrap()).sum();
    assert_eq!(
        total as usize,
        read_csv(&ws.join("items.csv")).len(),
        "every item in exactly one group"
    );
    let listed = stdout_of(qingdan().arg("groups").arg("--workspace").arg(&ws));
    let biggest = groups
        .iter()
        .max_by_key(|g| {
            (
                g["size"].as_u64(),
                std::cmp::Reverse(g["id"].as_str().unwrap().to_string()),
            )
        })
        .unwrap();
    let id = biggest["id"].as_str().unwrap();
    assert!(listed.contains(id), "{listed}");
    let explained = stdout_of(
        qingdan()
            .args(["groups", "--explain", id, "--workspace"])
            .arg(&ws),
    );
    for m in biggest["members"].as_array().unwrap() {
        assert!(
            explained.contains(&format!("[{}]", m["id"].as_str().unwrap())),
            "{explained}"
        );
    }
    assert!(
        explained.contains("代表表述")
            && explained.contains("与代表表述相似度")
            && explained.contains("共同词")
    );
    let missing = qingdan()
        .args(["groups", "--explain", "G-不存在", "--workspace"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn corrections_last_across_add_and_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let groups: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(ws.join("groups.json")).unwrap()).unwrap();
    let singles: Vec<&str> = groups
        .iter()
        .filter(|g| g["size"] == 1)
        .map(|g| g["members"][0]["id"].as_str().unwrap())
        .take(2)
        .collect();
    let big = groups
        .iter()
        .find(|g| g["size"].as_u64().unwrap() >= 3)
        .unwrap();
    let big_id = big["id"].as_str().unwrap();
    let big_members: Vec<&str> = big["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();

    let merged = stdout_of(
        qingdan()
            .args(["merge", "--quiet", singles[0], singles[1], "--workspace"])
            .arg(&ws),
    );
    assert!(merged.contains("已记录更正：合并"), "{merged}");
    stdout_of(
        qingdan()
            .args(["split", "--quiet", big_id, "--workspace"])
            .arg(&ws),
    );
    // A later batch rebuilds everything; the corrections still hold.
    let batch = dir.path().join("later.csv");
    std::fs::write(
        &batch,
        "编号,企业名称,意见建议\nL-1,后来的企业有限公司,园区晚上路灯太暗\n",
    )
    .unwrap();
    stdout_of(
        qingdan()
            .args(["add", "--quiet", "--workspace"])
            .arg(&ws)
            .arg(&batch),
    );
    let items = read_csv(&ws.join("items.csv"));
    let group_of = |id: &str| items.iter().find(|r| r["编号"] == id).unwrap()["合并组"].clone();
    assert_eq!(
        group_of(singles[0]),
        group_of(singles[1]),
        "the merge holds"
    );
    let mut split_groups: Vec<String> = big_members.iter().map(|m| group_of(m)).collect();
    split_groups.sort();
    split_groups.dedup();
    assert_eq!(
        split_groups.len(),
        big_members.len(),
        "the split holds: {split_groups:?}"
    );

    let listed = stdout_of(qingdan().args(["corrections", "--workspace"]).arg(&ws));
    assert!(
        listed.contains(&format!("1. 合并 {}、{}", singles[0], singles[1])),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("2. 拆开 {}", big_members.join("、"))),
        "{listed}"
    );
    let unknown = qingdan()
        .args(["merge", "--quiet", "没有这条", singles[0], "--workspace"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}
