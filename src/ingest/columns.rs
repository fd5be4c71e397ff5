//! Maps a file's headers to qingdan's fields, from the common Chinese and English names used by
//! consultation platforms and government-service exports, with user overrides.

use super::table::Table;
use crate::{Error, Result};

/// A field qingdan reads from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Id,
    Enterprise,
    Title,
    Text,
    Date,
    Channel,
    Region,
    /// The topic label of labelled history (for `train` and `eval`).
    Label,
    /// 答复意见: the answer a past proposal or a reply sheet carries.
    Reply,
    /// 答复时间
    ReplyDate,
    /// 承办单位: the unit that answered.
    Unit,
    /// 办理结果 (已解决, 部分解决 …).
    Result,
    /// 合并组号: a reply sheet row may answer a whole common problem.
    Group,
    /// 满意度: a rating sheet's 满意 / 基本满意 / 不满意.
    Rating,
    /// 评价时间
    RatingDate,
    /// 协办单位 of an assignment sheet (several separated by 、，, ; or spaces).
    CoUnit,
    /// 交办日期
    AssignDate,
    /// 答复期限
    Due,
    /// 事项类别 (咨询, 投诉 …), for deadlines by kind of matter.
    Kind,
}

impl Field {
    /// In the order columns are claimed: the loop's fields first, so that 答复意见, 答复时间 and
    /// 承办单位 are not taken for the text, date and enterprise by their contained words.
    pub const ALL: [Field; 19] = [
        Field::CoUnit,
        Field::AssignDate,
        Field::Due,
        Field::Kind,
        Field::Reply,
        Field::ReplyDate,
        Field::Unit,
        Field::Result,
        Field::Group,
        Field::Rating,
        Field::RatingDate,
        Field::Text,
        Field::Label,
        Field::Enterprise,
        Field::Title,
        Field::Id,
        Field::Date,
        Field::Channel,
        Field::Region,
    ];

    /// The key used in `--column KEY=列名`.
    pub fn key(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Enterprise => "enterprise",
            Field::Title => "title",
            Field::Text => "text",
            Field::Date => "date",
            Field::Channel => "channel",
            Field::Region => "region",
            Field::Label => "label",
            Field::Reply => "reply",
            Field::ReplyDate => "reply_date",
            Field::Unit => "unit",
            Field::Result => "result",
            Field::Group => "group",
            Field::Rating => "rating",
            Field::RatingDate => "rating_date",
            Field::CoUnit => "co_unit",
            Field::AssignDate => "assign_date",
            Field::Due => "due",
            Field::Kind => "kind",
        }
    }

    /// The field's name in messages and reports.
    pub fn label(self) -> &'static str {
        match self {
            Field::Id => "编号",
            Field::Enterprise => "企业名称",
            Field::Title => "标题",
            Field::Text => "意见建议内容",
            Field::Date => "时间",
            Field::Channel => "渠道",
            Field::Region => "地区",
            Field::Label => "标签",
            Field::Reply => "答复意见",
            Field::ReplyDate => "答复时间",
            Field::Unit => "承办单位",
            Field::Result => "办理结果",
            Field::Group => "合并组号",
            Field::Rating => "满意度",
            Field::RatingDate => "评价时间",
            Field::CoUnit => "协办单位",
            Field::AssignDate => "交办日期",
            Field::Due => "答复期限",
            Field::Kind => "事项类别",
        }
    }

    fn from_key(key: &str) -> Option<Field> {
        let key = key.trim();
        Field::ALL
            .into_iter()
            .find(|f| f.key().eq_ignore_ascii_case(key) || f.label() == key)
    }

    /// Header names recognised for the field, most specific first.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Id => &[
                "编号",
                "留言编号",
                "问题编号",
                "建议编号",
                "意见编号",
                "诉求编号",
                "工单编号",
                "id",
                "ID",
                "编码",
                "序号",
            ],
            Field::Enterprise => &[
                "企业名称",
                "企业",
                "单位名称",
                "单位",
                "公司名称",
                "公司",
                "市场主体名称",
                "市场主体",
                "反映企业",
                "提出单位",
                "反映单位",
                "enterprise",
                "company",
            ],
            Field::Title => &[
                "标题",
                "主题",
                "留言主题",
                "问题标题",
                "建议标题",
                "诉求标题",
                "title",
                "subject",
            ],
            Field::Text => &[
                "意见建议",
                "意见建议内容",
                "内容",
                "问题",
                "问题描述",
                "问题内容",
                "留言详情",
                "留言内容",
                "诉求内容",
                "建议内容",
                "具体内容",
                "反映问题",
                "意见",
                "建议",
                "text",
                "content",
                "body",
            ],
            Field::Date => &[
                "时间",
                "日期",
                "提出时间",
                "留言时间",
                "反映时间",
                "收集时间",
                "提交时间",
                "登记时间",
                "受理时间",
                "date",
                "time",
            ],
            Field::Channel => &[
                "渠道",
                "来源",
                "收集渠道",
                "来源渠道",
                "反映渠道",
                "途径",
                "方式",
                "channel",
                "source",
            ],
            Field::Region => &[
                "地区",
                "区县",
                "所属区县",
                "区域",
                "属地",
                "所在地区",
                "所属地区",
                "region",
                "district",
            ],
            Field::Label => &[
                "标签",
                "一级标签",
                "主题分类",
                "类别",
                "分类",
                "问题类别",
                "问题分类",
                "所属类别",
                "label",
                "category",
            ],
            Field::Reply => &[
                "答复意见",
                "答复内容",
                "回复意见",
                "回复内容",
                "办理答复",
                "办理情况",
                "答复",
                "回复",
                "reply",
                "answer",
            ],
            Field::ReplyDate => &[
                "答复时间",
                "答复日期",
                "回复时间",
                "回复日期",
                "办结时间",
                "reply_date",
            ],
            Field::Unit => &[
                "承办单位",
                "答复单位",
                "回复单位",
                "办理单位",
                "责任单位",
                "主办单位",
                "unit",
                "department",
            ],
            Field::Result => &["办理结果", "处理结果", "办理结论", "result", "outcome"],
            Field::Group => &["合并组号", "合并组", "共性问题编号", "组号", "group"],
            Field::Rating => &[
                "满意度",
                "评价结果",
                "满意度评价",
                "评价",
                "满意情况",
                "rating",
            ],
            Field::RatingDate => &["评价时间", "评价日期", "回访时间", "rating_date"],
            Field::CoUnit => &["协办单位", "配合单位", "co_unit"],
            Field::AssignDate => &["交办日期", "交办时间", "派单时间", "assign_date"],
            Field::Due => &["答复期限", "办理期限", "办结期限", "期限", "due"],
            Field::Kind => &["事项类别", "诉求类型", "事项类型", "kind"],
        }
    }
}

