//! The closed loop end to end, through the binary: the lifecycle fixture of `corpora/lifecycle`
//! (交办, 退回改派, 延期, reply and rating sheets with bad rows, 重办, 长期跟踪) on the shipped
//! corpus, its hand-checked figures, and the rules a user meets at the command line.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpora/lifecycle")
        .join(name)
}

/// Runs one line of `steps.txt` against the workspace; returns (success, stdout, stderr).
fn step(ws: &Path, line: &str) -> (bool, String, String) {
    let mut cmd = qingdan();
    for word in line.split_whitespace() {
        // The fixture's paths are relative to the repository.
        if word.starts_with("corpora/") {
            cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(word));
        } else {
            cmd.arg(word);
        }
    }
    let out = cmd.arg("--workspace").arg(ws).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a step that must succeed; returns its output.
fn works(ws: &Path, line: &str) -> String {
    let (ok, out, err) = step(ws, line);
    assert!(ok, "{line}: {err}");
    out
}

/// Runs a step that must fail, saying `words`.
fn fails(ws: &Path, line: &str, words: &str) {
    let (ok, out, err) = step(ws, line);
    assert!(!ok, "{line} should fail: {out}");
    assert!(err.contains(words), "{line}: {err}");
}

/// The corpus with the fixture's steps applied; returns each step's output.
fn lifecycle_workspace(ws: &Path) -> Vec<(String, String)> {
    run_into(ws, &[]);
    let steps = std::fs::read_to_string(fixture("steps.txt")).unwrap();
    let mut outputs = Vec::new();
    for line in steps.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (ok, out, err) = step(ws, line);
        assert!(ok, "{line}\n{out}\n{err}");
        outputs.push((line.to_string(), out));
    }
    outputs
}

fn monthly_json(ws: &Path, month: &str, as_of: &str) -> Value {
    let out = stdout_of(qingdan().args([
        "monthly",
        "--month",
        month,
        "--as-of",
        as_of,
        "--json",
        "--workspace",
        ws.to_str().unwrap(),
    ]));
    serde_json::from_str(&out).unwrap()
}

/// Every key of `expected` has the same value in `actual` (recursively).
fn assert_subset(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let got = a.get(k).unwrap_or(&Value::Null);
                assert_subset(v, got, &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(expected, actual, "at {at}"),
    }
}

