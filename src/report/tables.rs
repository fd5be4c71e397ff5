//! CSV, JSON and report files of the workspace. CSV is UTF-8 with a BOM so Excel opens the Chinese
//! correctly; lists inside a cell are joined with “、”.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::{render_markdown, render_overview, spreadsheet_safe, Lists, StreamedFile, Summary};
use crate::date::Date;
use crate::pipeline::Analysis;
use crate::record::Reject;
use crate::{Error, Result};

/// The batch report's file name in the workspace.
pub const REPORT_HTML: &str = "report.html";

/// Writes a CSV file with a header row. Every cell goes through [`spreadsheet_safe`]: the cells
/// hold users' text, which must not run as a formula when the file is opened in Excel.
pub fn write_csv(path: &Path, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    write_csv_rows(path, headers, rows.iter().cloned())
}

/// [`write_csv`] with the rows made one at a time and streamed to the file.
pub fn write_csv_rows(
    path: &Path,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<()> {
    write_atomically(path, |out| {
        out.write_all(b"\xEF\xBB\xBF")
            .map_err(|e| Error::io(path, e))?;
        let mut w = csv::Writer::from_writer(out);
        let mut write_row = |cells: &mut dyn Iterator<Item = &str>| -> Result<()> {
            for cell in cells {
                w.write_field(spreadsheet_safe(cell).as_bytes())
                    .map_err(|e| Error::output(path, e))?;
            }
            // No fields: ends the record.
            w.write_record(None::<&[u8]>)
                .map_err(|e| Error::output(path, e))
        };
        write_row(&mut headers.iter().copied())?;
        for row in rows {
            write_row(&mut row.iter().map(String::as_str))?;
        }
        w.flush().map_err(|e| Error::io(path, e))
    })
}

/// Writes pretty JSON, streamed to the file.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(|e| Error::output(path, e))?;
        out.write_all(b"\n").map_err(|e| Error::io(path, e))
    })
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |out| {
        out.write_all(bytes).map_err(|e| Error::io(path, e))
    })
}

/// Bytes handed to the kernel at a time. A write that ends inside a block has the kernel zero
/// the rest of the block first (ext4): at the default 8 KiB that zeroing was 5% of re-exporting a
/// million items, and the syscalls more.
const WRITE_BUFFER: usize = 1 << 20;

/// Writes a file through `fill` beside `path`, synced, then renamed into place: a reader finds
/// the old file or the new one, never half of one. The file goes to disk as it grows and leaves
/// the page cache behind it ([`StreamedFile`]).
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<StreamedFile>) -> Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let io = |e: std::io::Error| Error::io(path, e);
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(io)?;
        let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, StreamedFile::new(file));
        fill(&mut out)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Writes every list, table and the report into `dir`, the files side by side on the thread
/// pool, each streamed row by row.
pub fn write_outputs(
    dir: &Path,
    analysis: &Analysis,
    lists: &Lists,
    summary: &Summary,
    rejects: &[Reject],
) -> Result<()> {
    type Job<'a> = Box<dyn FnOnce() -> Result<()> + Send + 'a>;
    let jobs: Vec<Job> = vec![
        Box::new(|| items_csv(dir, analysis)),
        Box::new(|| enterprises_csv(dir, lists)),
        Box::new(|| write_json(&dir.join("enterprises.json"), &lists.enterprises)),
        Box::new(|| common_csv(dir, lists)),
        Box::new(|| write_json(&dir.join("common_problems.json"), &lists.common)),
        Box::new(|| {
            write_csv_rows(
                &dir.join("rejects.csv"),
                &["文件", "行号", "字段", "原因", "原始内容"],
                rejects.iter().map(|r| {
                    vec![
                        r.source.file.clone(),
                        r.source.row.to_string(),
                        r.field.clone(),
                        r.reason.clone(),
                        r.content.clone(),
                    ]
                }),
            )
        }),
        Box::new(|| write_json(&dir.join("summary.json"), summary)),
        Box::new(|| {
            write_bytes(
                &dir.join("report.md"),
                render_markdown(summary, lists, rejects).as_bytes(),
            )
        }),
        Box::new(|| write_report_html(dir, summary, lists, rejects)),
    ];
    jobs.into_par_iter().map(|job| job()).collect()
}

