//! Hostile or damaged input and odd arguments: written files stay safe to open in a spreadsheet,
//! limits are checked, snippets are plain text, row numbers match what Excel shows, and damaged
//! rows are rejected one by one instead of refusing the file.

mod common;

use std::path::Path;

use common::*;

/// Runs a command that must fail with exit code 2 and returns its stderr.
fn fails_with_2(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A workspace of three items; the first one's text has HTML-like characters.
fn small_workspace(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("batch.csv");
    write_batch_csv(
        &input,
        &[
            [
                "S1",
                "恒通物流有限公司",
                "续贷难",
                "银行续贷要先还后贷 & 利率高，<b>加急</b>也要两周，\"过桥\"费用大",
                "2025-03-01",
                "走访",
                "江北区",
            ],
            [
                "S2",
                "绿源食品有限公司",
                "用地紧",
                "厂房扩建缺少用地指标，项目无法落地",
                "2025-03-02",
                "线上",
                "青山县",
            ],
            [
                "S3",
                "金桥建材有限公司",
                "续贷",
                "续贷必须先还后贷，只能找过桥资金",
                "2025-03-03",
                "恳谈会",
                "市级",
            ],
        ],
    );
    let ws = dir.join("ws");
    run_into(&ws, &[&input]);
    ws
}

#[test]
fn zero_and_huge_limits_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let ws = small_workspace(dir.path());
    for args in [
        ["search", "续贷", "-n", "0"],
        ["similar", "S1", "-n", "0"],
        ["similar", "--text=银行续贷先还后贷", "-n", "0"],
    ] {
        let err = fails_with_2(qingdan().args(args).arg("--workspace").arg(&ws));
        assert!(err.contains("至少为 1"), "{args:?}: {err}");
    }
    // The largest usize: no overflow, no allocation for that many results.
    for args in [
        ["search", "续贷", "-n", "18446744073709551615"],
        ["similar", "S3", "-n", "18446744073709551615"],
    ] {
        let out = stdout_of(qingdan().args(args).arg("--workspace").arg(&ws));
        assert!(out.contains("[S1]"), "{args:?}: {out}");
    }
}

#[test]
fn library_rejects_a_zero_limit() {
    use qingdan::dicts::Dicts;
    use qingdan::index::{Filters, SearchIndex};
    use qingdan::pipeline::Pipeline;
    let dir = tempfile::tempdir().unwrap();
    let ws = small_workspace(dir.path());
    let pipeline = Pipeline::new(&Dicts::load(Some(&ws.join("dicts"))).unwrap()).unwrap();
    let index = SearchIndex::open(&ws.join("index"), pipeline.analyzer.clone()).unwrap();
    let err = index.search("续贷", &Filters::default(), 0).unwrap_err();
    assert!(matches!(err, qingdan::Error::Query(_)), "{err}");
    let err = index.similar("续贷", None, None, 0, 0.0).unwrap_err();
    assert!(matches!(err, qingdan::Error::Query(_)), "{err}");
    let all = index.similar("续贷", None, None, usize::MAX, 0.0).unwrap();
    assert!(!all.is_empty() && all.len() <= 3);
}

#[test]
fn snippets_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let ws = small_workspace(dir.path());
    let out = stdout_of(
        qingdan()
            .args(["search", "利率", "--workspace"])
            .arg(&ws),
    );
    assert!(
        out.contains("& 【利率】高，<b>加急</b>也要两周，\"过桥\""),
        "{out}"
    );
    assert!(!out.contains("&amp;") && !out.contains("&lt;"), "{out}");

    let json = stdout_of(
        qingdan()
            .args(["search", "利率", "--json", "--workspace"])
            .arg(&ws),
    );
    let hits: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let snippet = hits[0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<b>加急</b>") && snippet.contains("\"过桥\""), "{snippet}");
    assert!(snippet.contains("& 【利率】"), "{snippet}");
}
