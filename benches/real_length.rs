//! qingdan on real-length items, stage by stage and whole, side by side with the Python stack.
//!
//! `cargo bench --bench real_length` (100,000 items; minutes on 2 cores).
//! `QINGDAN_BENCH_ITEMS=2000` for a quick look; `QINGDAN_BENCH_ITEMS=100000,1000000` runs both
//! sizes and reports how the time per item grows.
//!
//! **Items.** `../shared/anchors/make_scale.py` (seed 7) writes the CSV into a temporary folder,
//! reading the tipdm message bodies in `../shared/data` where they lie (nothing is copied into the
//! repository). `QINGDAN_BENCH_CSV=FILE` reuses a CSV (its rows are the one size; a missing file is
//! generated there, to be reused next time). Without `../shared` (or with
//! `QINGDAN_BENCH_NO_SHARED=1`), the shipped corpus replicated: short texts, which the bench says.
//!
//! **Measured**, for each size, after one untimed `qingdan run` on the CSV's first 5,000 rows (the
//! first run after a build pays about a second of system time):
//! 1. the release `qingdan run` as a child process with `QINGDAN_TIMINGS=1`: its own stage times
//!    (the `耗时` lines on stderr), wall time, peak resident set (`wait4`), items/s;
//! 2. the Python stack (`../shared/anchors/py_pipeline.py`: jieba, scikit-learn, datasketch) on the
//!    same CSV, when `QINGDAN_PYTHON` (else `python3`) imports it, up to
//!    `QINGDAN_BENCH_PYTHON_MAX` items (default 100,000: at 1M it needs tens of GB): wall time and
//!    peak resident set, and qingdan's ratios to it from this one run;
//! 3. in process, stage by stage: seconds, items/s, MB/s, the heap the stage adds at its peak,
//!    and × floor, the floor being bare jieba segmentation of the same (normalized) title and text.
//!    Normalize, floor, analyzer and topics run on chunks of 20,000 items, so the bench never
//!    holds every item's words (the run does not either); their heap column is a chunk's;
//! 4. 1,000 searches in process on the workspace the child built, as `qingdan search` runs them
//!    (normalized query, BM25 with filters, groups and answers from the store): p50, p99, max.
//!
//! **Checked** (a failure panics): rows add up, every item in exactly one group, merge
//! deterministic, the report's summary consistent with itself and with the child's `summary.json`,
//! every query (drawn from an item's own terms and fields) finds hits. Targets are printed as
//! met / not met, only for what was measured.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod child;
mod heap;
mod items;

use rayon::prelude::*;

use qingdan::dicts::Dicts;
use qingdan::index::{rebuild_index, Filters};
use qingdan::ingest::{table_from_bytes, validate_rows, Batch, ColumnMap, IngestOptions};
use qingdan::pipeline::{Analysis, AnalyzedItem, Pipeline};
use qingdan::progress::Progress;
use qingdan::record::BatchKind;
use qingdan::report::{build_lists, write_outputs, Summary};
use qingdan::segment::Terms;
use qingdan::topics::{relabel_unseeded, FeatureInput, TopicAssignment};
use qingdan::workspace::{ReadIndexed, Workspace};

const QINGDAN: &str = env!("CARGO_BIN_EXE_qingdan");
/// Items per chunk of the isolated per-item stages.
const CHUNK: usize = 20_000;
const QUERIES: usize = 1_000;
const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * MIB;

fn env_usize(key: &str, default: usize) -> usize {
    match std::env::var(key) {
        Ok(v) => v
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{key}={v} is not a number")),
        Err(_) => default,
    }
}

/// One stage in process; chunked stages add up their chunks.
struct Row {
    stage: &'static str,
    secs: f64,
    /// Heap high-water mark above what was live when the stage (or a chunk of it) began.
    peak_extra: usize,
}

impl Row {
    fn new(stage: &'static str) -> Self {
        Row {
            stage,
            secs: 0.0,
            peak_extra: 0,
        }
    }

    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let live = heap::reset_peak();
        let start = Instant::now();
        let out = f();
        self.secs += start.elapsed().as_secs_f64();
        self.peak_extra = self.peak_extra.max(heap::peak().saturating_sub(live));
        out
    }
}

