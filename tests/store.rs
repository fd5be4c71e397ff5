//! The workspace store under stress: commands killed at many moments (by the clock and at the
//! named points between the store's commit and the index's), two writers at once, readers
//! during a write, the same batch read twice, a corpus added in four batches against one run,
//! settings that differ, and a workspace of the earlier folder format.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The corpus run once into a template; each test works on copies.
fn template() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("template");
    run_into(&ws, &[]);
    (dir, ws)
}

/// A batch of `n` items made from the corpus rows (new ids `{prefix}{i}`, the text restated),
/// so they merge with the corpus's groups as real follow-ups would.
fn batch(path: &Path, prefix: &str, n: usize, skip: usize) {
    let mut r = csv::Reader::from_path(corpus()).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let mut out: Vec<[String; 7]> = Vec::new();
    for (i, row) in rows
        .iter()
        .cycle()
        .skip(skip)
        .filter(|r| !r[3].trim().is_empty() && !r[1].trim().is_empty())
        .take(n)
        .enumerate()
    {
        out.push([
            format!("{prefix}{i:05}"),
            row[1].to_string(),
            row[2].to_string(),
            format!("{}（第{}次反映）", &row[3], i % 7 + 2),
            "2025-10-01".to_string(),
            row[5].to_string(),
            row[6].to_string(),
        ]);
    }
    let refs: Vec<[&str; 7]> = out
        .iter()
        .map(|r| std::array::from_fn(|k| r[k].as_str()))
        .collect();
    write_batch_csv(path, &refs);
}

/// `qingdan check --json`: the workspace opens, and what it holds.
fn check(ws: &Path) -> Value {
    let out = qingdan()
        .args(["check", "--json", "--workspace"])
        .arg(ws)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn search_ids(ws: &Path, query: &str) -> BTreeSet<String> {
    let out = qingdan()
        .args(["search", query, "--json", "-n", "5000", "--workspace"])
        .arg(ws)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    hits.iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

const QUERIES: [&str; 3] = ["贷款", "用地", "招工"];

/// The state a workspace may be found in after an interrupted command: its counts.
#[derive(Debug, Clone, PartialEq)]
struct State {
    items: u64,
    groups: u64,
    batches: u64,
}

impl State {
    fn of(report: &Value) -> Self {
        State {
            items: report["items"].as_u64().unwrap(),
            groups: report["groups"].as_u64().unwrap(),
            batches: report["batches"].as_u64().unwrap(),
        }
    }
}

/// One command to interrupt, on a copy of the template.
struct Victim<'a> {
    name: &'a str,
    args: Vec<String>,
    /// How it names the workspace (`run` writes to `--out`).
    flag: &'a str,
}

impl Victim<'_> {
    fn command(&self, ws: &Path) -> assert_cmd::Command {
        let mut cmd = qingdan();
        cmd.args(&self.args).arg(self.flag).arg(ws);
        cmd
    }
}