fn items_csv(dir: &Path, analysis: &Analysis) -> Result<()> {
    let group_of = analysis.group_of_item();
    // The answer columns only when the workspace has answers, so the file of one without any
    // stays as it was.
    let answers = analysis.items.iter().any(|a| a.item.answer.is_some());
    let rows = analysis.items.iter().enumerate().map(move |(i, a)| {
        let g = &analysis.groups[group_of[i]];
        let mut row = vec![
            a.item.id.clone(),
            a.enterprise.clone(),
            a.title.clone(),
            a.text.clone(),
            date(a.item.date),
            a.channel.clone(),
            a.region.clone(),
            a.topics
                .iter()
                .map(|t| t.topic.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            a.topics
                .iter()
                .map(|t| format!("{:.2}", t.confidence))
                .collect::<Vec<_>>()
                .join("、"),
            a.topics
                .iter()
                .map(|t| {
                    format!(
                        "{}({} {:.2}):{}",
                        t.topic,
                        t.method.label(),
                        t.score,
                        t.terms.join("/")
                    )
                })
                .collect::<Vec<_>>()
                .join("；"),
            g.id.clone(),
            g.members.len().to_string(),
            a.item.source.file.clone(),
            a.item.source.row.to_string(),
        ];
        if answers {
            let x = a.item.answer.as_ref();
            row.extend([
                x.map(|x| x.unit.clone()).unwrap_or_default(),
                date(x.and_then(|x| x.date)),
                x.map(|x| x.text.clone()).unwrap_or_default(),
                x.map(|x| x.result.clone()).unwrap_or_default(),
            ]);
        }
        row
    });
    let mut headers = vec![
        "编号",
        "企业名称",
        "标题",
        "内容",
        "时间",
        "渠道",
        "地区",
        "主题",
        "主题置信度",
        "主题依据",
        "合并组",
        "组内条数",
        "来源文件",
        "来源行",
    ];
    if answers {
        headers.extend(["答复单位", "答复时间", "答复意见", "办理结果"]);
    }
    write_csv_rows(&dir.join("items.csv"), &headers, rows)
}

fn enterprises_csv(dir: &Path, lists: &Lists) -> Result<()> {
    let rows = lists.enterprises.iter().flat_map(|e| {
        e.problems.iter().enumerate().map(move |(n, p)| {
            vec![
                e.enterprise.clone(),
                e.regions.join("、"),
                (n + 1).to_string(),
                p.problem.to_string(),
                p.topic.clone(),
                p.count.to_string(),
                p.channels.join("、"),
                date(p.first),
                date(p.last),
                p.other_enterprises.to_string(),
                p.group.clone(),
                p.items.join("、"),
            ]
        })
    });
    write_csv_rows(
        &dir.join("enterprises.csv"),
        &[
            "企业名称",
            "地区",
            "序号",
            "问题",
            "主题",
            "次数",
            "渠道",
            "首次提出",
            "最近提出",
            "其他反映企业数",
            "合并组",
            "编号",
        ],
        rows,
    )
}

fn common_csv(dir: &Path, lists: &Lists) -> Result<()> {
    let rows = lists.common.iter().map(|c| {
        vec![
            c.rank.to_string(),
            c.problem.clone(),
            c.topic.clone(),
            c.enterprise_count.to_string(),
            c.count.to_string(),
            c.enterprises.join("、"),
            c.channels.join("、"),
            date(c.first),
            date(c.last),
            c.shared_terms.join("、"),
            format!("{:.2}", c.score),
            c.group.clone(),
            c.items.join("、"),
        ]
    });
    write_csv_rows(
        &dir.join("common_problems.csv"),
        &[
            "排名",
            "问题",
            "主题",
            "企业数",
            "次数",
            "反映企业",
            "渠道",
            "首次提出",
            "最近提出",
            "共同关键词",
            "相似度",
            "合并组",
            "编号",
        ],
        rows,
    )
}

/// Writes `report.html`; `qingdan report` calls it alone to rewrite the page from a workspace.
pub fn write_report_html(
    dir: &Path,
    summary: &Summary,
    lists: &Lists,
    rejects: &[Reject],
) -> Result<()> {
    write_bytes(
        &dir.join(REPORT_HTML),
        render_overview(summary, lists, rejects).as_bytes(),
    )
}