/// A search drawn from one item: its words, and the filters it satisfies.
struct Query {
    words: String,
    filters: Filters,
    from: String,
}

struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
    mean_hits: f64,
}

struct Python {
    secs: f64,
    peak_bytes: u64,
    /// Its own report: the counts line and the per-stage line.
    report: String,
}

/// What one size measured, for the closing table and the targets.
struct Measured {
    n: usize,
    run_secs: f64,
    run_peak: u64,
    floor_secs: f64,
    python: Option<Python>,
    search: Latency,
}

/// The items CSV for `n`, and where it came from.
fn items_csv(n: usize, dir: &Path) -> (PathBuf, usize, String) {
    if let Some(path) = std::env::var_os("QINGDAN_BENCH_CSV").map(PathBuf::from) {
        if path.is_file() {
            let rows = csv::Reader::from_path(&path)
                .unwrap_or_else(|e| panic!("QINGDAN_BENCH_CSV {}: {e}", path.display()))
                .records()
                .count();
            let source = format!(
                "{} (QINGDAN_BENCH_CSV, reused as is; its {rows} rows are the size)",
                path.display()
            );
            return (path, rows, source);
        }
        let (script, data) = items::shared().unwrap_or_else(|| {
            panic!(
                "QINGDAN_BENCH_CSV names no file ({}) and ../shared is absent to write it",
                path.display()
            )
        });
        let line = items::make_scale(&script, &data, n, &path).unwrap_or_else(|e| panic!("{e}"));
        let source = format!("real-length text, kept for reuse in QINGDAN_BENCH_CSV: `{line}`");
        return (path, n, source);
    }
    let path = dir.join(format!("items-{n}.csv"));
    if let Some((script, data)) = items::shared() {
        let line = items::make_scale(&script, &data, n, &path).unwrap_or_else(|e| panic!("{e}"));
        let source = format!(
            "real-length tipdm text, read in place from ../shared/data (not copied) by `{line}`"
        );
        return (path, n, source);
    }
    std::fs::write(&path, items::replicated_csv(n)).unwrap();
    let why = if std::env::var_os("QINGDAN_BENCH_NO_SHARED").is_some() {
        "QINGDAN_BENCH_NO_SHARED is set"
    } else {
        "../shared/anchors/make_scale.py or ../shared/data is absent"
    };
    let source = format!(
        "the shipped corpus replicated with near-duplicate edits ({why}): short texts, not real length"
    );
    (path, n, source)
}

/// The Python interpreter with jieba, scikit-learn and datasketch, and the anchor script; or why not.
fn python_stack() -> Result<(String, PathBuf), String> {
    let script = items::shared_root()
        .map(|r| r.join("anchors/py_pipeline.py"))
        .filter(|p| p.is_file())
        .ok_or("../shared/anchors/py_pipeline.py is absent")?;
    let python = std::env::var("QINGDAN_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import jieba, sklearn, datasketch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok((python, script))
    } else {
        Err(format!(
            "`{python}` cannot import jieba, sklearn, datasketch. Install it with \
             `python3 -m venv V && V/bin/pip install jieba scikit-learn datasketch numpy`, \
             then set QINGDAN_PYTHON=V/bin/python"
        ))
    }
}

/// The `耗时 name seconds` lines a run prints with QINGDAN_TIMINGS=1.
fn timings(stderr: &str) -> Vec<(String, f64)> {
    stderr
        .lines()
        .filter_map(|l| {
            let mut parts = l.strip_prefix("耗时 ")?.split_whitespace();
            let name = parts.next()?.to_string();
            Some((name, parts.next()?.parse().ok()?))
        })
        .collect()
}

