//! The closed loop on the web: the boards (overdue, due soon, awaiting a rating, the month's
//! figures), a department's inbox, a matter's page with its history and the steps its reader
//! may take, and the forms that take them (交办, 签收, 退回, 答复, 评价, 重办, 办结).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use minijinja::{context, Value};
use serde::Deserialize;

use super::auth::User;
use super::lists::{decode_form, given};
use super::render::{blocking, page, url_encode, Paging, WebError};
use super::AppState;
use crate::closed_loop::deadlines::Urgency;
use crate::closed_loop::metrics::{CaseRow, Figures, Period};
use crate::closed_loop::{Case, Outcome, Rating, State as MatterState};
use crate::date::Date;
use crate::store::Role;
use crate::workspace::{logged_case_book, Actor, CaseBook, Step};

/// Whether a matter is with this department (lead or co-handling unit).
fn is_with(case: &Case, unit: &str) -> bool {
    case.lead.as_deref() == Some(unit) || case.co.iter().any(|c| c == unit)
}

fn case_line(r: &CaseRow, untitled: &HashMap<String, String>) -> Value {
    let title = match untitled.get(&r.case.item) {
        Some(start) if r.title.is_empty() => start.as_str(),
        _ => r.title.as_str(),
    };
    context! {
        id => r.case.item,
        title => title,
        enterprise => r.enterprise,
        topic => r.topic,
        state => r.case.state.label(),
        lead => r.case.lead.clone().unwrap_or_default(),
        co => r.case.co.join("、"),
        due => r.case.due.map(|d| d.to_string()).unwrap_or_default(),
        urgency => r.urgency.map(|u| u.label()).unwrap_or_default(),
        late => r.working_days_late,
        group => r.case.group.clone().unwrap_or_default(),
        outcome => r.case.outcome.map(|o| o.label()).unwrap_or_default(),
        rating => r.case.rating().map(|x| x.label()).unwrap_or_default(),
    }
}

/// Rows a board shows (the rest are counted; each unit's inbox pages through all of them).
const BOARD_ROWS: usize = 100;

/// The logged matters as of `today`, kept while the store does not change.
async fn logged_book(state: &AppState, today: Date) -> Result<Arc<CaseBook>, WebError> {
    let st = state.clone();
    blocking(move || {
        st.ws().read(|view| {
            st.0.loop_book.get_for(view, &today.to_string(), || {
                Ok(Arc::new(logged_case_book(view, today)?))
            })
        })
    })
    .await
}

/// The start of the text of each untitled matter among the shown rows (lists show it in
/// place of the title), read in one go.
async fn untitled_starts(
    state: &AppState,
    rows: &[&CaseRow],
) -> Result<HashMap<String, String>, WebError> {
    let ids: Vec<String> = rows
        .iter()
        .filter(|r| r.title.is_empty())
        .map(|r| r.case.item.clone())
        .collect();
    let ws = state.ws().clone();
    let starts = blocking(move || ws.read(|view| view.item_lines(&ids))).await?;
    Ok(starts
        .into_iter()
        .map(|l| (l.id, l.text.chars().take(40).collect()))
        .collect())
}

#[derive(Deserialize, Default)]
pub struct BoardsQuery {
    done: Option<String>,
}

