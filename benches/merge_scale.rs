//! Merge at scale: does the time per item stay flat from 10k to 1M items, and does a 1M-item merge
//! fit in 4 GiB? Candidates must come from blocking, never all pairs.
//!
//! `cargo bench --bench merge_scale` (sizes 10000,100000,1000000; minutes on 2 cores).
//! `QINGDAN_SCALE_SIZES=10000,100000` picks other sizes; `QINGDAN_SCALE_SOURCE=corpus` uses the
//! shipped corpus even when the tipdm messages are present; `QINGDAN_SCALE_REPS=k` times every size
//! k times.
//!
//! **Source text.** The 4,326 tipdm citizen messages, `../shared/data/tipdm2020/messages_4326.jsonl`
//! next to the repository (title 留言主题, text 留言详情, submitter 留言用户 as the enterprise), read in
//! place; without them, the shipped corpus (`corpora/suggestions.csv`). The bench says which.
//!
//! **Items.** Item `i` copies source `i mod S` (`S` sources); copy 0 of each source is the source
//! itself. Every later copy is changed deterministically by a generator seeded with `i` alone
//! (splitmix64), so any item can be made on its own and in parallel:
//! - 90% are *near* copies: 1–3 edits drawn from: drop a clause, swap two neighbouring clauses,
//!   delete 1–3 characters, insert a stock phrase (另外/目前…) between clauses; and half of them
//!   get every digit shifted (new numbers in text and title).
//! - 10% are *far* items: a title of a random source and 3–6 clauses each taken from a random
//!   source, i.e. text that shares words with many items and is a near copy of none.
//! - Enterprise: copy 0 keeps the source's; a copy keeps it with probability 0.4 (one firm posting
//!   again), else takes one of `max(n/10, 50)` pooled names, so firms have several items each.
//! - Ids are `S` + the 7-digit index, unique and in item order.
//! - Planted: item `n/3` is a made-up text about a rooftop solar grid connection that no source
//!   resembles, item `2n/3` is the identical text from the same firm, and item `n-1` the same text
//!   with two clauses swapped and one number changed, from another firm. All three must end up in
//!   one group.
//!
//! **Measured.** Each size runs in a child process (this bench re-executes itself with
//! `QINGDAN_SCALE_CHILD=n`). The child builds the items, puts them through the real per-item
//! stages once (`Pipeline::analyze_item`: normalize, segment, synonyms, as `qingdan run` does),
//! 8,192 items at a time, and keeps only what merge reads, in flat arrays: id, enterprise and
//! normalized text as ranges of one string each, terms as ids of a `Vocabulary` interned in item
//! order. Then the segmenter is dropped and freed heap pages are handed back to the system
//! (`malloc_trim`). Only `qingdan::merge::merge(&docs, &vocabulary, &MergeConfig::default())` is
//! timed, in wall time and in process CPU time (all threads; steadier when other work shares the
//! machine): the median of 5 runs up to 10k, 3 below 1M and 1 from 1M. Memory: `VmHWM` (peak
//! resident set of the whole child over its life, building the inputs included) read from
//! `/proc/self/status` at the end, and the heap high-water mark during merge from a counting
//! allocator, above what was live when merge began.
//!
//! **Checked** (a failure panics): every item in exactly one group; groups sorted by id, each named
//! after its first member; members in id order; the representative a member; one similarity per
//! member; the planted three in one group; at ≤ 100k, the same groups from every run. Targets
//! (time/item 10k → 1M ≤ 1.5×, peak at 1M < 4 GiB) are printed as PASS/FAIL, never panicked on.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

mod heap;

use rayon::prelude::*;

use qingdan::corpus::corpus_batch;
use qingdan::dicts::Dicts;
use qingdan::ingest::IngestOptions;
use qingdan::merge::{merge, text_key, Group, MergeConfig, MergeDoc, Vocabulary};
use qingdan::pipeline::{AnalyzedItem, Pipeline};
use qingdan::record::{Item, SourceRef};

