//! Rendering: the templates (compiled into the binary, every value HTML-escaped by the
//! engine), the page frame, errors as pages, paging, and the headers every response carries.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{context, Environment, Value};

use super::auth::User;
use super::AppState;
use crate::Error;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("login.html", include_str!("templates/login.html")),
    ("home.html", include_str!("templates/home.html")),
    ("search.html", include_str!("templates/search.html")),
    ("common.html", include_str!("templates/common.html")),
    (
        "enterprises.html",
        include_str!("templates/enterprises.html"),
    ),
    ("enterprise.html", include_str!("templates/enterprise.html")),
    ("group.html", include_str!("templates/group.html")),
    ("boards.html", include_str!("templates/boards.html")),
    ("inbox.html", include_str!("templates/inbox.html")),
    ("matter.html", include_str!("templates/matter.html")),
    ("monthly.html", include_str!("templates/monthly.html")),
    ("meeting.html", include_str!("templates/meeting.html")),
    ("activity.html", include_str!("templates/activity.html")),
    ("upload.html", include_str!("templates/upload.html")),
    ("done.html", include_str!("templates/done.html")),
    ("error.html", include_str!("templates/error.html")),
];

const STYLESHEET: &str = include_str!("templates/style.css");

/// The template set; `.html` names switch the engine's HTML escaping on for every value.
pub fn templates() -> crate::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.add_filter("truncate", truncate);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| Error::Serve(format!("网页模板 {name} 有误：{e}")))?;
    }
    Ok(env)
}

/// At most `n` characters, with … when cut.
fn truncate(text: String, n: Option<usize>) -> String {
    let n = n.unwrap_or(80);
    if text.chars().count() <= n {
        text
    } else {
        let mut cut: String = text.chars().take(n).collect();
        cut.push('…');
        cut
    }
}

/// An error shown as a page, with its HTTP status.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        WebError {
            status,
            message: message.into(),
        }
    }

    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Query(_)
            | Error::Workspace { .. }
            | Error::NotATable { .. }
            | Error::Decode { .. }
            | Error::MissingColumn { .. }
            | Error::UnknownColumn { .. }
            | Error::UnknownTopic { .. }
            | Error::UnknownProfile { .. }
            | Error::Account(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        WebError::new(status, e.to_string())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        // Rendered without the template set, so an error page cannot fail in turn.
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <title>出错了</title><link rel=\"stylesheet\" href=\"/assets/style.css\"></head>\
             <body><main><h1>出错了</h1><p class=\"error\" id=\"error\">{}</p>\
             <p><a href=\"/\">返回首页</a></p></main></body></html>",
            crate::report::escape(&self.message)
        );
        let mut response = (self.status, Html(body)).into_response();
        response.extensions_mut().insert(ErrorMessage(self.message));
        response
    }
}

/// An error's message, carried on its response so [`frame_errors`] can show it in the site's
/// frame.
#[derive(Clone)]
struct ErrorMessage(String);

/// Shows a signed-in user's errors inside the site's frame (with the navigation), keeping the
/// status; a response that is not an error passes as it is.
pub async fn frame_errors(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let user = request.extensions().get::<User>().cloned();
    let response = next.run(request).await;
    let (Some(user), Some(ErrorMessage(message))) =
        (user, response.extensions().get::<ErrorMessage>().cloned())
    else {
        return response;
    };
    let status = response.status();
    let mut headers = response.headers().clone();
    match page(&state, &user, "error.html", context! { message => message }) {
        Ok(framed) => {
            headers.remove(header::CONTENT_LENGTH);
            let (mut parts, body) = framed.into_parts();
            parts.status = status;
            parts.headers.extend(headers);
            Response::from_parts(parts, body)
        }
        Err(_) => response,
    }
}

/// Runs store work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, WebError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| WebError::internal(format!("处理请求时出错：{e}")))?
        .map_err(WebError::from)
}

/// A page in the site's frame, for a signed-in user.
pub fn page(state: &AppState, user: &User, name: &str, ctx: Value) -> Result<Response, WebError> {
    let ctx = context! { user => user.context(), ..ctx };
    render(state, name, ctx).map(|html| Html(html).into_response())
}

/// A page without a user (the login page).
pub fn bare(state: &AppState, name: &str, ctx: Value, status: StatusCode) -> Response {
    match render(state, name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn render(state: &AppState, name: &str, ctx: Value) -> Result<String, WebError> {
    state
        .0
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| WebError::internal(format!("页面生成失败：{e}")))
}

/// Which page of a list, from `?page=` and `?per=`.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Paging {
    pub page: usize,
    pub per: usize,
}