pub async fn boards(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<BoardsQuery>,
) -> Result<Response, WebError> {
    user.reads_all()?;
    let today = Date::today();
    let book = logged_book(&state, today).await?;
    let period = Period::of_month(today);
    let figures = Figures::compute(&book.rows, &book.events, period, today);
    // Each board: how many, and the first BOARD_ROWS of them.
    let board = |test: fn(&CaseRow) -> bool| {
        let all: Vec<&CaseRow> = book.rows.iter().filter(|r| test(r)).collect();
        (
            all.len(),
            all.into_iter().take(BOARD_ROWS).collect::<Vec<_>>(),
        )
    };
    let boards = [
        board(|r| matches!(r.urgency, Some(Urgency::Overdue | Urgency::Supervise))),
        board(|r| r.urgency == Some(Urgency::DueSoon)),
        board(|r| r.case.state == MatterState::Replied),
    ];
    let shown: Vec<&CaseRow> = boards
        .iter()
        .flat_map(|(_, rows)| rows.iter().copied())
        .collect();
    let untitled = untitled_starts(&state, &shown).await?;
    let [overdue, due_soon, to_rate] = boards.map(|(total, rows)| {
        let rows: Vec<Value> = rows.iter().map(|r| case_line(r, &untitled)).collect();
        context! { total => total, rows => rows }
    });
    let mut units: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for r in &book.rows {
        if let Some(lead) = &r.case.lead {
            let e = units.entry(lead.clone()).or_default();
            if r.case.state.awaits_department() {
                e.0 += 1;
            }
            e.1 += 1;
        }
    }
    page(
        &state,
        &user,
        "boards.html",
        context! {
            today => today.to_string(),
            month => period.label(),
            figures => context! {
                assigned => figures.assigned,
                reply_rate => figures.reply_rate.percent(),
                reply_on_time => figures.reply_on_time.percent(),
                satisfaction => figures.satisfaction.percent(),
                close_rate => figures.close_rate.percent(),
                open => book.rows.iter().filter(|r| r.case.state.awaits_department()).count(),
                replied => book.rows.iter().filter(|r| r.case.state == MatterState::Replied).count(),
            },
            overdue => overdue,
            due_soon => due_soon,
            to_rate => to_rate,
            units => units.into_iter().map(|(u, (open, all))| context! { unit => u, open => open, all => all }).collect::<Vec<_>>(),
            done => given(&q.done),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    unit: Option<String>,
    all: Option<String>,
    page: Option<String>,
    per: Option<String>,
}

pub async fn inbox(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(q): Query<InboxQuery>,
) -> Result<Response, WebError> {
    let unit = match user.role {
        Role::Department => user.unit.clone(),
        _ => given(&q.unit).unwrap_or_default(),
    };
    let all = given(&q.all).is_some();
    let paging = Paging::parse(q.page.as_deref(), q.per.as_deref(), 50)?;
    let today = Date::today();
    let book = logged_book(&state, today).await?;
    let mut units: Vec<String> = book
        .rows
        .iter()
        .flat_map(|r| r.case.lead.iter().chain(r.case.co.iter()).cloned())
        .collect();
    units.sort();
    units.dedup();
    let mine: Vec<&CaseRow> = if unit.is_empty() {
        Vec::new()
    } else {
        book.rows
            .iter()
            .filter(|r| is_with(&r.case, &unit))
            .filter(|r| all || r.case.state.awaits_department())
            .collect()
    };
    let shown: Vec<&CaseRow> = mine
        .iter()
        .skip(paging.offset())
        .take(paging.per)
        .copied()
        .collect();
    let untitled = untitled_starts(&state, &shown).await?;
    let rows: Vec<Value> = shown.iter().map(|r| case_line(r, &untitled)).collect();
    page(
        &state,
        &user,
        "inbox.html",
        context! {
            unit => unit,
            units => if user.role == Role::Department { Vec::new() } else { units },
            rows => rows,
            all => all,
            today => today.to_string(),
            pager => paging.context(mine.len()),
            query => format!("unit={}{}&per={}", url_encode(&unit), if all { "&all=1" } else { "" }, paging.per),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct MatterQuery {
    done: Option<String>,
}

/// The matter of an item id (not a group's), with its log; a department sees only its own.
async fn load_matter(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<(Case, Vec<crate::closed_loop::Event>), WebError> {
    let ws = state.ws().clone();
    let wanted = id.to_string();
    let found = blocking(move || {
        ws.read(|view| Ok(!view.groups_of(&[wanted.as_str()])?.is_empty()))?
            .then(|| ws.history(&[wanted]))
            .transpose()
    })
    .await?;
    let not_found = || WebError::not_found(format!("没有编号为“{id}”的意见建议"));
    let (case, events) = found
        .and_then(|h| h.into_iter().next())
        .ok_or_else(not_found)?;
    if user.role == Role::Department && !is_with(&case, &user.unit) {
        // Not told apart from a missing one: a department learns nothing of others' matters.
        return Err(not_found());
    }
    Ok((case, events))
}

pub async fn matter(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Query(q): Query<MatterQuery>,
) -> Result<Response, WebError> {
    let (case, events) = load_matter(&state, &user, &id).await?;
    let ws = state.ws().clone();
    let item_id = id.clone();
    let item = blocking(move || ws.read(|view| view.item_lines(&[item_id.as_str()])))
        .await?
        .into_iter()
        .next();
    let own = user.role == Role::Department && is_with(&case, &user.unit);
    let analyst = user.role == Role::Analyst;
    let st = case.state;
    let can = context! {
        accept => own && st == MatterState::Assigned,
        ret => own && matches!(st, MatterState::Assigned | MatterState::InProgress),
        reply => (own || analyst) && st.awaits_department(),
        rate => analyst && matches!(st, MatterState::Replied | MatterState::Rated),
        reopen => analyst && matches!(st, MatterState::Replied | MatterState::Rated),
        close => analyst && matches!(st, MatterState::Replied | MatterState::Rated),
    };
    page(
        &state,
        &user,
        "matter.html",
        context! {
            id => id,
            item => item,
            case => case_line(&CaseRow::new(case.clone()), &HashMap::new()),
            replies => case.replies.iter().map(|r| context! {
                day => r.day.to_string(), unit => r.unit, text => r.text, outcome => r.outcome.label(),
            }).collect::<Vec<_>>(),
            history => events.iter().map(|e| context! {
                seq => e.seq, day => e.day.to_string(), kind => e.kind.label(), actor => e.actor,
                note => e.note, recorded => e.recorded,
            }).collect::<Vec<_>>(),
            can => can,
            outcomes => Outcome::ALL.iter().map(|o| o.label()).collect::<Vec<_>>(),
            ratings => Rating::ALL.iter().map(|r| r.label()).collect::<Vec<_>>(),
            done => given(&q.done),
        },
    )
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    lead: String,
    /// A unit typed in, instead of a suggested one.
    #[serde(default)]
    lead_other: String,
    #[serde(default)]
    co: String,
    #[serde(default)]
    due: String,
}

/// 交办 an item or a whole group (each member) to a department.
pub async fn assign(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let form: AssignForm = decode_form(&body)?;
    user.check_csrf(&form.csrf)?;
    user.analyst()?;
    let target = form.target.trim().to_string();
    let lead = match form.lead_other.trim() {
        "" => form.lead.trim().to_string(),
        typed => typed.to_string(),
    };
    if target.is_empty() || lead.is_empty() {
        return Err(WebError::bad("交办须指明事项和主办单位"));
    }
    let due = match form.due.trim() {
        "" => None,
        d => Some(
            Date::parse(d)
                .ok_or_else(|| WebError::bad(format!("答复期限“{d}”不是日期，应如 2025-03-01")))?,
        ),
    };
    let co: Vec<String> = form
        .co
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
        .filter(|s| !s.is_empty() && *s != lead)
        .map(str::to_string)
        .collect();
    let step = Step::Assign {
        lead,
        co,
        due,
        kind: None,
        profile: None,
    };
    let result = run_step(&state, &user, vec![target.clone()], step).await?;
    Ok(Redirect::to(&format!(
        "/loop?done={}",
        url_encode(&format!("已交办{}件", result))
    ))
    .into_response())
}

async fn run_step(
    state: &AppState,
    user: &User,
    ids: Vec<String>,
    step: Step,
) -> Result<usize, WebError> {
    let ws = state.ws().clone().by(&user.name);
    let actor = Actor {
        name: user.name.clone(),
        day: Date::today(),
    };
    let result = blocking(move || ws.step(&ids, &step, &actor, "")).await?;
    Ok(result.written.len())
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    reason: String,
}

/// A step on one matter, by its department or an analyst.
pub async fn step(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let form: StepForm = decode_form(&body)?;
    user.check_csrf(&form.csrf)?;
    if user.role == Role::Reader {
        return Err(WebError::forbidden("只读账户不能办理事项"));
    }
    let (case, _) = load_matter(&state, &user, &form.item).await?;
    let department = user.role == Role::Department;
    let reason = || -> Result<String, WebError> {
        let r = form.reason.trim();
        if r.is_empty() {
            Err(WebError::bad("请填写理由"))
        } else {
            Ok(r.to_string())
        }
    };
    let step = match form.action.as_str() {
        "accept" => Step::Accept,
        "return" => Step::Return { reason: reason()? },
        "reply" => {
            let text = form.text.trim().to_string();
            if text.is_empty() {
                return Err(WebError::bad("答复内容不能为空"));
            }
            let outcome = Outcome::parse(&form.outcome)
                .ok_or_else(|| WebError::bad(format!("办理结果“{}”无效", form.outcome)))?;
            Step::Reply {
                text,
                unit: department.then(|| user.unit.clone()),
                outcome,
            }
        }
        "rate" | "reopen" | "close" if department => {
            return Err(WebError::forbidden("评价、重办和办结由分析员记录"))
        }
        "rate" => Step::Rate {
            rating: Rating::parse(&form.rating)
                .ok_or_else(|| WebError::bad(format!("评价“{}”无效", form.rating)))?,
        },
        "reopen" => Step::Reopen {
            due: None,
            reason: reason()?,
        },
        "close" => Step::Close,
        other => return Err(WebError::bad(format!("未知的操作“{other}”"))),
    };
    if department && !is_with(&case, &user.unit) {
        return Err(WebError::not_found("没有这个事项"));
    }
    run_step(&state, &user, vec![form.item.clone()], step).await?;
    Ok(Redirect::to(&format!(
        "/matter/{}?done={}",
        url_encode(&form.item),
        url_encode(&form.action)
    ))
    .into_response())
}