/// Kills `victim` at `kills` moments spread over its uninterrupted duration, and at every named
/// failpoint; after each, the workspace must open whole, hold the state before or the state
/// after (never a mix), still find what it found before, and take the next command.
fn interrupt_everywhere(victim: &Victim, kills: usize) -> usize {
    let (dir, template) = template();
    let before = State::of(&check(&template));
    let found_before: Vec<BTreeSet<String>> =
        QUERIES.iter().map(|q| search_ids(&template, q)).collect();
    let next_batch = dir.path().join("next.csv");
    batch(&next_batch, "NEXT-", 20, 3);

    // The shorter of two clean runs sets the moments: one slowed by other tests running beside
    // it would put most kills after the end.
    let mut duration = Duration::MAX;
    let mut after = None;
    for round in 0..2 {
        let clean = dir.path().join(format!("clean-{round}"));
        copy_dir(&template, &clean);
        let start = Instant::now();
        let status = victim.command(&clean).output().unwrap();
        duration = duration.min(start.elapsed());
        assert!(
            status.status.success(),
            "{}: {}",
            victim.name,
            String::from_utf8_lossy(&status.stderr)
        );
        after = Some(State::of(&check(&clean)));
    }
    let after = after.unwrap();

    let mut interrupted = 0;
    let verify = |ws: &Path, how: &str| {
        let report = check(ws);
        let state = State::of(&report);
        assert!(
            state == before || state == after,
            "{} {how}: {state:?} is neither {before:?} nor {after:?}",
            victim.name
        );
        for (q, found) in QUERIES.iter().zip(&found_before) {
            let now = search_ids(ws, q);
            assert!(
                found.is_subset(&now),
                "{} {how}: search {q} lost {:?}",
                victim.name,
                found.difference(&now).collect::<Vec<_>>()
            );
        }
        // The workspace takes the next command.
        add(ws, &next_batch);
        let next = State::of(&check(ws));
        assert_eq!(next.items, state.items + 20, "{} {how}", victim.name);
    };
    for k in 0..kills {
        let ws = dir.path().join(format!("kill-{k}"));
        copy_dir(&template, &ws);
        let at = duration.mul_f64(k as f64 / kills as f64 * 1.1);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
            .args(&victim.args)
            .arg(victim.flag)
            .arg(&ws)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !status.success() {
            interrupted += 1;
        }
        verify(&ws, &format!("killed after {at:?}"));
        std::fs::remove_dir_all(&ws).unwrap();
    }
    for point in [
        "items-written",
        "index-prepared",
        "store-committed",
        "index-built",
        "index-swapping",
        "exports-written",
    ] {
        let ws = dir.path().join(format!("point-{point}"));
        copy_dir(&template, &ws);
        let out = victim
            .command(&ws)
            .env(qingdan::failpoint::CRASH_AT, point)
            .output()
            .unwrap();
        if !out.status.success() {
            interrupted += 1;
        }
        verify(&ws, &format!("stopped at {point}"));
        std::fs::remove_dir_all(&ws).unwrap();
    }
    interrupted
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn run_killed_anywhere_leaves_a_whole_workspace() {
    // The same folder started afresh from the shipped corpus.
    let victim = Victim {
        name: "run",
        args: strings(&["run", "--quiet"]),
        flag: "--out",
    };
    let interrupted = interrupt_everywhere(&victim, 17);
    eprintln!("run: {interrupted} of 23 runs interrupted");
    assert!(interrupted >= 10, "too few interruptions: {interrupted}");
}

#[test]
fn add_killed_anywhere_leaves_a_whole_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.csv");
    batch(&path, "ADD-", 120, 0);
    let victim = Victim {
        name: "add",
        args: vec!["add".into(), "--quiet".into(), path.display().to_string()],
        flag: "--workspace",
    };
    let interrupted = interrupt_everywhere(&victim, 17);
    eprintln!("add: {interrupted} of 23 runs interrupted");
    assert!(interrupted >= 10, "too few interruptions: {interrupted}");
}

#[test]
fn merge_killed_anywhere_leaves_a_whole_workspace() {
    let victim = Victim {
        name: "merge",
        args: strings(&["merge", "--quiet", "QD0001", "QD0200", "QD0509"]),
        flag: "--workspace",
    };
    let interrupted = interrupt_everywhere(&victim, 17);
    eprintln!("merge: {interrupted} of 23 runs interrupted");
    assert!(interrupted >= 5, "too few interruptions: {interrupted}");
}

/// `qingdan add --quiet` of one file; its standard output.
fn add(ws: &Path, batch: &Path) -> String {
    stdout_of(
        qingdan()
            .args(["add", "--quiet", "--workspace"])
            .arg(ws)
            .arg(batch),
    )
}

fn spawn_add(ws: &Path, batch: &Path, wait: &str) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
        .args(["add", "--quiet", "--workspace"])
        .arg(ws)
        .arg(batch)
        .env(qingdan::store::WAIT_ENV, wait)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_adds_started_together_both_land() {
    let (dir, ws) = template();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    batch(&a, "CA-", 300, 0);
    batch(&b, "CB-", 300, 150);
    let first = spawn_add(&ws, &a, "120");
    let second = spawn_add(&ws, &b, "120");
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let report = check(&ws);
    assert_eq!(report["items"], 435 + 600);
    assert_eq!(report["batches"], 3);
    let items = read_csv(&ws.join("items.csv"));
    for prefix in ["CA-", "CB-"] {
        let n = items
            .iter()
            .filter(|r| r["编号"].starts_with(prefix))
            .count();
        assert_eq!(n, 300, "{prefix}");
    }
}

