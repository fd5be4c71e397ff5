//! One function per subcommand: build the validated config, call the library, print Chinese
//! output. Exit codes: 0 done, 1 search found nothing, 2 error.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use qingdan::config::RunConfig;
use qingdan::date::Date;
use qingdan::dicts::Dicts;
use qingdan::index::{Filters, Hit};
use qingdan::ingest::{read_labelled, ColumnOverrides, IngestOptions, LabelledBatch};
use qingdan::pipeline::Pipeline;
use qingdan::progress::Progress;
use qingdan::record::{BatchRecord, Warning};
use qingdan::store::Detail;
use qingdan::topics::{ModelConfig, SvmConfig, TopicModel};
use qingdan::training;
use qingdan::workspace::{
    read_while_setting_up, AddOptions, Outcome, ReadIndexed, Requested, Workspace, EXPORT_FILES,
};

use crate::args::{
    AddArgs, ChangeArgs, CheckArgs, Cli, ClustersArgs, ClustersFormat, Command, CorrectArgs,
    CorrectionsArgs, EvalByIdArgs, EvalClustersArgs, EvalCommand, EvalPairsArgs, EvalRepliesArgs,
    EvalTopicsArgs, GroupsArgs, InputArgs, ModelArg, RegroupArgs, ReportArgs, RunArgs, SearchArgs,
    SimilarArgs, TopicsArgs, TrainArgs,
};
use crate::loop_commands;

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(a) => run_batch(a),
        Command::Add(a) => add_batch(a),
        Command::Search(a) => search(a),
        Command::Similar(a) => similar(a),
        Command::Train(a) => train(a),
        Command::Eval(EvalCommand::Topics(a)) => eval_topics(a),
        Command::Eval(EvalCommand::Pairs(a)) => eval_pairs(a),
        Command::Eval(EvalCommand::Clusters(a)) => eval_clusters(a),
        Command::Eval(EvalCommand::Replies(a)) => eval_replies(a, false),
        Command::Eval(EvalCommand::Routing(a)) => eval_replies(a, true),
        Command::Eval(EvalCommand::Taxonomy(a)) => eval_by_id(a, false),
        Command::Eval(EvalCommand::HotIssues(a)) => eval_by_id(a, true),
        Command::Topics(a) => topics(a),
        Command::Groups(a) => groups(a),
        Command::Clusters(a) => clusters(a),
        Command::Merge(a) => correct(a, true),
        Command::Split(a) => correct(a, false),
        Command::Corrections(a) => corrections(a),
        Command::Report(a) => report(a),
        Command::Regroup(a) => regroup(a),
        Command::Check(a) => check(a),
        Command::Assign(a) => loop_commands::assign(a),
        Command::Suggest(a) => loop_commands::suggest(a),
        Command::Case(c) => loop_commands::case(c),
        Command::Assignments(a) => loop_commands::assignments(a),
        Command::Replies(a) => loop_commands::replies(a),
        Command::Ratings(a) => loop_commands::ratings(a),
        Command::Overdue(a) => loop_commands::overdue(a),
        Command::Monthly(a) => loop_commands::monthly(a),
        Command::LoopConfig(a) => loop_commands::loop_config(a),
        Command::Serve(a) => crate::serve_commands::serve(a),
        Command::Account(c) => crate::serve_commands::account(c),
    }
}

/// The settings named on the command line: dictionaries only when `--dicts` was given.
fn requested(cfg: &RunConfig, dicts_given: bool, model: &ModelArg) -> anyhow::Result<Requested> {
    Ok(Requested {
        dicts: dicts_given.then(|| cfg.dicts.clone()),
        model: model.model.as_deref().map(TopicModel::load).transpose()?,
    })
}

fn config(inputs: Vec<std::path::PathBuf>, a: &InputArgs) -> anyhow::Result<RunConfig> {
    Ok(RunConfig::new(
        inputs,
        a.sheet.clone(),
        &a.columns,
        a.dicts.clone(),
        a.quiet,
    )?)
}

