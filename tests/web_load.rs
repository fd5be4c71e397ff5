//! The workbench under load, over loopback: eight clients read the lists, search and the summary
//! while two batches are added through the library. Every request must succeed, and every
//! summary must show a whole committed state (items = items in groups, and the item count before,
//! between or after the two batches, never part of one). Latencies are printed, not asserted.
//!
//! Bounded: each client makes at least [`MIN_REQUESTS`] requests and keeps going while the
//! batches are still being added, up to [`MAX_REQUESTS`]; the server stops when told to.
//! `cargo test --test web_load -- --nocapture` shows the figures.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use qingdan::ingest::{read_batch, IngestOptions};
use qingdan::progress::Progress;
use qingdan::web::url_encode;
use qingdan::workspace::{AddOptions, Workspace};

const CLIENTS: usize = 8;
const MIN_REQUESTS: usize = 40;
const MAX_REQUESTS: usize = 240;
const BATCHES: usize = 2;
const BATCH_ROWS: usize = 30;

/// One request as a client saw it.
struct Sample {
    kind: &'static str,
    path: String,
    latency: Duration,
    /// The HTTP status, or the transport error.
    outcome: Result<u16, String>,
    /// `/api/summary`'s (items, items_in_groups).
    summary: Option<(u64, u64)>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            // Loopback only, whatever proxy the environment names.
            .proxy(None)
            .build(),
    )
}

/// GETs `path`, timing the whole exchange (body included).
fn get(
    agent: &ureq::Agent,
    base: &str,
    path: &str,
    cookie: Option<&str>,
) -> (Duration, Result<ureq::http::Response<String>, String>) {
    let start = Instant::now();
    let mut request = agent.get(format!("{base}{path}"));
    if let Some(c) = cookie {
        request = request.header("Cookie", c);
    }
    let result = request.call().map_err(|e| e.to_string()).and_then(|mut r| {
        let body = r.body_mut().read_to_string().map_err(|e| e.to_string())?;
        let (parts, _) = r.into_parts();
        Ok(ureq::http::Response::from_parts(parts, body))
    });
    (start.elapsed(), result)
}

/// `/api/summary`'s items and items in groups.
fn summary_counts(body: &str) -> Option<(u64, u64)> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    Some((v["items"].as_u64()?, v["items_in_groups"].as_u64()?))
}

/// Thirty new suggestions per batch, unique ids and texts, in the corpus's style.
fn batch_rows(batch: usize) -> Vec<[String; 7]> {
    const ENTERPRISES: [&str; 6] = [
        "恒通物流有限公司",
        "瑞丰食品有限公司",
        "金石机械制造有限公司",
        "绿源农业科技有限公司",
        "华美纺织有限公司",
        "新越电子科技有限公司",
    ];
    const ISSUES: [(&str, &str); 5] = [
        (
            "流动资金贷款审批慢",
            "企业反映，向银行申请{n}万元流动资金贷款，材料交齐后等了{d}天还没有批下来，旺季原料款压着付不出去。希望银行简化小额贷款审批流程，缩短放款时间。",
        ),
        (
            "货车通行证办理难",
            "我们有{n}辆厢式货车往城区门店配送，通行证每次只批{d}天，到期就要重新跑一趟交警大队。建议对固定线路的配送车辆发放长期通行证，网上就能续办。",
        ),
        (
            "园区用电容量不足",
            "公司新上了一条生产线，需要增容{n}千伏安，供电所说园区变压器满负荷，要等{d}个月以后新站投运。请帮忙协调临时供电方案，不然设备只能闲着。",
        ),
        (
            "招工难留人难",
            "企业今年缺一线操作工约{n}人，招来的年轻人干不到{d}个月就走了，主要是园区没有像样的宿舍和公交。建议园区配建职工公寓，开通到县城的通勤班车。",
        ),
        (
            "出口退税到账慢",
            "公司上季度申报出口退税{n}万元，到现在已经{d}天还没到账，资金周转很紧。希望税务部门加快审核进度，对信用好的企业实行先退后审。",
        ),
    ];
    const CHANNELS: [&str; 3] = ["走访", "电话", "线上"];
    const REGIONS: [&str; 3] = ["青山县", "白石县", "城东区"];
    (0..BATCH_ROWS)
        .map(|i| {
            let (title, text) = ISSUES[i % ISSUES.len()];
            let n = 12 + batch * 97 + i * 7;
            let d = 9 + batch * 5 + i;
            [
                format!("LOAD-{batch}-{:04}", i + 1),
                ENTERPRISES[(i + batch) % ENTERPRISES.len()].to_string(),
                title.to_string(),
                text.replace("{n}", &n.to_string())
                    .replace("{d}", &d.to_string()),
                format!("2025-06-{:02}", 1 + i % 28),
                CHANNELS[i % CHANNELS.len()].to_string(),
                REGIONS[(i / 3) % REGIONS.len()].to_string(),
            ]
        })
        .collect()
}

