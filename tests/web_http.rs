//! The workbench at the HTTP level, in process: who may read and change what, CSRF on every
//! change, hostile strings shown as text, bad uploads refused cleanly, and every change in the
//! audit log under its user's name.

mod common;
mod web_support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use qingdan::store::{GroupFilter, GroupOrder, Role};
use qingdan::web::url_encode;
use qingdan::workspace::Workspace;
use web_support::*;

const PASSWORD: &str = "correct horse 9";

fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws_dir = dir.path().join("ws");
    corpus_workspace(&ws_dir);
    (dir, Workspace::new(ws_dir))
}

/// A workspace with an analyst, two departments and a reader.
fn team() -> (tempfile::TempDir, Workspace) {
    let (dir, ws) = workspace();
    ws.put_account("分析员小王", Role::Analyst, "", PASSWORD)
        .unwrap();
    ws.put_account("甲局办事员", Role::Department, "市甲局", PASSWORD)
        .unwrap();
    ws.put_account("乙局办事员", Role::Department, "市乙局", PASSWORD)
        .unwrap();
    ws.put_account("观察员", Role::Reader, "", PASSWORD)
        .unwrap();
    (dir, ws)
}

async fn client(ws: &Workspace) -> Client {
    Client::new(qingdan::web::app(ws.clone()).unwrap())
}