const CHILD_ENV: &str = "QINGDAN_SCALE_CHILD";
const SIZES_ENV: &str = "QINGDAN_SCALE_SIZES";
const SOURCE_ENV: &str = "QINGDAN_SCALE_SOURCE";
const REPS_ENV: &str = "QINGDAN_SCALE_REPS";
const TIPDM: &str = "../shared/data/tipdm2020/messages_4326.jsonl";
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MIB: f64 = 1024.0 * 1024.0;

/// Share of copies that are far items, in percent.
const FAR_PERCENT: u64 = 10;
/// Probability (percent) that a copy keeps its source's enterprise.
const SAME_FIRM_PERCENT: u64 = 40;
const FILLERS: [&str; 6] = [
    "另外，",
    "目前，",
    "据了解，",
    "请相关部门尽快解决，",
    "情况属实，",
    "多次反映无果，",
];
const PLANTED: &str = "我司在青禾工业园厂房屋顶建设的分布式光伏电站已完成备案，\
    并网验收申请提交至供电公司已有127天，至今仍未安排现场验收，\
    每月损失发电收益约3.6万元，恳请协调供电公司尽快完成并网验收。";
const PLANTED_NEAR: &str = "我司在青禾工业园厂房屋顶建设的分布式光伏电站已完成备案，\
    至今仍未安排现场验收，并网验收申请提交至供电公司已有135天，\
    每月损失发电收益约3.6万元，恳请协调供电公司尽快完成并网验收。";

/// One source message.
struct Source {
    title: String,
    text: String,
    enterprise: String,
    clauses: Vec<String>,
}

/// splitmix64: a seeded stream of numbers, enough for deterministic edits.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Clauses with their closing punctuation, so joining them gives the text back.
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if "，。；！？,;!?".contains(c) {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn source(title: String, text: String, enterprise: String) -> Source {
    Source {
        clauses: clauses(&text),
        title,
        text,
        enterprise,
    }
}

/// The tipdm messages when present (and not overridden), else the shipped corpus.
fn load_sources() -> (Vec<Source>, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TIPDM);
    let forced_corpus = std::env::var(SOURCE_ENV).is_ok_and(|v| v == "corpus");
    if !forced_corpus {
        if let Ok(body) = std::fs::read_to_string(&path) {
            let sources: Vec<Source> = body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).expect("tipdm line is JSON");
                    let field = |k: &str| match &v[k] {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    source(field("留言主题"), field("留言详情"), field("留言用户"))
                })
                .filter(|s| !s.text.trim().is_empty())
                .collect();
            let label = format!("{TIPDM} ({} messages, read in place)", sources.len());
            return (sources, label);
        }
    }
    let batch = corpus_batch(&IngestOptions::default()).expect("shipped corpus reads");
    let sources: Vec<Source> = batch
        .items
        .into_iter()
        .map(|it| source(it.title, it.text, it.enterprise))
        .collect();
    let why = if forced_corpus {
        format!("{SOURCE_ENV}=corpus")
    } else {
        format!("{TIPDM} not found")
    };
    let label = format!(
        "shipped corpus corpora/suggestions.csv ({} items; {why})",
        sources.len()
    );
    (sources, label)
}

/// How an item was made, for the checks and the quality figures.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Original,
    Near,
    Far,
    Planted,
}

fn shift_digits(s: &str, by: u32) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_digit((d + by) % 10, 10).unwrap(),
            _ => c,
        })
        .collect()
}

