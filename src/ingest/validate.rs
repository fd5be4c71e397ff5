//! Row validation: each row becomes an accepted item or a reject naming the file, row and field.

use std::collections::hash_map::Entry;

use rayon::prelude::*;

use super::columns::{ColumnMap, Field};
use super::table::{Table, TableRow};
use crate::date::Date;
use crate::record::{
    BatchKind, BatchRecord, Item, PastAnswer, RawFields, Reject, SourceRef, Warning,
};
use crate::vectors::FxMap;

/// What a set of input files yielded.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub rows_read: usize,
    pub items: Vec<Item>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<Warning>,
    pub files: Vec<String>,
}

impl Batch {
    /// This batch's record for the store (numbered there), every accepted item counted as
    /// added; a command that finds some already there moves them to updated or unchanged.
    pub fn record(&self, kind: BatchKind, started: String) -> BatchRecord {
        BatchRecord {
            id: 0,
            kind,
            started,
            finished: String::new(),
            files: self.files.clone(),
            rows_read: self.rows_read,
            rows_accepted: self.items.len(),
            rows_rejected: self.rejects.len(),
            items_added: self.items.len(),
            items_updated: 0,
            items_unchanged: 0,
        }
    }
}

/// Validates every row of a table into `batch`: the row count grows by exactly the number of
/// rows, and each row lands in `items` or `rejects`. An accepted row's cells become its item's
/// fields (moved, not copied: a million rows hold a gigabyte of text).
pub fn validate_rows(table: Table, map: &ColumnMap, batch: &mut Batch) {
    batch.files.push(table.file.clone());
    batch.warnings.extend(table.warnings.iter().cloned());
    // Each row is checked on its own, on every core (a million rows took 5 s on one); only the
    // check for an id seen before needs the rows above it, and runs after, in row order.
    let checked: Vec<RowCheck> = table
        .rows
        .par_iter()
        .map(|row| check_row(&table.file, map, row))
        .collect();
    let repeats = earlier_rows(&table, &checked, &batch.items);
    batch.items.reserve(table.rows.len());
    // A column read for two of an item's fields (the user named it for both) is copied.
    let columns = ITEM_FIELDS.map(|f| map.column(f));
    let shared: Vec<usize> = columns
        .iter()
        .flatten()
        .copied()
        .filter(|&c| columns.iter().filter(|&&d| d == Some(c)).count() > 1)
        .collect();
    for ((row, check), repeat) in table.rows.into_iter().zip(checked).zip(repeats) {
        batch.rows_read += 1;
        let AcceptedRow {
            id,
            id_given,
            source,
            date,
            answer,
            warnings,
        } = match check {
            RowCheck::Rejected(field, reason) => {
                let source = SourceRef {
                    file: table.file.clone(),
                    row: row.row,
                };
                batch.rejects.push(row_reject(&row, source, field, reason));
                continue;
            }
            RowCheck::Accepted(accepted) => accepted,
        };
        if let Some(place) = repeat {
            let (field, reason) = if id_given {
                (
                    map.header(Field::Id),
                    format!("编号“{id}”重复，与{place}相同"),
                )
            } else {
                (
                    "整行",
                    format!("与{place}内容相同（两行都没有编号，按内容识别为同一条）"),
                )
            };
            batch.rejects.push(row_reject(&row, source, field, reason));
            continue;
        }
        batch.warnings.extend(warnings);
        let mut cells = row.cells;
        let mut take = |f: Field| match map.column(f) {
            None => String::new(),
            Some(c) if shared.contains(&c) => cells.get(c).map_or("", |s| s.trim()).to_string(),
            Some(c) => trimmed(&mut cells, c),
        };
        batch.items.push(Item {
            id,
            enterprise: take(Field::Enterprise),
            title: take(Field::Title),
            text: take(Field::Text),
            date,
            channel: take(Field::Channel),
            region: take(Field::Region),
            source,
            answer,
        });
    }
}

