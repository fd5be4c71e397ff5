//! Throughput of each stage and of the whole run on the shipped corpus replicated (and perturbed)
//! to QINGDAN_BENCH_ITEMS items (default 100,000): items/s, MB/s, the heap each stage adds at its
//! peak (over what was live when it began), and the ratio of the
//! whole run to bare jieba segmentation of the same text (the floor). It checks its own output.
//!
//! `cargo bench --bench pipeline` (set QINGDAN_BENCH_ITEMS=10000 for a quick look).

use std::time::Instant;

mod heap;
mod items;

use rayon::prelude::*;

use qingdan::dicts::Dicts;
use qingdan::index::rebuild_index;
use qingdan::ingest::{table_from_bytes, validate_rows, Batch, ColumnMap, IngestOptions};
use qingdan::pipeline::{Analysis, Pipeline};
use qingdan::progress::Progress;
use qingdan::record::BatchKind;
use qingdan::report::{build_lists, write_outputs, Summary};
use qingdan::segment::Terms;
use qingdan::topics::FeatureInput;
use qingdan::workspace::{Requested, Workspace};

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

struct Row {
    stage: &'static str,
    secs: f64,
    /// Heap high-water mark above what was live when the stage began.
    peak_extra: usize,
}

fn timed<T>(rows: &mut Vec<Row>, stage: &'static str, f: impl FnOnce() -> T) -> T {
    let live = heap::reset_peak();
    let start = Instant::now();
    let out = f();
    rows.push(Row {
        stage,
        secs: start.elapsed().as_secs_f64(),
        peak_extra: heap::peak().saturating_sub(live),
    });
    out
}

fn main() {
    let n: usize = std::env::var("QINGDAN_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let csv_bytes = items::replicated_csv(n);
    let mb = csv_bytes.len() as f64 / 1e6;
    let dicts = Dicts::embedded().unwrap();
    let pipeline = Pipeline::new(&dicts).unwrap();
    let options = IngestOptions::default();
    let mut rows = Vec::new();

    let batch = timed(&mut rows, "ingest (CSV → items)", || {
        let table = table_from_bytes("bench.csv", "csv", &csv_bytes, &options).unwrap();
        let map = ColumnMap::resolve(&table, &options.columns).unwrap();
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        batch
    });
    assert_eq!(batch.rows_read, n, "every row read");
    assert_eq!(batch.items.len() + batch.rejects.len(), n, "rows add up");
    let items = batch.items.clone();

    let texts: Vec<String> = timed(&mut rows, "normalize", || {
        items
            .par_iter()
            .map(|it| pipeline.normalizer.text(&it.text))
            .collect()
    });
    let floor = timed(&mut rows, "jieba cut only (floor)", || {
        let seg = pipeline.analyzer.segmenter();
        texts.par_iter().map(|t| seg.cut(t).len()).sum::<usize>()
    });
    assert!(floor > n, "segmentation produced words");
    let words: Vec<Terms> = timed(&mut rows, "segment (analyzer)", || {
        texts
            .par_iter()
            .map(|t| pipeline.analyzer.words(t))
            .collect()
    });
    let none = Terms::new();
    let topics: Vec<usize> = timed(&mut rows, "topics", || {
        words
            .par_iter()
            .zip(&texts)
            .map(|(w, t)| {
                let input = FeatureInput {
                    title_words: &none,
                    text_words: w,
                    text: t,
                };
                pipeline.topics.assign(&input).len()
            })
            .collect()
    });
    assert!(topics.iter().all(|&t| t >= 1), "every item has a topic");

    let analyzed = timed(&mut rows, "per-item stages together", || {
        pipeline.analyze(items.clone(), &Progress::hidden())
    });
    let groups = timed(&mut rows, "merge", || pipeline.merge(&analyzed));
    assert_eq!(
        groups.iter().map(|g| g.members.len()).sum::<usize>(),
        analyzed.len(),
        "every item in one group"
    );
    assert_eq!(groups, pipeline.merge(&analyzed), "merge is deterministic");
    let analysis = Analysis {
        items: analyzed,
        groups,
    };

    let tmp = tempfile::tempdir().unwrap();
    timed(&mut rows, "index (tantivy)", || {
        rebuild_index(
            &tmp.path().join("index"),
            analysis.items.iter(),
            pipeline.analyzer.clone(),
            1,
            || Ok(()),
        )
        .unwrap()
    });
    timed(&mut rows, "report (lists + files)", || {
        let lists = build_lists(&analysis);
        let record = batch.record(BatchKind::Run, String::new());
        let summary = Summary::new(&[record], Vec::new(), &analysis, &lists);
        write_outputs(tmp.path(), &analysis, &lists, &summary, &batch.rejects).unwrap();
    });
    // The whole run starts from the batch alone, as `qingdan run` does.
    drop((texts, words, topics, analysis, csv_bytes));
    let ws = Workspace::new(tmp.path().join("ws"));
    let accepted = batch.items.len();
    let summary = timed(&mut rows, "whole run (ingest excluded)", || {
        ws.run(batch, Requested::default(), &Progress::hidden())
            .unwrap()
            .summary
            .expect("run writes the exports")
    });
    assert!(summary.rows_add_up && summary.items == accepted);

    let floor_secs = rows
        .iter()
        .find(|r| r.stage.starts_with("jieba"))
        .unwrap()
        .secs;
    let ingest_secs = rows[0].secs;
    println!(
        "qingdan pipeline bench: {n} items, {mb:.1} MB of CSV, {} threads",
        rayon::current_num_threads()
    );
    println!(
        "{:<30} {:>9} {:>12} {:>9} {:>10} {:>8}",
        "stage", "seconds", "items/s", "MB/s", "+peak MiB", "× floor"
    );
    for r in &rows {
        println!(
            "{:<30} {:>9.3} {:>12.0} {:>9.2} {:>10.1} {:>8.2}",
            r.stage,
            r.secs,
            n as f64 / r.secs,
            mb / r.secs,
            mib(r.peak_extra),
            r.secs / floor_secs
        );
    }
    let whole = rows.last().unwrap().secs + ingest_secs;
    println!(
        "whole run incl. ingest: {whole:.2} s = {:.0} items/s; {:.2}× bare jieba segmentation; groups {}, merged {}, common problems {}",
        n as f64 / whole,
        whole / floor_secs,
        summary.groups,
        summary.merged_groups,
        summary.common_problems
    );
}