#[test]
fn lifecycle_fixture_gives_its_expected_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let outputs = lifecycle_workspace(&ws);

    // The reply sheet: 13 rows, every one accepted or rejected with its reason.
    let (_, replies) = outputs
        .iter()
        .find(|(l, _)| l.starts_with("replies"))
        .unwrap();
    assert!(
        replies.contains("读入 13 行，接受 9 行（新记入 8 行、已有 1 行），退回 4 行"),
        "{replies}"
    );
    for why in ["QD9999", "处理中", "三月底", "待交办"] {
        assert!(
            replies
                .lines()
                .any(|l| l.starts_with("退回") && l.contains(why)),
            "{why}: {replies}"
        );
    }
    // The off-topic reply and the one that gives no reason are flagged at import.
    assert!(
        replies
            .lines()
            .any(|l| l.contains("答复存疑 QD0045") && l.contains("答非所问")),
        "{replies}"
    );
    assert!(
        replies
            .lines()
            .any(|l| l.contains("答复存疑 QD0047") && l.contains("理由")),
        "{replies}"
    );
    let (_, ratings) = outputs
        .iter()
        .find(|(l, _)| l.starts_with("ratings"))
        .unwrap();
    assert!(
        ratings.contains("读入 12 行，接受 9 行（新记入 9 行、已有 0 行），退回 3 行"),
        "{ratings}"
    );
    assert!(ratings.contains("尚未答复，不能评价"), "{ratings}");

    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap();
    // A 交办单 of a department with nothing open left from an earlier day goes.
    std::fs::create_dir_all(ws.join("闭环")).unwrap();
    std::fs::write(ws.join("闭环/交办单-旧单位.xlsx"), b"old").unwrap();
    let report = monthly_json(&ws, "2025-03", "2025-04-15");
    assert!(!ws.join("闭环/交办单-旧单位.xlsx").exists());
    assert_subset(&expected["2025-03"], &report, "2025-03");
    let april = monthly_json(&ws, "2025-04", "2025-04-15");
    assert_subset(&expected["2025-04"], &april, "2025-04");
    let items = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["item"].as_str().unwrap().to_string())
            .collect()
    };
    let listed = |key: &str| -> Vec<String> {
        expected[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(items(&report["supervise"]), listed("supervise"));
    assert_eq!(items(&report["overdue"]), listed("overdue"));
    let overdue: Value = serde_json::from_str(&stdout_of(qingdan().args([
        "overdue",
        "--as-of",
        "2025-04-15",
        "--json",
        "--workspace",
        ws.to_str().unwrap(),
    ])))
    .unwrap();
    let due: Vec<(String, String)> = overdue["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["case"]["item"].as_str().unwrap().to_string(),
                r["urgency"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut want: Vec<(String, String)> = Vec::new();
    for (key, urgency) in [
        ("supervise", "supervise"),
        ("overdue", "overdue"),
        ("due_soon", "due_soon"),
    ] {
        want.extend(listed(key).into_iter().map(|i| (i, urgency.to_string())));
    }
    assert_eq!(due, want);

    // Importing the same sheets again changes nothing.
    let events_before = stdout_of(qingdan().args([
        "case",
        "show",
        "QD0039",
        "G-QD0026",
        "--json",
        "--workspace",
        ws.to_str().unwrap(),
    ]));
    for line in [
        "replies corpora/lifecycle/replies.csv",
        "ratings corpora/lifecycle/ratings.csv",
    ] {
        let (ok, out, err) = step(&ws, line);
        assert!(ok, "{err}");
        assert!(out.contains("新记入 0 行"), "{out}");
        assert!(out.contains("写入 0 条记录"), "{out}");
    }
    let events_after = stdout_of(qingdan().args([
        "case",
        "show",
        "QD0039",
        "G-QD0026",
        "--json",
        "--workspace",
        ws.to_str().unwrap(),
    ]));
    assert_eq!(events_before, events_after);
    assert_eq!(monthly_json(&ws, "2025-03", "2025-04-15"), report);

    // Correcting the group later (a member split off) leaves every member's history and the
    // month's figures as they were.
    let (ok, _, err) = step(&ws, "split QD0040");
    assert!(ok, "{err}");
    let after_split = stdout_of(qingdan().args([
        "case",
        "show",
        "QD0039",
        "QD0026",
        "QD0040",
        "QD0048",
        "QD0066",
        "--json",
        "--workspace",
        ws.to_str().unwrap(),
    ]));
    let after_split: Value = serde_json::from_str(&after_split).unwrap();
    let before: Value = serde_json::from_str(&events_after).unwrap();
    assert_eq!(after_split.as_array().unwrap().len(), 5);
    for (b, a) in before
        .as_array()
        .unwrap()
        .iter()
        .zip(after_split.as_array().unwrap())
    {
        assert_eq!(b, a);
    }
    assert_eq!(
        monthly_json(&ws, "2025-03", "2025-04-15")["figures"],
        report["figures"]
    );

    // The files an analyst hands out.
    let dir = ws.join("闭环");
    for f in [
        "月报-2025-03.md",
        "月报-2025-03.html",
        "月报-2025-03.xlsx",
        "督办单.xlsx",
        "全流程记录.csv",
        "事项台账.csv",
        "交办单-人民银行分行.xlsx",
        "交办单-供电公司.xlsx",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let md = std::fs::read_to_string(dir.join("月报-2025-03.md")).unwrap();
    assert!(
        md.contains(expected["lead_contains"].as_str().unwrap()),
        "{md}"
    );
}

#[test]
fn rules_at_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    run_into(&ws, &[]);
    fails(
        &ws,
        "case rate QD0001 --rating 满意 --date 2025-01-10",
        "尚未答复，不能评价",
    );
    fails(
        &ws,
        "assign QD0001 --to 自然资源和规划局 --date 2025-01-01",
        "晚于交办日期",
    );
    fails(
        &ws,
        "assign QD0001 --to 自然资源和规划局 --date 2025-13-01",
        "有效日期",
    );
    fails(&ws, "assign NOPE --to 自然资源和规划局", "没有编号或合并组");
    works(&ws, "assign QD0001 --to 自然资源和规划局 --date 2025-01-08");
    // Assigned already: a second assignment needs a 退回 first.
    fails(
        &ws,
        "assign QD0001 --to 住房和城乡建设局 --date 2025-01-09",
        "不能交办",
    );
    works(&ws, "case reply QD0001 --text 根据历史遗留问题处置办法，可补办规划核实。 --result 部分解决 --date 2025-01-15");
    fails(
        &ws,
        "case reopen QD0001 --reason 再议 --date 2025-01-16",
        "不满意",
    );
    works(&ws, "case rate QD0001 --rating 不满意 --date 2025-01-16");
    let out = works(
        &ws,
        "case reopen QD0001 --reason 企业不满意 --date 2025-01-17",
    );
    assert!(out.contains("重办"), "{out}");
    // Undo by a later event: the reopen can go, the rating under it cannot while it stands.
    let show: Value = serde_json::from_str(&works(&ws, "case show QD0001 --json")).unwrap();
    let events = show[0]["events"].as_array().unwrap();
    let seq_of = |kind: &str| {
        events.iter().find(|e| e["kind"]["kind"] == kind).unwrap()["seq"]
            .as_i64()
            .unwrap()
    };
    let (rate, reopen) = (seq_of("rate"), seq_of("reopen"));
    fails(
        &ws,
        &format!("case undo {rate} --reason 录错 --date 2025-01-18"),
        "请先撤销",
    );
    works(
        &ws,
        &format!("case undo {reopen} --reason 误操作 --date 2025-01-18"),
    );
    let show: Value = serde_json::from_str(&works(&ws, "case show QD0001 --json")).unwrap();
    assert_eq!(show[0]["case"]["state"], "rated");
    assert_eq!(show[0]["case"]["reopens"], 0);
    // Nothing is lost: the undone reopen is still in the log, with the undo after it.
    assert_eq!(show[0]["events"].as_array().unwrap().len(), 5);

    // --suggested assigns to the first suggestion.
    let suggested: Value = serde_json::from_str(&works(&ws, "suggest QD0003 --json")).unwrap();
    let first = suggested[0]["suggestions"][0]["unit"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(suggested[0]["suggestions"].as_array().unwrap().len(), 3);
    let out = works(&ws, "assign QD0003 --suggested --date 2025-01-11");
    assert!(out.contains(&format!("主办 {first}")), "{out}");
    // A pending matter is suggested for by default, an assigned one is not.
    let pending: Value = serde_json::from_str(&works(&ws, "suggest --json")).unwrap();
    let ids: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"QD0002") && !ids.contains(&"QD0003") && !ids.contains(&"QD0001"));
    fails(&ws, "suggest QD0003 --top 0", "--top");
}

#[test]
fn the_log_is_append_only_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    run_into(&ws, &[]);
    let (ok, _, err) = step(&ws, "assign QD0002 --to 地方金融管理局 --date 2025-01-10");
    assert!(ok, "{err}");
    let db = rusqlite::Connection::open(ws.join("qingdan.db")).unwrap();
    for sql in ["UPDATE events SET day = '2025-01-01'", "DELETE FROM events"] {
        let err = db.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    drop(db);
    let out = stdout_of(qingdan().args(["check", "--workspace", ws.to_str().unwrap()]));
    assert!(
        out.contains("闭环记录1条") && out.contains("工作目录完好"),
        "{out}"
    );
}

#[test]
fn a_group_reply_that_misses_a_members_ask_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    run_into(&ws, &[]);
    // A common problem of unlike asks (electricity prices and an incubator), forced by a merge.
    works(&ws, "merge QD0061 QD0039");
    let show: Value = serde_json::from_str(&works(&ws, "case show QD0061 --json")).unwrap();
    assert_eq!(show[0]["case"]["state"], "pending");
    let out = works(&ws, "assign QD0061 --to 供电公司 --date 2025-12-01");
    assert!(out.contains("写入 1 条"), "{out}");
    works(
        &ws,
        "case return QD0061 --reason 改为按共性问题交办 --date 2025-12-01",
    );
    let groups = stdout_of(qingdan().args([
        "groups",
        "--min-size",
        "2",
        "--workspace",
        ws.to_str().unwrap(),
    ]));
    let group = groups
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|g| g.starts_with("G-"))
        .find(|g| {
            let out = works(&ws, &format!("case show {g} --json"));
            out.contains("\"QD0061\"") && out.contains("\"QD0039\"")
        })
        .expect("the merged group")
        .to_string();
    works(
        &ws,
        &format!("assign {group} --to 供电公司 --date 2025-12-01"),
    );
    let sheet = tmp.path().join("答复.csv");
    std::fs::write(
        &sheet,
        format!(
            "合并组号,答复意见,答复时间,承办单位,办理结果\n{group},根据省发改委电价政策，粮食烘干等农产品初加工用电执行农业生产电价，供电公司已为企业调整电价类别并退还差额电费。,2025-12-10,供电公司,已解决\n"
        ),
    )
    .unwrap();
    let out = works(&ws, &format!("replies {}", sheet.display()));
    let flagged = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("答复存疑 {id}：")))
            .unwrap_or("")
            .to_string()
    };
    assert!(flagged("QD0039").contains("漏答（QD0039）"), "{out}");
    assert_eq!(flagged("QD0061"), "", "{out}");
}

