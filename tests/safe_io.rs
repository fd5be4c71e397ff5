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
    use qingdan::index::Filters;
    use qingdan::workspace::{ReadIndexed, Workspace};
    let dir = tempfile::tempdir().unwrap();
    let ws = small_workspace(dir.path());
    Workspace::new(&ws)
        .read_indexed(|r: &ReadIndexed| {
            let err = r
                .index
                .search(&r.view, "续贷", &Filters::default(), 0)
                .unwrap_err();
            assert!(matches!(err, qingdan::Error::Query(_)), "{err}");
            let err = r
                .index
                .similar(&r.view, "续贷", None, None, 0, 0.0)
                .unwrap_err();
            assert!(matches!(err, qingdan::Error::Query(_)), "{err}");
            let all = r
                .index
                .similar(&r.view, "续贷", None, None, usize::MAX, 0.0)?;
            assert!(!all.is_empty() && all.len() <= 3);
            Ok(())
        })
        .unwrap();
}

#[test]
fn snippets_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let ws = small_workspace(dir.path());
    let out = stdout_of(qingdan().args(["search", "利率", "--workspace"]).arg(&ws));
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
    assert!(
        snippet.contains("<b>加急</b>") && snippet.contains("\"过桥\""),
        "{snippet}"
    );
    assert!(snippet.contains("& 【利率】"), "{snippet}");
}

/// The raw cells of a CSV qingdan wrote (after its BOM), header row included.
fn raw_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{FEFF}').unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn written_csvs_neutralise_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("formulas.csv");
    write_batch_csv(
        &input,
        &[
            [
                "F1",
                "=HYPERLINK(\"http://evil.example\",\"点我\")",
                "+1 续贷难",
                "-2 银行续贷要先还后贷，只能借过桥资金",
                "2025-03-01",
                "走访",
                "江北区",
            ],
            [
                "F2",
                "@SUM(1)",
                "\t=A1",
                "=1+2 续贷必须先还后贷，过桥资金利息高",
                "2025-03-02",
                "线上",
                "青山县",
            ],
            [
                "\t-3",
                "",
                "标题",
                "=cmd|' /C calc'!A0",
                "2025-03-03",
                "线上",
                "市级",
            ],
        ],
    );
    let ws = dir.path().join("ws");
    run_into(&ws, &[&input]);

    let unsafe_start = |c: &str| c.starts_with(['=', '+', '-', '@', '\t', '\r']);
    for name in [
        "items.csv",
        "enterprises.csv",
        "common_problems.csv",
        "rejects.csv",
    ] {
        let rows = raw_csv(&ws.join(name));
        assert!(rows.len() > 1, "{name} has rows");
        for cell in rows.iter().flatten() {
            assert!(!unsafe_start(cell), "{name}: {cell:?}");
        }
    }
    let all = |name: &str| raw_csv(&ws.join(name)).concat();
    let items = all("items.csv");
    for want in [
        "'=HYPERLINK(\"http://evil.example\",\"点我\")",
        "'+1 续贷难",
        "'-2 银行续贷要先还后贷，只能借过桥资金",
        "'@SUM(1)",
        "'=A1",
        "'=1+2 续贷必须先还后贷，过桥资金利息高",
    ] {
        assert!(items.iter().any(|c| c == want), "items.csv lacks {want:?}");
    }
    let enterprises = all("enterprises.csv");
    assert!(enterprises.iter().any(|c| c.starts_with("'=HYPERLINK")));
    assert!(enterprises.iter().any(|c| c == "'@SUM(1)"));
    let common = all("common_problems.csv");
    assert!(
        common
            .iter()
            .any(|c| c.starts_with("'=1+2") || c.starts_with("'-2")),
        "{common:?}"
    );
    let rejects = raw_csv(&ws.join("rejects.csv"));
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    assert!(rejects[1][4].starts_with("'\t-3 | "), "{:?}", rejects[1][4]);

    // `qingdan report` reads rejects.csv back: the page must equal the one run wrote.
    let page = std::fs::read_to_string(ws.join("report.html")).unwrap();
    stdout_of(qingdan().arg("report").arg("--workspace").arg(&ws));
    assert_eq!(
        std::fs::read_to_string(ws.join("report.html")).unwrap(),
        page
    );
}