#[test]
fn a_second_writer_waits_then_names_the_busy_workspace() {
    let (dir, ws) = template();
    let path = dir.path().join("a.csv");
    batch(&path, "W-", 10, 0);
    let before = check(&ws);
    // Another writer holds the workspace.
    let lock = std::fs::File::options()
        .read(true)
        .write(true)
        .open(ws.join(qingdan::store::LOCK_FILE))
        .unwrap();
    lock.lock().unwrap();
    let start = Instant::now();
    let out = spawn_add(&ws, &path, "0.5").wait_with_output().unwrap();
    assert!(start.elapsed() >= Duration::from_millis(500));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("正在被另一个 qingdan 命令修改") && err.contains(&*ws.to_string_lossy()),
        "{err}"
    );
    // Readers are not held up by a writer.
    assert!(!search_ids(&ws, "贷款").is_empty());
    lock.unlock().unwrap();
    assert_eq!(check(&ws), before, "the refused add changed nothing");
    add(&ws, &path);
    assert_eq!(check(&ws)["items"], 445);
}

#[test]
fn readers_during_an_add_see_it_whole_or_not_at_all() {
    let (dir, ws) = template();
    let path = dir.path().join("big.csv");
    batch(&path, "R-", 400, 0);
    let before = search_ids(&ws, "贷款");
    let mut writer = spawn_add(&ws, &path, "60");
    let mut seen: Vec<BTreeSet<String>> = Vec::new();
    // Bounded: at most 200 reads, and no more once the writer is done.
    for _ in 0..200 {
        seen.push(search_ids(&ws, "贷款"));
        let report = check(&ws);
        let items = report["items"].as_u64().unwrap();
        assert!(items == 435 || items == 835, "{items}");
        if writer.try_wait().unwrap().is_some() {
            break;
        }
    }
    assert!(writer.wait().unwrap().success());
    let after = search_ids(&ws, "贷款");
    assert!(before.is_subset(&after) && after.len() > before.len());
    for s in &seen {
        assert!(s == &before || s == &after, "a read saw {} hits", s.len());
    }
    eprintln!(
        "readers: {} reads during the add, {} before it landed",
        seen.len(),
        seen.iter().filter(|s| **s == before).count()
    );
}

#[test]
fn the_same_batch_twice_changes_nothing() {
    let (dir, ws) = template();
    let path = dir.path().join("again.csv");
    batch(&path, "AG-", 40, 5);
    add(&ws, &path);
    let items = read_csv(&ws.join("items.csv"));
    let groups = std::fs::read(ws.join("groups.json")).unwrap();
    let again = add(&ws, &path);
    assert!(again.contains("新增0条，更新0条，内容未变40条"), "{again}");
    assert_eq!(read_csv(&ws.join("items.csv")), items);
    assert_eq!(std::fs::read(ws.join("groups.json")).unwrap(), groups);
    // Also the shipped corpus read again: nothing new.
    let corpus_again = add(&ws, &corpus());
    assert!(
        corpus_again.contains("新增0条，更新0条，内容未变435条"),
        "{corpus_again}"
    );
    assert_eq!(read_csv(&ws.join("items.csv")), items);

    // Rows without ids are known by their content: next week's export under the same file
    // name adds its new rows and repeats none.
    let week = dir.path().join("走访记录[本周].csv");
    std::fs::write(
        &week,
        "企业名称,意见建议,时间\n甲测试有限公司,园区夜间公交太少,2025-10-01\n乙测试有限公司,厂房屋顶光伏并网慢,2025-10-02\n",
    )
    .unwrap();
    let first = add(&ws, &week);
    assert!(first.contains("新增2条"), "{first}");
    std::fs::write(
        &week,
        "企业名称,意见建议,时间\n丙测试有限公司,食堂晚上不开门,2025-10-08\n甲测试有限公司,园区夜间公交太少,2025-10-01\n",
    )
    .unwrap();
    let second = add(&ws, &week);
    assert!(second.contains("新增1条，更新0条，内容未变1条"), "{second}");
    assert_eq!(read_csv(&ws.join("items.csv")).len(), items.len() + 3);
}

