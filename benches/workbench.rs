//! The workbench's page latency, in-process (no network): each page kind asked for
//! [`REQUESTS`] times in a row through the router (`tower::ServiceExt::oneshot`), as one
//! signed-in analyst would; count, p50, p99 and max in milliseconds. Every response must be
//! 200 (a failure panics).
//!
//! `cargo bench --bench workbench` builds the shipped corpus into a temporary workspace with the
//! library. `QINGDAN_BENCH_WORKSPACE=dir` measures a prebuilt (large) workspace instead, which is
//! only read.
//!
//! `/enterprises?sort=items` ranks every enterprise once per state of the store and keeps the
//! result: its first call is reported on its own line.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use qingdan::ingest::{read_batch, IngestOptions};
use qingdan::progress::Progress;
use qingdan::store::{GroupFilter, GroupOrder};
use qingdan::web::url_encode;
use qingdan::workspace::{Requested, Workspace};

/// Requests per page kind.
const REQUESTS: usize = 50;

/// One GET through the router, timed to the whole body.
struct Got {
    status: StatusCode,
    took: Duration,
    body: String,
    /// The session cookie the response set, as `name=value`.
    cookie: Option<String>,
}

async fn get(app: &Router, path: &str, cookie: Option<&str>) -> Got {
    let mut request = Request::builder().uri(path);
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    let request = request.body(Body::empty()).unwrap();
    let start = Instant::now();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let pair = v.split(';').next()?.trim();
            pair.starts_with(&format!("{}=", qingdan::web::SESSION_COOKIE))
                .then(|| pair.to_string())
        });
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let took = start.elapsed();
    Got {
        status,
        took,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        cookie,
    }
}

/// Percentile (nearest rank) of sorted durations, in milliseconds.
fn pct(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

/// `s` padded to `width` terminal columns (CJK characters take two).
fn pad(s: &str, width: usize) -> String {
    let used: usize = s.chars().map(|c| if c >= '\u{2E80}' { 2 } else { 1 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(used)))
}

struct Line {
    page: String,
    latencies: Vec<Duration>,
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, source) = match std::env::var_os("QINGDAN_BENCH_WORKSPACE") {
        Some(d) => (PathBuf::from(d), "QINGDAN_BENCH_WORKSPACE"),
        None => {
            let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpora/suggestions.csv");
            let batch = read_batch(&[corpus], &IngestOptions::default()).unwrap();
            let dir = tmp.path().join("ws");
            Workspace::new(&dir)
                .run(batch, Requested::default(), &Progress::hidden())
                .unwrap();
            (dir, "the shipped corpus, built now")
        }
    };
    let ws = Workspace::new(&dir);
    assert!(ws.exists(), "{} holds no workspace", dir.display());
    let (items, groups, common, enterprise, group) = ws
        .read(|view| {
            let common = view.group_page(
                &GroupFilter {
                    min_enterprises: 2,
                    ..Default::default()
                },
                GroupOrder::Enterprises,
                0,
                1,
            )?;
            let any_group = view.group_page(&GroupFilter::default(), GroupOrder::Size, 0, 1)?;
            let enterprise = view.enterprise_page(None, 0, 1)?;
            Ok((
                view.item_count()?,
                view.group_count()?,
                common.total,
                enterprise.rows.first().map(|e| e.enterprise.clone()),
                common
                    .rows
                    .first()
                    .or(any_group.rows.first())
                    .map(|g| g.id.clone()),
            ))
        })
        .unwrap();
    // The loop's pages: the unit with the most matters, and one of its matters.
    let book = ws.logged_case_book(qingdan::date::Date::today()).unwrap();
    let mut by_unit: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &book.rows {
        if let Some(lead) = &r.case.lead {
            by_unit
                .entry(lead.clone())
                .or_default()
                .push(r.case.item.clone());
        }
    }
    let busiest = by_unit
        .iter()
        .max_by_key(|(u, m)| (m.len(), std::cmp::Reverse((*u).clone())))
        .map(|(u, m)| (u.clone(), m[0].clone()));
    let matters = book.rows.len();
    let enterprise = enterprise.expect("the workspace has an enterprise");
    let group = group.expect("the workspace has a group");
    let deep = (common / 50 / 2).max(1);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let lines = runtime.block_on(async {
        let app = qingdan::web::app(Workspace::new(&dir)).unwrap();
        let first = get(&app, "/", None).await;
        assert_eq!(first.status, StatusCode::OK, "GET /: {}", first.body);
        let cookie = first.cookie.expect("GET / sets the session cookie");
        let mut lines = vec![Line {
            page: "/ (first, signs in)".into(),
            latencies: vec![first.took],
        }];
        let pages: Vec<(String, String)> = vec![
            ("/".into(), "/".into()),
            ("/common?page=1".into(), "/common?page=1".into()),
            (
                format!("/common?page={deep} (deep)"),
                format!("/common?page={deep}"),
            ),
            (
                "/common?topic=金融信贷".into(),
                format!("/common?topic={}", url_encode("金融信贷")),
            ),
            (
                "/enterprises?sort=name".into(),
                "/enterprises?sort=name".into(),
            ),
            (
                "/enterprises?sort=items".into(),
                "/enterprises?sort=items".into(),
            ),
            (
                "/enterprise?name=<first>".into(),
                format!("/enterprise?name={}", url_encode(&enterprise)),
            ),
            (
                "/group/<first>".into(),
                format!("/group/{}", url_encode(&group)),
            ),
            (
                "/search?q=融资 贷款".into(),
                format!("/search?q={}", url_encode("融资 贷款")),
            ),
            ("/loop".into(), "/loop".into()),
            ("/api/summary".into(), "/api/summary".into()),
        ];
        let mut pages = pages;
        if let Some((unit, matter)) = &busiest {
            pages.push((
                "/inbox?unit=<busiest>".into(),
                format!("/inbox?unit={}", url_encode(unit)),
            ));
            pages.push((
                "/matter/<one>".into(),
                format!("/matter/{}", url_encode(matter)),
            ));
        }
        for (label, path) in pages {
            let mut latencies = Vec::with_capacity(REQUESTS);
            for _ in 0..REQUESTS {
                let got = get(&app, &path, Some(&cookie)).await;
                assert_eq!(got.status, StatusCode::OK, "GET {path}: {}", got.body);
                assert!(got.cookie.is_none(), "GET {path} kept the session");
                latencies.push(got.took);
            }
            if path == "/enterprises?sort=items" {
                // The first call ranks every enterprise; the rest read the kept ranking.
                let first = latencies.remove(0);
                lines.push(Line {
                    page: format!("{label} (first)"),
                    latencies: vec![first],
                });
                lines.push(Line {
                    page: format!("{label} (kept)"),
                    latencies,
                });
            } else {
                lines.push(Line {
                    page: label,
                    latencies,
                });
            }
        }
        lines
    });

    println!(
        "qingdan workbench bench: {} ({}): {items} items, {groups} groups, {common} common problems, \
         {matters} matters in the loop; {REQUESTS} sequential requests per page, in-process",
        dir.display(),
        source
    );
    println!(
        "{:<36} {:>6} {:>9} {:>9} {:>9}",
        "page", "count", "p50 ms", "p99 ms", "max ms"
    );
    for mut line in lines {
        line.latencies.sort();
        let l = &line.latencies;
        println!(
            "{} {:>6} {:>9.2} {:>9.2} {:>9.2}",
            pad(&line.page, 36),
            l.len(),
            pct(l, 50.0),
            pct(l, 99.0),
            pct(l, 100.0)
        );
    }
}