fn run_batch(a: RunArgs) -> anyhow::Result<ExitCode> {
    crate::prefault::ahead_of_run(&a.inputs);
    let cfg = config(a.inputs, &a.input)?;
    let requested = requested(&cfg, a.input.dicts.is_some(), &a.model)?;
    let (batch, setup) = read_while_setting_up(|| cfg.read_batch(), requested)?;
    let ws = Workspace::new(&a.out);
    print_warnings(&batch.warnings);
    let outcome = ws.run_set_up(batch, setup, &Progress::new(cfg.quiet))?;
    print_summary(&outcome, &ws.dir);
    Ok(ExitCode::SUCCESS)
}

fn add_batch(a: AddArgs) -> anyhow::Result<ExitCode> {
    let ws = exporting(Workspace::new(&a.workspace), a.no_export);
    let cfg = config(a.inputs, &a.input)?;
    let batch = cfg.read_batch()?;
    let options = AddOptions {
        requested: requested(&cfg, a.input.dicts.is_some(), &a.model)?,
        reanalyse: a.reanalyse,
    };
    let outcome = ws.add(&batch, options, &Progress::new(cfg.quiet))?;
    if let Some(b) = &outcome.batch {
        println!(
            "本批接收{}条：新增{}条，更新{}条，内容未变{}条（编号相同者以新的为准）",
            b.rows_accepted, b.items_added, b.items_updated, b.items_unchanged
        );
    }
    if outcome.items_retopiced > 0 {
        println!(
            "自训练主题模型已按全部条目重新拟合：另有{}条原有条目的主题随之改变",
            outcome.items_retopiced
        );
    }
    print_warnings(&batch.warnings);
    print_summary(&outcome, &ws.dir);
    Ok(ExitCode::SUCCESS)
}

fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("提示: {w}");
    }
}