/// Pairwise precision, recall and F1 of `got` against `want` (item → group).
fn pairwise(want: &HashMap<String, String>, got: &HashMap<String, String>) -> (f64, f64, f64) {
    let ids: Vec<&String> = want.keys().collect();
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let w = want[*a] == want[*b];
            let g = got[*a] == got[*b];
            match (w, g) {
                (true, true) => tp += 1.0,
                (false, true) => fp += 1.0,
                (true, false) => fn_ += 1.0,
                _ => {}
            }
        }
    }
    let p = tp / (tp + fp);
    let r = tp / (tp + fn_);
    (p, r, 2.0 * p * r / (p + r))
}

#[test]
fn four_batches_added_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = csv::Reader::from_path(corpus()).unwrap();
    let header = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let per = rows.len().div_ceil(4);
    let files: Vec<PathBuf> = rows
        .chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let path = dir.path().join(format!("第{}批.csv", i + 1));
            let mut w = csv::Writer::from_path(&path).unwrap();
            w.write_record(&header).unwrap();
            for row in chunk {
                w.write_record(row).unwrap();
            }
            w.flush().unwrap();
            path
        })
        .collect();
    let full = dir.path().join("full");
    run_into(&full, &[]);
    let inc = dir.path().join("inc");
    run_into(&inc, &[&files[0]]);
    for f in &files[1..] {
        add(&inc, f);
    }
    let read = |ws: &Path| -> HashMap<String, (String, String, String)> {
        read_csv(&ws.join("items.csv"))
            .into_iter()
            .map(|r| {
                (
                    r["编号"].clone(),
                    (
                        r["合并组"].clone(),
                        r["主题"].clone(),
                        r["主题置信度"].clone(),
                    ),
                )
            })
            .collect()
    };
    let (a, b) = (read(&full), read(&inc));
    assert_eq!(
        a.keys().collect::<BTreeSet<_>>(),
        b.keys().collect::<BTreeSet<_>>()
    );
    let topics_differ: Vec<&String> = a.keys().filter(|id| a[*id].1 != b[*id].1).collect();
    assert!(topics_differ.is_empty(), "topics differ: {topics_differ:?}");
    let confidence_differ = a.keys().filter(|id| a[*id].2 != b[*id].2).count();
    assert_eq!(confidence_differ, 0);
    let groups = |m: &HashMap<String, (String, String, String)>| -> HashMap<String, String> {
        m.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect()
    };
    let (p, r, f1) = pairwise(&groups(&a), &groups(&b));
    eprintln!("4 batches against one run: pairwise P {p:.3} R {r:.3} F1 {f1:.3}; topics identical");
    assert!(f1 >= 0.95, "F1 {f1:.3}");
}

#[test]
fn other_settings_are_refused_unless_reanalysed() {
    let (dir, ws) = template();
    let labelled = labelled_corpus(dir.path());
    let model = dir.path().join("model.json");
    stdout_of(
        qingdan()
            .arg("train")
            .arg(&labelled)
            .arg("--out")
            .arg(&model),
    );
    let path = dir.path().join("b.csv");
    batch(&path, "S-", 10, 0);
    let before = check(&ws);
    let refused = qingdan()
        .args(["add", "--quiet", "--workspace"])
        .arg(&ws)
        .arg(&path)
        .arg("--model")
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("--reanalyse") && err.contains("主题模型"),
        "{err}"
    );
    let dicts = dir.path().join("dicts");
    std::fs::create_dir(&dicts).unwrap();
    std::fs::write(dicts.join("stopwords.txt"), "的\n了\n").unwrap();
    let refused = qingdan()
        .args(["add", "--quiet", "--workspace"])
        .arg(&ws)
        .arg(&path)
        .arg("--dicts")
        .arg(&dicts)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("词典"));
    assert_eq!(check(&ws), before, "refused adds changed nothing");

    // Asked for: every item analysed again with the model, which the workspace then keeps.
    stdout_of(
        qingdan()
            .args(["add", "--quiet", "--reanalyse", "--workspace"])
            .arg(&ws)
            .arg(&path)
            .arg("--model")
            .arg(&model),
    );
    let by_model = |ws: &Path| {
        read_csv(&ws.join("items.csv"))
            .iter()
            .all(|r| r["主题依据"].contains("(模型 "))
    };
    assert!(by_model(&ws));
    let later = dir.path().join("later.csv");
    batch(&later, "L-", 5, 50);
    add(&ws, &later);
    assert!(
        by_model(&ws),
        "a later add without --model uses the workspace's model"
    );
    stdout_of(
        qingdan()
            .args(["split", "--quiet", "L-00000", "--workspace"])
            .arg(&ws),
    );
    assert!(by_model(&ws), "so does a correction");
    assert_eq!(check(&ws)["items"], 435 + 15);
}

