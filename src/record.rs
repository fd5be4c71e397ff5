//! The records that flow through the pipeline: where a row came from, the item accepted from it,
//! and the reason a row was rejected.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::date::Date;

/// Where a row came from: the file and the row number an analyst sees in Excel or an editor
/// (the header is row 1, so the first data row of a CSV or sheet is row 2; JSONL rows are lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub file: String,
    pub row: usize,
}

/// The fields qingdan understands, as read from one row, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawFields {
    pub id: Option<String>,
    pub enterprise: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub date: Option<String>,
    pub channel: Option<String>,
    pub region: Option<String>,
    /// 答复意见: a past proposal's answer, when the file carries one.
    pub answer: Option<String>,
    /// 答复时间, as written.
    pub answer_date: Option<String>,
    /// 承办单位: the unit that answered.
    pub answer_unit: Option<String>,
    /// 办理结果.
    pub answer_result: Option<String>,
}

/// One row read from an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub source: SourceRef,
    pub fields: RawFields,
}

/// An accepted suggestion, as the user wrote it (trimmed), with its validated date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub enterprise: String,
    pub title: String,
    pub text: String,
    pub date: Option<Date>,
    pub channel: String,
    pub region: String,
    pub source: SourceRef,
    /// The answer a past proposal already received (答复意见 and what goes with it); `None`
    /// for a new suggestion. Left out of JSON when absent, so items without one read and write
    /// as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<PastAnswer>,
}

/// The answer a past proposal received, as the file gave it (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastAnswer {
    /// 答复意见: never empty (a row without it has no answer).
    pub text: String,
    /// 答复时间, when it could be read.
    pub date: Option<Date>,
    /// 承办单位, empty when not given.
    pub unit: String,
    /// 办理结果, empty when not given.
    pub result: String,
}

impl PastAnswer {
    /// How many characters of the answer a one-line mention shows.
    pub const EXCERPT_CHARS: usize = 80;

    /// The first `n` characters of the answer on one line (line breaks and runs of spaces
    /// become one space), with “…” when it was cut.
    pub fn excerpt(&self, n: usize) -> String {
        let flat = self.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut chars = flat.chars();
        let head: String = chars.by_ref().take(n).collect();
        if chars.next().is_some() {
            format!("{head}…")
        } else {
            head
        }
    }

    /// “A市住房和城乡建设局 2019-05-09”: who answered and when, either may be missing.
    fn who_when(&self) -> String {
        let date = self.date.map(|d| d.to_string()).unwrap_or_default();
        [self.unit.as_str(), date.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The line search and similar print: “曾答复：A市住房和城乡建设局 2019-05-09 答复：…”.
    pub fn line(&self) -> String {
        let who = self.who_when();
        let result = if self.result.is_empty() {
            String::new()
        } else {
            format!("（{}）", self.result)
        };
        let who = if who.is_empty() {
            String::new()
        } else {
            format!("{who} ")
        };
        format!(
            "曾答复：{who}答复{result}：{}",
            self.excerpt(Self::EXCERPT_CHARS)
        )
    }

    /// The meeting pack's sentence: “此前已提出，A市住房和城乡建设局 于 2019-05-09 答复：…”.
    pub fn meeting_line(&self) -> String {
        let unit = if self.unit.is_empty() {
            "有关单位"
        } else {
            &self.unit
        };
        let when = self.date.map(|d| format!(" 于 {d}")).unwrap_or_default();
        let result = if self.result.is_empty() {
            String::new()
        } else {
            format!("（办理结果：{}）", self.result)
        };
        format!(
            "此前已提出，{unit}{when} 答复{result}：{}",
            self.excerpt(Self::EXCERPT_CHARS)
        )
    }
}

/// A row that could not be accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub source: SourceRef,
    /// The field at fault, in the user's words (e.g. 意见建议).
    pub field: String,
    pub reason: String,
    /// The row's content, so the analyst can fix it without opening the file.
    pub content: String,
}

/// Something accepted but worth telling the analyst, e.g. a date that could not be read. A warning
/// about a whole file (sheets of a workbook left unread) has row 0 and no field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub source: SourceRef,
    pub field: String,
    pub message: String,
}

/// What made a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchKind {
    /// `qingdan run`: the workspace starts afresh from these files.
    Run,
    /// `qingdan add`.
    Add,
    /// A workspace of the earlier folder format, taken over.
    Convert,
}

