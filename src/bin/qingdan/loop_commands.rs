//! The closed loop's subcommands: build the step, call the workspace, print Chinese output.

use std::process::ExitCode;

use anyhow::{bail, Context};

use qingdan::closed_loop::deadlines::Urgency;
use qingdan::closed_loop::exports::{suggestion_sheet, ToAssign};
use qingdan::closed_loop::monthly::flag_text;
use qingdan::closed_loop::{Event, EventKind, Outcome, Rating};
use qingdan::date::Date;
use qingdan::ingest::{ColumnOverrides, IngestOptions};
use qingdan::report::write_atomically;
use qingdan::workspace::{Actor, ImportSummary, LoopFiles, Step, StepResult, Workspace};

use crate::loop_args::{
    AssignArgs, AssignImportArgs, CaseCommand, ImportArgs, LoopConfigArgs, MonthlyArgs,
    OverdueArgs, ShowArgs, StepArgs, SuggestArgs,
};

fn parse_day(text: &str, what: &str) -> anyhow::Result<Date> {
    match Date::parse(text) {
        Some(d) => Ok(d),
        None => bail!("{what}“{text}”不是有效日期，请写成 2025-03-14"),
    }
}

fn day_or_today(text: Option<&str>, what: &str) -> anyhow::Result<Date> {
    text.map(|t| parse_day(t, what))
        .transpose()
        .map(|d| d.unwrap_or_else(Date::today))
}