/// Headers that stand for the enterprise when a file has no enterprise column (citizen platforms).
const SUBMITTER_ALIASES: &[&str] = &["留言用户", "提出人", "反映人", "留言人", "用户"];

/// `--column` overrides: field → header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnOverrides(Vec<(Field, String)>);

impl ColumnOverrides {
    /// Parses `key=header` strings (key in English or the field's Chinese name).
    pub fn parse<S: AsRef<str>>(specs: &[S]) -> Result<Self> {
        let mut out = Vec::new();
        for spec in specs {
            let spec = spec.as_ref();
            let (key, header) = spec
                .split_once('=')
                .ok_or_else(|| Error::BadColumnOverride(spec.to_string()))?;
            let field =
                Field::from_key(key).ok_or_else(|| Error::BadColumnOverride(spec.to_string()))?;
            if header.trim().is_empty() {
                return Err(Error::BadColumnOverride(spec.to_string()));
            }
            out.retain(|(f, _)| *f != field);
            out.push((field, header.trim().to_string()));
        }
        Ok(ColumnOverrides(out))
    }

    /// The header the user named for a field, if any.
    pub fn header(&self, field: Field) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, h)| h.as_str())
    }
}

/// Which column of a table holds which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    columns: Vec<(Field, usize)>,
    headers: Vec<String>,
}

impl ColumnMap {
    /// Resolves the columns of suggestions: the text and enterprise columns are required.
    pub fn resolve(table: &Table, overrides: &ColumnOverrides) -> Result<Self> {
        Self::resolve_requiring(table, overrides, &[Field::Text, Field::Enterprise])
    }

    /// Resolves the columns of labelled history: the text and label columns are required.
    pub fn resolve_labelled(table: &Table, overrides: &ColumnOverrides) -> Result<Self> {
        Self::resolve_requiring(table, overrides, &[Field::Text, Field::Label])
    }

