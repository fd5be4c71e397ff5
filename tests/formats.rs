//! The same corpus as GBK CSV, as an Excel sheet with date cells and as JSONL gives the same
//! lists as the UTF-8 CSV; broken files get clear errors naming the file.

mod common;

use std::path::Path;

use common::*;
use qingdan::date::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn lists(ws: &Path) -> (String, String) {
    (
        std::fs::read_to_string(ws.join("enterprises.json")).unwrap(),
        std::fs::read_to_string(ws.join("common_problems.json")).unwrap(),
    )
}

fn corpus_rows() -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(corpus()).unwrap();
    let headers = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

#[test]
fn gbk_xlsx_and_jsonl_give_the_same_lists_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    run_into(&dir.path().join("utf8"), &[&corpus()]);
    let want = lists(&dir.path().join("utf8"));

    let utf8 = std::fs::read_to_string(corpus()).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&utf8);
    assert!(!unmappable, "the corpus must be representable in GBK");
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the GBK file must not also be valid UTF-8"
    );
    let gbk_path = dir.path().join("导出_gbk.csv");
    std::fs::write(&gbk_path, &gbk).unwrap();
    run_into(&dir.path().join("gbk"), &[&gbk_path]);
    assert_eq!(lists(&dir.path().join("gbk")), want, "GBK differs");

    // An Excel sheet with a title row above the header is common; dates as real date cells.
    let (headers, rows) = corpus_rows();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("意见建议").unwrap();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let date_col = headers.iter().position(|h| h == "提出时间").unwrap();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(1, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (rr, cc) = (r as u32 + 2, c as u16);
            match Date::parse(v).filter(|_| c == date_col) {
                Some(d) => {
                    let dt =
                        ExcelDateTime::from_ymd(d.year as u16, d.month as u8, d.day as u8).unwrap();
                    sheet
                        .write_datetime_with_format(rr, cc, &dt, &date_format)
                        .unwrap();
                }
                None if v.is_empty() => {}
                None => {
                    sheet.write_string(rr, cc, v).unwrap();
                }
            }
        }
    }
    let xlsx = dir.path().join("恳谈会汇总.xlsx");
    book.save(&xlsx).unwrap();
    run_into(&dir.path().join("xlsx"), &[&xlsx]);
    assert_eq!(lists(&dir.path().join("xlsx")), want, "XLSX differs");

    let jsonl: String = rows
        .iter()
        .map(|row| {
            let obj: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .zip(row)
                .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::to_string(&obj).unwrap() + "\n"
        })
        .collect();
    let jsonl_path = dir.path().join("online.jsonl");
    std::fs::write(&jsonl_path, jsonl).unwrap();
    run_into(&dir.path().join("jsonl"), &[&jsonl_path]);
    assert_eq!(lists(&dir.path().join("jsonl")), want, "JSONL differs");
}

fn run_fails(input: &Path, extra: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let output = qingdan()
        .args(["run", "--quiet", "--out"])
        .arg(out.path().join("ws"))
        .arg(input)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "should fail: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn broken_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("empty.csv", b"", "文件为空"),
        (
            "binary.csv",
            &[0x89, b'P', b'N', b'G', 0, 0, 1, 2, 0xFF, 0xFE, 0],
            "二进制",
        ),
        (
            "fake.xlsx",
            "编号,内容\n1,贷款难\n".as_bytes(),
            "不是 Excel",
        ),
        (
            "prose.txt",
            "这是一段话，没有表头。\n第二段。\n".as_bytes(),
            "找不到",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04not really a zip",
            "无法打开工作簿",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = run_fails(&path, &[]);
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
    }
}

#[test]
fn missing_columns_are_named_and_can_be_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("visits.csv");
    std::fs::write(&path, "单位,备注,日子\n恒通物流,冷链车进城难,2025-03-01\n").unwrap();
    let err = run_fails(&path, &[]);
    assert!(
        err.contains("visits.csv") && err.contains("备注") && err.contains("--column text="),
        "{err}"
    );

    let out = tempfile::tempdir().unwrap();
    qingdan()
        .args(["run", "--quiet", "--out"])
        .arg(out.path().join("ws"))
        .arg(&path)
        .args(["--column", "text=备注", "--column", "date=日子"])
        .assert()
        .success();
    let items = read_csv(&out.path().join("ws/items.csv"));
    assert_eq!(items[0]["内容"], "冷链车进城难");
    assert_eq!(items[0]["时间"], "2025-03-01");

    let err = run_fails(&path, &["--column", "text=不存在的列"]);
    assert!(
        err.contains("不存在的列") && err.contains("visits.csv"),
        "{err}"
    );
}

#[test]
fn bad_rows_are_rejected_with_file_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.csv");
    std::fs::write(
        &path,
        "编号,企业名称,意见建议,时间\nA1,恒通物流,贷款难,2025-03-01\nA2,,用地紧,2025-03-02\nA3,绿源食品,   ,2025-03-03\nA4,金桥建材,招工难,下周\nA5,鑫达电子,电价高,2025-03-04,多出来的\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let ws = out.path().join("ws");
    let output = qingdan()
        .args(["run", "--quiet", "--out"])
        .arg(&ws)
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("第5行") && stderr.contains("下周"),
        "date warning: {stderr}"
    );
    let rejects = read_csv(&ws.join("rejects.csv"));
    let got: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (r["行号"].as_str(), r["字段"].as_str()))
        .collect();
    assert_eq!(
        got,
        vec![("3", "企业名称"), ("4", "意见建议"), ("6", "整行")]
    );
    assert!(rejects.iter().all(|r| r["文件"].ends_with("batch.csv")));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (
            summary["rows_read"].as_u64(),
            summary["rows_accepted"].as_u64(),
            summary["rows_rejected"].as_u64()
        ),
        (Some(5), Some(2), Some(3))
    );
}

#[test]
fn refuses_to_overwrite_a_folder_that_is_not_a_workspace() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("年终总结.docx"), b"x").unwrap();
    let output = qingdan()
        .args(["run", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(dir.path().join("年终总结.docx").exists());
}