#[test]
fn assignment_sheets_from_the_suggestions_and_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    run_into(&ws, &[]);
    // The suggestion sheet goes back in as it is: each matter to its first suggestion.
    let sheet = tmp.path().join("交办建议.xlsx");
    let out = works(
        &ws,
        &format!("suggest QD0039 QD0041 --xlsx {}", sheet.display()),
    );
    assert!(out.contains("2 条待交办事项"), "{out}");
    let out = works(&ws, &format!("assignments {}", sheet.display()));
    assert!(
        out.contains("读入 2 行，接受 2 行（新记入 2 行、已有 0 行），退回 0 行"),
        "{out}"
    );
    assert!(out.contains("QD0039 交办 主办 科学技术局"), "{out}");
    let again = works(&ws, &format!("assignments {}", sheet.display()));
    assert!(again.contains("新记入 0 行、已有 2 行"), "{again}");

    // A sheet written by hand: a group with co-units and a deadline, and bad rows.
    let csv = tmp.path().join("交办表.csv");
    std::fs::write(
        &csv,
        "编号,合并组号,主办单位,协办单位,交办日期,答复期限\n\
         ,G-QD0009,地方金融管理局,人民银行分行、经济和信息化局,2025-03-28,2025-04-10\n\
         QD0062,,住房和城乡建设局,,2025-03-29,\n\
         ,G-QD9999,地方金融管理局,,2025-03-28,\n\
         QD0002,,,,2025-03-28,\n\
         QD0003,,燃气公司,,下周一,\n\
         QD0004,,燃气公司,,2025-01-01,\n",
    )
    .unwrap();
    let out = works(&ws, &format!("assignments {}", csv.display()));
    assert!(
        out.contains("读入 6 行，接受 1 行（新记入 1 行、已有 0 行），退回 5 行"),
        "{out}"
    );
    for (row, words) in [
        // Assigned with its group one row before.
        (3, "“已交办”的事项不能交办"),
        (4, "没有合并组“G-QD9999”"),
        (5, "主办单位为空"),
        (6, "无法识别的日期“下周一”"),
        (7, "晚于交办日期"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("交办表.csv:{row} ")) && l.contains(words)),
            "row {row}: {out}"
        );
    }
    // The group's members collected by 3-28 are assigned with its co-units and deadline; the
    // later ones wait.
    let show: Value = serde_json::from_str(&works(&ws, "case show G-QD0009 --json")).unwrap();
    let assigned: Vec<&str> = show
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["case"]["state"] == "assigned")
        .map(|c| c["case"]["item"].as_str().unwrap())
        .collect();
    assert_eq!(assigned, ["QD0009", "QD0052", "QD0062", "QD0064"]);
    assert_eq!(show[0]["case"]["due"], "2025-04-10");
    assert_eq!(
        show[0]["case"]["co"],
        serde_json::json!(["人民银行分行", "经济和信息化局"])
    );
}

