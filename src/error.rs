//! Typed errors of the library. Every error that comes from a user's file names the file and,
//! where there is one, the row and the field, so an analyst can find and fix it.

use std::path::PathBuf;

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in qingdan's library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("无法读写 {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: 不是可读取的表格 ({reason})")]
    NotATable { file: String, reason: String },
    #[error("{file}: 无法识别文字编码 ({reason})")]
    Decode { file: String, reason: String },
    #[error("{file}: 找不到{field}列；表头为: {headers}。可用 --column {key}=列名 指定")]
    MissingColumn {
        file: String,
        field: &'static str,
        key: &'static str,
        headers: String,
    },
    #[error("{file}: --column 指定的列“{column}”不存在；表头为: {headers}")]
    UnknownColumn {
        file: String,
        column: String,
        headers: String,
    },
    #[error("--column 参数“{0}”无效，应为 字段=列名，字段为 id/enterprise/title/text/date/channel/region 之一")]
    BadColumnOverride(String),
    #[error("{file}: 第{row}行: {reason}")]
    Row {
        file: String,
        row: usize,
        reason: String,
    },
    #[error("词典文件 {file} 第{line}行: {reason}")]
    Dict {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("主题分类 {file}: {reason}")]
    Taxonomy { file: String, reason: String },
    #[error("工作目录 {path}: {reason}")]
    Workspace { path: PathBuf, reason: String },
    #[error("索引错误: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("查询无效: {0}")]
    Query(String),
    #[error("写出 {path} 失败: {reason}")]
    Output { path: PathBuf, reason: String },
    #[error("没有主题“{topic}”；工作目录中的主题: {present}")]
    UnknownTopic { topic: String, present: String },
    #[error("聚类: {0}")]
    Clusters(String),
    #[error(
        "工作目录 {path} 正在被另一个 qingdan 命令修改（已等待{waited:.0}秒）；请等它结束后再试"
    )]
    Busy { path: PathBuf, waited: f64 },
    #[error("工作目录数据库 {path}: {reason}")]
    Store { path: PathBuf, reason: String },
    #[error("没有期限方案“{name}”；可用的方案: {known}")]
    UnknownProfile { name: String, known: String },
    #[error("账户: {0}")]
    Account(String),
    #[error("工作台: {0}")]
    Serve(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An output file could not be written.
    pub fn output(path: impl Into<PathBuf>, reason: impl ToString) -> Self {
        Error::Output {
            path: path.into(),
            reason: reason.to_string(),
        }
    }
}
