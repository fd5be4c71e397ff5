//! The reports on the web: the monthly analysis and a topic's meeting pack, each shown in the
//! page and downloadable (HTML, XLSX), built in memory from one store snapshot (no file is
//! written or read for a request); and the audit log of who changed what.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use minijinja::context;
use serde::Deserialize;

use super::auth::User;
use super::lists::given;
use super::render::{blocking, page, url_encode, Paging, WebError};
use super::AppState;
use crate::closed_loop::metrics::Period;
use crate::closed_loop::monthly::{MonthlyReport, SERIES_MONTHS};
use crate::clusters::{KChoice, DEFAULT_SEED};
use crate::date::Date;
use crate::report::{meeting_pack, meeting_xlsx_bytes, render_meeting_html, MeetingPack};
use crate::store::Detail;
use crate::workspace::{case_book, ReadIndexed};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A report file: its own content policy (its inline style and script, nothing fetched), and
/// as an attachment when downloaded.
fn report_file(bytes: Vec<u8>, content_type: &'static str, name: &str, download: bool) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
             img-src data:; frame-ancestors 'self'",
        ),
    );
    if download {
        let value = format!("attachment; filename*=UTF-8''{}", url_encode(name));
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    response
}

/// A report as `format` asks: HTML (shown in the page, or downloaded) or XLSX (downloaded).
fn html_or_xlsx(
    format: Option<&str>,
    download: bool,
    stem: &str,
    html: impl FnOnce() -> String,
    xlsx: impl FnOnce() -> crate::Result<Vec<u8>>,
) -> Result<Response, WebError> {
    match format {
        None | Some("html") => Ok(report_file(
            html().into_bytes(),
            "text/html; charset=utf-8",
            &format!("{stem}.html"),
            download,
        )),
        Some("xlsx") => Ok(report_file(xlsx()?, XLSX, &format!("{stem}.xlsx"), true)),
        Some(other) => Err(WebError::bad(format!("格式“{other}”无效"))),
    }
}

#[derive(Deserialize, Default)]
pub struct MonthlyQuery {
    month: Option<String>,
    format: Option<String>,
    download: Option<String>,
}

fn month_of(q: &MonthlyQuery) -> Result<(Period, String), WebError> {
    let today = Date::today();
    let key = given(&q.month).unwrap_or_else(|| today.month_key());
    let parsed = Date::parse_month(&key)
        .and_then(|(y, m)| Period::month(y, m).map(|p| (p, format!("{y:04}-{m:02}"))));
    parsed.ok_or_else(|| WebError::bad(format!("月份“{key}”无效，应如 2025-03")))
}

/// The month's report as of today, built once per state of the store.
async fn monthly_report(
    state: &AppState,
    period: Period,
    key: &str,
) -> Result<Arc<MonthlyReport>, WebError> {
    let _one_at_a_time = state.0.heavy.acquire().await;
    let st = state.clone();
    let today = Date::today();
    let kept_as = format!("{key}|{today}");
    blocking(move || {
        st.ws().read(|view| {
            st.0.monthly.get_for(view, &kept_as, || {
                let book = case_book(view, today)?;
                Ok(Arc::new(MonthlyReport::build(
                    &book.rows,
                    &book.events,
                    period,
                    today,
                    SERIES_MONTHS,
                )))
            })
        })
    })
    .await
}

pub async fn monthly(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<MonthlyQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let (period, key) = month_of(&q)?;
    let report = monthly_report(&state, period, &key).await?;
    page(
        &state,
        &user,
        "monthly.html",
        context! { month => key, label => period.label(), lead => report.lead() },
    )
}

pub async fn monthly_file(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<MonthlyQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let (period, key) = month_of(&q)?;
    let report = monthly_report(&state, period, &key).await?;
    html_or_xlsx(
        given(&q.format).as_deref(),
        given(&q.download).is_some(),
        &format!("月报-{key}"),
        || report.to_html(),
        || report.to_xlsx(),
    )
}

#[derive(Deserialize, Default)]
pub struct MeetingQuery {
    topic: Option<String>,
    format: Option<String>,
    download: Option<String>,
}

/// A topic's meeting pack, built once per state of the store.
async fn pack(state: &AppState, topic: String) -> Result<Arc<MeetingPack>, WebError> {
    let _one_at_a_time = state.0.heavy.acquire().await;
    let st = state.clone();
    blocking(move || {
        st.ws()
            .read_indexed_with(&st.0.prepared, |r: &ReadIndexed| {
                st.0.meeting.get_for(&r.view, &topic, || {
                    let analysis = r.view.analysis(Detail::Full)?;
                    let pack = meeting_pack(
                        &analysis,
                        (r.index, &r.view),
                        &topic,
                        KChoice::Auto,
                        DEFAULT_SEED,
                    )?;
                    Ok(Arc::new(pack))
                })
            })
    })
    .await
}

pub async fn meeting(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<MeetingQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let st = state.clone();
    let topics = blocking(move || st.ws().read(|view| super::lists::topics_of(&st, view))).await?;
    let topic = given(&q.topic);
    let headline = match &topic {
        Some(t) => Some(pack(&state, t.clone()).await?.headline()),
        None => None,
    };
    page(
        &state,
        &user,
        "meeting.html",
        context! { topics => topics, topic => topic, headline => headline },
    )
}

pub async fn meeting_file(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<MeetingQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let topic = given(&q.topic).ok_or_else(|| WebError::bad("请选择主题"))?;
    let pack = pack(&state, topic.clone()).await?;
    let stem = crate::report::meeting_file_stem(&topic);
    html_or_xlsx(
        given(&q.format).as_deref(),
        given(&q.download).is_some(),
        &stem,
        || render_meeting_html(&pack),
        || meeting_xlsx_bytes(&pack),
    )
}

#[derive(Deserialize, Default)]
pub struct ActivityQuery {
    page: Option<String>,
    per: Option<String>,
}

pub async fn activity(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<ActivityQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let paging = Paging::parse(q.page.as_deref(), q.per.as_deref(), 50)?;
    let ws = state.ws().clone();
    let (total, rows) =
        blocking(move || ws.read(|view| view.audit_page(paging.offset(), paging.per))).await?;
    page(
        &state,
        &user,
        "activity.html",
        context! { rows => rows, pager => paging.context(total), query => format!("per={}", paging.per) },
    )
}
