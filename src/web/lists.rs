//! The lists: the home page's figures, search, the common-problem list, the per-enterprise
//! lists, a group's page, and merge/split corrections made by selecting items.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use minijinja::context;
use serde::Deserialize;

use super::auth::User;
use super::render::{blocking, highlighted, page, url_encode, Paging, WebError};
use super::{AppState, Counts};
use crate::date::Date;
use crate::index::Filters;
use crate::merge::Correction;
use crate::store::{GroupFilter, GroupOrder, View};
use crate::workspace::{suggest_units, unit_router, BuiltWith, ReadIndexed};

/// Trims a query value; empty counts as absent.
pub(super) fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The topics the workspace sorts into, as of `view` (for the filters).
pub(super) fn topics_of(state: &AppState, view: &View) -> crate::Result<Vec<String>> {
    let prepared = state.0.prepared.get(view, view.index_generation()?)?;
    Ok(topic_names(&prepared.built))
}

/// The topics the workspace sorts into.
fn topic_names(built: &BuiltWith) -> Vec<String> {
    match &built.model {
        Some(model) => model.classes.clone(),
        None => built
            .dicts
            .taxonomy
            .topics
            .iter()
            .map(|t| t.name.clone())
            .collect(),
    }
}

pub async fn home(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<HomeQuery>,
) -> Result<Response, WebError> {
    if user.reads_all().is_err() {
        return Ok(Redirect::to("/inbox").into_response());
    }
    let st = state.clone();
    let figures = blocking(move || {
        st.ws().read(|view| {
            let counts = counts(&st, view)?;
            Ok(context! {
                items => counts.items,
                groups => counts.groups,
                common => view.group_page(&GroupFilter { min_enterprises: 2, ..Default::default() }, GroupOrder::Enterprises, 0, 10)?,
                enterprises => counts.enterprises,
                exports_stale => view.exports_stale()?,
                batches => view.batches()?.into_iter().rev().take(5).map(|b| context! {
                    id => b.id, finished => b.finished, files => b.files.join("、"),
                    read => b.rows_read, accepted => b.rows_accepted, rejected => b.rows_rejected,
                }).collect::<Vec<_>>(),
            })
        })
    })
    .await?;
    page(
        &state,
        &user,
        "home.html",
        context! { f => figures, done => given(&q.done) },
    )
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    done: Option<String>,
}