fn actor_name(by: Option<&str>) -> String {
    by.map(str::to_string)
        .or_else(|| std::env::var("QINGDAN_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "未署名".to_string())
}

fn actor(step: &StepArgs) -> anyhow::Result<Actor> {
    Ok(Actor {
        name: actor_name(step.by.as_deref()),
        day: day_or_today(step.date.as_deref(), "办理日期")?,
    })
}

fn describe(e: &Event) -> String {
    let detail = match &e.kind {
        EventKind::Assign { lead, co, due } => {
            let co = if co.is_empty() {
                String::new()
            } else {
                format!("，协办 {}", co.join("、"))
            };
            format!("主办 {lead}{co}，{due} 前答复")
        }
        EventKind::Return { reason } | EventKind::Track { reason } => reason.clone(),
        EventKind::Extend { due, reason } => format!("延至 {due}：{reason}"),
        EventKind::Reply {
            text,
            unit,
            outcome,
        } => {
            let short: String = text.chars().take(40).collect();
            let more = if text.chars().count() > 40 { "…" } else { "" };
            format!("{unit}（{outcome}）：{short}{more}")
        }
        EventKind::Rate { rating } => rating.label().to_string(),
        EventKind::Reopen { due, reason } => format!("{due} 前重新答复：{reason}"),
        EventKind::Undo { target, reason } => format!("撤销第 {target} 号：{reason}"),
        EventKind::Accept | EventKind::Close | EventKind::FollowUp => String::new(),
    };
    let group = e
        .group
        .as_deref()
        .map(|g| format!("（经合并组 {g}）"))
        .unwrap_or_default();
    format!(
        "#{} {} {} {}{} {}",
        e.seq,
        e.day,
        e.item,
        e.kind.label(),
        group,
        detail
    )
}

fn print_result(r: &StepResult) {
    for e in &r.written {
        println!("{}", describe(e));
    }
    for (item, why) in &r.skipped {
        println!("跳过 {item}：{why}");
    }
    println!(
        "写入 {} 条记录，跳过 {} 条",
        r.written.len(),
        r.skipped.len()
    );
}

pub fn assign(a: AssignArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::new(&a.step.workspace);
    let by = actor(&a.step)?;
    let due = a
        .due
        .as_deref()
        .map(|d| parse_day(d, "答复期限"))
        .transpose()?;
    let step_for = |lead: String| Step::Assign {
        lead,
        co: a.co.clone(),
        due,
        kind: a.kind.clone(),
        profile: a.profile.clone(),
    };
    let result = match &a.to {
        Some(lead) => ws.step(&a.ids, &step_for(lead.clone()), &by, &a.step.note)?,
        None => {
            // Each named id to its first suggestion; a group to the one most of its members get.
            let mut all = StepResult::default();
            for id in &a.ids {
                let mut votes: Vec<(String, usize)> = Vec::new();
                for m in ws.suggest(std::slice::from_ref(id), 1)? {
                    if let Some(first) = m.suggestions.into_iter().next() {
                        match votes.iter_mut().find(|(u, _)| *u == first.unit) {
                            Some(v) => v.1 += 1,
                            None => votes.push((first.unit, 1)),
                        }
                    }
                }
                // Most votes; the first suggested among equals.
                let best = votes
                    .iter()
                    .enumerate()
                    .max_by_key(|(i, (_, n))| (*n, std::cmp::Reverse(*i)))
                    .map(|(_, (u, _))| u.clone());
                let Some(unit) = best else {
                    all.skipped.push((id.clone(), "没有可建议的单位".into()));
                    continue;
                };
                let r = ws.step(std::slice::from_ref(id), &step_for(unit), &by, &a.step.note)?;
                all.written.extend(r.written);
                all.skipped.extend(r.skipped);
            }
            all
        }
    };
    print_result(&result);
    Ok(ExitCode::SUCCESS)
}

pub fn suggest(a: SuggestArgs) -> anyhow::Result<ExitCode> {
    if a.top == 0 || a.top > 20 {
        bail!("--top 应在 1 到 20 之间");
    }
    let ws = Workspace::new(&a.workspace);
    let found = ws.suggest(&a.ids, a.top)?;
    if let Some(path) = &a.xlsx {
        let matters: Vec<ToAssign> = found
            .iter()
            .map(|m| ToAssign {
                id: m.id.clone(),
                title: m.title.clone(),
                topic: m.topic.clone(),
                suggestions: m.suggestions.iter().map(|s| s.unit.clone()).collect(),
            })
            .collect();
        let bytes = suggestion_sheet(&matters, Date::today())?;
        write_atomically(path, |out| {
            std::io::Write::write_all(out, &bytes).map_err(|e| qingdan::Error::io(path, e))
        })?;
        println!(
            "已写出 {}（{} 条待交办事项）：核对“主办单位”后用 qingdan assignments 导入",
            path.display(),
            matters.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(ExitCode::SUCCESS);
    }
    if found.is_empty() {
        println!("没有待交办的事项");
    }
    for m in &found {
        println!("{} {}", m.id, m.title);
        for (i, s) in m.suggestions.iter().enumerate() {
            println!("  {}. {}（{:.2}）{}", i + 1, s.unit, s.score, s.why);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(a: ShowArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::new(&a.workspace);
    let cases = ws.history(&a.ids)?;
    if a.json {
        let out: Vec<serde_json::Value> = cases
            .iter()
            .map(|(case, events)| serde_json::json!({"case": case, "events": events}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    for (case, events) in &cases {
        let outcome = case.outcome.map(|o| o.label()).unwrap_or("—");
        let rating = case.rating().map(|r| r.label()).unwrap_or("—");
        let due = case
            .due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into());
        println!(
            "{}：{}；主办 {}；期限 {due}；办理结果 {outcome}；评价 {rating}；退回 {} 次，延期 {} 次，重办 {} 次",
            case.item,
            case.state,
            case.lead.as_deref().unwrap_or("—"),
            case.returns,
            case.extensions,
            case.reopens
        );
        for e in events {
            println!("  {}（{}，记录于 {}）", describe(e), e.actor, e.recorded);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn case(c: CaseCommand) -> anyhow::Result<ExitCode> {
    let (ids, step, args) = match c {
        CaseCommand::Show(a) => return show(a),
        CaseCommand::Undo(a) => {
            let ws = Workspace::new(&a.step.workspace);
            let r = ws.undo(&a.events, &a.reason, &actor(&a.step)?)?;
            print_result(&r);
            return Ok(ExitCode::SUCCESS);
        }
        CaseCommand::Accept(a) => (a.ids, Step::Accept, a.step),
        CaseCommand::Close(a) => (a.ids, Step::Close, a.step),
        CaseCommand::FollowUp(a) => (a.ids, Step::FollowUp, a.step),
        CaseCommand::Return(a) => (a.ids, Step::Return { reason: a.reason }, a.step),
        CaseCommand::Track(a) => (a.ids, Step::Track { reason: a.reason }, a.step),
        CaseCommand::Extend(a) => {
            let due = parse_day(&a.due, "延期后的期限")?;
            (
                a.ids,
                Step::Extend {
                    due,
                    reason: a.reason,
                },
                a.step,
            )
        }
        CaseCommand::Reply(a) => {
            let Some(outcome) = Outcome::parse(&a.result) else {
                bail!(
                    "办理结果“{}”无法识别，应为：{}",
                    a.result,
                    Outcome::ALL.map(|o| o.label()).join("、")
                );
            };
            if a.text.trim().is_empty() {
                bail!("答复意见为空");
            }
            (
                a.ids,
                Step::Reply {
                    text: a.text,
                    unit: a.unit,
                    outcome,
                },
                a.step,
            )
        }
        CaseCommand::Rate(a) => {
            let Some(rating) = Rating::parse(&a.rating) else {
                bail!("满意度“{}”无法识别，应为：满意、基本满意、不满意", a.rating);
            };
            (a.ids, Step::Rate { rating }, a.step)
        }
        CaseCommand::Reopen(a) => {
            let due = a
                .due
                .as_deref()
                .map(|d| parse_day(d, "重办期限"))
                .transpose()?;
            (
                a.ids,
                Step::Reopen {
                    due,
                    reason: a.reason,
                },
                a.step,
            )
        }
    };
    let ws = Workspace::new(&args.workspace);
    let r = ws.step(&ids, &step, &actor(&args)?, &args.note)?;
    print_result(&r);
    Ok(ExitCode::SUCCESS)
}

fn import_options(a: &ImportArgs) -> anyhow::Result<IngestOptions> {
    Ok(IngestOptions {
        sheet: a.sheet.clone(),
        columns: ColumnOverrides::parse(&a.columns)?,
    })
}

fn print_import(s: &ImportSummary, quiet: bool) {
    let r = &s.record;
    println!(
        "{}表 {}：读入 {} 行，接受 {} 行（新记入 {} 行、已有 {} 行），退回 {} 行；写入 {} 条记录",
        r.kind.label(),
        r.file,
        r.rows_read,
        r.rows_accepted,
        r.rows_applied,
        r.rows_unchanged,
        r.rows_rejected,
        r.events_added
    );
    for w in &s.warnings {
        println!(
            "提示 {}:{} {}：{}",
            w.source.file, w.source.row, w.field, w.message
        );
    }
    for x in &s.rejects {
        println!(
            "退回 {}:{} {}：{}（{}）",
            x.source.file, x.source.row, x.field, x.reason, x.content
        );
    }
    if !quiet {
        for e in &s.events {
            println!("{}", describe(e));
        }
    }
}

pub fn replies(a: ImportArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::new(&a.workspace);
    let s = ws.import_replies(&a.file, &import_options(&a)?, &actor_name(a.by.as_deref()))?;
    print_import(&s, a.quiet);
    for (item, flags) in &s.flags {
        let words: Vec<String> = flags.iter().map(flag_text).collect();
        println!("答复存疑 {item}：{}", words.join("；"));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn assignments(a: AssignImportArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::new(&a.import.workspace);
    let s = ws.import_assignments(
        &a.import.file,
        &import_options(&a.import)?,
        &actor_name(a.import.by.as_deref()),
        Date::today(),
        a.profile.as_deref(),
    )?;
    print_import(&s, a.import.quiet);
    Ok(ExitCode::SUCCESS)
}

pub fn ratings(a: ImportArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::new(&a.workspace);
    let s = ws.import_ratings(
        &a.file,
        &import_options(&a)?,
        &actor_name(a.by.as_deref()),
        Date::today(),
    )?;
    print_import(&s, a.quiet);
    Ok(ExitCode::SUCCESS)
}

pub fn overdue(a: OverdueArgs) -> anyhow::Result<ExitCode> {
    let as_of = day_or_today(a.as_of.as_deref(), "截止日")?;
    let ws = Workspace::new(&a.workspace);
    let book = ws.case_book(as_of)?;
    let mut rows: Vec<_> = book
        .rows
        .iter()
        .filter(|r| matches!(r.urgency, Some(u) if u != Urgency::OnTrack))
        .collect();
    rows.sort_by(|x, y| {
        y.urgency
            .cmp(&x.urgency)
            .then(x.case.due.cmp(&y.case.due))
            .then(x.case.item.cmp(&y.case.item))
    });
    let follow: Vec<_> = book
        .rows
        .iter()
        .filter(|r| r.follow_up_due.is_some_and(|d| d <= as_of))
        .collect();
    if a.json {
        let out = serde_json::json!({
            "as_of": as_of,
            "due": rows,
            "follow_up": follow,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("截至 {as_of}：");
    for u in [Urgency::Supervise, Urgency::Overdue, Urgency::DueSoon] {
        let of: Vec<_> = rows.iter().filter(|r| r.urgency == Some(u)).collect();
        println!("{}：{} 件", u.label(), of.len());
        for r in of {
            let due = r.case.due.map(|d| d.to_string()).unwrap_or_default();
            let late = r.case.due.map(|d| d.days_until(as_of)).unwrap_or(0);
            let late = if late > 0 {
                format!("，已超 {late} 天")
            } else {
                String::new()
            };
            println!(
                "  {} {} —— {}，期限 {due}{late}",
                r.case.item,
                r.title,
                r.case.lead.as_deref().unwrap_or("—")
            );
        }
    }
    println!("长期未结、应跟踪回访：{} 件", follow.len());
    for r in follow {
        let due = r.follow_up_due.map(|d| d.to_string()).unwrap_or_default();
        println!("  {} {} —— 应于 {due} 前回访", r.case.item, r.title);
    }
    for y in &book.uncovered_years {
        println!("注意：日历未收录 {y} 年的节假日，该年的工作日只按周末计算");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn monthly(a: MonthlyArgs) -> anyhow::Result<ExitCode> {
    let as_of = day_or_today(a.as_of.as_deref(), "截止日")?;
    let month = match a.month.as_deref() {
        None => (as_of.year, as_of.month),
        Some(m) => {
            Date::parse_month(m).with_context(|| format!("月份“{m}”无效，请写成 2025-03"))?
        }
    };
    let ws = Workspace::new(&a.workspace);
    let out = ws.write_monthly(month, as_of)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out.report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", out.report.lead());
    for f in &out.files {
        println!("已写出 {}", f.display());
    }
    for y in &out.uncovered_years {
        println!("注意：日历未收录 {y} 年的节假日，该年的工作日只按周末计算");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn loop_config(a: LoopConfigArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::new(&a.workspace);
    let files = LoopFiles {
        deadlines: a.deadlines.as_deref(),
        calendar: a.calendar.as_deref(),
        duties: a.duties.as_deref(),
    };
    let given = files.deadlines.is_some() || files.calendar.is_some() || files.duties.is_some();
    let config = if given {
        ws.set_loop_files(&files)?
    } else {
        ws.loop_config()?
    };
    println!("{}", config.describe());
    Ok(ExitCode::SUCCESS)
}
