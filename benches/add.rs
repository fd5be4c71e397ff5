//! The store at scale: adding a batch to a large workspace against building the whole workspace
//! again, and corrections on it.
//!
//! `cargo bench --bench add` (100,000 + 1,000 items; several minutes on 2 cores).
//! `QINGDAN_BENCH_ITEMS=n` sets the workspace's size, `QINGDAN_BENCH_ADD=m` the batch's.
//!
//! **Items.** Real-length text: `../shared/anchors/make_scale.py` run on `../shared/data` in place
//! (tipdm message bodies, about 1 KB each, lightly perturbed; seed 7), `n + m` rows; the first `n`
//! make the workspace, the last `m` the batch. Without `../shared`, the shipped corpus replicated
//! with new ids and enterprises (short texts); the bench says which.
//!
//! **Measured.** Every step is the release binary in a child process, as an analyst runs it:
//! wall time and the child's peak resident set (`wait4`'s `ru_maxrss`).
//! 1. `run` of all `n + m` items (the baseline an add is compared with);
//! 2. `run` of the first `n` (the workspace);
//! 3. `add` of the `m` (exports written, as by default), on a copy of the workspace;
//! 4. `add --no-export` of the same, on another copy; then `report` (the exports alone);
//! 5. `merge` of two groups and `split` of one item, with `--no-export` and with exports.
//!
//! **Checked** (a failure panics): after each step `qingdan check` finds the workspace whole,
//! with `n + m` items after an add; the add's groups against the full run's, as pairwise
//! precision, recall and F1 over all items (from the contingency table of the two groupings,
//! not from all pairs). Targets (add ≤ 5% of the full run, merge/split ≤ 2 s) are printed as
//! PASS/FAIL, never panicked on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod child;
mod items;

const QINGDAN: &str = env!("CARGO_BIN_EXE_qingdan");

/// Wall seconds, peak resident set in MiB, and standard output of one child.
struct Measured {
    secs: f64,
    peak_mib: f64,
    stdout: String,
}

