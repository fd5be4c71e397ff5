//! JSON Lines (one object per line) and JSON arrays of objects. Keys become headers in order of
//! first appearance; a line that is not an object is a rejected row, not a failed file.

use serde_json::{Map, Value};

use super::csv_reader;
use super::decode::DecodedText;
use super::table::{Table, TableRow};
use crate::{Error, Result};

/// A parsed line: its number and the object, or why it is not one.
type Line = (usize, std::result::Result<Map<String, Value>, String>);

/// Parses JSONL (or a JSON array of objects) into a table.
#[cfg(test)]
pub fn read(file: &str, text: &str) -> Result<Table> {
    parse(file, text, &[])
}

/// Parses a decoded file: a line with damage ([`DecodedText::damaged`]) or a NUL is a rejected
/// row; in a JSON array, whose elements have no rows of their own, damage refuses the file.
pub fn read_decoded(file: &str, decoded: &DecodedText) -> Result<Table> {
    parse(file, &decoded.text, &decoded.damaged)
}

fn parse(file: &str, text: &str, damaged: &[usize]) -> Result<Table> {
    let mut objects: Vec<Line> = Vec::new();
    if text.trim_start().starts_with('[') {
        if let Some(&at) = damaged.first() {
            return Err(Error::Decode {
                file: file.to_string(),
                reason: format!(
                    "第{}行{}",
                    text[..at].matches('\n').count() + 1,
                    csv_reader::DAMAGED
                ),
            });
        }
        let values: Vec<Value> = serde_json::from_str(text).map_err(|e| Error::NotATable {
            file: file.to_string(),
            reason: format!("JSON 数组无法解析: {e}"),
        })?;
        for (i, v) in values.into_iter().enumerate() {
            objects.push((i + 1, as_object(v)));
        }
    } else {
        let mut start = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let (from, to) = (start, start + line.len());
            start = to;
            if line.trim().is_empty() {
                continue;
            }
            let parsed = if csv_reader::damaged_between(damaged, from, to) {
                Err(csv_reader::DAMAGED.to_string())
            } else if line.contains('\0') {
                Err(csv_reader::NUL.to_string())
            } else {
                serde_json::from_str::<Value>(line)
                    .map_err(|e| format!("不是有效的 JSON: {e}"))
                    .and_then(as_object)
            };
            objects.push((i + 1, parsed));
        }
    }
    if !objects.iter().any(|(_, o)| o.is_ok()) {
        return Err(Error::NotATable {
            file: file.to_string(),
            reason: "没有一行是 JSON 对象".into(),
        });
    }
    let mut headers: Vec<String> = Vec::new();
    for (_, obj) in &objects {
        if let Ok(map) = obj {
            for key in map.keys() {
                if !headers.iter().any(|h| h == key) {
                    headers.push(key.clone());
                }
            }
        }
    }
    let rows = objects
        .into_iter()
        .map(|(row, obj)| match obj {
            Ok(map) => TableRow {
                row,
                cells: headers.iter().map(|h| cell(map.get(h))).collect(),
                problem: None,
            },
            Err(problem) => TableRow {
                row,
                cells: Vec::new(),
                problem: Some(problem),
            },
        })
        .collect();
    Ok(Table {
        file: file.to_string(),
        headers,
        rows,
        warnings: Vec::new(),
    })
}

fn as_object(v: Value) -> std::result::Result<Map<String, Value>, String> {
    match v {
        Value::Object(map) => Ok(map),
        other => Err(format!(
            "不是 JSON 对象: {}",
            truncate(&other.to_string(), 40)
        )),
    }
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_headers_and_bad_lines_become_problems() {
        let text = "{\"编号\":1,\"内容\":\"贷款难\"}\nnot json\n{\"内容\":\"用地紧\",\"地区\":\"江北区\"}\n";
        let t = read("a.jsonl", text).unwrap();
        assert_eq!(t.headers, vec!["编号", "内容", "地区"]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].cells, vec!["1", "贷款难", ""]);
        assert!(t.rows[1].problem.is_some());
        assert_eq!(t.rows[1].row, 2);
        assert_eq!(t.rows[2].cells, vec!["", "用地紧", "江北区"]);
    }

    #[test]
    fn reads_json_arrays() {
        let t = read("a.json", "[{\"内容\":\"a\"},{\"内容\":\"b\"}]").unwrap();
        assert_eq!(t.rows.len(), 2);
    }

    #[test]
    fn damaged_lines_are_problems() {
        let text = "{\"内容\":\"a\"}\n{\"内容\":\"b\u{FFFD}\"}\n{\"内容\":\"c\"}\n";
        let at = text.find('\u{FFFD}').unwrap();
        let t = parse("a.jsonl", text, &[at]).unwrap();
        let problems: Vec<bool> = t.rows.iter().map(|r| r.problem.is_some()).collect();
        assert_eq!(problems, vec![false, true, false]);
        assert_eq!(t.rows[1].row, 2);
        let array = "[{\"内容\":\"a\"},\n{\"内容\":\"b\u{FFFD}\"}]";
        let err = parse("a.json", array, &[array.find('\u{FFFD}').unwrap()]).unwrap_err();
        assert!(err.to_string().contains("a.json") && err.to_string().contains("第2行"));
    }
}