/// The most rows one page shows.
pub const MAX_PER_PAGE: usize = 200;

impl Paging {
    pub fn parse(
        page: Option<&str>,
        per: Option<&str>,
        default_per: usize,
    ) -> Result<Self, WebError> {
        let number = |v: Option<&str>, what: &str, default: usize| -> Result<usize, WebError> {
            match v.map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| WebError::bad(format!("{what}“{v}”应为正整数"))),
            }
        };
        let page = number(page, "页码", 1)?;
        let per = number(per, "每页条数", default_per)?.min(MAX_PER_PAGE);
        if page > 1_000_000_000 {
            return Err(WebError::bad("页码过大"));
        }
        Ok(Paging { page, per })
    }

    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per
    }

    /// What the pager shows: this page, the last, and whether there are neighbours.
    pub fn context(&self, total: usize) -> Value {
        let pages = total.div_ceil(self.per).max(1);
        context! {
            page => self.page,
            per => self.per,
            pages => pages,
            total => total,
            prev => (self.page > 1).then(|| self.page - 1),
            next => (self.page < pages).then(|| self.page + 1),
        }
    }
}

/// A snippet with its matched words in 【】, as pieces the template marks (and escapes).
pub fn highlighted(snippet: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = snippet;
    while let Some(start) = rest.find('【') {
        let Some(len) = rest[start..].find('】') else {
            break;
        };
        if start > 0 {
            out.push(context! { text => &rest[..start], hit => false });
        }
        let inner = &rest[start + '【'.len_utf8()..start + len];
        out.push(context! { text => inner, hit => true });
        rest = &rest[start + len + '】'.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(context! { text => rest, hit => false });
    }
    out
}

/// A query-string value, percent-encoded.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

pub async fn not_found() -> Response {
    WebError::not_found("没有这个页面").into_response()
}

/// Headers on every response: no sniffing, no framing by other sites, no inline script on the
/// workbench's own pages (the report files set their own policy), no caching of pages.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_marked_pieces() {
        let pieces = highlighted("申请【贷款】太慢，【融资】难");
        let shown: Vec<(String, bool)> = pieces
            .iter()
            .map(|p| {
                (
                    p.get_attr("text").unwrap().to_string(),
                    p.get_attr("hit").unwrap().is_true(),
                )
            })
            .collect();
        let want = [
            ("申请", false),
            ("贷款", true),
            ("太慢，", false),
            ("融资", true),
            ("难", false),
        ];
        assert_eq!(
            shown,
            want.iter()
                .map(|(t, h)| (t.to_string(), *h))
                .collect::<Vec<_>>()
        );
        // An unclosed marker is text.
        assert_eq!(highlighted("a【b").len(), 1);
    }

    #[test]
    fn paging_refuses_nonsense_and_caps_the_page_size() {
        assert!(Paging::parse(Some("0"), None, 50).is_err());
        assert!(Paging::parse(Some("-1"), None, 50).is_err());
        assert!(Paging::parse(Some("x"), None, 50).is_err());
        assert!(Paging::parse(Some("99999999999"), None, 50).is_err());
        let p = Paging::parse(Some("3"), Some("100000"), 50).unwrap();
        assert_eq!((p.per, p.offset()), (MAX_PER_PAGE, 2 * MAX_PER_PAGE));
        let p = Paging::parse(Some(" "), None, 50).unwrap();
        assert_eq!((p.page, p.per), (1, 50));
    }

    #[test]
    fn templates_escape_what_they_show() {
        let env = templates().unwrap();
        let html = env
            .render_str("{{ x }}", context! { x => "<b>\"'&" })
            .unwrap();
        assert_eq!(html, "<b>\"'&", "a string template is not HTML");
        let t = env.get_template("error.html").unwrap();
        let user = context! { name => "<i>", role => "分析员", csrf => "t", analyst => true };
        let page = t
            .render(context! { user => user, message => "<script>x</script>" })
            .unwrap();
        assert!(
            page.contains("&lt;script&gt;x&lt;") && !page.contains("<script>"),
            "{page}"
        );
        assert!(page.contains("&lt;i&gt;"));
        assert_eq!(url_encode("金 a/b&c"), "%E9%87%91%20a/b%26c");
    }
}