/// For each row accepted on its own, where its id was first seen if it is a repeat (“第3行”, or
/// “file 第3行” for another file of the batch): among `items` (earlier files), else the rows
/// above it. Ids are compared where they lie, never copied.
fn earlier_rows(table: &Table, checked: &[RowCheck], items: &[Item]) -> Vec<Option<String>> {
    let place = |file: &str, row: usize| {
        if file == table.file {
            format!("第{row}行")
        } else {
            format!("{file} 第{row}行")
        }
    };
    let mut first: FxMap<&str, (&str, usize)> = FxMap::default();
    first.reserve(items.len() + checked.len());
    for it in items {
        first
            .entry(it.id.as_str())
            .or_insert((it.source.file.as_str(), it.source.row));
    }
    checked
        .iter()
        .zip(&table.rows)
        .map(|(check, row)| match check {
            RowCheck::Accepted(a) => match first.entry(a.id.as_str()) {
                Entry::Occupied(seen) => Some(place(seen.get().0, seen.get().1)),
                Entry::Vacant(new) => {
                    new.insert((table.file.as_str(), row.row));
                    None
                }
            },
            RowCheck::Rejected(..) => None,
        })
        .collect()
}

/// The fields an item takes from its row's cells.
const ITEM_FIELDS: [Field; 5] = [
    Field::Enterprise,
    Field::Title,
    Field::Text,
    Field::Channel,
    Field::Region,
];

/// What one row is on its own, before the ids above it are known.
enum RowCheck<'m> {
    /// Rejected in this field (named as the file names it), for this reason.
    Rejected(&'m str, String),
    Accepted(AcceptedRow),
}

/// An accepted row's id, place, date and answer, and the warnings it brings if it is not a
/// repeat.
struct AcceptedRow {
    id: String,
    /// The id is the file's, not made from the row's content.
    id_given: bool,
    source: SourceRef,
    date: Option<Date>,
    answer: Option<PastAnswer>,
    warnings: Vec<Warning>,
}

fn check_row<'m>(file: &str, map: &'m ColumnMap, row: &TableRow) -> RowCheck<'m> {
    let get = |f: Field| -> &str {
        map.column(f)
            .and_then(|c| row.cells.get(c))
            .map_or("", |s| s.trim())
    };
    if let Some(problem) = &row.problem {
        return RowCheck::Rejected("整行", problem.clone());
    }
    if row.cells.iter().all(|c| c.trim().is_empty()) {
        return RowCheck::Rejected("整行", "空行".into());
    }
    let text = get(Field::Text);
    if text.is_empty() {
        return RowCheck::Rejected(map.header(Field::Text), "内容为空".into());
    }
    let enterprise = get(Field::Enterprise);
    if enterprise.is_empty() {
        return RowCheck::Rejected(map.header(Field::Enterprise), "缺少企业名称".into());
    }
    let date_text = get(Field::Date);
    let given = get(Field::Id);
    let id_given = !given.is_empty();
    let id = if id_given {
        given.to_string()
    } else {
        content_id(enterprise, date_text, get(Field::Title), text)
    };
    let source = SourceRef {
        file: file.to_string(),
        row: row.row,
    };
    let mut warnings = Vec::new();
    let date = Date::parse(date_text);
    if date.is_none() && !date_text.is_empty() {
        warnings.push(Warning {
            source: source.clone(),
            field: map.header(Field::Date).to_string(),
            message: format!("无法识别的日期“{date_text}”，已接收该条但不计入月份统计"),
        });
    }
    let raw = |f: Field| map.column(f).map(|_| get(f).to_string());
    let raw = RawFields {
        answer: raw(Field::Reply),
        answer_date: raw(Field::ReplyDate),
        answer_unit: raw(Field::Unit),
        answer_result: raw(Field::Result),
        ..RawFields::default()
    };
    let answer = past_answer(&raw, map, &source, &mut warnings);
    RowCheck::Accepted(AcceptedRow {
        id,
        id_given,
        source,
        date,
        answer,
        warnings,
    })
}

/// Cell `c` taken out of `cells`, trimmed in place (empty when the row is shorter).
fn trimmed(cells: &mut [String], c: usize) -> String {
    let Some(cell) = cells.get_mut(c) else {
        return String::new();
    };
    let mut s = std::mem::take(cell);
    let end = s.trim_end().len();
    s.truncate(end);
    let start = s.len() - s.trim_start().len();
    s.drain(..start);
    s
}