#[test]
fn a_workspace_of_the_earlier_format_is_taken_over_as_it_was() {
    use qingdan::config::RunConfig;
    use qingdan::dicts::Dicts;
    use qingdan::pipeline::Pipeline;
    use qingdan::progress::Progress;

    // The earlier format: items.jsonl, analysis.json, corrections.json, dicts/ and exports.
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("old");
    std::fs::create_dir(&ws).unwrap();
    let cfg = RunConfig::new(vec![], None, &[], None, true).unwrap();
    let corpus_batch = cfg.read_batch().unwrap();
    let dicts = Dicts::embedded().unwrap();
    let analysis = Pipeline::new(&dicts)
        .unwrap()
        .run(corpus_batch.items.clone(), &Progress::hidden());
    let lines: Vec<String> = corpus_batch
        .items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    std::fs::write(ws.join("items.jsonl"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        ws.join("analysis.json"),
        serde_json::to_vec(&analysis).unwrap(),
    )
    .unwrap();
    std::fs::write(
        ws.join("corrections.json"),
        r#"[{"kind":"split","items":["QD0040"]}]"#,
    )
    .unwrap();
    std::fs::write(ws.join("summary.json"), r#"{"files":["旧批次.csv"]}"#).unwrap();
    std::fs::write(
        ws.join("rejects.csv"),
        "\u{FEFF}文件,行号,字段,原因,原始内容\n旧批次.csv,7,意见建议,内容为空,QD9 | 某公司\n",
    )
    .unwrap();
    dicts.save(&ws.join("dicts")).unwrap();

    // The first command, a reader, takes it over.
    let listed = stdout_of(qingdan().args(["corrections", "--workspace"]).arg(&ws));
    assert!(listed.contains("1. 拆开 QD0040"), "{listed}");
    for old in ["items.jsonl", "analysis.json", "corrections.json", "dicts"] {
        assert!(!ws.join(old).exists(), "{old} is left");
    }
    let report = check(&ws);
    assert_eq!(
        (report["items"].as_u64(), report["rows_rejected"].as_u64()),
        (Some(435), Some(1))
    );
    let items = read_csv(&ws.join("items.csv"));
    for (g, group) in analysis.groups.iter().enumerate() {
        for &m in &group.members {
            let id = &analysis.items[m].item.id;
            let row = items.iter().find(|r| &r["编号"] == id).unwrap();
            assert_eq!(row["合并组"], analysis.groups[g].id, "{id}");
            assert_eq!(
                row["主题"].split('、').next(),
                Some(analysis.items[m].main_topic())
            );
        }
    }
    let summary: Value =
        serde_json::from_slice(&std::fs::read(ws.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["batches"][0]["kind"], "convert");
    assert_eq!(summary["files"][0], "旧批次.csv");
    // And it takes the next batch; the old split holds.
    let path = dir.path().join("next.csv");
    batch(&path, "CV-", 30, 20);
    add(&ws, &path);
    let items = read_csv(&ws.join("items.csv"));
    let qd40 = items.iter().find(|r| r["编号"] == "QD0040").unwrap();
    assert_eq!(qd40["组内条数"], "1", "the split holds after the add");
}

#[test]
fn without_exports_the_files_wait_for_report() {
    let (dir, ws) = template();
    let path = dir.path().join("quiet.csv");
    batch(&path, "NX-", 25, 9);
    let before = std::fs::read(ws.join("items.csv")).unwrap();
    let out = stdout_of(
        qingdan()
            .args(["add", "--quiet", "--no-export", "--workspace"])
            .arg(&ws)
            .arg(&path),
    );
    assert!(out.contains("未写出导出文件"), "{out}");
    assert_eq!(std::fs::read(ws.join("items.csv")).unwrap(), before);
    // The store and the index have the batch; searching finds it before any export.
    assert_eq!(check(&ws)["items"], 460);
    stdout_of(qingdan().args(["report", "--workspace"]).arg(&ws));
    assert_eq!(read_csv(&ws.join("items.csv")).len(), 460);
}