fn write_batch(dir: &Path, batch: usize) -> PathBuf {
    let rows = batch_rows(batch);
    let rows: Vec<[&str; 7]> = rows
        .iter()
        .map(|r| std::array::from_fn(|c| r[c].as_str()))
        .collect();
    let path = dir.join(format!("load-{batch}.csv"));
    write_batch_csv(&path, &rows);
    path
}

/// Percentile (nearest rank) of sorted durations, in milliseconds.
fn pct(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

fn print_latencies(samples: &[Sample]) {
    let mut by_kind: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for s in samples {
        by_kind.entry(s.kind).or_default().push(s.latency);
        by_kind.entry("(all)").or_default().push(s.latency);
    }
    println!(
        "{:<14} {:>6} {:>9} {:>9} {:>9}",
        "page", "count", "p50 ms", "p99 ms", "max ms"
    );
    for (kind, mut lat) in by_kind {
        lat.sort();
        println!(
            "{:<14} {:>6} {:>9.1} {:>9.1} {:>9.1}",
            kind,
            lat.len(),
            pct(&lat, 50.0),
            pct(&lat, 99.0),
            pct(&lat, 100.0)
        );
    }
}

#[test]
fn pages_stay_whole_while_batches_land() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    qingdan()
        .args(["run", "--out", dir.to_str().unwrap(), "--quiet"])
        .arg(corpus())
        .assert()
        .success();

    // The server, in-process on a free loopback port.
    let (addr_tx, addr_rx) = mpsc::channel::<SocketAddr>();
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let served = dir.clone();
    let server = std::thread::spawn(move || -> qingdan::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            qingdan::web::serve_on(listener, Workspace::new(served), async {
                let _ = shutdown_rx.await;
            })
            .await
        })
    });
    let addr = match addr_rx.recv_timeout(Duration::from_secs(30)) {
        Ok(a) => a,
        Err(_) => panic!("server did not start: {:?}", server.join()),
    };
    assert!(addr.ip().is_loopback());
    let base = format!("http://{addr}");

    // The session: the first GET of a workspace with no account signs in the local analyst.
    let first = agent();
    let (_, home) = get(&first, &base, "/", None);
    let home = home.expect("GET /");
    assert_eq!(home.status(), 200, "GET /: {}", home.body());
    let cookie = home
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let pair = v.split(';').next()?.trim();
            pair.starts_with(&format!("{}=", qingdan::web::SESSION_COOKIE))
                .then(|| pair.to_string())
        })
        .expect("GET / sets the session cookie");

    let (_, common_page) = get(&first, &base, "/common?page=1", Some(&cookie));
    let common_page = common_page.expect("GET /common");
    assert_eq!(common_page.status(), 200);
    let group = common_page
        .body()
        .split("href=\"/group/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .filter(|id| id.starts_with("G-"))
        .expect("/common lists a group")
        .to_string();
    let (_, before) = get(&first, &base, "/api/summary", Some(&cookie));
    let before = before.expect("GET /api/summary");
    assert_eq!(before.status(), 200);
    let (before, in_groups) = summary_counts(before.body()).expect("summary JSON");
    assert_eq!(before, in_groups, "a whole state before the load");
    drop(first);

    let paths: Vec<(&'static str, String)> = vec![
        ("search", format!("/search?q={}", url_encode("融资"))),
        (
            "search+topic",
            format!(
                "/search?q={}&topic={}",
                url_encode("物流 运输"),
                url_encode("物流运输")
            ),
        ),
        ("common", String::new()), // the page number varies, below
        ("enterprises", "/enterprises".to_string()),
        ("group", format!("/group/{}", url_encode(&group))),
        ("summary", "/api/summary".to_string()),
    ];

    // The batches, written now, read and added by the writer while the clients run.
    let batch_files: Vec<PathBuf> = (1..=BATCHES).map(|b| write_batch(tmp.path(), b)).collect();
    let done = Arc::new(AtomicUsize::new(0));
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (dir, done, writing) = (dir.clone(), done.clone(), writing.clone());
        std::thread::spawn(move || {
            let ws = Workspace::new(&dir);
            let mut took = Vec::new();
            for (b, file) in batch_files.iter().enumerate() {
                // Let the reads get going (and, for the second, run a while on the first batch).
                let wait_for = (b + 1) * CLIENTS * 3;
                let deadline = Instant::now() + Duration::from_secs(20);
                while done.load(Ordering::Relaxed) < wait_for && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let batch = read_batch(&[file], &IngestOptions::default()).unwrap();
                assert_eq!(
                    (batch.items.len(), batch.rejects.len()),
                    (BATCH_ROWS, 0),
                    "every row of {file:?} accepted"
                );
                let (start, at) = (Instant::now(), done.load(Ordering::Relaxed));
                let outcome = ws
                    .add(&batch, AddOptions::default(), &Progress::hidden())
                    .unwrap();
                took.push((start.elapsed(), at, outcome.items));
            }
            writing.store(false, Ordering::Relaxed);
            took
        })
    };

    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (base, cookie, paths) = (base.clone(), cookie.clone(), paths.clone());
            let (done, writing) = (done.clone(), writing.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut samples = Vec::new();
                let mut i = 0;
                while i < MIN_REQUESTS || (writing.load(Ordering::Relaxed) && i < MAX_REQUESTS) {
                    let (kind, path) = &paths[(c + i) % paths.len()];
                    let path = if *kind == "common" {
                        format!("/common?page={}", 1 + (c + i) % 3)
                    } else {
                        path.clone()
                    };
                    let (latency, result) = get(&agent, &base, &path, Some(&cookie));
                    let sample = match result {
                        Ok(r) => Sample {
                            kind,
                            latency,
                            outcome: Ok(r.status().as_u16()),
                            summary: (*kind == "summary" && r.status() == 200)
                                .then(|| summary_counts(r.body()))
                                .flatten(),
                            path,
                        },
                        Err(e) => Sample {
                            kind,
                            path,
                            latency,
                            outcome: Err(e),
                            summary: None,
                        },
                    };
                    samples.push(sample);
                    done.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
                samples
            })
        })
        .collect();
    let samples: Vec<Sample> = clients
        .into_iter()
        .flat_map(|c| c.join().expect("client thread"))
        .collect();
    let wall = started.elapsed();
    let took = writer.join().expect("writer thread");

    // After all: both batches in, still whole.
    let last = agent();
    let (_, after) = get(&last, &base, "/api/summary", Some(&cookie));
    let after = after.expect("GET /api/summary after");
    assert_eq!(after.status(), 200);
    let (after, after_in_groups) = summary_counts(after.body()).expect("summary JSON");
    drop(last);

    // The server stops when told, within a bound.
    shutdown_tx.send(()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(server.is_finished(), "server did not stop within 20 s");
    server.join().expect("server thread").expect("server ran");

    // Figures first, so a failure still shows them.
    println!(
        "web_load: {} requests from {CLIENTS} clients in {:.2} s ({:.0} req/s); items {before} -> {after}",
        samples.len(),
        wall.as_secs_f64(),
        samples.len() as f64 / wall.as_secs_f64()
    );
    for (b, (secs, at, items)) in took.iter().enumerate() {
        println!(
            "batch {}: added in {:.2} s, started after {at} requests, {items} items after",
            b + 1,
            secs.as_secs_f64()
        );
    }
    let mut states: BTreeMap<u64, usize> = BTreeMap::new();
    for s in &samples {
        if let Some((items, _)) = s.summary {
            *states.entry(items).or_default() += 1;
        }
    }
    println!("summaries seen per item count: {states:?}");
    print_latencies(&samples);

    let errors: Vec<String> = samples
        .iter()
        .filter(|s| s.outcome != Ok(200))
        .map(|s| format!("{} -> {:?}", s.path, s.outcome))
        .collect();
    assert!(
        errors.is_empty(),
        "{} of {} requests failed: {errors:#?}",
        errors.len(),
        samples.len()
    );
    let step = BATCH_ROWS as u64;
    let allowed = [before, before + step, before + 2 * step];
    for s in samples.iter().filter(|s| s.kind == "summary") {
        let (items, in_groups) = s
            .summary
            .unwrap_or_else(|| panic!("{}: not a summary", s.path));
        assert_eq!(items, in_groups, "a summary saw half a change");
        assert!(
            allowed.contains(&items),
            "a summary saw {items} items, not one of {allowed:?}"
        );
    }
    assert_eq!(after, before + 2 * step, "both batches added");
    assert_eq!(after, after_in_groups);
    assert_eq!(took.last().map(|t| t.2 as u64), Some(after));
}
