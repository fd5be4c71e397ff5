//! The workbench in a real browser: headless Chromium driven through WebDriver
//! (`chromedriver`). An analyst searches, filters, opens a group, splits an item and assigns a
//! common problem; a department logs in, sees only its matters and answers one; the analyst
//! sees it answered and the figures move. Screenshots go to `target/browser/web-*.png`.
//!
//! Needs `chromedriver` and Chromium (`$CHROMEDRIVER`, `$CHROMIUM`; `.ci/run` installs Debian's
//! `chromium` and `chromium-driver`). Without them it says so and passes, except under CI (`CI`
//! set), where it fails. The server listens on 127.0.0.1 and stops when the test ends.

mod common;
mod web_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qingdan::store::Role;
use qingdan::workspace::Workspace;
use serde_json::{json, Value};
use web_support::corpus_workspace;

const PASSWORD: &str = "correct horse 9";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// A running chromedriver, killed when dropped.
struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(exe: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
        };
        let start = Instant::now();
        loop {
            let ready = driver
                .call("GET", "/status", None)
                .map(|v| v["value"]["ready"] == json!(true))
                .unwrap_or(false);
            if ready {
                return driver;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver never became ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(json!({})).to_string()),
        };
        let mut response = response.map_err(|e| e.to_string())?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        if status.is_success() {
            Ok(value)
        } else {
            Err(format!("{method} {path}: {status} {}", value["value"]))
        }
    }
}

/// One browser window.
struct Browser<'d> {
    driver: &'d Driver,
    session: String,
    base: String,
    shots: PathBuf,
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.session), None);
    }
}

