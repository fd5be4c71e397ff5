//! Helpers for the workbench's tests: a workspace from the shipped corpus, and an in-process
//! client that keeps the session cookie and reads the CSRF token from pages.

#![allow(dead_code)]

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::common::qingdan;

/// Builds the shipped corpus into `dir`.
pub fn corpus_workspace(dir: &Path) {
    qingdan()
        .args(["run", "--quiet", "--out"])
        .arg(dir)
        .assert()
        .success();
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
    pub body: String,
}

/// One browser: the application, and the session cookie once it has one.
pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
}

impl Client {
    pub fn new(app: Router) -> Self {
        Client { app, cookie: None }
    }

    pub async fn send(&mut self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookie: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &set_cookie {
            let pair = c.split(';').next().unwrap().to_string();
            if pair.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(pair);
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            set_cookie,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn with_cookie(&self, b: axum::http::request::Builder) -> axum::http::request::Builder {
        match &self.cookie {
            Some(c) => b.header(header::COOKIE, c),
            None => b,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let r = self
            .with_cookie(Request::get(path))
            .body(Body::empty())
            .unwrap();
        self.send(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(form).unwrap();
        let r = self
            .with_cookie(Request::post(path))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(r).await
    }

    /// A multipart upload of one file, with the CSRF field first.
    pub async fn upload(&mut self, csrf: &str, name: &str, bytes: &[u8]) -> Reply {
        let boundary = "qingdan-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .with_cookie(Request::post("/upload"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(r).await
    }

    /// Logs in; panics unless the workbench accepted the password.
    pub async fn login(&mut self, name: &str, password: &str) {
        let r = self
            .post("/login", &[("name", name), ("password", password)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    /// The CSRF token of a page this session is shown.
    pub async fn csrf(&mut self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        csrf_of(&r.body).unwrap_or_else(|| panic!("{path} has no CSRF field"))
    }
}

pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The first `href="/prefix…"` target in a page.
pub fn first_link(html: &str, prefix: &str) -> Option<String> {
    let needle = format!("href=\"{prefix}");
    let at = html.find(&needle)?;
    let rest = &html[at + "href=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}