/// Writes the exports again (`qingdan report`): after the workbench's changes, which leave
/// them behind.
pub async fn export(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let form: CsrfOnly = decode_form(&body)?;
    user.check_csrf(&form.csrf)?;
    user.analyst()?;
    let _one_at_a_time = state.0.heavy.acquire().await;
    let ws = state.ws().clone().by(&user.name);
    blocking(move || ws.export()).await?;
    Ok(Redirect::to("/?done=export").into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// The workspace's counts, kept while the store does not change.
fn counts(state: &AppState, view: &View) -> crate::Result<Counts> {
    state.0.counts.get(view, || {
        Ok(Counts {
            items: view.item_count()?,
            groups: view.group_count()?,
            enterprises: view.enterprise_count()?,
        })
    })
}

/// Counts from one snapshot, for scripts and the load test: the items, and the items the
/// groups hold (equal in every committed state).
pub async fn summary(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let ws = state.ws().clone();
    let counts = blocking(move || {
        ws.read(|view| {
            let items = view.item_count()?;
            let groups = view.group_count()?;
            let in_groups = view.items_in_all_groups()?;
            let batches = view.batches()?.len();
            Ok(serde_json::json!({
                "items": items, "groups": groups, "items_in_groups": in_groups, "batches": batches,
            }))
        })
    })
    .await?;
    Ok(Json(counts).into_response())
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
    topic: Option<String>,
    enterprise: Option<String>,
    region: Option<String>,
    channel: Option<String>,
    from: Option<String>,
    to: Option<String>,
    n: Option<String>,
}

fn date_param(v: &Option<String>, what: &str) -> Result<Option<Date>, WebError> {
    match given(v) {
        None => Ok(None),
        Some(text) => Date::parse(&text)
            .map(Some)
            .ok_or_else(|| WebError::bad(format!("{what}“{text}”不是日期，应如 2025-03-01"))),
    }
}

pub async fn search(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let from = date_param(&q.from, "起始日期")?;
    let to = date_param(&q.to, "截止日期")?;
    let limit = Paging::parse(None, q.n.as_deref(), 20)?.per;
    let query = given(&q.q);
    let form = context! {
        q => query.clone().unwrap_or_default(),
        topic => given(&q.topic).unwrap_or_default(),
        enterprise => given(&q.enterprise).unwrap_or_default(),
        region => given(&q.region).unwrap_or_default(),
        channel => given(&q.channel).unwrap_or_default(),
        from => given(&q.from).unwrap_or_default(),
        to => given(&q.to).unwrap_or_default(),
        n => limit,
    };
    let st = state.clone();
    let (topics, hits) = blocking(move || {
        st.ws()
            .read_indexed_with(&st.0.prepared, |r: &ReadIndexed| {
                let topics = topic_names(r.built);
                let Some(query) = query else {
                    return Ok((topics, None));
                };
                let n = &r.pipeline.normalizer;
                let filters = Filters {
                    topic: given(&q.topic).map(|t| n.name(&t)),
                    enterprise: given(&q.enterprise).map(|e| n.name(&e)),
                    channel: given(&q.channel).map(|c| n.name(&c)),
                    region: given(&q.region).map(|r| n.name(&r)),
                    from,
                    to,
                };
                let hits = r.index.search(&r.view, &n.query(&query), &filters, limit)?;
                let hits = r.complete(hits)?;
                let groups: Vec<&str> = hits.iter().map(|h| h.group.as_str()).collect();
                let mut sizes: HashMap<String, (usize, usize)> = HashMap::new();
                for g in groups {
                    if let Some(row) = r.view.group(g)? {
                        sizes.insert(g.to_string(), (row.size, row.enterprises));
                    }
                }
                let shown: Vec<minijinja::Value> = hits
                    .iter()
                    .map(|h| {
                        let (size, enterprises) = sizes.get(&h.group).copied().unwrap_or((1, 1));
                        context! {
                            id => h.id, enterprise => h.enterprise, title => h.title,
                            date => h.date, channel => h.channel, region => h.region,
                            topics => h.topics.join("、"), score => format!("{:.2}", h.score),
                            snippet => highlighted(&h.snippet), group => h.group,
                            group_size => size, group_enterprises => enterprises,
                            answer => h.answer.as_ref().map(|a| a.line()),
                        }
                    })
                    .collect();
                Ok((topics, Some(shown)))
            })
    })
    .await?;
    page(
        &state,
        &user,
        "search.html",
        context! { form => form, topics => topics, hits => hits },
    )
}

#[derive(Deserialize, Default)]
pub struct CommonQuery {
    page: Option<String>,
    per: Option<String>,
    sort: Option<String>,
    topic: Option<String>,
    q: Option<String>,
    min: Option<String>,
}

pub async fn common(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<CommonQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let paging = Paging::parse(q.page.as_deref(), q.per.as_deref(), 50)?;
    let order = match given(&q.sort).as_deref() {
        None | Some("enterprises") => GroupOrder::Enterprises,
        Some("size") => GroupOrder::Size,
        Some(other) => return Err(WebError::bad(format!("排序方式“{other}”无效"))),
    };
    let min = match given(&q.min) {
        None => 2,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| WebError::bad(format!("最少企业数“{v}”应为整数")))?,
    };
    let filter = GroupFilter {
        min_enterprises: min,
        topic: given(&q.topic),
        contains: given(&q.q),
    };
    let st = state.clone();
    let f = filter.clone();
    let (topics, list) = blocking(move || {
        st.ws().read(|view| {
            Ok((
                topics_of(&st, view)?,
                view.group_page(&f, order, paging.offset(), paging.per)?,
            ))
        })
    })
    .await?;
    let query = format!(
        "sort={}&topic={}&q={}&min={min}&per={}",
        if order == GroupOrder::Size {
            "size"
        } else {
            "enterprises"
        },
        url_encode(filter.topic.as_deref().unwrap_or("")),
        url_encode(filter.contains.as_deref().unwrap_or("")),
        paging.per
    );
    let first = paging.offset();
    page(
        &state,
        &user,
        "common.html",
        context! {
            rows => list.rows.iter().enumerate().map(|(i, g)| context! { rank => first + i + 1, ..minijinja::Value::from_serialize(g) }).collect::<Vec<_>>(),
            pager => paging.context(list.total),
            query => query,
            topics => topics,
            filter => context! {
                topic => filter.topic.unwrap_or_default(),
                q => filter.contains.unwrap_or_default(),
                min => min,
                sort => if order == GroupOrder::Size { "size" } else { "enterprises" },
            },
        },
    )
}

#[derive(Deserialize, Default)]
pub struct EnterprisesQuery {
    page: Option<String>,
    per: Option<String>,
    sort: Option<String>,
    q: Option<String>,
    name: Option<String>,
}

pub async fn enterprises(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<EnterprisesQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let paging = Paging::parse(q.page.as_deref(), q.per.as_deref(), 50)?;
    let contains = given(&q.q);
    let by_items = match given(&q.sort).as_deref() {
        None | Some("items") => true,
        Some("name") => false,
        Some(other) => return Err(WebError::bad(format!("排序方式“{other}”无效"))),
    };
    let st = state.clone();
    let c = contains.clone();
    let list = blocking(move || {
        st.ws().read(|view| {
            if by_items {
                // Ranking needs every enterprise's count: read once per state of the store.
                let whole =
                    st.0.ranking
                        .get(view, || Ok(Arc::new(view.enterprises_by_items()?)))?;
                let matching: Vec<_> = whole
                    .iter()
                    .filter(|e| c.as_deref().is_none_or(|c| e.enterprise.contains(c)))
                    .collect();
                Ok(crate::store::Page {
                    total: matching.len(),
                    rows: matching
                        .into_iter()
                        .skip(paging.offset())
                        .take(paging.per)
                        .cloned()
                        .collect(),
                })
            } else {
                match c.as_deref() {
                    None => Ok(crate::store::Page {
                        total: counts(&st, view)?.enterprises,
                        rows: view.enterprise_lines(None, paging.offset(), paging.per)?,
                    }),
                    Some(c) => view.enterprise_page(Some(c), paging.offset(), paging.per),
                }
            }
        })
    })
    .await?;
    let query = format!(
        "sort={}&q={}&per={}",
        if by_items { "items" } else { "name" },
        url_encode(contains.as_deref().unwrap_or("")),
        paging.per
    );
    page(
        &state,
        &user,
        "enterprises.html",
        context! {
            rows => list.rows,
            pager => paging.context(list.total),
            query => query,
            filter => context! { q => contains.unwrap_or_default(), sort => if by_items { "items" } else { "name" } },
        },
    )
}

pub async fn enterprise(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<EnterprisesQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let paging = Paging::parse(q.page.as_deref(), q.per.as_deref(), 50)?;
    let name = given(&q.name).ok_or_else(|| WebError::bad("请指明企业名称（name）"))?;
    let ws = state.ws().clone();
    let n = name.clone();
    let list =
        blocking(move || ws.read(|view| view.enterprise_items(&n, paging.offset(), paging.per)))
            .await?;
    if list.total == 0 {
        return Err(WebError::not_found(format!("没有企业“{name}”的意见建议")));
    }
    page(
        &state,
        &user,
        "enterprise.html",
        context! {
            name => name,
            rows => list.rows,
            pager => paging.context(list.total),
            query => format!("name={}&per={}", url_encode(&name), paging.per),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct GroupQuery {
    page: Option<String>,
    per: Option<String>,
    done: Option<String>,
}

pub async fn group(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Query(q): Query<GroupQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let paging = Paging::parse(q.page.as_deref(), q.per.as_deref(), 50)?;
    let ws = state.ws().clone();
    let gid = id.clone();
    let found = blocking(move || {
        ws.read(|view| {
            let Some(row) = view.group(&gid)? else {
                return Ok(None);
            };
            let members = view.group_members(&gid, paging.offset(), paging.per)?;
            let representative = view.item_lines(&[row.representative.as_str()])?;
            Ok(Some((row, members, representative)))
        })
    })
    .await?;
    let Some((row, members, representative)) = found else {
        return Err(WebError::not_found(format!("没有合并组“{id}”")));
    };
    // Suggested for the group's representative: the group is one problem.
    let representative_id = row.representative.clone();
    let suggestions = if user.role == crate::store::Role::Analyst {
        let st = state.clone();
        blocking(move || {
            st.ws().read(|view| {
                // The router reads every assigned matter's terms: built once per store state.
                let router = st.0.router.get(view, || Ok(Arc::new(unit_router(view)?)))?;
                suggest_units(view, &st.ws().dir, &router, &[representative_id], 3)
            })
        })
        .await?
        .into_iter()
        .flat_map(|s| s.suggestions)
        .map(|s| context! { unit => s.unit, why => s.why })
        .collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    page(
        &state,
        &user,
        "group.html",
        context! {
            group => context! {
                id => row.id, size => row.size, enterprises => row.enterprises,
                score => format!("{:.2}", row.score), shared_terms => row.shared_terms.join("、"),
                representative => row.representative,
            },
            representative => representative.into_iter().next(),
            members => members.rows.iter().map(|m| context! {
                similarity => format!("{:.2}", m.similarity),
                ..minijinja::Value::from_serialize(m)
            }).collect::<Vec<_>>(),
            pager => paging.context(members.total),
            query => format!("per={}", paging.per),
            suggestions => suggestions,
            done => given(&q.done),
            today => Date::today().to_string(),
        },
    )
}

#[derive(Deserialize)]
pub struct CorrectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    /// The group page the form was on.
    #[serde(default)]
    back: String,
    /// Other item or group ids typed in (merge with these), separated by spaces or commas.
    #[serde(default)]
    with: String,
}

/// Every value of a repeated form field.
pub(super) fn form_values(body: &[u8], name: &str) -> Vec<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v)
        .collect()
}

/// Merge or split the selected items: the same corrections as `qingdan merge` / `split`.
/// Selected items arrive as repeated `item` fields, which a plain form decoder keeps only once,
/// so they are read from the raw body.
pub async fn correct(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let form: CorrectForm = decode_form(&body)?;
    user.check_csrf(&form.csrf)?;
    user.analyst()?;
    let mut ids: Vec<String> = form_values(&body, "item");
    ids.extend(
        form.with
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
    let correction = match form.action.as_str() {
        "merge" if ids.len() >= 2 => Correction::Merge { items: Vec::new() },
        "split" if !ids.is_empty() => Correction::Split { items: Vec::new() },
        "merge" => return Err(WebError::bad("合并至少要选两条（或填写另一组/条目的编号）")),
        "split" => return Err(WebError::bad("请选择要拆出的条目")),
        other => return Err(WebError::bad(format!("未知的操作“{other}”"))),
    };
    let ws = state.ws().clone().by(&user.name).without_exports();
    let outcome = blocking(move || {
        let items = ws.resolve_ids(&ids)?;
        let correction = match correction {
            Correction::Merge { .. } => Correction::Merge { items },
            Correction::Split { .. } => Correction::Split { items },
        };
        let named = match &correction {
            Correction::Merge { items } | Correction::Split { items } => items.clone(),
        };
        ws.correct(correction)?;
        // Where the first named item is now.
        ws.read(|view| {
            Ok(view
                .groups_of(&named[..1])?
                .into_iter()
                .next()
                .map(|(_, g)| g))
        })
    })
    .await?;
    let target = match outcome {
        Some(g) => format!(
            "/group/{}?done={}",
            url_encode(&g),
            url_encode(&form.action)
        ),
        None if form.back.starts_with("/group/") => form.back,
        None => "/common".into(),
    };
    Ok(Redirect::to(&target).into_response())
}

/// A urlencoded form body as a struct, with a clear error.
pub(super) fn decode_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    serde_urlencoded::from_bytes(body).map_err(|e| WebError::bad(format!("表单内容有误：{e}")))
}