/// Item `i` of `n`, made from the sources alone (see the module doc).
fn make_item(i: usize, n: usize, sources: &[Source]) -> (Item, Kind) {
    let id = format!("S{i:07}");
    let s = sources.len();
    let src = &sources[i % s];
    let copy = i / s;
    let mut rng = Rng::new(i as u64);
    let planted = planted_items(n);
    let (title, text, enterprise, kind) = if let Some(k) = planted.iter().position(|&p| p == i) {
        let (text, firm) = match k {
            0 | 1 => (PLANTED, "青禾新能源科技有限公司"),
            _ => (PLANTED_NEAR, "青禾工业园管理委员会"),
        };
        (
            "屋顶光伏并网验收迟迟不办".to_string(),
            text.to_string(),
            firm.to_string(),
            Kind::Planted,
        )
    } else if copy == 0 {
        (
            src.title.clone(),
            src.text.clone(),
            src.enterprise.clone(),
            Kind::Original,
        )
    } else {
        let enterprise = if rng.next() % 100 < SAME_FIRM_PERCENT {
            src.enterprise.clone()
        } else {
            let pool = (n / 10).max(50);
            format!("仿真企业{:06}有限公司", rng.below(pool))
        };
        if rng.next() % 100 < FAR_PERCENT {
            let title = sources[rng.below(s)].title.clone();
            let parts = 3 + rng.below(4);
            let text: String = (0..parts)
                .map(|_| {
                    let from = &sources[rng.below(s)].clauses;
                    from[rng.below(from.len())].as_str()
                })
                .collect();
            (title, text, enterprise, Kind::Far)
        } else {
            let mut cl: Vec<String> = src.clauses.clone();
            for _ in 0..1 + rng.below(3) {
                match rng.below(4) {
                    0 if cl.len() > 2 => {
                        let k = rng.below(cl.len());
                        cl.remove(k);
                    }
                    1 if cl.len() >= 2 => {
                        let k = rng.below(cl.len() - 1);
                        cl.swap(k, k + 1);
                    }
                    2 => {
                        let k = rng.below(cl.len());
                        let chars: Vec<char> = cl[k].chars().collect();
                        if chars.len() > 4 {
                            let at = rng.below(chars.len() - 4);
                            let len = 1 + rng.below(3);
                            cl[k] = chars[..at].iter().chain(&chars[at + len..]).collect();
                        }
                    }
                    _ => {
                        let k = rng.below(cl.len() + 1);
                        cl.insert(k, FILLERS[rng.below(FILLERS.len())].to_string());
                    }
                }
            }
            let mut text = cl.concat();
            let mut title = src.title.clone();
            if rng.next().is_multiple_of(2) {
                let by = 1 + (rng.next() % 9) as u32;
                text = shift_digits(&text, by);
                title = shift_digits(&title, by);
            }
            (title, text, enterprise, Kind::Near)
        }
    };
    let item = Item {
        id,
        enterprise,
        title,
        text,
        date: None,
        channel: String::new(),
        region: String::new(),
        source: SourceRef {
            file: "merge_scale".to_string(),
            row: i + 1,
        },
        answer: None,
    };
    (item, kind)
}

/// Where the planted texts go: the original, its identical twin, its near copy.
fn planted_items(n: usize) -> [usize; 3] {
    [n / 3, 2 * n / 3, n - 1]
}

/// What merge reads of every item, in a few flat arrays: item `i`'s id, enterprise and text are
/// ranges of one string each, its terms a range of one array of term ids. Strings per item would
/// leave the per-item stages' scratch memory stranded between them.
#[derive(Default)]
struct Inputs {
    ids: String,
    enterprises: String,
    texts: String,
    terms: Vec<u32>,
    /// End of item `i`'s id, enterprise, text and terms in the arrays above.
    ends: Vec<[usize; 4]>,
    vocabulary: Vocabulary,
    kinds: Vec<Kind>,
}