/// A row rejected for `reason` in `field`, with all its cells as they were read.
fn row_reject(row: &TableRow, source: SourceRef, field: &str, reason: String) -> Reject {
    Reject {
        source,
        field: field.to_string(),
        reason,
        content: row.cells.join(" | "),
    }
}

/// A row's past answer, from its 答复意见, 答复时间, 承办单位 and 办理结果 (trimmed, empty when
/// the file has no such column). The row is accepted either way: an answer whose date cannot be
/// read keeps its text without a date, and a date, unit or result without an answer text is
/// not an answer; both are said as warnings, never dropped in silence.
fn past_answer(
    raw: &RawFields,
    map: &ColumnMap,
    source: &SourceRef,
    warnings: &mut Vec<Warning>,
) -> Option<PastAnswer> {
    let value = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    let (text, date_text) = (value(&raw.answer), value(&raw.answer_date));
    let (unit, result) = (value(&raw.answer_unit), value(&raw.answer_result));
    let warn = |field: Field, message: String| Warning {
        source: source.clone(),
        field: map.header(field).to_string(),
        message,
    };
    if text.is_empty() {
        let given: Vec<&str> = [
            (Field::ReplyDate, &date_text),
            (Field::Unit, &unit),
            (Field::Result, &result),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(f, _)| map.header(*f))
        .collect();
        if !given.is_empty() {
            warnings.push(warn(
                Field::Reply,
                format!(
                    "有{}但没有答复意见，已接收该条，但不记为已答复",
                    given.join("、")
                ),
            ));
        }
        return None;
    }
    let date = Date::parse(&date_text);
    if date.is_none() && !date_text.is_empty() {
        warnings.push(warn(
            Field::ReplyDate,
            format!("无法识别的答复时间“{date_text}”，已记下答复意见但不含答复时间"),
        ));
    }
    Some(PastAnswer {
        text,
        date,
        unit,
        result,
    })
}

/// The id of a row without one, made from what it says: the enterprise, date, title and text
/// (spaces aside). The same row read again, from any file, gets the same id, so re-adding it
/// never makes a duplicate; different rows get different ids, whatever file they come from.
pub fn content_id(enterprise: &str, date: &str, title: &str, text: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [enterprise, date, title, text] {
        let squeezed: Vec<&str> = part.split_whitespace().collect();
        let part = squeezed.join(" ");
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let hex: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{CONTENT_ID_PREFIX}{hex}")
}

/// How ids made from content begin.
pub const CONTENT_ID_PREFIX: &str = "无编号-";

/// One row of labelled history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledRow {
    pub id: String,
    pub title: String,
    pub text: String,
    /// One or more labels (a cell may list several, separated by 、 , ; / |).
    pub labels: Vec<String>,
}

/// What labelled files yielded: rows with a text and a label, and the rest as rejects.
#[derive(Debug, Clone, Default)]
pub struct LabelledBatch {
    pub rows_read: usize,
    pub rows: Vec<LabelledRow>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<Warning>,
}