/// A deterministic, varied set of searches: 1–3 of an item's own terms; two in five carry a
/// filter the item satisfies (topic, region, channel or its date), so each must find something.
/// Also returns how many drawn queries were left out, and one of them.
fn draw_queries(items: &[AnalyzedItem], pipeline: &Pipeline) -> (Vec<Query>, usize, String) {
    let analyzer = &pipeline.analyzer;
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let (mut queries, mut left_out, mut example) = (Vec::with_capacity(QUERIES), 0, String::new());
    while queries.len() < QUERIES {
        assert!(
            left_out < 100 * QUERIES,
            "no usable query in {left_out} drawn"
        );
        let a = &items[next() % items.len()];
        let mut terms: Vec<&str> = a.terms.iter().filter(|t| t.chars().count() >= 2).collect();
        terms.sort_unstable();
        terms.dedup();
        if terms.is_empty() {
            continue;
        }
        let k = 1 + next() % 3;
        let words: Vec<&str> = (0..k).map(|_| terms[next() % terms.len()]).collect();
        let words = words.join(" ");
        // A query is cut as `search` cuts it, and a word alone can cut otherwise than in its
        // sentence (我想 → stop words). Only a query whose terms the item's index entry holds
        // is one it must answer.
        let indexed: HashSet<String> = analyzer
            .terms(&a.title)
            .into_iter()
            .chain(analyzer.terms(&a.text))
            .collect();
        let cut = analyzer.terms(&pipeline.normalizer.query(&words));
        if cut.is_empty() || !cut.iter().all(|t| indexed.contains(t)) {
            left_out += 1;
            if example.is_empty() || (k > 1 && !example.contains(' ')) {
                example = format!("“{words}” → {}", cut.join(" "));
            }
            continue;
        }
        let mut filters = Filters::default();
        match queries.len() % 5 {
            1 => filters.topic = Some(a.main_topic().to_string()),
            2 if !a.region.is_empty() => filters.region = Some(a.region.clone()),
            3 if a.item.date.is_some() => (filters.from, filters.to) = (a.item.date, a.item.date),
            4 if !a.channel.is_empty() => filters.channel = Some(a.channel.clone()),
            _ => {}
        }
        queries.push(Query {
            words,
            filters,
            from: a.item.id.clone(),
        });
    }
    (queries, left_out, example)
}