impl Inputs {
    /// Makes and analyses the items a chunk at a time (in parallel within a chunk) and interns
    /// their terms in item order, so term ids do not depend on thread timing.
    fn build(n: usize, sources: &[Source], pipeline: &Pipeline) -> Self {
        const CHUNK: usize = 8192;
        let mut inputs = Inputs::default();
        for start in (0..n).step_by(CHUNK) {
            let made: Vec<(AnalyzedItem, Kind)> = (start..(start + CHUNK).min(n))
                .into_par_iter()
                .map(|i| {
                    let (item, kind) = make_item(i, n, sources);
                    (pipeline.analyze_item(item), kind)
                })
                .collect();
            for (a, kind) in made {
                inputs.ids.push_str(&a.item.id);
                inputs.enterprises.push_str(&a.enterprise);
                inputs.texts.push_str(&a.text);
                for t in a.terms.iter() {
                    let id = inputs.vocabulary.intern(t);
                    inputs.terms.push(id);
                }
                inputs.ends.push([
                    inputs.ids.len(),
                    inputs.enterprises.len(),
                    inputs.texts.len(),
                    inputs.terms.len(),
                ]);
                inputs.kinds.push(kind);
            }
        }
        inputs.ids.shrink_to_fit();
        inputs.enterprises.shrink_to_fit();
        inputs.texts.shrink_to_fit();
        inputs.terms.shrink_to_fit();
        inputs
    }

    fn docs(&self) -> Vec<MergeDoc<'_>> {
        let mut start = [0usize; 4];
        self.ends
            .iter()
            .map(|end| {
                let text = &self.texts[start[2]..end[2]];
                let doc = MergeDoc {
                    id: &self.ids[start[0]..end[0]],
                    enterprise: &self.enterprises[start[1]..end[1]],
                    text,
                    text_key: text_key(text),
                    terms: &self.terms[start[3]..end[3]],
                };
                start = *end;
                doc
            })
            .collect()
    }
}