/// The workspace's figures after a change; the row line is the batch's when there was one.
fn print_summary(outcome: &Outcome, dir: &Path) {
    let Some(s) = &outcome.summary else {
        if let Some(b) = &outcome.batch {
            println!(
                "读取{}行：接收{}行，退回{}行",
                b.rows_read, b.rows_accepted, b.rows_rejected
            );
        }
        println!(
            "工作目录共{}条，{}个合并组；未写出导出文件（--no-export），需要时运行 qingdan report --workspace {}",
            outcome.items,
            outcome.groups,
            dir.display()
        );
        return;
    };
    println!("{}，涉及企业{}家", s.headline(), s.enterprises);
    let rows = |b: &BatchRecord| (b.rows_read, b.rows_accepted, b.rows_rejected);
    let (read, accepted, rejected) = match &outcome.batch {
        Some(b) => rows(b),
        None => (s.rows_read, s.rows_accepted, s.rows_rejected),
    };
    println!(
        "读取{read}行：接收{accepted}行，退回{rejected}行{}",
        if rejected > 0 {
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
        "已写入 {}：{} index/",
        dir.display(),
        EXPORT_FILES.join(" ")
    );
}

/// The workspace in `dir`, or an error saying how to build one.
pub(crate) fn built_workspace(dir: &Path) -> anyhow::Result<Workspace> {
    let ws = Workspace::new(dir);
    if !ws.exists() {
        bail!(
            "{} 不是 qingdan 工作目录；请先运行 qingdan run --out {}",
            dir.display(),
            dir.display()
        );
    }
    Ok(ws)
}

/// Item ids for a message: all of them up to 20, else the first 20 and how many in all.
fn id_list(ids: &[String]) -> String {
    const SHOWN: usize = 20;
    if ids.len() <= SHOWN {
        ids.join("、")
    } else {
        format!("{}等{}条", ids[..SHOWN].join("、"), ids.len())
    }
}

/// The workspace a changing command names, as [`exporting`] sets it.
fn changing(a: &ChangeArgs) -> anyhow::Result<Workspace> {
    Ok(exporting(built_workspace(&a.workspace)?, a.no_export))
}

/// The workspace, writing its exports after each change unless `--no-export`.
fn exporting(ws: Workspace, no_export: bool) -> Workspace {
    if no_export {
        ws.without_exports()
    } else {
        ws
    }
}

fn parse_date(flag: &str, value: Option<&str>) -> anyhow::Result<Option<Date>> {
    value
        .map(|v| {
            Date::parse(v).with_context(|| format!("--{flag} “{v}” 不是日期，应如 2025-03-01"))
        })
        .transpose()
}

/// `-n 0` would list nothing: an error, said before any work is done.
fn check_limit(limit: usize) -> anyhow::Result<()> {
    if limit == 0 {
        bail!("-n/--limit 是要列出的条数，应至少为 1");
    }
    Ok(())
}

fn search(a: SearchArgs) -> anyhow::Result<ExitCode> {
    check_limit(a.limit)?;
    let ws = built_workspace(&a.workspace)?;
    let from = parse_date("from", a.from.as_deref())?;
    let to = parse_date("to", a.to.as_deref())?;
    let hits = ws.read_indexed(|r: &ReadIndexed| {
        let n = &r.pipeline.normalizer;
        let filters = Filters {
            topic: a.topic.as_deref().map(|t| n.name(t)),
            enterprise: a.enterprise.as_deref().map(|e| n.name(e)),
            channel: a.channel.as_deref().map(|c| n.name(c)),
            region: a.region.as_deref().map(|r| n.name(r)),
            from,
            to,
        };
        let hits = r
            .index
            .search(&r.view, &n.query(&a.query), &filters, a.limit)?;
        r.complete(hits)
    })?;
    print_hits(&hits, a.json, |h| format!("得分 {:.2}", h.score))?;
    Ok(found(&hits))
}

fn found(hits: &[Hit]) -> ExitCode {
    if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn similar(a: SimilarArgs) -> anyhow::Result<ExitCode> {
    check_limit(a.limit)?;
    let ws = built_workspace(&a.workspace)?;
    let hits = ws.read_indexed(|r: &ReadIndexed| {
        let hits = match (&a.id, &a.text) {
            (Some(id), _) => {
                let Some(row) = r.view.items_by_ids(&[id])?.pop() else {
                    return Err(qingdan::Error::Query(format!(
                        "工作目录中没有编号为“{id}”的意见建议"
                    )));
                };
                let item = &row.analyzed;
                let text = format!("{}。{}", item.title, item.text);
                r.index.similar(
                    &r.view,
                    &text,
                    Some(id),
                    item.item.date,
                    a.limit,
                    a.min_score,
                )?
            }
            (None, Some(text)) => {
                let text = r.pipeline.normalizer.text(text);
                r.index
                    .similar(&r.view, &text, None, None, a.limit, a.min_score)?
            }
            (None, None) => unreachable!("clap requires an id or --text"),
        };
        r.complete(hits)
    })?;
    print_hits(&hits, a.json, |h| format!("相似度 {:.2}", h.score))?;
    Ok(found(&hits))
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
        if let Some(answer) = &h.answer {
            println!("   {}", answer.line());
        }
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

fn labelled(inputs: &[std::path::PathBuf], a: &InputArgs) -> anyhow::Result<LabelledBatch> {
    let options = IngestOptions {
        sheet: a.sheet.clone(),
        columns: ColumnOverrides::parse(&a.columns)?,
    };
    let batch = read_labelled(inputs, &options)?;
    for w in &batch.warnings {
        eprintln!("提示: {w}");
    }
    for r in &batch.rejects {
        eprintln!(
            "退回: {} 第{}行 {}: {}",
            r.source.file, r.source.row, r.field, r.reason
        );
    }
    if batch.rows.is_empty() {
        bail!("没有可用的标注行（读取{}行，全部退回）", batch.rows_read);
    }
    Ok(batch)
}

fn model_config(c: f32) -> anyhow::Result<ModelConfig> {
    if !(c.is_finite() && c > 0.0) {
        bail!("--c 应为正数，实为 {c}");
    }
    let default = ModelConfig::default();
    Ok(ModelConfig {
        svm: SvmConfig { c, ..default.svm },
        ..default
    })
}

fn train(a: TrainArgs) -> anyhow::Result<ExitCode> {
    let batch = labelled(&a.inputs, &a.input)?;
    let dicts = Dicts::load(a.input.dicts.as_deref())?;
    let pipeline = Pipeline::new(&dicts)?;
    let start = std::time::Instant::now();
    let model = training::train(&pipeline, &batch.rows, &model_config(a.c)?);
    model.save(&a.out)?;
    println!(
        "读取{}行：用于训练{}行，退回{}行；{}个类别，{}个特征，用时{:.1}秒",
        batch.rows_read,
        batch.rows.len(),
        batch.rejects.len(),
        model.classes.len(),
        model.space.len(),
        start.elapsed().as_secs_f64()
    );
    println!("类别：{}", model.classes.join("、"));
    println!(
        "模型已写入 {}；使用: qingdan run --model {}",
        a.out.display(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn eval_topics(a: EvalTopicsArgs) -> anyhow::Result<ExitCode> {
    let batch = labelled(&a.inputs, &a.input)?;
    let dicts = Dicts::load(a.input.dicts.as_deref())?;
    let pipeline = Pipeline::new(&dicts)?;
    if a.split_halves {
        return eval_halves(&a, &pipeline, &batch);
    }
    let labels: Vec<Vec<String>> = batch.rows.iter().map(|r| r.labels.clone()).collect();
    let (method, predicted) = match &a.model {
        Some(path) => {
            let model = TopicModel::load(path)?;
            (
                format!("模型 {}", path.display()),
                training::predict(&pipeline, &model, &batch.rows),
            )
        }
        None => {
            let config = cv_config(&a, batch.rows.len())?;
            let predicted = training::cross_validated(&pipeline, &batch.rows, a.folds, &config);
            (format!("{}折分层交叉验证（C={}）", a.folds, a.c), predicted)
        }
    };
    let report = training::evaluate(&method, &labels, &predicted);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    Ok(ExitCode::SUCCESS)
}

/// The model settings of a cross-validation over `rows` rows, `--folds` checked.
fn cv_config(a: &EvalTopicsArgs, rows: usize) -> anyhow::Result<ModelConfig> {
    if a.folds < 2 || a.folds > rows {
        bail!("--folds 应在 2 到 {rows} 之间");
    }
    let mut config = model_config(a.c)?;
    config.svm.balanced = !a.unbalanced;
    Ok(config)
}

/// `eval topics --split-halves`: cross-validation inside the dev half, then dev → held.
fn eval_halves(
    a: &EvalTopicsArgs,
    pipeline: &Pipeline,
    batch: &LabelledBatch,
) -> anyhow::Result<ExitCode> {
    let config = cv_config(a, batch.rows.len() / 2)?;
    let (dev_cv, dev_to_held) = training::evaluate_halves(pipeline, &batch.rows, a.folds, &config);
    if a.json {
        let both = serde_json::json!({ "dev_cv": dev_cv, "dev_to_held": dev_to_held });
        println!("{}", serde_json::to_string_pretty(&both)?);
    } else {
        print!("{}\n{}", dev_cv.render(), dev_to_held.render());
    }
    Ok(ExitCode::SUCCESS)
}

fn topics(a: TopicsArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &a.model.model {
        let model = TopicModel::load(path)?;
        println!(
            "主题分类模型 {}：{}个类别，{}个特征",
            path.display(),
            model.classes.len(),
            model.space.len()
        );
        for c in &model.classes {
            println!("- {c}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let dicts = Dicts::load(a.dicts.as_deref())?;
    let origin = dicts
        .sources
        .iter()
        .find(|(n, _)| n == "topics.toml")
        .map(|(_, o)| o.as_str())
        .unwrap_or("内置");
    println!("关键词主题分类（topics.toml，{origin}）：核心词每个计2分，相关词每个计1分");
    for t in &dicts.taxonomy.topics {
        if t.fallback {
            println!("- {}（{}）：其他主题都不适用时", t.name, t.id);
            continue;
        }
        let sample: Vec<&str> = t.core.iter().take(8).map(String::as_str).collect();
        println!(
            "- {}（{}）：核心词{}个、相关词{}个，如 {}",
            t.name,
            t.id,
            t.core.len(),
            t.related.len(),
            sample.join("、")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn eval_pairs(a: EvalPairsArgs) -> anyhow::Result<ExitCode> {
    use qingdan::pairs;
    let pipeline = Pipeline::new(&Dicts::load(a.dicts.as_deref())?)?;
    let test = pairs::read_pairs(&a.pairs)?;
    let report = match &a.dev {
        Some(dev) => pairs::evaluate_with_dev(
            &pipeline,
            &pairs::read_pairs(dev)?,
            &dev.display().to_string(),
            &test,
        )?,
        None => {
            let split = if a.disjoint_sentences {
                pairs::FoldSplit::DisjointSentences
            } else {
                pairs::FoldSplit::Spread
            };
            pairs::evaluate_cv(&pipeline, &test, a.folds, split)?
        }
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    Ok(ExitCode::SUCCESS)
}

fn groups(a: GroupsArgs) -> anyhow::Result<ExitCode> {
    use qingdan::report::{group_record, GroupRecord, MemberInput};
    let ws = built_workspace(&a.workspace)?;
    if let Some(id) = &a.explain {
        let record = ws.read(|view| {
            let Some(row) = view.group(id)? else {
                return Ok(None);
            };
            let mut members = view.items_in_groups(&[id])?;
            members.sort_by(|x, y| x.analyzed.item.id.cmp(&y.analyzed.item.id));
            let inputs: Vec<MemberInput> = members
                .iter()
                .map(|m| MemberInput::of(&m.analyzed, m.similarity))
                .collect();
            Ok(Some(group_record(
                &row.id,
                row.score,
                &row.shared_terms,
                &row.representative,
                &inputs,
            )))
        })?;
        let Some(g) = &record else {
            bail!("没有合并组“{id}”；用 qingdan groups 查看组号");
        };
        if a.json {
            println!("{}", serde_json::to_string_pretty(g)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "{}：{}条，{}家企业，主题 {}，平均相似度 {:.2}；共同关键词：{}",
            g.id,
            g.size,
            g.enterprises,
            g.topic,
            g.score,
            g.shared_terms.join("、")
        );
        for m in &g.members {
            let role = if m.id == g.representative {
                "代表表述"
            } else {
                "成员"
            };
            println!(
                "\n[{}] {} | {} | {} | {} | 与代表表述相似度 {:.2}",
                m.id, role, m.enterprise, m.date, m.channel, m.similarity
            );
            println!("   {}", m.text);
            if m.id != g.representative {
                println!("   共同词: {}", m.shared_with_representative.join("、"));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let groups: Vec<GroupRecord> = ws.read(|view| {
        let rows: Vec<_> = view
            .groups()?
            .into_iter()
            .filter(|g| g.size >= a.min_size)
            .collect();
        let reps: Vec<&str> = rows.iter().map(|g| g.representative.as_str()).collect();
        let items = view.items_by_ids(&reps)?;
        let by_id: std::collections::HashMap<&str, _> = items
            .iter()
            .map(|r| (r.analyzed.item.id.as_str(), &r.analyzed))
            .collect();
        Ok(rows
            .iter()
            .map(|g| {
                let rep = MemberInput::of(by_id[g.representative.as_str()], 1.0);
                let mut record =
                    group_record(&g.id, g.score, &g.shared_terms, &g.representative, &[rep]);
                record.size = g.size;
                record.enterprises = g.enterprises;
                record
            })
            .collect())
    })?;
    let mut shown: Vec<&GroupRecord> = groups.iter().collect();
    shown.sort_by(|x, y| {
        (y.enterprises, y.size)
            .cmp(&(x.enterprises, x.size))
            .then(x.id.cmp(&y.id))
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&shown)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}个合并组（至少{}条），按企业数、条数排序：",
        shown.len(),
        a.min_size
    );
    for g in shown {
        let rep = g
            .members
            .iter()
            .find(|m| m.id == g.representative)
            .map(|m| m.text.as_str())
            .unwrap_or("");
        let short: String = rep.chars().take(40).collect();
        println!(
            "{}  {}条 {}家 {} 相似度{:.2}  {}…",
            g.id, g.size, g.enterprises, g.topic, g.score, short
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn clusters(a: ClustersArgs) -> anyhow::Result<ExitCode> {
    use qingdan::clusters::cluster_with_past;
    let ws = built_workspace(&a.workspace)?;
    // Similar items come from an earlier workspace's index when --past names one.
    let past = built_workspace(a.past.as_deref().unwrap_or(&a.workspace))?;
    let report = ws.read(|view| {
        let analysis = view.analysis(Detail::Full)?;
        past.read_indexed(|p: &ReadIndexed| {
            let topic = a.topic.as_deref().map(|t| p.pipeline.normalizer.name(t));
            cluster_with_past(&analysis, (p.index, &p.view), topic.as_deref(), a.k, a.seed)
        })
    })?;
    match a.format {
        ClustersFormat::Table => print!("{}", report.render_table()),
        ClustersFormat::Md => print!("{}", report.render_markdown()),
        ClustersFormat::Json => println!("{}", report.render_json()?),
    }
    Ok(ExitCode::SUCCESS)
}

fn eval_clusters(a: EvalClustersArgs) -> anyhow::Result<ExitCode> {
    use qingdan::clusters::{evaluate_clusters, read_gold_groups, MAIN_TOPICS};
    let analysis = built_workspace(&a.workspace)?.read(|view| view.analysis(Detail::Full))?;
    let gold = read_gold_groups(&a.gold)?;
    let topics: Vec<&str> = if a.topics.is_empty() {
        MAIN_TOPICS.to_vec()
    } else {
        a.topics.iter().map(String::as_str).collect()
    };
    let evaluation = evaluate_clusters(&analysis, &gold, &topics, a.seed)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        print!("{}", evaluation.render());
    }
    Ok(ExitCode::SUCCESS)
}

/// `eval taxonomy` and `eval hot-issues`: the labelled messages are read from the data files and
/// analysed together as one batch, as `run` would (self-training and merging see only them).
fn eval_by_id(a: EvalByIdArgs, issues: bool) -> anyhow::Result<ExitCode> {
    use qingdan::eval::{check_topics, issues_by_id, read_id_labels, select_labelled};
    let labels = read_id_labels(&a.labels)?;
    let cfg = RunConfig::new(a.data.clone(), None, &[], a.dicts.clone(), true)?;
    let batch = cfg.read_batch()?;
    let selected = select_labelled(batch.items, &labels, a.half.as_deref(), &a.labels)?;
    if selected.is_empty() {
        bail!("{} 中没有要评估的行", a.labels.display());
    }
    let dicts = Dicts::load(a.dicts.as_deref())?;
    let mut pipeline = Pipeline::new(&dicts)?;
    if let Some(path) = &a.model.model {
        pipeline = pipeline.with_model(TopicModel::load(path)?);
    }
    let half = a.half.as_deref().unwrap_or("全部");
    if issues {
        use qingdan::clusters::evaluate_issues;
        let gold = issues_by_id(&selected, &a.labels)?;
        let items = selected.into_iter().map(|(item, _)| item).collect();
        let analysis = pipeline.run(items, &Progress::new(false));
        let e = evaluate_issues(&analysis, &gold, a.seed)?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&e)?);
        } else {
            println!("{}（{half}）", a.labels.display());
            print!("{}", e.render());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let gold: Vec<Vec<String>> = selected.iter().map(|(_, l)| l.topics.clone()).collect();
    if let Some((_, l)) = selected.iter().find(|(_, l)| l.topics.is_empty()) {
        bail!("{} 第{}行没有 topics", a.labels.display(), l.row);
    }
    let items = selected.into_iter().map(|(item, _)| item).collect();
    let analysed = pipeline.analyze(items, &Progress::new(false));
    let method = match &a.model.model {
        Some(p) => format!("模型 {}", p.display()),
        None => "内置关键词主题分类＋自训练（同 run）".into(),
    };
    let fallback = dicts.taxonomy.fallback().name.clone();
    let check = check_topics(&format!("{method}，{half}"), &analysed, &gold, &fallback);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&check)?);
    } else {
        print!("{}", check.render(a.misses));
    }
    Ok(ExitCode::SUCCESS)
}

/// `eval replies` and `eval routing`: messages with their official replies, read from JSONL and
/// analysed with the pipeline (topics, terms); the library measures.
fn eval_replies(a: EvalRepliesArgs, routing: bool) -> anyhow::Result<ExitCode> {
    use qingdan::closed_loop::evaluate::{
        evaluate_replies, evaluate_routing, ReplyCase, RoutingCase,
    };
    use qingdan::closed_loop::routing::DutyList;
    // Read like any batch (any format, Chinese headers); the items that carry an answer count.
    let cfg = RunConfig::new(vec![a.file.clone()], None, &[], a.dicts.clone(), true)?;
    let batch = cfg.read_batch()?;
    let file = a.file.display().to_string();
    let read = batch.rows_read;
    let (items, replies): (Vec<_>, Vec<String>) = batch
        .items
        .into_iter()
        .filter_map(|item| {
            let reply = item.answer.as_ref()?.text.clone();
            Some((item, reply))
        })
        .unzip();
    let skipped = read - items.len();
    if items.is_empty() {
        bail!("{file} 中没有带答复意见的留言");
    }
    let pipeline = Pipeline::new(&Dicts::load(a.dicts.as_deref())?)?;
    let analysed = pipeline.analyze(items, &Progress::new(false));
    if skipped > 0 {
        eprintln!("跳过 {skipped} 行（被退回或没有答复意见）");
    }
    if routing {
        let duties = DutyList::load(a.dicts.as_deref())?;
        // The weak label: the one unit of the list the reply names; replies naming none or
        // several are left out.
        let cases: Vec<RoutingCase> = analysed
            .iter()
            .zip(&replies)
            .filter_map(|(item, reply)| match &duties.units_in(reply)[..] {
                [unit] => Some(RoutingCase {
                    topic: item.main_topic().to_string(),
                    terms: item.terms.to_vec(),
                    unit: unit.clone(),
                }),
                _ => None,
            })
            .collect();
        let e = evaluate_routing(&duties, &cases, a.seed);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&e)?);
        } else {
            println!(
                "{}条留言中{}条的答复写明唯一的承办单位",
                analysed.len(),
                cases.len()
            );
            print!("{}", e.render());
        }
    } else {
        let cases: Vec<ReplyCase> = analysed
            .iter()
            .zip(&replies)
            .map(|(item, reply)| {
                let p = pipeline.prepare("", reply);
                ReplyCase {
                    id: item.item.id.clone(),
                    topic: item.main_topic().to_string(),
                    terms: item.terms.to_vec(),
                    reply_terms: pipeline.terms(&p).to_vec(),
                    reply_text: p.text,
                }
            })
            .collect();
        let e = evaluate_replies(&cases, a.seed);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&e)?);
        } else {
            print!("{}", e.render());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn correct(a: CorrectArgs, merge: bool) -> anyhow::Result<ExitCode> {
    use qingdan::merge::Correction;
    let ws = changing(&a.change)?;
    let items = ws.resolve_ids(&a.ids)?;
    if merge && items.len() < 2 {
        bail!(
            "合并至少需要两条（{} 只对应 {} 条）",
            a.ids.join(" "),
            items.len()
        );
    }
    let what = if merge { "合并" } else { "拆开" };
    let correction = if merge {
        Correction::Merge {
            items: items.clone(),
        }
    } else {
        Correction::Split {
            items: items.clone(),
        }
    };
    let outcome = ws.correct(correction)?;
    println!(
        "已记录更正：{what} {}（以后每次 add、regroup 都遵守）",
        id_list(&items)
    );
    println!(
        "涉及的合并组已重新合并为{}个；全部{}条归并为{}个问题{}",
        outcome.groups_rebuilt,
        outcome.items,
        outcome.groups,
        match &outcome.summary {
            Some(s) => format!("，其中共性问题{}个", s.common_problems),
            None => "（未写出导出文件）".to_string(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn corrections(a: CorrectionsArgs) -> anyhow::Result<ExitCode> {
    use qingdan::merge::Correction;
    let list = built_workspace(&a.workspace)?.read(|view| view.corrections())?;
    if list.is_empty() {
        println!("没有记录的更正");
    }
    for (i, c) in list.iter().enumerate() {
        match c {
            Correction::Merge { items } => println!("{}. 合并 {}", i + 1, id_list(items)),
            Correction::Split { items } => println!("{}. 拆开 {}", i + 1, id_list(items)),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(a: ReportArgs) -> anyhow::Result<ExitCode> {
    use qingdan::clusters::{KChoice, DEFAULT_SEED};
    use qingdan::report::{meeting_pack, write_meeting_pack};
    let ws = built_workspace(&a.workspace)?;
    let Some(topic) = a.meeting else {
        let summary = ws.export()?;
        println!("{}，涉及企业{}家", summary.headline(), summary.enterprises);
        println!("已写入 {}：{}", ws.dir.display(), EXPORT_FILES.join(" "));
        return Ok(ExitCode::SUCCESS);
    };
    let k = a.k.unwrap_or(KChoice::Auto);
    let seed = a.seed.unwrap_or(DEFAULT_SEED);
    let pack = ws.read_indexed(|r: &ReadIndexed| {
        let analysis = r.view.analysis(Detail::Full)?;
        meeting_pack(&analysis, (r.index, &r.view), &topic, k, seed)
    })?;
    let files = write_meeting_pack(&ws.dir, &pack)?;
    println!("{}", pack.headline());
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    println!("已写入 {}", names.join("、"));
    Ok(ExitCode::SUCCESS)
}

fn regroup(a: RegroupArgs) -> anyhow::Result<ExitCode> {
    let ws = changing(&a.change)?;
    let outcome = ws.regroup(&Progress::new(a.change.quiet))?;
    println!("已重新合并全部条目（不重新分析）");
    print_summary(&outcome, &ws.dir);
    Ok(ExitCode::SUCCESS)
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let report = built_workspace(&a.workspace)?.check()?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "条目{}条，合并组{}个，批次{}个（读取{}行：接收{}行，退回{}行），索引{}条（第{}版），闭环记录{}条",
            report.items,
            report.groups,
            report.batches,
            report.rows_read,
            report.rows_accepted,
            report.rows_rejected,
            report.index_documents,
            report.index_generation,
            report.events
        );
        for p in &report.problems {
            println!("问题: {p}");
        }
        if report.is_whole() {
            println!("工作目录完好");
        }
    }
    Ok(if report.is_whole() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