#[tokio::test]
async fn the_local_analyst_sees_every_page_and_changes_need_the_csrf_token() {
    let (_dir, ws) = workspace();
    let mut c = client(&ws).await;
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let cookie = home.set_cookie.join(" ");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(home.body.contains("本机分析员"));
    let common = c.get("/common").await;
    let group = first_link(&common.body, "/group/").expect("a group link");
    let filter = GroupFilter {
        min_enterprises: 2,
        ..Default::default()
    };
    let total = ws
        .read(|v| Ok(v.group_page(&filter, GroupOrder::Enterprises, 0, 1)?.total))
        .unwrap();
    assert!(total > 50, "two pages of common problems");
    assert!(common.body.contains(&format!("id=\"total\">{total}<")));
    let second = c.get("/common?page=2").await.body;
    assert!(second.contains("<td>51</td>") && !second.contains("<td>50</td>"));
    let enterprise = first_link(&c.get("/enterprises").await.body, "/enterprise?").unwrap();
    for page in [
        "/search?q=融资",
        "/search?q=物流&topic=物流运输&from=2025-01-01",
        "/common?sort=size&page=2",
        "/enterprises?sort=name",
        &enterprise.replace("&amp;", "&"),
        &group,
        "/loop",
        "/inbox",
        "/monthly",
        "/monthly/report?format=xlsx",
        "/meeting?topic=金融信贷",
        "/meeting/pack?topic=金融信贷&format=xlsx",
        "/activity",
        "/upload",
        "/api/summary",
    ] {
        let r = c.get(page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
    }
    // Bad parameters are refused with a message, never a panic.
    for page in [
        "/common?page=0",
        "/common?page=abc",
        "/common?sort=nope",
        "/search?q=x&from=2025-13-45",
        "/monthly?month=2025-99",
        "/group/没有的组",
        "/matter/没有的编号",
        "/enterprise?name=",
    ] {
        let r = c.get(page).await;
        assert!(
            r.status.is_client_error() && r.body.contains("id=\"error\""),
            "{page}: {} {}",
            r.status,
            r.body
        );
    }

    // A split without the token, or with another one, changes nothing.
    let members = c.get(&group).await.body;
    let item = first_link(&members, "/matter/")
        .unwrap()
        .trim_start_matches("/matter/")
        .to_string();
    let before = ws.read(|v| v.corrections()).unwrap().len();
    for token in ["", "0123"] {
        let r = c
            .post(
                "/correct",
                &[("csrf", token), ("action", "split"), ("item", &item)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    assert_eq!(ws.read(|v| v.corrections()).unwrap().len(), before);
    let csrf = csrf_of(&members).unwrap();
    let r = c
        .post(
            "/correct",
            &[("csrf", &csrf), ("action", "split"), ("item", &item)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(ws.read(|v| v.corrections()).unwrap().len(), before + 1);
    let audit = c.get("/activity").await.body;
    assert!(
        audit.contains("拆开") && audit.contains("本机分析员"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_department_reads_and_answers_only_its_own_matters() {
    let (_dir, ws) = team();
    let mut analyst = client(&ws).await;
    analyst.login("分析员小王", PASSWORD).await;
    let csrf = analyst.csrf("/common").await;
    for (item, unit) in [("QD0001", "市甲局"), ("QD0002", "市乙局")] {
        let r = analyst
            .post(
                "/assign",
                &[("csrf", &csrf), ("target", item), ("lead", unit)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    let mut jia = client(&ws).await;
    jia.login("甲局办事员", PASSWORD).await;
    let inbox = jia.get("/inbox").await.body;
    assert!(
        inbox.contains("QD0001") && !inbox.contains("QD0002"),
        "{inbox}"
    );
    assert_eq!(jia.get("/matter/QD0001").await.status, StatusCode::OK);
    // Another department's matter is as good as missing, and so is every list.
    assert_eq!(
        jia.get("/matter/QD0002").await.status,
        StatusCode::NOT_FOUND
    );
    for page in [
        "/search?q=融资",
        "/common",
        "/enterprises",
        "/loop",
        "/monthly",
        "/activity",
    ] {
        assert_eq!(jia.get(page).await.status, StatusCode::FORBIDDEN, "{page}");
    }
    let inbox_of_other = jia.get("/inbox?unit=市乙局").await.body;
    assert!(!inbox_of_other.contains("QD0002"));
    let csrf = jia.csrf("/matter/QD0001").await;
    let reply = |item: &'static str| {
        vec![
            ("item", item),
            ("action", "reply"),
            ("text", "已协调银行开辟绿色通道，三个工作日内放款。"),
            ("outcome", "已解决"),
        ]
    };
    let mut form = reply("QD0002");
    form.push(("csrf", &csrf));
    let r = jia.post("/step", &form).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let history = ws.history(&["QD0002".to_string()]).unwrap();
    assert_eq!(
        history[0].1.len(),
        1,
        "only the assignment: {:?}",
        history[0].1
    );
    // Analysts' steps are not a department's.
    let r = jia
        .post(
            "/step",
            &[
                ("csrf", &csrf),
                ("item", "QD0001"),
                ("action", "rate"),
                ("rating", "满意"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut form = reply("QD0001");
    form.push(("csrf", &csrf));
    let r = jia.post("/step", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let matter = analyst.get("/matter/QD0001").await.body;
    assert!(
        matter.contains("已答复") && matter.contains("甲局办事员"),
        "{matter}"
    );
    let boards = analyst.get("/loop").await.body;
    assert!(boards.contains("QD0001"), "awaiting a rating: {boards}");

    // A reader reads everything and changes nothing.
    let mut reader = client(&ws).await;
    reader.login("观察员", PASSWORD).await;
    assert_eq!(reader.get("/common").await.status, StatusCode::OK);
    let csrf = reader.csrf("/matter/QD0001").await;
    let r = reader
        .post(
            "/step",
            &[
                ("csrf", &csrf),
                ("item", "QD0001"),
                ("action", "rate"),
                ("rating", "满意"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = reader
        .post(
            "/assign",
            &[("csrf", &csrf), ("target", "QD0003"), ("lead", "市甲局")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(reader.get("/upload").await.status, StatusCode::FORBIDDEN);

    let audit = analyst.get("/activity").await.body;
    assert!(
        audit.contains("分析员小王") && audit.contains("甲局办事员"),
        "{audit}"
    );
}

#[tokio::test]
async fn with_accounts_everyone_logs_in_and_failures_slow_down() {
    let (_dir, ws) = team();
    let mut c = client(&ws).await;
    let r = c.get("/common?page=2").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location.unwrap().starts_with("/login?next="));
    let r = c.post("/step", &[("item", "QD0001")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let wrong = [("name", "分析员小王"), ("password", "wrong password")];
    let r = c.post("/login", &wrong).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("账户名或密码不对"));
    let start = Instant::now();
    assert_eq!(
        c.post("/login", &wrong).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "the second failure waits: {:?}",
        start.elapsed()
    );
    // A login form sent from another site is refused; from this one it is taken.
    let body = format!(
        "name={}&password={}",
        url_encode("分析员小王"),
        url_encode(PASSWORD)
    );
    for (origin, status) in [
        ("http://evil.example", StatusCode::FORBIDDEN),
        ("http://127.0.0.1:8350", StatusCode::SEE_OTHER),
    ] {
        let request = axum::http::Request::post("/login")
            .header("Origin", origin)
            .header("Host", "127.0.0.1:8350")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body.clone()))
            .unwrap();
        assert_eq!(c.send(request).await.status, status, "{origin}");
    }
    // Only a path of this site is followed after a login.
    let r = c
        .post(
            "/login",
            &[
                ("name", "分析员小王"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/"));
    let cookie = r.set_cookie.join(" ");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert_eq!(c.get("/common").await.status, StatusCode::OK);
    let csrf = c.csrf("/").await;
    assert_eq!(
        c.post("/logout", &[("csrf", &csrf)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(c.get("/common").await.status, StatusCode::SEE_OTHER);
}

#[test]
fn another_address_needs_an_account() {
    let (_dir, ws) = workspace();
    // A documentation address (TEST-NET-1), parsed only: nothing listens on it.
    let elsewhere = "192.0.2.1:8350".parse().unwrap();
    let err = qingdan::web::check_serving(&ws, elsewhere).unwrap_err();
    assert!(err.to_string().contains("账户"), "{err}");
    qingdan::web::check_serving(&ws, "127.0.0.1:8350".parse().unwrap()).unwrap();
    ws.put_account("分析员小王", Role::Analyst, "", PASSWORD)
        .unwrap();
    qingdan::web::check_serving(&ws, elsewhere).unwrap();
    // Weak or misassigned accounts are refused.
    assert!(ws.put_account("x", Role::Analyst, "", "short").is_err());
    assert!(ws.put_account("x", Role::Department, "", PASSWORD).is_err());
}

const HOSTILE_NAME: &str = "<script>alert('企业')</script>有限公司";
const HOSTILE_TEXT: &str = "\"><img src=x onerror=alert(1)> 贷款审批太慢，希望简化抵押登记";

#[tokio::test]
async fn hostile_strings_show_as_text() {
    let (dir, ws) = workspace();
    let csv = dir.path().join("hostile.csv");
    write_batch_csv(
        &csv,
        &[[
            "EVIL-1",
            HOSTILE_NAME,
            "<b>标题</b>",
            HOSTILE_TEXT,
            "2025-06-01",
            "线上",
            "高新区",
        ]],
    );
    qingdan()
        .args(["add", "--quiet", "-w"])
        .arg(&ws.dir)
        .arg(&csv)
        .assert()
        .success();
    let mut c = client(&ws).await;
    let group = ws.read(|v| v.groups_of(&["EVIL-1"])).unwrap()[0].1.clone();
    for page in [
        "/search?q=抵押登记".to_string(),
        format!("/enterprise?name={}", url_encode(HOSTILE_NAME)),
        "/matter/EVIL-1".to_string(),
        format!("/group/{group}"),
        format!("/search?q={}", url_encode(HOSTILE_TEXT)),
        format!("/common?q={}", url_encode("<script>")),
    ] {
        let r = c.get(&page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
        assert!(!r.body.contains("<script>alert"), "{page}");
        assert!(!r.body.contains("<img src=x"), "{page}");
        assert!(!r.body.contains("<b>标题"), "{page}");
    }
    let matter = c.get("/matter/EVIL-1").await.body;
    assert!(matter.contains("&lt;script&gt;alert("), "{matter}");
    assert!(matter.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[tokio::test]
async fn uploads_go_through_the_ingest_and_bad_ones_are_refused() {
    let (dir, ws) = workspace();
    let mut c = client(&ws).await;
    let csrf = c.csrf("/upload").await;
    let items = || ws.read(|v| v.item_count()).unwrap();
    let before = items();

    let big = vec![b'a'; qingdan::web::UPLOAD_LIMIT + 1];
    let r = c.upload(&csrf, "big.csv", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let r = c.upload(&csrf, "表格.csv", png).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    assert!(r.body.contains("PNG"));
    let noise: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    assert!(c
        .upload(&csrf, "x.csv", &noise)
        .await
        .status
        .is_client_error());
    assert_eq!(
        c.upload(&csrf, "empty.csv", b"").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        c.upload("forged", "ok.csv", b"a,b\n").await.status,
        StatusCode::FORBIDDEN
    );
    // A name with a path in it is only a name.
    let csv = dir.path().join("batch.csv");
    write_batch_csv(
        &csv,
        &[
            [
                "UP-1",
                "新上传科技有限公司",
                "",
                "园区道路货车限行，物流车辆进出困难，希望调整通行时段",
                "2025-07-01",
                "走访",
                "开发区",
            ],
            [
                "UP-2",
                "新上传科技有限公司",
                "",
                "",
                "2025-07-02",
                "走访",
                "开发区",
            ],
        ],
    );
    let r = c
        .upload(&csrf, "../../etc/batch.csv", &std::fs::read(&csv).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"rejected\">1<"), "{}", r.body);
    assert!(
        r.body.contains("意见建议"),
        "the field is named: {}",
        r.body
    );
    assert_eq!(items(), before + 1);
    assert!(!dir.path().join("etc").exists());
    assert!(ws.dir.join("qingdan.db").is_file());
    let audit = c.get("/activity").await.body;
    assert!(
        audit.contains("添加批次") && audit.contains("batch.csv"),
        "{audit}"
    );

    // The exports are left behind until asked for, and the home page says so.
    let items_csv = || std::fs::read_to_string(ws.dir.join("items.csv")).unwrap();
    assert!(!items_csv().contains("UP-1"));
    assert!(c.get("/").await.body.contains("id=\"stale\""));
    assert_eq!(
        c.post("/export", &[("csrf", "forged")]).await.status,
        StatusCode::FORBIDDEN
    );
    let r = c.post("/export", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(items_csv().contains("UP-1"));
    let home = c.get("/?done=export").await.body;
    assert!(
        !home.contains("id=\"stale\"") && home.contains("导出文件已写出"),
        "{home}"
    );
}

#[tokio::test]
async fn no_request_reaches_a_file() {
    let (_dir, ws) = workspace();
    let mut c = client(&ws).await;
    for path in [
        "/assets/../qingdan.db",
        "/assets/%2e%2e/qingdan.db",
        "/qingdan.db",
        "/index/meta.json",
        "/group/..%2F..%2Fqingdan.db",
        "/meeting/pack?topic=../../qingdan.db&format=xlsx",
    ] {
        let r = c.get(path).await;
        assert!(
            !r.body.starts_with("SQLite format"),
            "{path} served the database"
        );
        assert!(
            r.status != StatusCode::OK || path.starts_with("/meeting"),
            "{path}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn the_enterprise_ranking_follows_every_change() {
    let (_dir, ws) = workspace();
    let mut c = client(&ws).await;
    let name = "金桥建材有限公司";
    let shown = |ws: &Workspace| {
        let line = ws
            .read(|v| v.enterprise_page(Some(name), 0, 1))
            .unwrap()
            .rows
            .remove(0);
        format!("</a></td><td>{}</td><td>{}</td>", line.items, line.groups)
    };
    let page = format!("/enterprises?sort=items&q={}", url_encode("金桥建材"));
    let before = shown(&ws);
    assert!(c.get(&page).await.body.contains(&before));
    // Two of its items merged: one group fewer, shown at once.
    let items: Vec<String> = ws
        .read(|v| v.enterprise_items(name, 0, 50))
        .unwrap()
        .rows
        .into_iter()
        .map(|i| i.id)
        .collect();
    let groups = ws.read(|v| v.groups_of(&items)).unwrap();
    let (a, b) = (
        &groups[0],
        groups.iter().find(|g| g.1 != groups[0].1).unwrap(),
    );
    ws.correct(qingdan::merge::Correction::Merge {
        items: vec![a.0.clone(), b.0.clone()],
    })
    .unwrap();
    let after = shown(&ws);
    assert_ne!(after, before);
    assert!(c.get(&page).await.body.contains(&after));
}
