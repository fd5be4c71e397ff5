//! The HTML reports as written: `report.html` from `run` agrees with `summary.json`, `qingdan
//! report` rewrites it byte for byte, hostile strings stay text, and the meeting pack
//! (`report --meeting`) is written as HTML, Markdown and Excel that agree and are deterministic.

mod common;
mod html_support;

use std::path::Path;

use calamine::{open_workbook, DataType, Reader, Xlsx};
use common::*;
use html_support::*;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn report_html_agrees_with_summary_and_report_rewrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let html = read(&ws.join("report.html"));
    let summary = read_json(&ws.join("summary.json"));
    assert_numbers_match_summary(&html, &summary);
    for heading in [
        "一、总体情况",
        "二、共性问题清单",
        "三、一企一清单",
        "附：退回的行",
    ] {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    // Self-contained: nothing is fetched, whatever the browser.
    for outside in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!html.contains(outside), "{outside}");
    }
    // The common problems in their rank order, as common_problems.json has them.
    let common = read_json(&ws.join("common_problems.json"));
    let groups: Vec<String> = common
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["group"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(attr_values(&html, "data-group"), groups);

    std::fs::remove_file(ws.join("report.html")).unwrap();
    let out = stdout_of(qingdan().args(["report", "--workspace"]).arg(&ws));
    assert!(out.contains("report.html"), "{out}");
    assert_eq!(
        read(&ws.join("report.html")),
        html,
        "report rewrites the same page"
    );
}

#[test]
fn hostile_strings_show_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hostile.csv");
    write_hostile_csv(&csv);
    let ws = dir.path().join("ws");
    run_into(&ws, &[&csv]);
    let html = read(&ws.join("report.html"));
    assert!(!html.contains("<script>alert"), "raw script in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;我司反映融资担保费过高"));
    assert_eq!(html.matches("<script").count(), 1, "only our own script");
    assert!(
        !html.contains("<b>") && !html.contains("<u>"),
        "markup injected"
    );
    // The enterprise as text (summary line) and as an attribute value, quotes included.
    let escaped = "&quot;引号&quot;&amp;&lt;b&gt;粗体&lt;/b&gt;科技有限公司";
    assert!(html.contains(&format!("<span class=\"name\">{escaped}</span>")));
    assert!(html.contains(&format!("data-enterprise=\"{escaped}\"")));
    // The channel as a chart label.
    assert!(chart(&html, "channel").contains_key(HOSTILE_CHANNEL));
    let summary = read_json(&ws.join("summary.json"));
    assert_numbers_match_summary(&html, &summary);

    // The meeting pack of the hostile item's topic escapes it too.
    let topic = read_csv(&ws.join("items.csv"))
        .into_iter()
        .find(|r| r["编号"] == "X001")
        .map(|r| r["主题"].split('、').next().unwrap().to_string())
        .unwrap();
    stdout_of(
        qingdan()
            .args(["report", "--meeting", &topic, "--k", "1", "--workspace"])
            .arg(&ws),
    );
    let meeting = read(&ws.join(format!("meeting-{topic}.html")));
    assert!(!meeting.contains("<script>alert"));
    assert!(meeting.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(meeting.matches("<script").count(), 1);
    assert!(!meeting.contains("<b>") && !meeting.contains("<u>"));
}

#[test]
fn meeting_pack_agrees_across_its_three_files_and_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let summary = read_json(&ws.join("summary.json"));
    let topic = "金融信贷";
    let items = summary["by_topic"][topic].as_u64().unwrap() as usize;
    let args = ["report", "--meeting", topic, "--workspace"];
    let out = stdout_of(qingdan().args(args).arg(&ws));
    assert!(out.contains(&format!("收集意见建议{items}条")), "{out}");
    let files = ["html", "md", "xlsx"].map(|ext| ws.join(format!("meeting-{topic}.{ext}")));
    let first: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();

    let html = read(&files[0]);
    let nums = numbers(&html);
    assert_eq!(nums["items"], items.to_string());
    for heading in ["一、基本情况", "二、子问题", "三、共性问题", "四、涉及企业"]
    {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    let clusters: usize = nums["clusters"].parse().unwrap();
    assert!(clusters >= 1);
    assert_eq!(
        open_tags(&html, "div")
            .iter()
            .filter(|t| t.contains("data-cluster="))
            .count(),
        clusters
    );
    // The charts count the topic's items.
    for id in ["channel", "region", "month"] {
        assert_eq!(chart(&html, id).values().sum::<usize>(), items, "{id}");
    }
    // Its common problems are the topic's rows of common_problems.json, in rank order.
    let common: Vec<String> = read_json(&ws.join("common_problems.json"))
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] == topic)
        .map(|c| c["group"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(attr_values(&html, "data-group"), common);
    assert_eq!(nums["common_problems"], common.len().to_string());

    let md = read(&files[1]);
    assert!(md.starts_with(&format!("# {topic}专题会议材料\n")));
    assert!(md.contains(&format!("收集意见建议{items}条")));

    let mut book: Xlsx<_> = open_workbook(&files[2]).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["概况", "子问题", "共性问题", "涉及企业", "条目明细"]
    );
    let sub = book.worksheet_range("子问题").unwrap();
    assert_eq!(sub.height() - 1, clusters);
    let listed: f64 = sub.rows().skip(1).map(|r| r[2].get_float().unwrap()).sum();
    assert_eq!(listed as usize, items, "clusters cover the topic's items");
    let detail = book.worksheet_range("条目明细").unwrap();
    assert_eq!(detail.height() - 1, items);
    assert_eq!(
        book.worksheet_range("共性问题").unwrap().height() - 1,
        common.len()
    );

    // The same workspace gives the same three files.
    stdout_of(qingdan().args(args).arg(&ws));
    for (f, before) in files.iter().zip(&first) {
        assert_eq!(&std::fs::read(f).unwrap(), before, "{}", f.display());
    }
}

#[test]
fn meeting_on_an_unknown_topic_names_the_topics() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_into(&ws, &[]);
    let out = qingdan()
        .args(["report", "--meeting", "不存在的主题", "--workspace"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("不存在的主题") && err.contains("金融信贷"),
        "{err}"
    );
}
