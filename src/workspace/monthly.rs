//! `qingdan monthly`: the month's analysis and the loop's exports, written from one store
//! snapshot under the writer lock into the workspace's `闭环/` folder — the monthly report
//! (Markdown, HTML, XLSX), a 交办单 per department, the 督办单, and the lifecycle exports with
//! every timestamp. Like every export, they are never read back.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::cases::case_book;
use super::Workspace;
use crate::closed_loop::exports::{cases_csv, duban_sheet, jiaoban_sheet, lifecycle_csv};
use crate::closed_loop::metrics::Period;
use crate::closed_loop::monthly::{MonthlyReport, SERIES_MONTHS};
use crate::date::Date;
use crate::report::write_atomically;
use crate::{Error, Result};

/// The folder of the loop's exports, inside the workspace.
pub const LOOP_DIR: &str = "闭环";

/// What `qingdan monthly` wrote.
#[derive(Debug, Clone)]
pub struct MonthlyOutput {
    /// The report as built (its lead paragraph, in the platforms' words: `report.lead()`).
    pub report: MonthlyReport,
    pub files: Vec<PathBuf>,
    /// Calendar years the due dates fall in that the calendar does not cover.
    pub uncovered_years: Vec<i32>,
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |out| {
        out.write_all(bytes).map_err(|e| Error::io(path, e))
    })
}

/// A department's name as a file name: path separators and control characters replaced.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl Workspace {
    /// Writes the month's report and the loop's exports as of `as_of`.
    pub fn write_monthly(&self, month: (i32, u32), as_of: Date) -> Result<MonthlyOutput> {
        let period = Period::month(month.0, month.1).ok_or_else(|| Error::Workspace {
            path: self.dir.clone(),
            reason: format!("月份 {}-{:02} 无效", month.0, month.1),
        })?;
        let mut w = self.writer(false)?;
        let snapshot = w.store.snapshot()?;
        let view = snapshot.view();
        let book = case_book(&view, as_of)?;
        drop(snapshot);

        let report = MonthlyReport::build(&book.rows, &book.events, period, as_of, SERIES_MONTHS);
        let dir = self.dir.join(LOOP_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        // A department with nothing open any more keeps no 交办单 of an earlier day.
        let sheet_name = |unit: &str| format!("交办单-{}.xlsx", file_safe(unit));
        let units: BTreeSet<&str> = book
            .rows
            .iter()
            .filter(|r| r.case.state.awaits_department())
            .flat_map(|r| r.case.lead.iter().chain(r.case.co.iter()))
            .map(String::as_str)
            .collect();
        let current: BTreeSet<String> = units.iter().map(|u| sheet_name(u)).collect();
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("交办单-") && name.ends_with(".xlsx") && !current.contains(&name)
            {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        let mut files = Vec::new();
        let mut put = |name: String, bytes: &[u8]| -> Result<()> {
            let path = dir.join(name);
            write_file(&path, bytes)?;
            files.push(path);
            Ok(())
        };
        let key = format!("{}-{:02}", month.0, month.1);
        put(format!("月报-{key}.md"), report.to_markdown().as_bytes())?;
        put(format!("月报-{key}.html"), report.to_html().as_bytes())?;
        put(format!("月报-{key}.xlsx"), &report.to_xlsx()?)?;
        for unit in units {
            let sheet = jiaoban_sheet(unit, &book.rows, as_of)?;
            put(sheet_name(unit), &sheet)?;
        }
        put("督办单.xlsx".into(), &duban_sheet(&book.rows, as_of)?)?;
        put(
            "全流程记录.csv".into(),
            lifecycle_csv(&book.rows, &book.events).as_bytes(),
        )?;
        put("事项台账.csv".into(), cases_csv(&book.rows).as_bytes())?;
        Ok(MonthlyOutput {
            report,
            files,
            uncovered_years: book.uncovered_years,
        })
    }
}
