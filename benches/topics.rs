//! Learned topics at scale: training on QINGDAN_BENCH_TRAIN labelled items (default 10,000: our
//! corpus with its gold topics, replicated with a clause dropped per copy) and classifying them.
//! Targets (issue 3): training under 10 s on 2 cores, classifying at 20,000 items/s or more. The
//! bench checks its own output: the model must fit its training data and be deterministic.
//!
//! `cargo bench --bench topics`

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;

use qingdan::corpus::corpus_batch;
use qingdan::dicts::Dicts;
use qingdan::ingest::{IngestOptions, LabelledRow};
use qingdan::pipeline::Pipeline;
use qingdan::topics::{ModelConfig, TopicAssigner};
use qingdan::training;

fn gold_topics() -> HashMap<String, Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpora/gold.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let topics: Vec<String> = v
                .get("topics")?
                .as_array()?
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            Some((v["id"].as_str().unwrap().to_string(), topics))
        })
        .collect()
}

fn main() {
    let n: usize = std::env::var("QINGDAN_BENCH_TRAIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let gold = gold_topics();
    let items = corpus_batch(&IngestOptions::default()).unwrap().items;
    let rows: Vec<LabelledRow> = (0..n)
        .map(|i| {
            let it = &items[i % items.len()];
            let copy = i / items.len();
            let mut clauses: Vec<&str> = it.text.split('，').collect();
            if copy > 0 && clauses.len() > 2 {
                clauses.remove(copy % clauses.len());
            }
            LabelledRow {
                id: format!("{}-{copy}", it.id),
                title: it.title.clone(),
                text: clauses.join("，"),
                labels: gold[&it.id].clone(),
            }
        })
        .collect();
    let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
    let config = ModelConfig::default();

    let start = Instant::now();
    let model = training::train(&pipeline, &rows, &config);
    let train_secs = start.elapsed().as_secs_f64();

    let prepared = training::prepare_rows(&pipeline, &rows);
    let start = Instant::now();
    let predicted: Vec<String> = prepared
        .par_iter()
        .map(|p| model.assign(&p.input())[0].topic.clone())
        .collect();
    let classify_secs = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let end_to_end = training::predict(&pipeline, &model, &rows);
    let with_segmentation_secs = start.elapsed().as_secs_f64();

    let correct = rows
        .iter()
        .zip(&predicted)
        .filter(|(r, p)| r.labels.contains(p))
        .count();
    let fit = correct as f64 / n as f64;
    assert!(fit >= 0.9, "the model must fit its training data: {fit:.3}");
    assert!(
        end_to_end
            .iter()
            .zip(&predicted)
            .all(|(a, p)| &a[0].topic == p),
        "same input, same prediction"
    );
    let again = training::train(&pipeline, &rows[..n.min(2000)], &config);
    assert_eq!(
        again,
        training::train(&pipeline, &rows[..n.min(2000)], &config),
        "deterministic training"
    );

    println!(
        "qingdan topics bench: {n} labelled items, {} classes, {} features, {} threads",
        model.classes.len(),
        model.space.len(),
        rayon::current_num_threads()
    );
    println!("train (segment + features + SVM)   {train_secs:>7.2} s   target < 10 s");
    println!(
        "classify (features + SVM)          {:>7.0} items/s   target ≥ 20,000",
        n as f64 / classify_secs
    );
    println!(
        "classify incl. normalize + segment {:>7.0} items/s",
        n as f64 / with_segmentation_secs
    );
    println!("training-set accuracy {fit:.3}");
}