/// Runs the queries in process on the workspace, as `qingdan search` does, and checks each
/// finds something.
fn search(ws: &Path, queries: &[Query]) -> Latency {
    let mut ms = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    let mut empty = Vec::new();
    Workspace::new(ws)
        .read_indexed(|r: &ReadIndexed| {
            for q in queries {
                let start = Instant::now();
                let query = r.pipeline.normalizer.query(&q.words);
                let found = r.index.search(&r.view, &query, &q.filters, 10)?;
                let ids: Vec<&str> = found.iter().map(|h| h.id.as_str()).collect();
                let groups = r.view.groups_of(&ids)?;
                let answers = r.view.answers_of(&ids)?;
                ms.push(start.elapsed().as_secs_f64() * 1e3);
                assert_eq!(groups.len(), found.len(), "every hit has a group");
                drop(answers);
                hits += found.len();
                if found.is_empty() {
                    empty.push(format!("“{}” {:?} (from {})", q.words, q.filters, q.from));
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("search on {}: {e}", ws.display()));
    assert!(
        empty.is_empty(),
        "{} queries made from an item's own words found nothing, e.g. {}",
        empty.len(),
        empty[..empty.len().min(3)].join("; ")
    );
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Latency {
        p50: at(0.50),
        p99: at(0.99),
        max: *ms.last().unwrap(),
        mean_hits: hits as f64 / ms.len() as f64,
    }
}

fn ratio_line(label: &str, secs: f64, floor: f64, n: usize, mb: f64) -> String {
    format!(
        "{label:<36} {secs:>9.3} {:>11.0} {:>8.2} {:>10} {:>8.2}",
        n as f64 / secs,
        mb / secs,
        "",
        secs / floor
    )
}

/// Items of the untimed run before the timed one.
const WARM_UP_ITEMS: usize = 5_000;

/// Has the system write out what it holds unwritten (`sync`) before anything is timed. cargo
/// builds the bench just before it runs and leaves about 570 MB of new files unwritten (Dirty
/// in /proc/meminfo), written back over the next 35 s or so: during the warm-up and the timed
/// run, whose commit, checkpoint and exports sync their own files, while the Python stack runs
/// minutes later and never meets them.
fn write_back_first() {
    let start = Instant::now();
    match Command::new("sync").status() {
        Ok(s) if s.success() => println!(
            "written back first (sync), not counted: {:.2} s",
            start.elapsed().as_secs_f64()
        ),
        Ok(s) => println!("sync failed ({s}): the timed run may meet the build's writes"),
        Err(e) => println!("sync could not start ({e}): the timed run may meet the build's writes"),
    }
}

/// One `qingdan run` on the first [`WARM_UP_ITEMS`] rows of `csv`, before anything is timed. On
/// this 2-core VM the first run after cargo's build spent about a second more of system time
/// (5,000 items: 2.37 s, then 1.61 and 1.70 s; 100,000 items: 17.0 to 18.4 s in five such
/// runs, against 15.5 to 16.9 s), and the Python stack, which runs after qingdan, never paid
/// it. A 5,000-item run first took it away; a run on the shipped corpus (0.3 s) only halved it.
fn warm_up(csv_path: &Path, dir: &Path) {
    let head = dir.join("warm-up.csv");
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let mut writer = csv::Writer::from_path(&head).unwrap();
    writer.write_record(reader.headers().unwrap()).unwrap();
    for record in reader.records().take(WARM_UP_ITEMS) {
        writer.write_record(&record.unwrap()).unwrap();
    }
    writer.flush().unwrap();
    let run = child::run(
        Command::new(QINGDAN)
            .args(["run", "--quiet", "--out"])
            .arg(dir.join("warm-up"))
            .arg(&head),
    )
    .unwrap_or_else(|e| panic!("cannot start {QINGDAN}: {e} (cargo bench builds it)"));
    assert!(
        run.code == 0,
        "qingdan run on {} failed ({}): {}",
        head.display(),
        run.code,
        run.stderr
    );
    println!(
        "warm-up, not counted: qingdan run on the first {WARM_UP_ITEMS} rows, {:.2} s",
        run.secs
    );
}

fn bench_size(n_wanted: usize, dir: &Path, python: &Result<(String, PathBuf), String>) -> Measured {
    let (csv_path, n, source) = items_csv(n_wanted, dir);
    let mb = std::fs::metadata(&csv_path).unwrap().len() as f64 / 1e6;
    println!();
    println!(
        "== {n} items, {mb:.1} MB of CSV, {} threads ==",
        rayon::current_num_threads()
    );
    println!("items: {source}");
    write_back_first();
    warm_up(&csv_path, dir);

    // 1. The whole run as an analyst runs it, first, while this process holds nothing large.
    let ws = dir.join(format!("ws-{n}"));
    let run = child::run(
        Command::new(QINGDAN)
            .args(["run", "--quiet", "--out"])
            .arg(&ws)
            .arg(&csv_path)
            .env("QINGDAN_TIMINGS", "1")
            .env("NO_COLOR", "1"),
    )
    .unwrap_or_else(|e| panic!("cannot start {QINGDAN}: {e} (cargo bench builds it)"));
    assert!(
        run.code == 0,
        "qingdan run failed ({}): {}{}",
        run.code,
        run.stdout,
        run.stderr
    );
    let run_stages = timings(&run.stderr);
    let child_summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join("summary.json")).unwrap()).unwrap();

    // 2. The Python stack on the same CSV.
    let python_max = env_usize("QINGDAN_BENCH_PYTHON_MAX", 100_000);
    let py = match python {
        Ok((exe, script)) if n <= python_max => {
            let done = child::run(Command::new(exe).arg(script).arg(&csv_path))
                .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
            assert!(
                done.code == 0,
                "py_pipeline.py failed ({}): {}",
                done.code,
                done.stderr
            );
            let items_line = format!("items={n} ");
            assert!(
                done.stdout.starts_with(&items_line),
                "py_pipeline.py read other rows: {}",
                done.stdout
            );
            Some(Python {
                secs: done.secs,
                peak_bytes: done.peak_bytes,
                report: done.stdout.split_whitespace().collect::<Vec<_>>().join(" "),
            })
        }
        Ok(_) => {
            println!(
                "Python stack: not run above QINGDAN_BENCH_PYTHON_MAX={python_max} items (its peak grows by about 2.6 GB per 100,000 items)"
            );
            None
        }
        // Said once, at the start.
        Err(_) => None,
    };

    // 3. In process, stage by stage.
    let dicts = Dicts::embedded().unwrap();
    let pipeline = Pipeline::new(&dicts).unwrap();
    let options = IngestOptions::default();
    let mut ingest = Row::new("ingest (CSV file → items)");
    let mut batch = ingest.time(|| {
        let bytes = std::fs::read(&csv_path).unwrap();
        let table = table_from_bytes("items.csv", "csv", &bytes, &options).unwrap();
        let map = ColumnMap::resolve(&table, &options.columns).unwrap();
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        batch
    });
    assert_eq!(batch.rows_read, n, "every row read");
    assert_eq!(
        batch.items.len() + batch.rejects.len(),
        n,
        "rows add up: items + rejects = rows read"
    );
    let record = batch.record(BatchKind::Run, String::new());
    let items = std::mem::take(&mut batch.items);

    let mut normalize = Row::new("normalize (title, text)");
    let mut floor = Row::new("jieba cut only (the floor)");
    let mut analyzer = Row::new("segment (analyzer words)");
    let mut topics = Row::new("topics (keyword assigner)");
    let seg = pipeline.analyzer.segmenter();
    let mut floor_words = 0usize;
    for chunk in items.chunks(CHUNK) {
        // As Pipeline::prepare: title and text apart, and joined for the topic features.
        let texts: Vec<(String, String, String)> = normalize.time(|| {
            chunk
                .par_iter()
                .map(|it| {
                    let title = pipeline.normalizer.text(&it.title);
                    let text = pipeline.normalizer.text(&it.text);
                    let both = if title.is_empty() {
                        text.clone()
                    } else {
                        format!("{title}。{text}")
                    };
                    (title, text, both)
                })
                .collect()
        });
        floor_words += floor.time(|| {
            texts
                .par_iter()
                .map(|(title, text, _)| seg.cut(title).len() + seg.cut(text).len())
                .sum::<usize>()
        });
        let words: Vec<(Terms, Terms)> = analyzer.time(|| {
            texts
                .par_iter()
                .map(|(title, text, _)| {
                    (
                        pipeline.analyzer.words(title),
                        pipeline.analyzer.words(text),
                    )
                })
                .collect()
        });
        let placed = topics.time(|| {
            words
                .par_iter()
                .zip(&texts)
                .filter(|((title_words, text_words), (_, _, both))| {
                    let input = FeatureInput {
                        title_words,
                        text_words,
                        text: both,
                    };
                    !pipeline.topics.assign(&input).is_empty()
                })
                .count()
        });
        assert_eq!(placed, chunk.len(), "every item has a topic");
    }
    assert!(floor_words > items.len(), "segmentation produced words");

    let mut each = Row::new("per-item stages together");
    let mut analyzed = each.time(|| pipeline.analyze_each(items, &Progress::hidden()));
    let mut training = Row::new("self-training");
    training.time(|| {
        // As Pipeline::analyze: only the unseeded items and their teachers are cut again.
        if let Some((fallback, config)) = &pipeline.self_training {
            let mut assigned: Vec<Vec<TopicAssignment>> = analyzed
                .iter_mut()
                .map(|a| std::mem::take(&mut a.topics))
                .collect();
            let done = &analyzed;
            relabel_unseeded(&mut assigned, fallback, config, |i| {
                pipeline.words_of(&done[i].item.title, &done[i].item.text)
            });
            for (a, t) in analyzed.iter_mut().zip(assigned) {
                a.topics = t;
            }
        }
    });
    let mut merge = Row::new("merge");
    let groups = merge.time(|| pipeline.merge(&analyzed));
    let mut members: Vec<usize> = groups.iter().flat_map(|g| g.members.clone()).collect();
    members.sort_unstable();
    assert!(
        members.len() == analyzed.len() && members.iter().enumerate().all(|(i, &m)| i == m),
        "every item in exactly one group"
    );
    assert!(
        groups == pipeline.merge(&analyzed),
        "merge is deterministic"
    );
    let (queries, left_out, example) = draw_queries(&analyzed, &pipeline);
    let analysis = Analysis {
        items: analyzed,
        groups,
    };

    let out = tempfile::tempdir_in(dir).unwrap();
    let mut index = Row::new("index (tantivy)");
    index.time(|| {
        rebuild_index(
            &out.path().join("index"),
            analysis.items.iter(),
            pipeline.analyzer.clone(),
            1,
            || Ok(()),
        )
        .unwrap()
    });
    let mut report = Row::new("report (lists + files)");
    let summary = report.time(|| {
        let lists = build_lists(&analysis);
        let summary = Summary::new(&[record], Vec::new(), &analysis, &lists);
        write_outputs(out.path(), &analysis, &lists, &summary, &batch.rejects).unwrap();
        summary
    });
    assert!(
        summary.rows_add_up
            && summary.rows_read == n
            && summary.rows_accepted + summary.rows_rejected == n
            && summary.items == analysis.items.len()
            && summary.groups == analysis.groups.len(),
        "the report's summary agrees with the analysis"
    );
    // The child built the same analysis: its summary must say the same.
    for (key, ours) in [
        ("rows_read", summary.rows_read),
        ("rows_rejected", summary.rows_rejected),
        ("items", summary.items),
        ("groups", summary.groups),
        ("merged_groups", summary.merged_groups),
        ("common_problems", summary.common_problems),
    ] {
        assert_eq!(
            child_summary[key].as_u64(),
            Some(ours as u64),
            "`qingdan run`'s summary.json {key} against the in-process run"
        );
    }
    drop((analysis, batch, out));

    let rows = [
        ingest, normalize, floor, analyzer, topics, each, training, merge, index, report,
    ];
    let floor_secs = rows[2].secs;
    println!("in process, stage by stage (normalize … topics in chunks of {CHUNK} items):");
    println!(
        "{:<36} {:>9} {:>11} {:>8} {:>10} {:>8}",
        "stage", "seconds", "items/s", "MB/s", "+heap MiB", "× floor"
    );
    for r in &rows {
        println!(
            "{:<36} {:>9.3} {:>11.0} {:>8.2} {:>10.1} {:>8.2}",
            r.stage,
            r.secs,
            n as f64 / r.secs,
            mb / r.secs,
            r.peak_extra as f64 / MIB,
            r.secs / floor_secs
        );
    }
    // The isolated stages are inside "per-item stages together": not counted twice.
    let sum: f64 = [0, 5, 6, 7, 8, 9].iter().map(|&i| rows[i].secs).sum();
    println!(
        "{}",
        ratio_line("in-process sum (ingest … report)", sum, floor_secs, n, mb)
    );
    println!("`qingdan run` in a child process (its QINGDAN_TIMINGS stages):");
    for (name, secs) in &run_stages {
        println!(
            "{}",
            ratio_line(&format!("  {name}"), *secs, floor_secs, n, mb)
        );
    }
    println!(
        "{}  peak RSS {:.0} MiB",
        ratio_line("whole `qingdan run` (wall)", run.secs, floor_secs, n, mb),
        run.peak_mib()
    );
    if let Some(p) = &py {
        println!(
            "Python stack (py_pipeline.py): {:.2} s, peak RSS {:.0} MiB; {}",
            p.secs,
            p.peak_bytes as f64 / MIB,
            p.report
        );
        println!(
            "qingdan against Python, this run: {:.2}× as fast, {:.2}× the memory",
            p.secs / run.secs,
            run.peak_bytes as f64 / p.peak_bytes as f64
        );
    }

    // 4. Search on the workspace the child built.
    let latency = search(&ws, &queries);
    println!(
        "search, in process on that workspace: {QUERIES} queries (1–3 of an item's terms, 2 in 5 filtered): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; every query found hits ({:.1} on average)",
        latency.p50, latency.p99, latency.max, latency.mean_hits
    );
    if left_out > 0 {
        println!(
            "  left out {left_out} drawn queries whose terms, the query cut as search cuts it, the item's index entry lacks, e.g. {example}"
        );
    }
    println!(
        "checks passed: rows add up, every item in one group, merge deterministic, summary consistent (and equal to the child's), search finds hits"
    );
    std::fs::remove_dir_all(&ws).ok();
    Measured {
        n,
        run_secs: run.secs,
        run_peak: run.peak_bytes,
        floor_secs,
        python: py,
        search: latency,
    }
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn main() {
    assert!(
        Path::new(QINGDAN).is_file(),
        "the release binary {QINGDAN} is missing: run this through `cargo bench`, which builds it"
    );
    let sizes: Vec<usize> = std::env::var("QINGDAN_BENCH_ITEMS")
        .unwrap_or_else(|_| "100000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("QINGDAN_BENCH_ITEMS: “{s}” is not a number"))
        })
        .collect();
    let sizes = if std::env::var_os("QINGDAN_BENCH_CSV").is_some() {
        if sizes.len() > 1 {
            println!("QINGDAN_BENCH_CSV is set: one size only, {}", sizes[0]);
        }
        vec![sizes[0]]
    } else {
        sizes
    };
    let python = python_stack();
    let tmp = tempfile::tempdir().unwrap();
    println!("qingdan real-length bench: {QINGDAN}");
    match &python {
        Ok((exe, script)) => println!("Python stack: {exe} {}", script.display()),
        Err(why) => println!("Python stack absent: {why}"),
    }
    let results: Vec<Measured> = sizes
        .iter()
        .map(|&n| bench_size(n, tmp.path(), &python))
        .collect();

    println!();
    println!(
        "{:>9} {:>8} {:>9} {:>9} {:>8} {:>9} {:>10} {:>7} {:>6} {:>8}",
        "items",
        "run s",
        "peak MiB",
        "items/s",
        "× floor",
        "Python s",
        "Python MiB",
        "speed×",
        "mem×",
        "p99 ms"
    );
    for m in &results {
        let (ps, pm, speed, mem) = match &m.python {
            Some(p) => (
                format!("{:.1}", p.secs),
                format!("{:.0}", p.peak_bytes as f64 / MIB),
                format!("{:.2}", p.secs / m.run_secs),
                format!("{:.2}", m.run_peak as f64 / p.peak_bytes as f64),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:>9} {:>8.2} {:>9.0} {:>9.0} {:>8.2} {ps:>9} {pm:>10} {speed:>7} {mem:>6} {:>8.2}",
            m.n,
            m.run_secs,
            m.run_peak as f64 / MIB,
            m.n as f64 / m.run_secs,
            m.run_secs / m.floor_secs,
            m.search.p99
        );
    }

    let mut targets = Vec::new();
    for m in &results {
        if let Some(p) = &m.python {
            let speed = p.secs / m.run_secs;
            targets.push(format!(
                "{} items ≥ 12× Python: {speed:.1}× {}",
                m.n,
                met(speed >= 12.0)
            ));
            targets.push(format!(
                "{} items memory below Python: {:.2}× {}",
                m.n,
                m.run_peak as f64 / p.peak_bytes as f64,
                met(m.run_peak < p.peak_bytes)
            ));
        }
        if m.n >= 1_000_000 {
            targets.push(format!(
                "{} items < 240 s and < 6 GiB: {:.0} s, {:.2} GiB {}",
                m.n,
                m.run_secs,
                m.run_peak as f64 / GIB,
                met(m.run_secs < 240.0 && (m.run_peak as f64) < 6.0 * GIB)
            ));
        }
        targets.push(format!(
            "{} items search p99 < 50 ms: {:.1} ms {}",
            m.n,
            m.search.p99,
            met(m.search.p99 < 50.0)
        ));
    }
    if let (Some(small), Some(large)) = (
        results.iter().min_by_key(|m| m.n),
        results.iter().max_by_key(|m| m.n),
    ) {
        if large.n > small.n {
            // Near-linear, as issue 13 asks: time per item at the largest size within 1.3× of
            // the smallest's.
            let growth = (large.run_secs / large.n as f64) / (small.run_secs / small.n as f64);
            targets.push(format!(
                "time per item {}→{} grows ≤ 1.3×: {growth:.2}× {}",
                small.n,
                large.n,
                met(growth <= 1.3)
            ));
        }
    }
    println!("targets: {}", targets.join("; "));
}