#[test]
fn meeting_workbook_cuts_an_over_long_cell() {
    use calamine::{open_workbook_auto, Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.csv");
    let long = "银行续贷要先还后贷。".repeat(4_000);
    assert_eq!(long.chars().count(), 40_000);
    write_batch_csv(
        &input,
        &[
            [
                "L1",
                "恒通物流有限公司",
                "续贷难",
                &long,
                "2025-03-01",
                "走访",
                "江北区",
            ],
            [
                "L2",
                "金桥建材有限公司",
                "续贷",
                "续贷必须先还后贷，只能找过桥资金，贷款利息高",
                "2025-03-03",
                "恳谈会",
                "市级",
            ],
        ],
    );
    let ws = dir.path().join("ws");
    run_into(&ws, &[&input]);
    stdout_of(
        qingdan()
            .args(["report", "--meeting", "金融信贷", "--workspace"])
            .arg(&ws),
    );
    let mut book = open_workbook_auto(ws.join("meeting-金融信贷.xlsx")).unwrap();
    let items = book.worksheet_range("条目明细").unwrap();
    let texts: Vec<String> = items
        .rows()
        .filter_map(|r| match r.last() {
            Some(Data::String(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let cut = texts
        .iter()
        .find(|t| t.ends_with(qingdan::report::EXCEL_CUT_MARKER))
        .expect("the long text, cut");
    assert!(cut.encode_utf16().count() <= qingdan::report::EXCEL_CELL_MAX);
    assert!(cut.starts_with("银行续贷要先还后贷。银行续贷"));
}

/// Runs qingdan on the inputs and returns rejects.csv as (file name, row, field, reason) and
/// summary.json's (rows read, accepted, rejected).
fn rejects_of(inputs: &[&Path], dir: &Path) -> (Vec<[String; 4]>, [u64; 3]) {
    let ws = dir.join("ws");
    run_into(&ws, inputs);
    let rejects = read_csv(&ws.join("rejects.csv"))
        .into_iter()
        .map(|r| {
            let name = Path::new(&r["文件"]).file_name().unwrap();
            [
                name.to_string_lossy().into_owned(),
                r["行号"].clone(),
                r["字段"].clone(),
                r["原因"].clone(),
            ]
        })
        .collect();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("summary.json")).unwrap()).unwrap();
    let n = |k: &str| summary[k].as_u64().unwrap();
    (
        rejects,
        [n("rows_read"), n("rows_accepted"), n("rows_rejected")],
    )
}

const HEADER: &str = "编号,企业名称,意见建议,时间\n";

/// Five good rows with ids `{prefix}1` … `{prefix}5`, rows 2–6.
fn five_rows(prefix: &str) -> String {
    let texts = [
        "银行续贷要先还后贷",
        "厂房用地指标紧张",
        "工业电价偏高",
        "技术工人招工难",
        "冷链车进城受限",
    ];
    let mut s = HEADER.to_string();
    for (i, t) in texts.iter().enumerate() {
        s += &format!(
            "{prefix}{},企业{prefix}{},{t},2025-03-0{}\n",
            i + 1,
            i + 1,
            i + 1
        );
    }
    s
}

#[test]
fn damaged_csv_rows_are_rejected_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    // One invalid byte inside row 4's text.
    let mut bad_byte = five_rows("B").into_bytes();
    let at = bad_byte
        .windows(3)
        .position(|w| w == "电".as_bytes())
        .unwrap();
    bad_byte[at + 1] = 0xFF;
    // A NUL in row 3.
    let nul = five_rows("N").replace("厂房", "厂\0房");
    // Two GBK rows pasted under a UTF-8 file: rows 7 and 8.
    let mut mixed = five_rows("M").into_bytes();
    let (gbk, _, _) =
        encoding_rs::GBK.encode("M6,企业M6,物流成本高,2025-03-06\nM7,企业M7,融资难,2025-03-07\n");
    mixed.extend_from_slice(&gbk);
    // The same with a BOM in front.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(five_rows("U").as_bytes());
    bom.extend_from_slice(&gbk);

    let mut paths = Vec::new();
    for (name, bytes) in [
        ("bad_byte.csv", bad_byte),
        ("nul.csv", nul.into_bytes()),
        ("mixed.csv", mixed),
        ("bom_mixed.csv", bom),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        paths.push(path);
    }
    let inputs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let (rejects, counts) = rejects_of(&inputs, dir.path());
    let got: Vec<(&str, &str, &str)> = rejects
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("bad_byte.csv", "4", "整行"),
            ("nul.csv", "3", "整行"),
            ("mixed.csv", "7", "整行"),
            ("mixed.csv", "8", "整行"),
            ("bom_mixed.csv", "7", "整行"),
            ("bom_mixed.csv", "8", "整行"),
        ]
    );
    assert!(rejects[0][3].contains("无法识别的字节"), "{:?}", rejects[0]);
    assert!(rejects[1][3].contains("NUL"), "{:?}", rejects[1]);
    assert_eq!(counts, [24, 18, 6]);
}

