//! The workbench (`qingdan serve`): the workspace's lists, search, merge corrections, closed
//! loop, reports and uploads as web pages, for analysts, departments (承办单位) and readers.
//!
//! It is a view on the store and nothing else: every page reads one store snapshot, every
//! change goes through the same workspace commands as the CLI (one transaction each, audited
//! under the user's name), and no request names a file. Templates escape every value; the
//! stylesheet and templates are compiled into the binary.
//!
//! It listens on 127.0.0.1 by default. With no account it serves one analyst on this machine
//! without a login; any other address needs at least one account (`qingdan account add`).

mod auth;
mod lists;
mod matters;
mod render;
mod reports;
mod upload;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::closed_loop::monthly::MonthlyReport;
use crate::closed_loop::routing::Router as UnitRouter;
use crate::report::MeetingPack;
use crate::store::{EnterpriseLine, View};
use crate::workspace::{CaseBook, PipelineCache, Workspace};
use crate::{Error, Result};

pub use auth::SESSION_COOKIE;
pub use render::url_encode;
pub use upload::UPLOAD_LIMIT;

/// The address `qingdan serve` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8350";

/// A value read from the store, kept while the store does not change: every committed change
/// moves the index generation or writes an audit line, so the pair names the store's state.
pub(crate) struct Kept<T>(Mutex<Option<(KeptAs, T)>>);

/// The store's index generation and newest audit line, and what else the value depends on.
type KeptAs = (u64, i64, String);

impl<T: Clone> Kept<T> {
    fn new() -> Self {
        Kept(Mutex::new(None))
    }

    /// The kept value if the store is as it was when it was read, else `read`'s (then kept).
    pub(crate) fn get(&self, view: &View, read: impl FnOnce() -> Result<T>) -> Result<T> {
        self.get_for(view, "", read)
    }

    /// [`Kept::get`] for a value that also depends on `also` (the day, say).
    pub(crate) fn get_for(
        &self,
        view: &View,
        also: &str,
        read: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let key = (
            view.index_generation()?,
            view.last_audit_seq()?,
            also.to_string(),
        );
        if let Some((k, v)) = self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if *k == key {
                return Ok(v.clone());
            }
        }
        let value = read()?;
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, value.clone()));
        Ok(value)
    }
}

/// The workspace's counts on the home page.
#[derive(Clone, Copy)]
pub(crate) struct Counts {
    pub items: usize,
    pub groups: usize,
    pub enterprises: usize,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    ws: Workspace,
    templates: minijinja::Environment<'static>,
    sessions: auth::Sessions,
    /// Every enterprise ranked by its items (reading them all takes a while at 1M).
    ranking: Kept<Arc<Vec<EnterpriseLine>>>,
    /// Items, groups and enterprises (counting distinct enterprises reads a whole index).
    counts: Kept<Counts>,
    /// Every matter with an event, folded as of a day (the loop's boards and inboxes).
    loop_book: Kept<Arc<CaseBook>>,
    /// The unit router (every assigned matter's terms), for the 交办 form's suggestions.
    router: Kept<Arc<UnitRouter>>,
    /// The last monthly report and meeting pack built (each reads every item).
    monthly: Kept<Arc<MonthlyReport>>,
    meeting: Kept<Arc<MeetingPack>>,
    /// One report is built at a time: each holds the whole workspace in memory for a while.
    heavy: tokio::sync::Semaphore,
    /// The workspace's settings and pipeline, kept between searches.
    prepared: PipelineCache,
}

impl AppState {
    fn ws(&self) -> &Workspace {
        &self.0.ws
    }
}

/// Refuses to serve a folder that holds no built workspace, and an address other than this
/// machine's own while the workspace has no account.
pub fn check_serving(ws: &Workspace, listen: SocketAddr) -> Result<()> {
    if !ws.exists() {
        return Err(Error::Workspace {
            path: ws.dir.clone(),
            reason: format!(
                "不是 qingdan 工作目录；请先运行 qingdan run --out {}",
                ws.dir.display()
            ),
        });
    }
    let accounts = ws.read(|view| view.account_count())?;
    if !listen.ip().is_loopback() && accounts == 0 {
        return Err(Error::Serve(format!(
            "监听 {listen} 会让其他电脑访问本工作目录，须先建立至少一个账户：\
             qingdan account add 姓名 --role 分析员 --workspace {}",
            ws.dir.display()
        )));
    }
    Ok(())
}

/// The application: every page and form, over the workspace.
pub fn app(ws: Workspace) -> Result<Router> {
    let state = AppState(Arc::new(Inner {
        ws,
        templates: render::templates()?,
        sessions: auth::Sessions::default(),
        ranking: Kept::new(),
        counts: Kept::new(),
        loop_book: Kept::new(),
        router: Kept::new(),
        monthly: Kept::new(),
        meeting: Kept::new(),
        heavy: tokio::sync::Semaphore::new(1),
        prepared: PipelineCache::default(),
    }));
    let pages = Router::new()
        .route("/", get(lists::home))
        .route("/search", get(lists::search))
        .route("/common", get(lists::common))
        .route("/enterprises", get(lists::enterprises))
        .route("/enterprise", get(lists::enterprise))
        .route("/group/{id}", get(lists::group))
        .route("/correct", post(lists::correct))
        .route("/export", post(lists::export))
        .route("/api/summary", get(lists::summary))
        .route("/loop", get(matters::boards))
        .route("/inbox", get(matters::inbox))
        .route("/matter/{id}", get(matters::matter))
        .route("/assign", post(matters::assign))
        .route("/step", post(matters::step))
        .route("/monthly", get(reports::monthly))
        .route("/monthly/report", get(reports::monthly_file))
        .route("/meeting", get(reports::meeting))
        .route("/meeting/pack", get(reports::meeting_file))
        .route("/activity", get(reports::activity))
        .route(
            "/upload",
            get(upload::form)
                .post(upload::receive)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/logout", post(auth::logout))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            render::frame_errors,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_user,
        ));
    Ok(Router::new()
        .merge(pages)
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/assets/style.css", get(render::stylesheet))
        .fallback(render::not_found)
        .layer(axum::middleware::from_fn(auth::same_origin))
        .layer(axum::middleware::from_fn(render::security_headers))
        .with_state(state))
}

/// Serves the application on a bound listener until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    ws: Workspace,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let app = app(ws)?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::Serve(format!("网页服务出错：{e}")))
}

/// `qingdan serve`: checks, binds, and serves until Ctrl-C.
pub fn serve(ws: Workspace, listen: SocketAddr) -> Result<()> {
    check_serving(&ws, listen)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Serve(format!("无法启动网页服务：{e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Error::Serve(format!("无法监听 {listen}：{e}")))?;
        let open = ws.read(|view| view.account_count())? == 0;
        eprintln!(
            "工作台已启动：http://{listen}/ （{}；按 Ctrl-C 停止）",
            if open {
                "尚无账户，本机访问即为分析员"
            } else {
                "请用账户登录"
            }
        );
        serve_on(listener, ws, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
}