impl<'d> Browser<'d> {
    fn open(driver: &'d Driver, chromium: Option<&Path>, base: &str, profile: &Path) -> Self {
        let mut options = json!({
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        });
        if let Some(c) = chromium {
            options["binary"] = json!(c.display().to_string());
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options,
        }}});
        let created = driver.call("POST", "/session", Some(caps)).unwrap();
        let session = created["value"]["sessionId"].as_str().unwrap().to_string();
        let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            driver,
            session,
            base: base.to_string(),
            shots,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.driver
            .call(method, &path, body)
            .unwrap_or_else(|e| panic!("{e}"))["value"]
            .clone()
    }

    fn go(&self, path: &str) {
        self.cmd(
            "POST",
            "/url",
            Some(json!({ "url": format!("{}{path}", self.base) })),
        );
    }

    fn path(&self) -> String {
        let url = self.cmd("GET", "/url", None).as_str().unwrap().to_string();
        url.trim_start_matches(&self.base).to_string()
    }

    fn try_find(&self, css: &str) -> Option<String> {
        let path = format!("/session/{}/element", self.session);
        let body = json!({ "using": "css selector", "value": css });
        self.driver
            .call("POST", &path, Some(body))
            .ok()
            .map(|v| v["value"][ELEMENT].as_str().unwrap().to_string())
    }

    fn find(&self, css: &str) -> String {
        self.try_find(css)
            .unwrap_or_else(|| panic!("no “{css}” on {}:\n{}", self.path(), self.source()))
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.cmd(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        );
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e[ELEMENT].as_str().unwrap().to_string())
            .collect()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    /// Clicks something that loads a page, and waits until the new page has loaded.
    fn submit(&self, css: &str) {
        let old = self.find("html");
        self.click(css);
        let start = Instant::now();
        loop {
            if let Some(now) = self.try_find("html") {
                let script = json!({ "script": "return document.readyState", "args": [] });
                if now != old
                    && self.cmd("POST", "/execute/sync", Some(script)) == json!("complete")
                {
                    return;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no page loaded after clicking “{css}”"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn text_of(&self, element: &str) -> String {
        self.cmd("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn text(&self, css: &str) -> String {
        self.text_of(&self.find(css))
    }

    fn attr(&self, css: &str, name: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/property/{name}"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The text of `css` inside the frame `frame`, waiting for the frame's page to load.
    fn text_in_frame(&self, frame: &str, css: &str) -> String {
        let f = self.find(frame);
        self.cmd("POST", "/frame", Some(json!({ "id": { ELEMENT: f } })));
        let start = Instant::now();
        let text = loop {
            if let Some(e) = self.try_find(css) {
                break self.text_of(&e);
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no “{css}” in {frame}"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        self.cmd("POST", "/frame/parent", Some(json!({})));
        text
    }

    fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn screenshot(&self, name: &str) {
        use base64::Engine;
        let data = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(self.shots.join(format!("web-{name}.png")), png).unwrap();
    }

    fn login(&self, name: &str) {
        self.go("/login");
        self.login_here(name);
    }

    /// Fills in the login form on the page shown.
    fn login_here(&self, name: &str) {
        self.type_into("#name", name);
        self.type_into("#password", PASSWORD);
        self.submit("#submit");
    }

    fn logout(&self) {
        self.submit("#logout");
        assert!(self.path().starts_with("/login"), "{}", self.path());
    }
}

/// The workbench on 127.0.0.1, stopped when dropped.
struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(ws: Workspace) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                qingdan::web::serve_on(listener, ws, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(30)).unwrap();
        Server {
            base: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn analyst_and_department_close_the_loop_in_a_browser() {
    let Some(chromedriver) = find_program("CHROMEDRIVER", &["chromedriver"]) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs chromedriver (Debian: chromium-driver)"
        );
        eprintln!("跳过：没有 chromedriver");
        return;
    };
    let chromium = find_program("CHROMIUM", &["chromium", "chromium-browser"]);
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new(dir.path().join("ws"));
    corpus_workspace(&ws.dir);
    ws.put_account("分析员小王", Role::Analyst, "", PASSWORD)
        .unwrap();
    ws.put_account("甲局办事员", Role::Department, "市甲局", PASSWORD)
        .unwrap();
    let server = Server::start(ws.clone());
    let driver = Driver::start(&chromedriver);
    let b = Browser::open(
        &driver,
        chromium.as_deref(),
        &server.base,
        &dir.path().join("profile"),
    );

    // The analyst logs in and searches, then narrows to one topic.
    b.go("/common");
    assert!(b.path().starts_with("/login"), "{}", b.path());
    b.login_here("分析员小王");
    assert_eq!(b.path(), "/common", "back where the login was asked for");
    b.go("/search");
    b.type_into("#q", "贷款 融资");
    b.submit("#go");
    let all = b.find_all("li.hit").len();
    assert!(all > 0, "{}", b.source());
    assert!(
        !b.find_all("li.hit mark").is_empty(),
        "hits are highlighted"
    );
    b.click("#topic option[value=\"金融信贷\"]");
    b.submit("#go");
    let topics: Vec<String> = b
        .find_all("li.hit .topic")
        .iter()
        .map(|e| b.text_of(e))
        .collect();
    assert!(!topics.is_empty() && topics.len() <= all);
    assert!(topics.iter().all(|t| t.contains("金融信贷")), "{topics:?}");
    assert!(b.path().contains("topic="), "{}", b.path());
    b.screenshot("1-search");

    // The common-problem list, filtered and sorted; a group's page.
    b.go("/common");
    b.click("#sort option[value=\"size\"]");
    b.submit("#filter");
    assert!(b.path().contains("sort=size"));
    b.screenshot("2-common");
    b.submit("a.group-link");
    let group = b.text("#group-id");
    let size: usize = b.text("#size").parse().unwrap();
    assert!(size >= 2, "the top group has members to split");
    b.screenshot("3-group");

    // Split one member out.
    let picked = b.attr("#members input[name=item]", "value");
    b.click("#members input[name=item]");
    b.submit("#split");
    assert!(b.text("#done").contains("拆开"), "{}", b.source());
    let now_in = ws.read(|v| v.groups_of(&[picked.as_str()])).unwrap()[0]
        .1
        .clone();
    assert_ne!(now_in, group, "{picked} left {group}");
    let corrections = ws.read(|v| v.corrections()).unwrap();
    assert!(
        matches!(&corrections[0], qingdan::merge::Correction::Split { items } if items.as_slice() == std::slice::from_ref(&picked))
    );
    b.screenshot("4-split");

    // Assign the top common problem (every member) to 市甲局.
    b.go("/loop");
    let reply_rate_before = b.text("#reply-rate");
    b.go("/common");
    b.submit("a.group-link");
    let assigned_group = b.text("#group-id");
    b.type_into("#lead-other", "市甲局");
    b.submit("#assign-go");
    assert!(b.path().starts_with("/loop"), "{}", b.path());
    assert!(b.text("#done").contains("已交办"));
    let assigned: usize = b.text("#assigned").parse().unwrap();
    assert!(assigned >= 1);
    b.screenshot("5-assigned");
    b.logout();

    // The department sees its matters only, and answers one.
    b.login("甲局办事员");
    assert_eq!(b.path(), "/inbox");
    let rows = b.find_all("#inbox tr.matter");
    let members = ws.read(|v| v.members_of(&assigned_group)).unwrap();
    assert_eq!(rows.len(), members.len(), "{}", b.source());
    b.screenshot("6-inbox");
    b.submit("#inbox tr.matter a");
    let matter = b.text("#matter-id");
    assert!(members.contains(&matter));
    b.type_into(
        "#reply-text",
        "已协调相关银行开设绿色通道，本月内完成放款。",
    );
    b.click("#outcome option:nth-child(1)");
    b.submit("#reply");
    assert_eq!(b.text("#state"), "已答复");
    b.screenshot("7-answered");
    b.go("/common");
    assert!(b.text("#error").contains("承办单位"));
    b.go("/inbox");
    b.logout();

    // The analyst sees it answered, and the month's figures moved.
    b.login("分析员小王");
    b.go("/loop");
    assert!(b.text("#to-rate").contains(&matter));
    assert_eq!(b.text("#replied"), "1");
    assert_ne!(b.text("#reply-rate"), reply_rate_before);
    b.screenshot("8-figures");
    b.go(&format!("/matter/{matter}"));
    assert!(b.text("#history").contains("甲局办事员"));

    // The month's report and a topic's meeting pack, shown in the page.
    b.go("/monthly");
    assert!(!b.text("#lead").is_empty());
    let report = b.text_in_frame("#report", "h1");
    assert!(report.contains("月"), "{report}");
    b.screenshot("9-monthly");
    b.go("/meeting?topic=金融信贷");
    assert!(b.text("#headline").contains("金融信贷"));
    let pack = b.text_in_frame("#report", "h1");
    assert!(pack.contains("金融信贷"), "{pack}");
    b.screenshot("10-meeting");
    drop(b);
    drop(driver);
    drop(server);
}
