//! Who is asking: sessions (a random token in an HttpOnly, SameSite=Strict cookie, held in
//! memory, so a restart logs everyone out), the CSRF token each session carries for its forms,
//! logging in and out, and failed logins slowed down per account name.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::render::{blocking, WebError};
use super::AppState;
use crate::store::Role;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "qingdan_session";
/// How long a session lasts without a new login.
const SESSION_LIFE: Duration = Duration::from_secs(12 * 3600);
/// The name the workbench gives the one user of a workspace with no account.
pub const LOCAL_ANALYST: &str = "本机分析员";
/// A failed login waits this long, doubled for each further failure on the name, up to
/// [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_millis(400);
const MAX_DELAY: Duration = Duration::from_secs(8);
/// Failures older than this are forgotten.
const FAILURE_MEMORY: Duration = Duration::from_secs(15 * 60);
/// Sessions and failure records held at most; past it the oldest is dropped (a client that
/// never keeps its cookie cannot grow the server's memory without end).
const MAX_ENTRIES: usize = 10_000;

/// Drops the oldest entry while the map is full.
fn make_room<V>(map: &mut HashMap<String, V>, when: impl Fn(&V) -> Instant) {
    while map.len() >= MAX_ENTRIES {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| when(v))
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        map.remove(&oldest);
    }
}

/// The signed-in user, as handlers see it.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// A 承办单位 account's department.
    pub unit: String,
    pub csrf: String,
    /// The one analyst of a workspace with no account (no login, loopback only).
    pub local: bool,
}

impl User {
    /// Analysts and readers see every page; a department sees its own matters only.
    pub fn reads_all(&self) -> Result<(), WebError> {
        match self.role {
            Role::Department => Err(WebError::forbidden(
                "承办单位账户只能查看交办给本单位的事项",
            )),
            _ => Ok(()),
        }
    }

    /// Only analysts change lists, corrections, assignments and batches.
    pub fn analyst(&self) -> Result<(), WebError> {
        match self.role {
            Role::Analyst => Ok(()),
            _ => Err(WebError::forbidden("只有分析员可以做这项改动")),
        }
    }

