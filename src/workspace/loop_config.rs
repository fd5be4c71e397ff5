//! What the closed loop works with: the calendar (shipped, plus the user's additions), the
//! deadline profiles and the responsibility list (职责清单). The user's files are read once by
//! `qingdan loop-config` and kept in the store, so every later command counts days the same way.

use std::path::Path;

use super::Workspace;
use crate::closed_loop::calendar::Calendar;
use crate::closed_loop::deadlines::{Deadlines, Profile};
use crate::closed_loop::routing::DutyList;
use crate::store::{Setting, View};
use crate::{Error, Result};

/// The loop's calendar, deadlines and responsibility list.
#[derive(Debug, Clone)]
pub struct LoopConfig {
    pub calendar: Calendar,
    pub deadlines: Deadlines,
    pub duties: DutyList,
}

/// Files given to `qingdan loop-config`; `None` keeps what the workspace has.
#[derive(Debug, Clone, Default)]
pub struct LoopFiles<'a> {
    pub deadlines: Option<&'a Path>,
    pub calendar: Option<&'a Path>,
    pub duties: Option<&'a Path>,
}

impl LoopConfig {
    /// The workspace's: the user's files where it keeps them, the shipped ones otherwise.
    pub fn load(view: &View) -> Result<Self> {
        let mut calendar = Calendar::shipped();
        if let Some(text) = view.setting_text(Setting::LoopCalendar)? {
            calendar.extend(&Calendar::parse(&text, "工作目录保存的日历")?);
        }
        let deadlines = match view.setting_text(Setting::LoopDeadlines)? {
            Some(text) => Deadlines::parse(&text, "工作目录保存的期限设置")?,
            None => Deadlines::shipped(),
        };
        let duties = match view.setting_text(Setting::LoopDuties)? {
            Some(text) => DutyList::parse(&text, "工作目录保存的职责清单")?,
            None => DutyList::shipped()?,
        };
        Ok(LoopConfig {
            calendar,
            deadlines,
            duties,
        })
    }

    /// What is in force, in Chinese, for `qingdan loop-config`.
    pub fn describe(&self) -> String {
        let mut out = String::from("期限方案：\n");
        for p in &self.deadlines.profiles {
            let default = if p.name == self.deadlines.default {
                "（默认）"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {}{default} {}：交办 {}，答复 {}，到期前 {} 提示，逾期超过 {} 督办；办理超过 {} 天的事项至少每 {} 天跟踪一次\n",
                p.name,
                p.label,
                p.assign,
                p.reply,
                p.due_soon,
                p.supervise_after,
                p.long_after_days,
                p.follow_up_every_days
            ));
            for (kind, span) in &p.reply_by_kind {
                out.push_str(&format!("    {kind}：答复 {span}\n"));
            }
        }
        let years: Vec<String> = self.calendar.years().map(|y| y.to_string()).collect();
        out.push_str(&format!(
            "节假日日历：{} 年（其他年份只按周末计算工作日）\n",
            years.join("、")
        ));
        out.push_str(&format!(
            "职责清单：{} 个单位\n",
            self.duties.departments.len()
        ));
        out
    }

    /// A deadline profile by name, or the default one.
    pub fn profile(&self, name: Option<&str>) -> Result<&Profile> {
        self.deadlines.profile(name)
    }
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|_| Error::Workspace {
        path: path.to_path_buf(),
        reason: "不是 UTF-8 文本文件".into(),
    })
}

impl Workspace {
    /// Checks the given files and keeps them in the store; returns the configuration in force.
    pub fn set_loop_files(&self, files: &LoopFiles) -> Result<LoopConfig> {
        // Read and checked before the lock: a bad file changes nothing.
        let mut texts: Vec<(Setting, String)> = Vec::new();
        if let Some(p) = files.calendar {
            let text = read_text(p)?;
            Calendar::parse(&text, &p.display().to_string())?;
            texts.push((Setting::LoopCalendar, text));
        }
        if let Some(p) = files.deadlines {
            let text = read_text(p)?;
            Deadlines::parse(&text, &p.display().to_string())?;
            texts.push((Setting::LoopDeadlines, text));
        }
        if let Some(p) = files.duties {
            let text = read_text(p)?;
            DutyList::parse(&text, &p.display().to_string())?;
            texts.push((Setting::LoopDuties, text));
        }
        let mut w = self.writer(false)?;
        let change = w.store.change()?;
        for (key, text) in &texts {
            change.set_setting(*key, text.as_bytes())?;
        }
        let config = LoopConfig::load(&change.view())?;
        let keys: Vec<String> = texts.iter().map(|(k, _)| format!("{k:?}")).collect();
        change.audit(self.actor(), "闭环设置", &keys.join("、"))?;
        change.commit()?;
        Ok(config)
    }

    /// The loop configuration in force.
    pub fn loop_config(&self) -> Result<LoopConfig> {
        self.read(LoopConfig::load)
    }
}