/// Hands freed heap pages back to the system (glibc keeps them otherwise): the segmenter and the
/// per-item scratch are gone once the inputs are built, and should not count as merge memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    // SAFETY: malloc_trim only returns unused pages of the allocator's own heap.
    unsafe { libc::malloc_trim(0) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time of the whole process (all threads), for runs on a shared machine.
fn cpu_secs() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// A fingerprint of the groups (members, representative, similarities to the bit, shared terms),
/// to compare runs and code versions.
fn digest(groups: &[Group]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for g in groups {
        (&g.id, &g.members, g.representative, &g.shared_terms).hash(&mut h);
        for s in &g.similarity {
            s.to_bits().hash(&mut h);
        }
    }
    h.finish()
}

fn check(groups: &[Group], docs: &[MergeDoc], n: usize) {
    let mut seen = vec![false; n];
    for g in groups {
        assert!(!g.members.is_empty(), "{}: empty group", g.id);
        assert_eq!(g.id, format!("G-{}", docs[g.members[0]].id), "group named");
        assert!(
            g.members.windows(2).all(|w| docs[w[0]].id < docs[w[1]].id),
            "{}: members in id order",
            g.id
        );
        assert!(g.members.contains(&g.representative), "{}: rep", g.id);
        assert_eq!(g.similarity.len(), g.members.len(), "{}: sims", g.id);
        for &m in &g.members {
            assert!(!seen[m], "item {m} in two groups");
            seen[m] = true;
        }
    }
    assert!(seen.iter().all(|&s| s), "every item in a group");
    assert!(
        groups.windows(2).all(|w| w[0].id < w[1].id),
        "groups sorted by id"
    );
}

fn child(n: usize) {
    let (sources, label) = load_sources();
    let dicts = Dicts::embedded().unwrap();
    let pipeline = Pipeline::new(&dicts).unwrap();
    let start = Instant::now();
    let inputs = Inputs::build(n, &sources, &pipeline);
    let prepare_secs = start.elapsed().as_secs_f64();
    drop(pipeline);
    drop(dicts);
    release_free_memory();
    let docs = inputs.docs();
    let kinds = &inputs.kinds;
    let chars: usize = docs.iter().map(|d| d.text.chars().count()).sum();
    println!(
        "  [{n}] source: {label}; prepared in {prepare_secs:.1} s; {:.0} terms and {:.0} chars per item; {} distinct terms",
        inputs.terms.len() as f64 / n as f64,
        chars as f64 / n as f64,
        inputs.vocabulary.len()
    );

    let reps = match std::env::var(REPS_ENV).ok().and_then(|v| v.parse().ok()) {
        Some(r) => std::cmp::max(r, 1),
        None if n <= 10_000 => 5,
        None if n < 1_000_000 => 3,
        None => 1,
    };
    let config = MergeConfig::default();
    let live_before = heap::live();
    let rss_before = proc_status_kib("VmRSS:");
    let hwm_before = proc_status_kib("VmHWM:");
    let mut secs = Vec::new();
    let mut cpu = Vec::new();
    let mut heap_peak = 0usize;
    let mut groups = Vec::new();
    for rep in 0..reps {
        let live = heap::reset_peak();
        let (t, c) = (Instant::now(), cpu_secs());
        let out = merge(&docs, &inputs.vocabulary, &config);
        secs.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_secs() - c);
        heap_peak = heap_peak.max(heap::peak().saturating_sub(live));
        check(&out, &docs, n);
        if rep > 0 && n <= 100_000 {
            assert_eq!(out, groups, "merge is deterministic");
        }
        groups = out;
    }
    let runs = secs
        .iter()
        .zip(&cpu)
        .map(|(s, c)| format!("{s:.3} ({c:.3} CPU)"))
        .collect::<Vec<_>>()
        .join(", ");
    secs.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let median = secs[secs.len() / 2];
    let median_cpu = cpu[cpu.len() / 2];

    let mut group_of = vec![0usize; n];
    for (g, group) in groups.iter().enumerate() {
        for &m in &group.members {
            group_of[m] = g;
        }
    }
    let planted = planted_items(n);
    assert!(
        planted.iter().all(|&p| group_of[p] == group_of[planted[0]]),
        "planted duplicates {planted:?} in one group"
    );
    let multi: Vec<&Group> = groups.iter().filter(|g| g.members.len() >= 2).collect();
    let in_multi: usize = multi.iter().map(|g| g.members.len()).sum();
    // Quality at scale: near copies grouped with their source's original; far items left alone.
    let s = sources.len();
    let (mut near, mut near_with_orig, mut far, mut far_alone) = (0usize, 0usize, 0usize, 0usize);
    for (i, kind) in kinds.iter().enumerate() {
        match kind {
            Kind::Near => {
                near += 1;
                let orig = i % s;
                if kinds[orig] == Kind::Original && group_of[i] == group_of[orig] {
                    near_with_orig += 1;
                }
            }
            Kind::Far => {
                far += 1;
                if groups[group_of[i]].members.len() == 1 {
                    far_alone += 1;
                }
            }
            _ => {}
        }
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            f64::NAN
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    let hwm = proc_status_kib("VmHWM:");
    println!("  [{n}] groups digest {:016x}", digest(&groups));
    println!(
        "  [{n}] merge runs, s: {runs}; groups {}, of 2+ {} holding {} items; largest {}; near copies with their original {:.1}%, far items alone {:.1}%",
        groups.len(),
        multi.len(),
        in_multi,
        multi.iter().map(|g| g.members.len()).max().unwrap_or(1),
        pct(near_with_orig, near),
        pct(far_alone, far),
    );
    println!(
        "  [{n}] before merge: heap live {:.0} MiB, RSS {:.0} MiB, VmHWM {:.0} MiB; threads {}",
        live_before as f64 / MIB,
        rss_before as f64 / 1024.0,
        hwm_before as f64 / 1024.0,
        rayon::current_num_threads()
    );
    // One line for the parent: n secs cpu_secs groups2 heap_peak live_before hwm_kib
    println!(
        "RESULT {n} {median} {median_cpu} {} {heap_peak} {live_before} {hwm}",
        multi.len()
    );
}

struct SizeResult {
    n: usize,
    secs: f64,
    cpu: f64,
    groups2: usize,
    heap_peak: usize,
    live_before: usize,
    hwm_kib: u64,
}

fn run_child(n: usize) -> SizeResult {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .env(CHILD_ENV, n.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("child starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines().filter(|l| !l.starts_with("RESULT ")) {
        println!("{line}");
    }
    assert!(out.status.success(), "child for {n} items failed");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .expect("child reports a RESULT line");
    let f: Vec<&str> = line.split_whitespace().skip(1).collect();
    SizeResult {
        n: f[0].parse().unwrap(),
        secs: f[1].parse().unwrap(),
        cpu: f[2].parse().unwrap(),
        groups2: f[3].parse().unwrap(),
        heap_peak: f[4].parse().unwrap(),
        live_before: f[5].parse().unwrap(),
        hwm_kib: f[6].parse().unwrap(),
    }
}

fn main() {
    if let Some(n) = std::env::var(CHILD_ENV).ok().and_then(|v| v.parse().ok()) {
        child(n);
        return;
    }
    let sizes: Vec<usize> = std::env::var(SIZES_ENV)
        .ok()
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().parse().expect("QINGDAN_SCALE_SIZES: numbers"))
                .collect()
        })
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    assert!(
        sizes.iter().all(|&n| n >= 10),
        "QINGDAN_SCALE_SIZES: each size at least 10"
    );
    let (sources, label) = load_sources();
    println!("qingdan merge scale bench: source {label}");
    drop(sources);
    let results: Vec<SizeResult> = sizes.iter().map(|&n| run_child(n)).collect();

    let base = &results[0];
    let per_item = |r: &SizeResult| (r.secs * 1e6 / r.n as f64, r.cpu * 1e6 / r.n as f64);
    let (base_us, base_cpu_us) = per_item(base);
    println!(
        "{:>9} {:>9} {:>9} {:>9} {:>8} {:>12} {:>8} {:>10} {:>9} {:>10} {:>11}",
        "items",
        "merge s",
        "µs/item",
        format!("× {}", base.n),
        "CPU s",
        "CPU µs/item",
        format!("× {}", base.n),
        "groups 2+",
        "peak RSS",
        "merge heap",
        "inputs heap"
    );
    for r in &results {
        let (us, cpu_us) = per_item(r);
        println!(
            "{:>9} {:>9.3} {:>9.2} {:>9.2} {:>8.3} {:>12.2} {:>8.2} {:>10} {:>5.0} MiB {:>6.0} MiB {:>7.0} MiB",
            r.n,
            r.secs,
            us,
            us / base_us,
            r.cpu,
            cpu_us,
            cpu_us / base_cpu_us,
            r.groups2,
            r.hwm_kib as f64 / 1024.0,
            r.heap_peak as f64 / MIB,
            r.live_before as f64 / MIB
        );
    }
    println!(
        "merge s: wall time of merge (median of the runs); CPU s: its process CPU time, all threads \
         (steadier than wall time on a shared machine); peak RSS: VmHWM of the whole child process; \
         merge heap: allocator high-water mark during merge above the inputs; inputs heap: heap live \
         when merge began ({} threads)",
        rayon::current_num_threads()
    );
    let at = |n: usize| results.iter().find(|r| r.n == n);
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    match (at(10_000), at(1_000_000)) {
        (Some(a), Some(b)) => {
            let growth = (b.secs / b.n as f64) / (a.secs / a.n as f64);
            let cpu_growth = (b.cpu / b.n as f64) / (a.cpu / a.n as f64);
            println!(
                "target time/item 10k → 1M ≤ 1.5×: {growth:.2}× {} (CPU time/item: {cpu_growth:.2}×)",
                verdict(growth <= 1.5)
            );
        }
        _ => println!(
            "target time/item 10k → 1M ≤ 1.5×: not measured (needs sizes 10000 and 1000000)"
        ),
    }
    match at(1_000_000) {
        Some(r) => {
            let gib = r.hwm_kib as f64 * 1024.0 / GIB;
            println!(
                "target peak memory at 1M < 4 GiB: {gib:.2} GiB {}",
                verdict(gib < 4.0)
            );
        }
        None => println!("target peak memory at 1M < 4 GiB: not measured (needs size 1000000)"),
    }
}