#[test]
fn csv_rows_after_blank_lines_keep_excel_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gaps.csv");
    // Excel: 1 header, 2 R1, 3 blank, 4 R2 (two-line cell), 5 blank, 6 R3 (no enterprise),
    // 7 blank, 8 blank, 9 R4 (empty text).
    std::fs::write(
        &path,
        format!(
            "{HEADER}R1,甲公司,银行续贷难,2025-03-01\n\nR2,乙公司,\"用地紧\n扩建难\",2025-03-02\n\n\
             R3,,电价高,2025-03-03\n\n\nR4,丁公司,,2025-03-04\n"
        ),
    )
    .unwrap();
    let (rejects, counts) = rejects_of(&[&path], dir.path());
    let got: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(got, vec![("6", "企业名称"), ("9", "意见建议")]);
    assert_eq!(counts, [4, 2, 2]);
}

#[test]
fn xlsx_rows_are_numbered_from_the_sheet_not_the_used_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offset.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    // Rows 1–3 and columns A–B left empty: the header is at C4.
    let rows: [[&str; 3]; 4] = [
        ["编号", "企业名称", "意见建议"],
        ["X1", "甲公司", "银行续贷难"],
        ["X2", "", "用地紧"],
        ["X3", "丙公司", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(3 + r as u32, 2 + c as u16, *v).unwrap();
            }
        }
    }
    sheet.write_string(8, 2, "X4").unwrap(); // row 9, after a blank row 8
    book.save(&path).unwrap();
    let (rejects, _) = rejects_of(&[&path], dir.path());
    let got: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("6", "企业名称"),
            ("7", "意见建议"),
            ("8", "整行"),
            ("9", "意见建议")
        ]
    );
}

#[test]
fn unread_sheets_with_data_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("汇总.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let first = book.add_worksheet().set_name("Sheet1").unwrap();
    for (c, v) in ["编号", "企业名称", "意见建议"].iter().enumerate() {
        first.write_string(0, c as u16, *v).unwrap();
    }
    for (c, v) in ["W1", "甲公司", "银行续贷难"].iter().enumerate() {
        first.write_string(1, c as u16, *v).unwrap();
    }
    book.add_worksheet()
        .set_name("附表")
        .unwrap()
        .write_string(5, 3, "另一批意见")
        .unwrap();
    book.add_worksheet().set_name("空表").unwrap();
    book.add_worksheet()
        .set_name("说明")
        .unwrap()
        .write_number(0, 0, 1.0)
        .unwrap();
    let hidden = book.add_worksheet().set_name("选项").unwrap();
    hidden.write_string(0, 0, "是").unwrap();
    hidden.set_hidden(true);
    book.save(&path).unwrap();

    let out = qingdan()
        .args(["run", "--quiet", "--out"])
        .arg(dir.path().join("ws"))
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    let want = format!(
        "提示: {}: 只读取了工作表“Sheet1”，未读取其他非空工作表：“附表”、“说明”、“选项”（隐藏）（可用 --sheet 指定）",
        path.display()
    );
    assert!(err.lines().any(|l| l == want), "{err}");

    // Named with --sheet: the choice was made, nothing to warn about.
    let out = qingdan()
        .args(["run", "--quiet", "--sheet", "Sheet1", "--out"])
        .arg(dir.path().join("ws2"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8(out.stderr).unwrap().contains("未读取"));
}

#[test]
fn a_stray_far_cell_is_an_error_not_an_abort() {
    // Two cells, A1 and XFD1048576: a used range of 17 billion cells, in a 6 KB file.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "企业名称").unwrap();
    sheet.write_string(0, 1, "意见建议").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let options = qingdan::ingest::IngestOptions::default();
    let err = qingdan::ingest::table_from_bytes("远处.xlsx", "xlsx", &bytes, &options)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("远处.xlsx") && err.contains("1048576行×16384列"),
        "{err}"
    );
}