/// The loop's counts as `check` sees them, and the state of each named matter.
fn loop_state(ws: &Path, ids: &[&str]) -> (u64, Vec<String>) {
    let out = qingdan()
        .args(["check", "--json", "--workspace", ws.to_str().unwrap()])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["problems"].as_array().unwrap().is_empty(),
        "{report}"
    );
    let mut cmd = qingdan();
    cmd.args([
        "case",
        "show",
        "--json",
        "--workspace",
        ws.to_str().unwrap(),
    ]);
    cmd.args(ids);
    let shown: Value = serde_json::from_str(&stdout_of(&mut cmd)).unwrap();
    let states = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case"]["state"].as_str().unwrap().to_string())
        .collect();
    (report["events"].as_u64().unwrap(), states)
}

#[test]
fn an_import_killed_anywhere_is_all_or_nothing_and_two_at_once_both_land() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("template");
    run_into(&template, &[]);
    works(
        &template,
        "assign G-QD0026 --to 地方金融管理局 --date 2025-03-28",
    );
    works(&template, "assign QD0039 --to 科学技术局 --date 2025-03-04");
    let ids = ["QD0026", "QD0040", "QD0048", "QD0066", "QD0039"];
    let sheet = tmp.path().join("答复.csv");
    std::fs::write(
        &sheet,
        "编号,合并组号,答复意见,答复时间,办理结果\n\
         ,G-QD0026,经协调，银行已推出无还本续贷产品，到期可直接续贷。,2025-04-08,已解决\n\
         QD0039,,已协调过渡厂房。,2025-03-12,已解决\n",
    )
    .unwrap();
    let before = loop_state(&template, &ids);
    let clean = tmp.path().join("clean");
    copy_dir(&template, &clean);
    let start = std::time::Instant::now();
    works(&clean, &format!("replies {}", sheet.display()));
    let duration = start.elapsed();
    let after = loop_state(&clean, &ids);
    assert_eq!(after.0, before.0 + 5);
    assert!(after.1.iter().all(|s| s == "replied"), "{after:?}");

    let mut interrupted = 0;
    let mut tries = 0;
    let mut verify = |ws: &Path, how: &str, stopped: bool| {
        tries += 1;
        interrupted += usize::from(stopped);
        let now = loop_state(ws, &ids);
        assert!(
            now == before || now == after,
            "{how}: {now:?} is neither {before:?} nor {after:?}"
        );
        // The workspace takes the same sheet again, and ends where the uninterrupted one did.
        works(ws, &format!("replies {}", sheet.display()));
        assert_eq!(loop_state(ws, &ids), after, "{how}");
    };
    for k in 0..8u32 {
        let ws = tmp.path().join(format!("kill-{k}"));
        copy_dir(&template, &ws);
        let at = duration.mul_f64(f64::from(k) / 8.0 * 1.1);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
            .args(["replies", sheet.to_str().unwrap(), "--workspace"])
            .arg(&ws)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let _ = child.kill();
        let stopped = !child.wait().unwrap().success();
        verify(&ws, &format!("killed after {at:?}"), stopped);
    }
    for point in ["events-appended", "events-committed"] {
        let ws = tmp.path().join(point);
        copy_dir(&template, &ws);
        let out = qingdan()
            .args(["replies", sheet.to_str().unwrap(), "--workspace"])
            .arg(&ws)
            .env(qingdan::failpoint::CRASH_AT, point)
            .output()
            .unwrap();
        verify(&ws, &format!("stopped at {point}"), !out.status.success());
    }
    eprintln!("replies: {interrupted} of {tries} imports interrupted");
    assert!(interrupted >= 3, "too few interruptions: {interrupted}");

    // Two imports started together (each waiting for the other's lock) both land.
    let ws = tmp.path().join("together");
    copy_dir(&template, &ws);
    let ratings = tmp.path().join("评价.csv");
    std::fs::write(&ratings, "编号,满意度,评价时间\nQD0039,满意,2025-03-14\n").unwrap();
    works(
        &ws,
        "case reply QD0039 --text 已协调过渡厂房。 --result 已解决 --date 2025-03-12",
    );
    let spawn = |file: &Path, kind: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
            .args([kind, file.to_str().unwrap(), "--workspace"])
            .arg(&ws)
            .env("QINGDAN_WAIT", "120")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn(&sheet, "replies");
    let b = spawn(&ratings, "ratings");
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (events, states) = loop_state(&ws, &ids);
    // Assignments (5), the manual reply, the group's 4 replies (QD0039's row is already in the
    // log) and the rating.
    assert_eq!(events, before.0 + 1 + 4 + 1);
    assert_eq!(
        states,
        ["replied", "replied", "replied", "replied", "rated"]
    );
}
