//! The batch report and the meeting pack in a real browser: headless Chromium renders them, and
//! the rendered DOM must hold the sections, the numbers of `summary.json`, the hostile strings as
//! text (no element injected) and a working filter; screenshots go to `target/browser/`.
//!
//! Needs Chromium (`$CHROMIUM`, `chromium` or `chromium-browser`; `.ci/run` installs Debian's
//! package). Without one it says so and passes, except under CI (`CI` set), where it fails.

mod common;
mod html_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use html_support::*;

/// Longest a single Chromium run may take before it is killed and the test fails.
const CHROMIUM_DEADLINE: Duration = Duration::from_secs(90);

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let fixed = Path::new("/usr/bin/chromium");
    fixed.is_file().then(|| fixed.to_path_buf())
}

struct Browser {
    exe: PathBuf,
    profile: tempfile::TempDir,
}

impl Browser {
    /// Runs headless Chromium on a page with extra arguments; returns its standard output.
    fn run(&self, url: &str, extra: &[String]) -> String {
        let out_file = self.profile.path().join("stdout.txt");
        let mut child = Command::new(&self.exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--virtual-time-budget=5000",
                "--timeout=30000",
            ])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(extra)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_file).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.exe.display()));
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "chromium failed on {url}: {status}");
                break;
            }
            if start.elapsed() > CHROMIUM_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish {url} within {CHROMIUM_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        std::fs::read_to_string(&out_file).unwrap()
    }

    fn dom(&self, url: &str) -> String {
        let dom = self.run(url, &["--dump-dom".to_string()]);
        assert!(dom.contains("</html>"), "no DOM for {url}: {dom:.200}");
        dom
    }

    fn screenshot(&self, url: &str, png: &Path) {
        let _ = std::fs::remove_file(png);
        self.run(
            url,
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1280,2400".to_string(),
            ],
        );
        let bytes =
            std::fs::read(png).unwrap_or_else(|_| panic!("no screenshot {}", png.display()));
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((width, height), (1280, 2400));
        // A blank or failed page compresses to a few kilobytes; a rendered report does not.
        assert!(
            bytes.len() > 60_000,
            "screenshot looks empty: {} bytes",
            bytes.len()
        );
    }
}

fn file_url(path: &Path, fragment: &str) -> String {
    let path = path.canonicalize().unwrap();
    let mut url = String::from("file://");
    for b in path.display().to_string().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url + fragment
}

/// `hidden` on an opening tag, as the filter sets it.
fn is_hidden(tag: &str) -> bool {
    tag.contains(" hidden=\"\"") || tag.contains(" hidden>") || tag.contains(" hidden ")
}

/// Each `<details>` of the DOM: (opening tag, its whole text).
fn details(dom: &str) -> Vec<(&str, &str)> {
    dom.match_indices("<details")
        .map(|(i, _)| {
            let end = i + dom[i..].find("</details>").unwrap();
            let tag = &dom[i..i + dom[i..].find('>').unwrap() + 1];
            (tag, &dom[i..end])
        })
        .collect()
}

fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn report_renders_in_chromium() {
    let Some(exe) = find_chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Chromium for the browser test: apt-get install chromium (see .ci/run)"
        );
        eprintln!("skipped: no chromium (set $CHROMIUM or install Debian's chromium package)");
        return;
    };
    let browser = Browser {
        exe,
        profile: tempfile::tempdir().unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("hostile.csv");
    write_hostile_csv(&hostile);
    let ws = dir.path().join("ws");
    run_into(&ws, &[&corpus(), &hostile]);
    let summary = read_json(&ws.join("summary.json"));
    let page = ws.join("report.html");

    let dom = browser.dom(&file_url(&page, ""));
    // The policy let our script run and the stylesheet apply.
    let root = open_tags(&dom, "html")[0];
    assert!(
        root.contains("data-script=\"ok\"") && root.contains("data-style=\"ok\""),
        "{root}"
    );
    for heading in [
        "一、总体情况",
        "二、共性问题清单",
        "三、一企一清单",
        "附：退回的行",
    ] {
        assert!(dom.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    assert_numbers_match_summary(&dom, &summary);
    // Hostile strings are text in the rendered page; no element came from them.
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;我司反映融资担保费过高"));
    assert!(dom.contains("&lt;b&gt;粗体&lt;/b&gt;科技有限公司"));
    assert_eq!(open_tags(&dom, "script").len(), 1, "only our own script");
    assert!(open_tags(&dom, "b").is_empty() && open_tags(&dom, "u").is_empty());
    assert!(attr_values(&dom, "data-enterprise").contains(&HOSTILE_ENTERPRISE.to_string()));
    assert!(chart(&dom, "channel").contains_key(HOSTILE_CHANNEL));
    // Unfiltered, nothing is hidden.
    assert!(details(&dom).iter().all(|(tag, _)| !is_hidden(tag)));

    // The filter from the address: exactly the lists that mention the words stay visible.
    for (query, fragment) in [
        ("融资", "#q=%E8%9E%8D%E8%B5%84"),
        ("alert(1)", "#q=alert(1)"),
    ] {
        let dom = browser.dom(&file_url(&page, fragment));
        let all = details(&dom);
        let shown: Vec<&(&str, &str)> = all.iter().filter(|(tag, _)| !is_hidden(tag)).collect();
        assert!(
            !shown.is_empty() && shown.len() < all.len(),
            "{query}: {} of {}",
            shown.len(),
            all.len()
        );
        for (tag, body) in &all {
            assert_eq!(!is_hidden(tag), body.contains(query), "{query}: {tag}");
        }
        let count = open_tags(&dom, "span")
            .into_iter()
            .find(|t| t.contains("id=\"q-count\""))
            .unwrap();
        assert!(
            count.contains(&format!("data-enterprises=\"{}\"", shown.len())),
            "{count}"
        );
        if query == "alert(1)" {
            assert_eq!(shown.len(), 1);
            assert!(
                shown[0].0.contains("data-enterprise=\"&quot;引号&quot;"),
                "{}",
                shown[0].0
            );
        }
    }

    let shots = screenshots_dir();
    browser.screenshot(&file_url(&page, ""), &shots.join("report.png"));

    // The meeting pack of one topic.
    let topic = "金融信贷";
    stdout_of(
        qingdan()
            .args(["report", "--meeting", topic, "--workspace"])
            .arg(&ws),
    );
    let meeting = ws.join(format!("meeting-{topic}.html"));
    let dom = browser.dom(&file_url(&meeting, ""));
    for heading in ["一、基本情况", "二、子问题", "三、共性问题", "四、涉及企业"]
    {
        assert!(dom.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    let nums = numbers(&dom);
    assert_eq!(nums["items"], summary["by_topic"][topic].to_string());
    assert!(open_tags(&dom, "html")[0].contains("data-style=\"ok\""));
    browser.screenshot(&file_url(&meeting, ""), &shots.join("meeting.png"));
    eprintln!("screenshots: {}", shots.display());
}