    /// Resolves the table's headers: overrides first, then exact alias matches, then headers that
    /// contain an alias (such as “意见建议（必填）”). `required` fields must be found.
    pub fn resolve_requiring(
        table: &Table,
        overrides: &ColumnOverrides,
        required: &[Field],
    ) -> Result<Self> {
        let headers = &table.headers;
        let normal: Vec<String> = headers.iter().map(|h| h.to_lowercase()).collect();
        let mut columns: Vec<(Field, usize)> = Vec::new();
        let taken = |columns: &Vec<(Field, usize)>, i: usize| columns.iter().any(|(_, c)| *c == i);
        let has = |columns: &Vec<(Field, usize)>, f: Field| columns.iter().any(|(g, _)| *g == f);

        for (field, header) in &overrides.0 {
            let i =
                headers
                    .iter()
                    .position(|h| h == header)
                    .ok_or_else(|| Error::UnknownColumn {
                        file: table.file.clone(),
                        column: header.clone(),
                        headers: table.header_list(),
                    })?;
            columns.retain(|(f, _)| f != field);
            columns.push((*field, i));
        }
        for field in Field::ALL {
            if has(&columns, field) {
                continue;
            }
            let exact = field.aliases().iter().find_map(|a| {
                let a = a.to_lowercase();
                (0..headers.len()).find(|&i| normal[i] == a && !taken(&columns, i))
            });
            if let Some(i) = exact {
                columns.push((field, i));
            }
        }
        for field in Field::ALL {
            if has(&columns, field) {
                continue;
            }
            let mut aliases: Vec<&str> = field
                .aliases()
                .iter()
                .copied()
                .filter(|a| a.chars().count() >= 2 && !a.is_ascii())
                .collect();
            aliases.sort_by_key(|a| std::cmp::Reverse(a.chars().count()));
            let contained = aliases.iter().find_map(|a| {
                (0..headers.len()).find(|&i| headers[i].contains(a) && !taken(&columns, i))
            });
            if let Some(i) = contained {
                columns.push((field, i));
            }
        }
        if required.contains(&Field::Enterprise) && !has(&columns, Field::Enterprise) {
            let submitter = SUBMITTER_ALIASES.iter().find_map(|a| {
                (0..headers.len()).find(|&i| headers[i] == *a && !taken(&columns, i))
            });
            if let Some(i) = submitter {
                columns.push((Field::Enterprise, i));
            }
        }
        for &required in required {
            if !has(&columns, required) {
                return Err(Error::MissingColumn {
                    file: table.file.clone(),
                    field: required.label(),
                    key: required.key(),
                    headers: table.header_list(),
                });
            }
        }
        columns.sort();
        Ok(ColumnMap {
            columns,
            headers: headers.clone(),
        })
    }

    /// The column index of a field, if the file has it.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
    }

    /// The header the file uses for a field (for messages that name the field as the user sees it).
    pub fn header(&self, field: Field) -> &str {
        self.column(field)
            .map(|c| self.headers[c].as_str())
            .unwrap_or(field.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str]) -> Table {
        Table {
            file: "t.csv".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: vec![],
            warnings: vec![],
        }
    }

    #[test]
    fn maps_chinese_headers() {
        let t = table(&[
            "序号",
            "单位名称",
            "问题标题",
            "问题描述",
            "提出时间",
            "来源",
            "所属区县",
        ]);
        let m = ColumnMap::resolve(&t, &ColumnOverrides::default()).unwrap();
        assert_eq!(m.column(Field::Id), Some(0));
        assert_eq!(m.column(Field::Enterprise), Some(1));
        assert_eq!(m.column(Field::Title), Some(2));
        assert_eq!(m.column(Field::Text), Some(3));
        assert_eq!(m.column(Field::Date), Some(4));
        assert_eq!(m.column(Field::Channel), Some(5));
        assert_eq!(m.column(Field::Region), Some(6));
    }

    #[test]
    fn maps_tipdm_style_headers_with_submitter_fallback() {
        let t = table(&["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"]);
        let m = ColumnMap::resolve(&t, &ColumnOverrides::default()).unwrap();
        assert_eq!(m.column(Field::Enterprise), Some(1));
        assert_eq!(m.column(Field::Title), Some(2));
        assert_eq!(m.column(Field::Text), Some(4));
    }

    #[test]
    fn contained_alias_and_override() {
        let t = table(&["企业", "意见建议（必填）", "备注"]);
        let m = ColumnMap::resolve(&t, &ColumnOverrides::default()).unwrap();
        assert_eq!(m.column(Field::Text), Some(1));
        let o = ColumnOverrides::parse(&["text=备注"]).unwrap();
        let m = ColumnMap::resolve(&t, &o).unwrap();
        assert_eq!(m.column(Field::Text), Some(2));
    }

    #[test]
    fn missing_text_column_names_the_headers() {
        let err = ColumnMap::resolve(&table(&["企业", "备注"]), &ColumnOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.csv") && err.contains("备注") && err.contains("--column text="));
    }

    #[test]
    fn labelled_history_needs_a_label_not_an_enterprise() {
        let t = table(&["留言编号", "留言主题", "留言详情", "一级标签"]);
        let m = ColumnMap::resolve_labelled(&t, &ColumnOverrides::default()).unwrap();
        assert_eq!(m.column(Field::Label), Some(3));
        assert_eq!(m.column(Field::Title), Some(1));
        assert!(ColumnMap::resolve(&t, &ColumnOverrides::default()).is_err());
        let err = ColumnMap::resolve_labelled(&table(&["内容"]), &ColumnOverrides::default())
            .unwrap_err();
        assert!(err.to_string().contains("--column label="), "{err}");
    }

    #[test]
    fn bad_override_is_an_error() {
        assert!(ColumnOverrides::parse(&["txt=内容"]).is_err());
        assert!(ColumnOverrides::parse(&["text"]).is_err());
        let t = table(&["企业", "内容"]);
        let o = ColumnOverrides::parse(&["text=不存在"]).unwrap();
        assert!(ColumnMap::resolve(&t, &o).is_err());
    }
}