    /// The form's CSRF token must be this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::forbidden(
                "表单已过期或来源不明（CSRF 校验未通过），请刷新页面后重试",
            ))
        }
    }

    /// What the templates show of the user.
    pub fn context(&self) -> minijinja::Value {
        minijinja::context! {
            name => self.name,
            role => self.role.label(),
            unit => self.unit,
            csrf => self.csrf,
            local => self.local,
            analyst => self.role == Role::Analyst,
            department => self.role == Role::Department,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 random bytes as hex.
fn token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::internal(format!("无法取得随机数：{e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, (User, Instant)>>,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Sessions {
    fn get(&self, token: &str) -> Option<User> {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        live.retain(|_, (_, started)| now.duration_since(*started) < SESSION_LIFE);
        live.get(token).map(|(u, _)| u.clone())
    }

    fn start(&self, user: User) -> Result<(String, User), WebError> {
        let t = token()?;
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        make_room(&mut live, |(_, started)| *started);
        live.insert(t.clone(), (user.clone(), Instant::now()));
        Ok((t, user))
    }

    fn end(&self, token: &str) {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(token);
    }

    /// How long a login for `name` waits before it is checked.
    fn delay(&self, name: &str) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.retain(|_, (_, last)| last.elapsed() < FAILURE_MEMORY);
        match failures.get(name) {
            Some((n, _)) if *n > 0 => FIRST_DELAY
                .saturating_mul(1 << (*n - 1).min(8))
                .min(MAX_DELAY),
            _ => Duration::ZERO,
        }
    }

    fn failed(&self, name: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if !failures.contains_key(name) {
            make_room(&mut failures, |(_, last)| *last);
        }
        let entry = failures
            .entry(name.to_string())
            .or_insert((0, Instant::now()));
        entry.0 += 1;
        entry.1 = Instant::now();
    }

    fn succeeded(&self, name: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
    }
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}

fn session_cookie(token: &str) -> HeaderValue {
    let value = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_LIFE.as_secs()
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn account_count(state: &AppState) -> Result<usize, WebError> {
    let ws = state.ws().clone();
    blocking(move || ws.read(|view| view.account_count())).await
}

/// Puts the signed-in [`User`] into the request, or sends the browser to the login page. A
/// workspace with no account has one user, the local analyst, who needs no login.
pub async fn require_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let found = cookie_token(request.headers()).and_then(|t| state.0.sessions.get(&t));
    let found = match found {
        // The local analyst's session ends once an account exists.
        Some(user) if user.local => match account_count(&state).await {
            Ok(0) => Some(user),
            Ok(_) => None,
            Err(e) => return e.into_response(),
        },
        other => other,
    };
    if let Some(user) = found {
        request.extensions_mut().insert(user);
        return next.run(request).await;
    }
    match account_count(&state).await {
        Ok(0) => {
            let started = state.0.sessions.start(User {
                name: LOCAL_ANALYST.to_string(),
                role: Role::Analyst,
                unit: String::new(),
                csrf: match token() {
                    Ok(t) => t,
                    Err(e) => return e.into_response(),
                },
                local: true,
            });
            let (token, user) = match started {
                Ok(s) => s,
                Err(e) => return e.into_response(),
            };
            // A change needs the CSRF token of a page this session was shown.
            if request.method() != Method::GET {
                let mut r = WebError::forbidden("会话已更新，请刷新页面后重试").into_response();
                r.headers_mut()
                    .append(header::SET_COOKIE, session_cookie(&token));
                return r;
            }
            request.extensions_mut().insert(user);
            let mut response = next.run(request).await;
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(&token));
            response
        }
        Ok(_) if request.method() == Method::GET => {
            let path = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            let next_page = super::render::url_encode(&path);
            Redirect::to(&format!("/login?next={next_page}")).into_response()
        }
        Ok(_) => WebError::new(StatusCode::UNAUTHORIZED, "请先登录").into_response(),
        Err(e) => e.into_response(),
    }
}

/// Refuses a form sent from another site: browsers name the sending page's origin on every
/// POST, and it must be this server's own (the login form has no session, hence no CSRF token,
/// so this is what keeps another site from logging a visitor in as someone else).
pub async fn same_origin(request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let header_text = |name| {
            request
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        if let (Some(origin), Some(host)) = (header_text(header::ORIGIN), header_text(header::HOST))
        {
            let own = origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host));
            if !own {
                return WebError::forbidden("请求来自其他网站，已拒绝").into_response();
            }
        }
    }
    next.run(request).await
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only a path of this site, never another site's address.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    super::render::bare(
        &state,
        "login.html",
        minijinja::context! { next => safe_next(q.next.as_deref()), error => "" },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    let name = form.name.trim().to_string();
    let wait = state.0.sessions.delay(&name);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    let ws = state.ws().clone();
    let (n, p) = (name.clone(), form.password.clone());
    let account = match blocking(move || ws.login(&n, &p)).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(account) = account else {
        state.0.sessions.failed(&name);
        return super::render::bare(
            &state,
            "login.html",
            minijinja::context! {
                next => safe_next(form.next.as_deref()),
                error => "账户名或密码不对",
                name => name,
            },
            StatusCode::UNAUTHORIZED,
        );
    };
    state.0.sessions.succeeded(&name);
    let csrf = match token() {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let started = state.0.sessions.start(User {
        name: account.name,
        role: account.role,
        unit: account.unit,
        csrf,
        local: false,
    });
    let (token, user) = match started {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let target = match (user.role, safe_next(form.next.as_deref())) {
        (Role::Department, t) if t == "/" => "/inbox".to_string(),
        (_, t) => t,
    };
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(&token));
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = user.check_csrf(&form.csrf) {
        return e.into_response();
    }
    if let Some(t) = cookie_token(&headers) {
        state.0.sessions.end(&t);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("qingdan_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> User {
        User {
            name: name.into(),
            role: Role::Reader,
            unit: String::new(),
            csrf: "t".into(),
            local: false,
        }
    }

    #[test]
    fn sessions_and_failures_are_bounded_and_the_oldest_goes() {
        let s = Sessions::default();
        let (first, _) = s.start(user("first")).unwrap();
        for i in 0..MAX_ENTRIES + 5 {
            s.start(user(&format!("u{i}"))).unwrap();
            s.failed(&format!("n{i}"));
        }
        assert!(s.live.lock().unwrap().len() <= MAX_ENTRIES);
        assert!(s.failures.lock().unwrap().len() <= MAX_ENTRIES);
        assert!(s.get(&first).is_none(), "the oldest session was dropped");
    }

    #[test]
    fn failures_slow_the_next_login_down_doubling() {
        let s = Sessions::default();
        assert_eq!(s.delay("a"), Duration::ZERO);
        s.failed("a");
        assert_eq!(s.delay("a"), FIRST_DELAY);
        s.failed("a");
        assert_eq!(s.delay("a"), FIRST_DELAY * 2);
        for _ in 0..20 {
            s.failed("a");
        }
        assert_eq!(s.delay("a"), MAX_DELAY);
        assert_eq!(s.delay("b"), Duration::ZERO);
        s.succeeded("a");
        assert_eq!(s.delay("a"), Duration::ZERO);
    }

    #[test]
    fn only_the_session_cookie_is_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("other=1; qingdan_session=abc; x=2"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("abc"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"abc", b"ab"));
        assert_eq!(safe_next(Some("//evil")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(Some("/common?page=2")), "/common?page=2");
    }
}