impl BatchKind {
    pub(crate) fn stored(self) -> &'static str {
        match self {
            BatchKind::Run => "run",
            BatchKind::Add => "add",
            BatchKind::Convert => "convert",
        }
    }

    pub(crate) fn parse_stored(s: &str) -> Self {
        match s {
            "run" => BatchKind::Run,
            "convert" => BatchKind::Convert,
            _ => BatchKind::Add,
        }
    }

    /// How reports name it.
    pub fn label(self) -> &'static str {
        match self {
            BatchKind::Run => "新建",
            BatchKind::Add => "追加",
            BatchKind::Convert => "旧版转换",
        }
    }
}

impl Warning {
    /// A warning about a whole file, not one of its rows.
    pub fn whole_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Warning {
            source: SourceRef {
                file: file.into(),
                row: 0,
            },
            field: String::new(),
            message: message.into(),
        }
    }

    /// Whether the warning is about a whole file (row 0: rows are numbered from 1).
    pub fn is_whole_file(&self) -> bool {
        self.source.row == 0
    }
}

/// “文件 第5行 时间: …”, or “文件: …” for a whole file.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_whole_file() {
            write!(f, "{}: {}", self.source.file, self.message)
        } else {
            write!(
                f,
                "{} 第{}行 {}: {}",
                self.source.file, self.source.row, self.field, self.message
            )
        }
    }
}

/// One batch's record. `rows_read = rows_accepted + rows_rejected` and
/// `rows_accepted = items_added + items_updated + items_unchanged`, always.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRecord {
    pub id: i64,
    pub kind: BatchKind,
    pub started: String,
    pub finished: String,
    pub files: Vec<String>,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// Items with an id the workspace did not have.
    pub items_added: usize,
    /// Items that replaced an item of the same id with different content.
    pub items_updated: usize,
    /// Items identical to the item of the same id already there.
    pub items_unchanged: usize,
}

/// The broad level of a region: city-level meetings versus districts and counties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RegionLevel {
    City,
    District,
    Unknown,
}

impl RegionLevel {
    /// Classifies a region as written by the user (市级, 市本级, 江北区, 青山县 …).
    pub fn of(region: &str) -> Self {
        let r = region.trim();
        if r.is_empty() {
            RegionLevel::Unknown
        } else if matches!(r, "市级" | "市本级" | "市直" | "全市" | "市级部门")
            || r.starts_with("市级")
        {
            RegionLevel::City
        } else {
            RegionLevel::District
        }
    }

    /// The label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            RegionLevel::City => "市级",
            RegionLevel::District => "区县",
            RegionLevel::Unknown => "未注明",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_the_row_or_the_whole_file() {
        let row = Warning {
            source: SourceRef {
                file: "a.csv".into(),
                row: 5,
            },
            field: "时间".into(),
            message: "无法识别的日期".into(),
        };
        assert_eq!(row.to_string(), "a.csv 第5行 时间: 无法识别的日期");
        let file = Warning::whole_file("b.xlsx", "只读取了工作表“Sheet1”");
        assert!(file.is_whole_file() && !row.is_whole_file());
        assert_eq!(file.to_string(), "b.xlsx: 只读取了工作表“Sheet1”");
    }

    #[test]
    fn answers_read_as_one_line() {
        let a = PastAnswer {
            text: "您好！\n  经核实，该路段已纳入改造计划。".into(),
            date: Date::new(2019, 5, 9),
            unit: "A市住房和城乡建设局".into(),
            result: String::new(),
        };
        assert_eq!(
            a.line(),
            "曾答复：A市住房和城乡建设局 2019-05-09 答复：您好！ 经核实，该路段已纳入改造计划。"
        );
        assert_eq!(
            a.meeting_line(),
            "此前已提出，A市住房和城乡建设局 于 2019-05-09 答复：您好！ 经核实，该路段已纳入改造计划。"
        );
        let bare = PastAnswer {
            text: "好".repeat(100),
            date: None,
            unit: String::new(),
            result: "已解决".into(),
        };
        assert_eq!(bare.excerpt(3), "好好好…");
        assert!(
            bare.line().starts_with("曾答复：答复（已解决）：好"),
            "{}",
            bare.line()
        );
        assert!(bare
            .meeting_line()
            .starts_with("此前已提出，有关单位 答复（办理结果：已解决）："));
        assert_eq!(bare.excerpt(80).chars().count(), 81);
    }

    #[test]
    fn region_levels() {
        assert_eq!(RegionLevel::of("市级"), RegionLevel::City);
        assert_eq!(RegionLevel::of(" 市本级 "), RegionLevel::City);
        assert_eq!(RegionLevel::of("江北区"), RegionLevel::District);
        assert_eq!(RegionLevel::of("青山县"), RegionLevel::District);
        assert_eq!(RegionLevel::of(""), RegionLevel::Unknown);
    }
}