fn measure(args: &[&str], dir: &Path) -> Measured {
    let done = child::run(
        Command::new(QINGDAN)
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1"),
    )
    .expect("start qingdan");
    assert!(
        done.code == 0,
        "qingdan {args:?} failed ({}): {}{}",
        done.code,
        done.stdout,
        done.stderr
    );
    Measured {
        secs: done.secs,
        peak_mib: done.peak_mib(),
        stdout: done.stdout,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Writes the items: real-length text from ../shared when it is there, else the corpus
/// replicated. Returns a description of the source.
fn make_items(n: usize, m: usize, all: &Path, base: &Path, batch: &Path) -> String {
    let source = if let Some((script, data)) = items::shared() {
        items::make_scale(&script, &data, n + m, all).unwrap_or_else(|e| panic!("{e}"));
        format!(
            "real-length tipdm text (../shared/anchors/make_scale.py, seed {})",
            items::SEED
        )
    } else {
        replicate_corpus(n + m, all);
        "the shipped corpus replicated (../shared is absent: short texts)".to_string()
    };
    let mut r = csv::Reader::from_path(all).unwrap();
    let headers = r.headers().unwrap().clone();
    let mut base_w = csv::Writer::from_path(base).unwrap();
    let mut batch_w = csv::Writer::from_path(batch).unwrap();
    base_w.write_record(&headers).unwrap();
    batch_w.write_record(&headers).unwrap();
    for (i, row) in r.records().enumerate() {
        let row = row.unwrap();
        if i < n {
            base_w.write_record(&row).unwrap();
        } else {
            batch_w.write_record(&row).unwrap();
        }
    }
    base_w.flush().unwrap();
    batch_w.flush().unwrap();
    source
}

fn replicate_corpus(total: usize, out: &Path) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/suggestions.csv");
    let mut r = csv::Reader::from_path(corpus).unwrap();
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r
        .records()
        .map(Result::unwrap)
        .filter(|r| !r[1].trim().is_empty() && !r[3].trim().is_empty())
        .collect();
    let mut w = csv::Writer::from_path(out).unwrap();
    w.write_record(&headers).unwrap();
    for i in 0..total {
        let src = &rows[i % rows.len()];
        let copy = i / rows.len();
        let mut row: Vec<String> = src.iter().map(str::to_string).collect();
        row[0] = format!("R{i:07}");
        if copy > 0 {
            row[1] = format!("{}{}", row[1], copy % 97);
            row[3] = format!("{}（第{}次反映）", row[3], copy);
        }
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
}

fn check(ws: &Path, dir: &Path) -> serde_json::Value {
    let m = measure(
        &["check", "--json", "--workspace", ws.to_str().unwrap()],
        dir,
    );
    let v: serde_json::Value = serde_json::from_str(&m.stdout).unwrap();
    assert!(
        v["problems"].as_array().unwrap().is_empty(),
        "{ws:?} not whole: {v}"
    );
    v
}

/// Item id → group, from a workspace's items.csv.
fn groups_of(ws: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(ws.join("items.csv")).unwrap();
    let text = text.trim_start_matches('\u{FEFF}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let (id, group) = (
        headers.iter().position(|h| h == "编号").unwrap(),
        headers.iter().position(|h| h == "合并组").unwrap(),
    );
    r.records()
        .map(|row| {
            let row = row.unwrap();
            (row[id].to_string(), row[group].to_string())
        })
        .collect()
}

/// Pairwise precision, recall and F1 of `got` against `want`, from the contingency table.
fn pairwise(want: &HashMap<String, String>, got: &HashMap<String, String>) -> (f64, f64, f64) {
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut cells: HashMap<(&str, &str), u64> = HashMap::new();
    let mut rows: HashMap<&str, u64> = HashMap::new();
    let mut cols: HashMap<&str, u64> = HashMap::new();
    for (id, w) in want {
        let g = got[id].as_str();
        *cells.entry((w, g)).or_default() += 1;
        *rows.entry(w).or_default() += 1;
        *cols.entry(g).or_default() += 1;
    }
    let both: u64 = cells.values().map(|&n| pairs(n)).sum();
    let in_want: u64 = rows.values().map(|&n| pairs(n)).sum();
    let in_got: u64 = cols.values().map(|&n| pairs(n)).sum();
    let p = both as f64 / in_got.max(1) as f64;
    let r = both as f64 / in_want.max(1) as f64;
    (p, r, 2.0 * p * r / (p + r).max(f64::MIN_POSITIVE))
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

fn main() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (n, m) = (
        env("QINGDAN_BENCH_ITEMS", 100_000),
        env("QINGDAN_BENCH_ADD", 1_000),
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (all, base, batch) = (
        dir.join("all.csv"),
        dir.join("base.csv"),
        dir.join("batch.csv"),
    );
    let source = make_items(n, m, &all, &base, &batch);
    println!("qingdan add bench: workspace {n} items + batch {m}; source: {source}");
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();
    let mut rows: Vec<(String, Measured)> = Vec::new();

    let full = dir.join("full");
    let m_full = measure(&["run", "--quiet", "--out", &path(&full), &path(&all)], dir);
    assert_eq!(check(&full, dir)["items"], (n + m) as u64);
    rows.push((format!("run, all {} items", n + m), m_full));

    let ws = dir.join("ws");
    rows.push((
        format!("run, the first {n} (the workspace)"),
        measure(&["run", "--quiet", "--out", &path(&ws), &path(&base)], dir),
    ));
    check(&ws, dir);

    let added = dir.join("added");
    copy_dir(&ws, &added);
    rows.push((
        format!("add {m}, exports written"),
        measure(
            &[
                "add",
                "--quiet",
                "--workspace",
                &path(&added),
                &path(&batch),
            ],
            dir,
        ),
    ));
    assert_eq!(check(&added, dir)["items"], (n + m) as u64);
    let (p, r, f1) = pairwise(&groups_of(&full), &groups_of(&added));

    let quiet = dir.join("quiet");
    copy_dir(&ws, &quiet);
    rows.push((
        format!("add {m} --no-export"),
        measure(
            &[
                "add",
                "--quiet",
                "--no-export",
                "--workspace",
                &path(&quiet),
                &path(&batch),
            ],
            dir,
        ),
    ));
    assert_eq!(check(&quiet, dir)["items"], (n + m) as u64);
    rows.push((
        "report (every export, alone)".into(),
        measure(&["report", "--workspace", &path(&quiet)], dir),
    ));

    // Corrections: the two largest groups merged, then one member of a group split off.
    let (first, second, member) = {
        let text = std::fs::read_to_string(added.join("items.csv")).unwrap();
        let text = text.trim_start_matches('\u{FEFF}').to_string();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let mut sizes: HashMap<String, (usize, String)> = HashMap::new();
        for row in r.records() {
            let row = row.unwrap();
            let e = sizes
                .entry(row[10].to_string())
                .or_insert((0, row[0].to_string()));
            e.0 += 1;
        }
        let mut by_size: Vec<(usize, String, String)> =
            sizes.into_iter().map(|(g, (s, id))| (s, g, id)).collect();
        by_size.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        (
            by_size[0].1.clone(),
            by_size[1].1.clone(),
            by_size[2].2.clone(),
        )
    };
    for (label, args) in [
        (
            format!("merge {first} {second} --no-export"),
            vec!["merge", "--quiet", "--no-export", &first, &second],
        ),
        (
            format!("split {member} --no-export"),
            vec!["split", "--quiet", "--no-export", &member],
        ),
        (
            format!("split {member}, exports written"),
            vec!["split", "--quiet", &member],
        ),
    ] {
        let mut args: Vec<String> = args.into_iter().map(str::to_string).collect();
        args.extend(["--workspace".to_string(), path(&added)]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        rows.push((label, measure(&refs, dir)));
        check(&added, dir);
    }

    println!(
        "{:<52} {:>9} {:>10} {:>12}",
        "step", "seconds", "peak MiB", "× full run"
    );
    let full_secs = rows[0].1.secs;
    for (label, m) in &rows {
        println!(
            "{label:<52} {:>9.2} {:>10.0} {:>11.1}%",
            m.secs,
            m.peak_mib,
            100.0 * m.secs / full_secs
        );
    }
    let add_secs = rows[2].1.secs;
    let quiet_secs = rows[3].1.secs;
    println!(
        "target add ≤ 5% of the full run: with exports {:.1}% {}, without {:.1}% {}",
        100.0 * add_secs / full_secs,
        verdict(add_secs <= 0.05 * full_secs),
        100.0 * quiet_secs / full_secs,
        verdict(quiet_secs <= 0.05 * full_secs)
    );
    let corrections: Vec<f64> = rows[5..].iter().map(|(_, m)| m.secs).collect();
    println!(
        "target merge/split ≤ 2 s: without exports {:.2} s and {:.2} s {}, with exports {:.2} s {}",
        corrections[0],
        corrections[1],
        verdict(corrections[0] <= 2.0 && corrections[1] <= 2.0),
        corrections[2],
        verdict(corrections[2] <= 2.0)
    );
    println!("groups after the add against the full run's: pairwise P {p:.3} R {r:.3} F1 {f1:.3}");
}
