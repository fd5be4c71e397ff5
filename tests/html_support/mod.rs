//! Helpers for the tests that read qingdan's HTML pages (as written, or as a browser's DOM): the
//! key numbers, chart bars and a hostile batch whose strings must stay text.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

/// A suggestion, enterprise and channel made to break out of HTML if anything is not escaped.
pub const HOSTILE_TEXT: &str = "<script>alert(1)</script>我司反映融资担保费过高";
/// No spaces: qingdan drops spaces from enterprise names, and the name should arrive unchanged.
pub const HOSTILE_ENTERPRISE: &str = "\"引号\"&<b>粗体</b>科技有限公司";
pub const HOSTILE_CHANNEL: &str = "<u>网站</u>";

/// Writes a CSV holding the hostile row (plus two plain ones, so it is a real batch).
pub fn write_hostile_csv(path: &Path) {
    crate::common::write_batch_csv(
        path,
        &[
            [
                "X001",
                HOSTILE_ENTERPRISE,
                "",
                HOSTILE_TEXT,
                "2025-06-01",
                HOSTILE_CHANNEL,
                "高新区",
            ],
            [
                "X002",
                "平安精工有限公司",
                "担保费高",
                "企业反映担保公司收取的担保费和保证金过高，融资成本压力大。",
                "2025-06-02",
                "走访",
                "高新区",
            ],
            [
                "X003",
                "平安精工有限公司",
                "用地指标",
                "企业希望增加工业用地指标，扩建厂房。",
                "2025-06-03",
                "走访",
                "高新区",
            ],
        ],
    );
}

/// Undoes the escaping of an attribute value or text as a serializer writes it.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in each element (opening tag) that has it, in order.
pub fn attr_values(html: &str, name: &str) -> Vec<String> {
    let key = format!(" {name}=\"");
    html.split(&key)
        .skip(1)
        .map(|rest| unescape(rest.split_once('"').unwrap().0))
        .collect()
}

/// The key figures: `data-num` key → the element's text.
pub fn numbers(html: &str) -> BTreeMap<String, String> {
    html.split(" data-num=\"")
        .skip(1)
        .map(|rest| {
            let (key, rest) = rest.split_once('"').unwrap();
            let text = rest.split_once('>').unwrap().1.split_once('<').unwrap().0;
            (key.to_string(), text.to_string())
        })
        .collect()
}

/// The bars of one chart (`data-chart` id): label → value, as the page states them.
pub fn chart(html: &str, id: &str) -> BTreeMap<String, usize> {
    let start = html
        .find(&format!("data-chart=\"{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let body = &html[start..];
    let body = &body[..body.find("</svg>").unwrap()];
    let labels = attr_values(body, "data-label");
    let values = attr_values(body, "data-value");
    assert_eq!(labels.len(), values.len());
    labels
        .into_iter()
        .zip(values.iter().map(|v| v.parse().unwrap()))
        .collect()
}

/// A `summary.json` count map as label → count.
pub fn counts(summary: &serde_json::Value, key: &str) -> BTreeMap<String, usize> {
    summary[key]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap() as usize))
        .collect()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The opening tags of every element with this tag name.
pub fn open_tags<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let key = format!("<{tag}");
    html.match_indices(&key)
        .filter(|(i, _)| {
            let next = html[i + key.len()..].chars().next();
            matches!(next, Some(' ') | Some('>'))
        })
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1])
        .collect()
}

/// Checks the batch report's numbers against `summary.json`: key figures, the four charts, the
/// number of enterprises' lists and of common problems.
pub fn assert_numbers_match_summary(html: &str, summary: &serde_json::Value) {
    let nums = numbers(html);
    for key in [
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "items",
        "enterprises",
        "groups",
        "common_problems",
    ] {
        assert_eq!(
            nums.get(key).map(String::as_str),
            Some(summary[key].to_string().as_str()),
            "{key}"
        );
    }
    for (id, key) in [
        ("topic", "by_topic"),
        ("channel", "by_channel"),
        ("region", "by_region"),
        ("month", "by_month"),
    ] {
        assert_eq!(chart(html, id), counts(summary, key), "chart {id}");
    }
    let details = open_tags(html, "details").len();
    assert_eq!(details as u64, summary["enterprises"].as_u64().unwrap());
    let common = html.split("id=\"common\"").nth(1).unwrap();
    let common = &common[..common.find("</table>").unwrap()];
    let rows = open_tags(common, "tr").len() - 1; // the header row
    assert_eq!(rows as u64, summary["common_problems"].as_u64().unwrap());
}
