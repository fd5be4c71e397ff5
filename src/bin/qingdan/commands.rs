//! One function per subcommand: build the validated config, call the library, print Chinese
//! output. Exit codes: 0 done, 1 search found nothing, 2 error.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};

use qingdan::config::RunConfig;
use qingdan::date::Date;
use qingdan::dicts::Dicts;
use qingdan::index::{Filters, Hit, SearchIndex};
use qingdan::pipeline::Pipeline;
use qingdan::progress::Progress;
use qingdan::report::Summary;
use qingdan::workspace::Workspace;

use crate::args::{AddArgs, Cli, Command, InputArgs, RunArgs, SearchArgs, SimilarArgs};

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(a) => run_batch(a),
        Command::Add(a) => add_batch(a),
        Command::Search(a) => search(a),
        Command::Similar(a) => similar(a),
    }
}

fn config(
    inputs: Vec<std::path::PathBuf>,
    a: InputArgs,
    workspace: Option<&Workspace>,
) -> anyhow::Result<RunConfig> {
    // `add` cuts text with the dictionaries the workspace was built with, unless told otherwise.
    let dicts = a
        .dicts
        .or_else(|| workspace.map(|w| w.dicts_dir()).filter(|d| d.is_dir()));
    Ok(RunConfig::new(inputs, a.sheet, &a.columns, dicts, a.quiet)?)
}

fn run_batch(a: RunArgs) -> anyhow::Result<ExitCode> {
    let cfg = config(a.inputs, a.input, None)?;
    let batch = cfg.read_batch()?;
    let pipeline = Pipeline::new(&cfg.dicts)?;
    let ws = Workspace::new(&a.out);
    let (summary, _) = ws.run(&batch, &pipeline, &Progress::new(cfg.quiet), &cfg.dicts)?;
    print_summary(&summary, &ws.dir);
    Ok(ExitCode::SUCCESS)
}

fn add_batch(a: AddArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::new(&a.workspace);
    let cfg = config(a.inputs, a.input, Some(&ws))?;
    let batch = cfg.read_batch()?;
    let pipeline = Pipeline::new(&cfg.dicts)?;
    let (summary, _) = ws.add(&batch, &pipeline, &Progress::new(cfg.quiet), &cfg.dicts)?;
    println!(
        "本批接收{}条：新增{}条，更新{}条（编号相同者以新的为准）",
        summary.rows_accepted,
        summary.rows_accepted - summary.items_updated,
        summary.items_updated
    );
    print_summary(&summary, &ws.dir);
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &Summary, dir: &Path) {
    for w in &s.warnings {
        eprintln!(
            "提示: {} 第{}行 {}: {}",
            w.source.file, w.source.row, w.field, w.message
        );
    }
    println!("{}，涉及企业{}家", s.headline(), s.enterprises);
    println!(
        "读取{}行：接收{}行，退回{}行{}",
        s.rows_read,
        s.rows_accepted,
        s.rows_rejected,
        if s.rows_rejected > 0 {
            "（原因见 rejects.csv）"
        } else {
            ""
        }
    );
    println!(
        "合并同类项：{}条归并为{}个问题，其中共性问题{}个",
        s.items, s.groups, s.common_problems
    );
    let mut topics: Vec<(&String, &usize)> = s.by_topic.iter().collect();
    topics.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let topics: Vec<String> = topics.iter().map(|(t, n)| format!("{t}{n}")).collect();
    println!("主题：{}", topics.join("、"));
    println!(
        "已写入 {}：report.md enterprises.csv common_problems.csv items.csv summary.json rejects.csv index/",
        dir.display()
    );
}

/// Opens a workspace's index with the dictionaries it was built with.
fn open_index(dir: &Path) -> anyhow::Result<(SearchIndex, Pipeline)> {
    let ws = Workspace::new(dir);
    if !ws.exists() {
        bail!(
            "{} 不是 qingdan 工作目录；请先运行 qingdan run --out {}",
            dir.display(),
            dir.display()
        );
    }
    let dicts_dir = ws.dicts_dir();
    let dicts = Dicts::load(dicts_dir.is_dir().then_some(dicts_dir.as_path()))?;
    let pipeline = Pipeline::new(&dicts)?;
    let index = SearchIndex::open(&ws.index_dir(), Arc::clone(&pipeline.analyzer))?;
    Ok((index, pipeline))
}

fn parse_date(flag: &str, value: Option<&str>) -> anyhow::Result<Option<Date>> {
    value
        .map(|v| {
            Date::parse(v).with_context(|| format!("--{flag} “{v}” 不是日期，应如 2025-03-01"))
        })
        .transpose()
}

fn search(a: SearchArgs) -> anyhow::Result<ExitCode> {
    let (index, pipeline) = open_index(&a.workspace)?;
    let n = &pipeline.normalizer;
    let filters = Filters {
        topic: a.topic.as_deref().map(|t| n.name(t)),
        enterprise: a.enterprise.as_deref().map(|e| n.name(e)),
        channel: a.channel.as_deref().map(|c| n.name(c)),
        region: a.region.as_deref().map(|r| n.name(r)),
        from: parse_date("from", a.from.as_deref())?,
        to: parse_date("to", a.to.as_deref())?,
    };
    let hits = index.search(&n.text(&a.query), &filters, a.limit)?;
    print_hits(&hits, a.json, |h| format!("得分 {:.2}", h.score))?;
    Ok(if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn similar(a: SimilarArgs) -> anyhow::Result<ExitCode> {
    let (index, pipeline) = open_index(&a.workspace)?;
    let hits = match (&a.id, &a.text) {
        (Some(id), _) => {
            let Some((text, date)) = index.item(id)? else {
                bail!("工作目录中没有编号为“{id}”的意见建议");
            };
            index.similar(&text, Some(id), date, a.limit, a.min_score)?
        }
        (None, Some(text)) => {
            let text = pipeline.normalizer.text(text);
            index.similar(&text, None, None, a.limit, a.min_score)?
        }
        (None, None) => unreachable!("clap requires an id or --text"),
    };
    print_hits(&hits, a.json, |h| format!("相似度 {:.2}", h.score))?;
    Ok(if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_hits(hits: &[Hit], json: bool, score: impl Fn(&Hit) -> String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(hits)?);
        return Ok(());
    }
    if hits.is_empty() {
        println!("没有找到匹配或相似的意见建议");
    }
    for (i, h) in hits.iter().enumerate() {
        println!(
            "{}. [{}] {} | {} | {} | {} | {} | {}",
            i + 1,
            h.id,
            h.enterprise,
            h.date,
            h.channel,
            h.region,
            h.topics.join("、"),
            score(h)
        );
        if !h.title.is_empty() {
            println!("   {}", h.title);
        }
        println!("   {}", h.snippet);
        if !h.shared_terms.is_empty() {
            println!(
                "   共同词: {}  合并组: {}",
                h.shared_terms.join("、"),
                h.group
            );
        }
    }
    Ok(())
}