/// Validates labelled rows: a row needs a text and at least one label.
pub fn validate_labelled(table: &Table, map: &ColumnMap, batch: &mut LabelledBatch) {
    batch.warnings.extend(table.warnings.iter().cloned());
    for row in &table.rows {
        batch.rows_read += 1;
        let get = |f: Field| -> String {
            map.column(f)
                .and_then(|c| row.cells.get(c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let reject = |field: &str, reason: &str| Reject {
            source: SourceRef {
                file: table.file.clone(),
                row: row.row,
            },
            field: field.to_string(),
            reason: reason.to_string(),
            content: row.cells.join(" | "),
        };
        let labels: Vec<String> = get(Field::Label)
            .split(['、', ',', '，', ';', '；', '/', '|'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let text = get(Field::Text);
        if let Some(problem) = &row.problem {
            batch.rejects.push(reject("整行", problem));
        } else if text.is_empty() {
            batch
                .rejects
                .push(reject(map.header(Field::Text), "内容为空"));
        } else if labels.is_empty() {
            batch
                .rejects
                .push(reject(map.header(Field::Label), "缺少标签"));
        } else {
            let id = get(Field::Id);
            batch.rows.push(LabelledRow {
                id: if id.is_empty() {
                    format!("{}-{}", table.file, row.row)
                } else {
                    id
                },
                title: get(Field::Title),
                text,
                labels,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::columns::ColumnOverrides;
    use super::super::csv_reader;
    use super::*;

    #[test]
    fn every_row_is_accepted_or_rejected() {
        let csv = "编号,企业名称,意见建议,时间\n\
                   1,恒通物流,贷款难,2025-03-01\n\
                   2,,用地紧,2025-03-02\n\
                   3,绿源食品,  ,2025-03-03\n\
                   1,鑫达电子,电价高,2025-03-04\n\
                   ,,,\n\
                   5,金桥建材,招工难,待定\n";
        let table = csv_reader::read("in.csv", csv).unwrap();
        let map = ColumnMap::resolve(&table, &ColumnOverrides::default()).unwrap();
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        assert_eq!(batch.rows_read, 6);
        assert_eq!(batch.items.len() + batch.rejects.len(), 6);
        let ids: Vec<&str> = batch.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, vec!["1", "5"]);
        let reasons: Vec<(usize, &str)> = batch
            .rejects
            .iter()
            .map(|r| (r.source.row, r.field.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![(3, "企业名称"), (4, "意见建议"), (5, "编号"), (6, "整行")]
        );
        assert_eq!(batch.warnings.len(), 1);
        assert_eq!(batch.warnings[0].source.row, 7);
        assert_eq!(batch.items[1].date, None);
    }

    #[test]
    fn repeats_are_found_in_row_order_across_many_rows() {
        // Enough rows to be read on several threads: the first row of each id is kept, every
        // later one is rejected naming it, and only kept rows bring their warnings.
        let mut csv = String::from("编号,企业名称,意见建议,时间\n");
        for r in 0..6000 {
            let id = if r % 7 == 3 { r / 2 } else { r };
            csv.push_str(&format!("{id},企业{r},第{r}条意见,某日{r}\n"));
        }
        let table = csv_reader::read("many.csv", &csv).unwrap();
        let map = ColumnMap::resolve(&table, &ColumnOverrides::default()).unwrap();
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        let (mut items, mut rejects) = (0, 0);
        let mut first_row = std::collections::HashMap::new();
        for r in 0..6000usize {
            let id = if r % 7 == 3 { r / 2 } else { r };
            let row = r + 2;
            match first_row.get(&id) {
                None => {
                    first_row.insert(id, row);
                    let item = &batch.items[items];
                    assert_eq!((item.id.clone(), item.source.row), (id.to_string(), row));
                    assert_eq!(batch.warnings[items].source.row, row);
                    items += 1;
                }
                Some(first) => {
                    let reject = &batch.rejects[rejects];
                    assert_eq!(reject.source.row, row);
                    assert!(reject.reason.contains(&format!("与第{first}行相同")));
                    assert_eq!(
                        reject.content,
                        format!("{id} | 企业{r} | 第{r}条意见 | 某日{r}")
                    );
                    rejects += 1;
                }
            }
        }
        assert!(rejects > 100, "{rejects} repeats");
        assert_eq!((batch.items.len(), batch.rejects.len()), (items, rejects));
        assert_eq!(batch.warnings.len(), items);
        assert_eq!(batch.rows_read, 6000);
    }

    #[test]
    fn a_repeat_of_an_earlier_file_names_that_file() {
        let mut batch = Batch::default();
        for (file, csv) in [
            (
                "a.csv",
                "编号,企业,内容\n1,甲公司,贷款难\n2,乙公司,用地紧\n",
            ),
            (
                "b.csv",
                "编号,企业,内容\n3,丙公司,招工难\n2,丁公司,电价高\n3,戊公司,物流贵\n",
            ),
        ] {
            let table = csv_reader::read(file, csv).unwrap();
            let map = ColumnMap::resolve(&table, &ColumnOverrides::default()).unwrap();
            validate_rows(table, &map, &mut batch);
        }
        let ids: Vec<&str> = batch.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
        let reasons: Vec<(&str, usize, &str)> = batch
            .rejects
            .iter()
            .map(|r| (r.source.file.as_str(), r.source.row, r.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("b.csv", 3, "编号“2”重复，与a.csv 第3行相同"),
                ("b.csv", 4, "编号“3”重复，与第2行相同"),
            ]
        );
    }

    #[test]
    fn a_column_named_for_two_fields_fills_both() {
        let table = csv_reader::read("in.csv", "企业,内容\n甲公司, 贷款难 \n").unwrap();
        let overrides = ColumnOverrides::parse(&["title=内容", "text=内容"]).unwrap();
        let map = ColumnMap::resolve(&table, &overrides).unwrap();
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        let item = &batch.items[0];
        assert_eq!(
            (item.title.as_str(), item.text.as_str()),
            ("贷款难", "贷款难")
        );
        assert_eq!(item.enterprise, "甲公司");
    }

    #[test]
    fn past_answers_are_read_with_their_warnings() {
        let csv = "编号,企业名称,意见建议,答复意见,答复时间,承办单位,办理结果\n\
                   1,恒通物流,贷款难, 已协调银行 ,2025-04-01,市金融局,已解决\n\
                   2,绿源食品,用地紧,已纳入计划,下月,市自然资源局,\n\
                   3,鑫达电子,电价高,,,市发改委,\n\
                   4,金桥建材,招工难,,,,\n";
        let table = csv_reader::read("in.csv", csv).unwrap();
        let map = ColumnMap::resolve(&table, &ColumnOverrides::default()).unwrap();
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        assert_eq!((batch.items.len(), batch.rejects.len()), (4, 0));
        let a = batch.items[0].answer.as_ref().unwrap();
        assert_eq!(
            (a.text.as_str(), a.date, a.unit.as_str(), a.result.as_str()),
            ("已协调银行", Date::new(2025, 4, 1), "市金融局", "已解决")
        );
        let b = batch.items[1].answer.as_ref().unwrap();
        assert_eq!((b.text.as_str(), b.date), ("已纳入计划", None));
        assert_eq!(batch.items[2].answer, None);
        assert_eq!(batch.items[3].answer, None);
        let warned: Vec<(usize, &str)> = batch
            .warnings
            .iter()
            .map(|w| (w.source.row, w.field.as_str()))
            .collect();
        assert_eq!(warned, vec![(3, "答复时间"), (4, "答复意见")]);
        assert!(
            batch.warnings[1].message.contains("承办单位"),
            "{:?}",
            batch.warnings
        );
        // A file without the columns: no answers, no warnings.
        let table = csv_reader::read("b.csv", "企业,内容\n甲公司,贷款难\n").unwrap();
        let map = ColumnMap::resolve(&table, &ColumnOverrides::default()).unwrap();
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        assert_eq!(batch.items[0].answer, None);
        assert!(batch.warnings.is_empty());
    }

    #[test]
    fn missing_ids_are_made_from_content() {
        let read = |file: &str, text: &str| {
            let table = csv_reader::read(file, text).unwrap();
            let map = ColumnMap::resolve(&table, &ColumnOverrides::default()).unwrap();
            let mut batch = Batch::default();
            validate_rows(table, &map, &mut batch);
            batch
        };
        let week1 = read(
            "dir/走访[第1周].csv",
            "企业,内容,时间\n甲公司,贷款难,2025-03-01\n乙公司,用地紧,2025-03-01\n",
        );
        let week2 = read(
            "dir/走访[第1周].csv",
            "企业,内容,时间\n丙公司,招工难,2025-03-08\n甲公司, 贷款难 ,2025-03-01\n",
        );
        let ids = |b: &Batch| b.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        let (a, b) = (ids(&week1), ids(&week2));
        assert!(
            a[0].starts_with(CONTENT_ID_PREFIX) && a[0].len() > 16,
            "{a:?}"
        );
        assert_ne!(a[0], a[1], "different rows, different ids");
        assert_ne!(
            a[0], b[0],
            "the same file name and row, another row: another id"
        );
        assert_eq!(a[0], b[1], "the same row again (spaces aside): the same id");
        // Two identical rows without ids in one file: the second is the first again.
        let twice = read("x.csv", "企业,内容\n甲公司,贷款难\n甲公司,贷款难\n");
        assert_eq!((twice.items.len(), twice.rejects.len()), (1, 1));
        assert!(
            twice.rejects[0].reason.contains("与第2行内容相同"),
            "{:?}",
            twice.rejects
        );
    }
}
