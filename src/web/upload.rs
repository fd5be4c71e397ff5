//! Uploading a batch: the file is read in memory (never stored under the name it came with),
//! parsed by the same ingest as `qingdan add`, and added in one transaction; the page shows
//! what was accepted and every rejected row with its file, row, field and reason.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use minijinja::context;

use super::auth::User;
use super::render::{blocking, page, WebError};
use super::AppState;
use crate::ingest::{batch_from_bytes, IngestOptions};
use crate::progress::Progress;
use crate::workspace::AddOptions;

/// The largest upload taken (the whole request).
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;
/// Rejected rows listed on the page (all are counted, and all are kept in the store).
const REJECTS_SHOWN: usize = 500;

pub async fn form(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
) -> Result<Response, WebError> {
    user.analyst()?;
    page(
        &state,
        &user,
        "upload.html",
        context! { limit_mb => UPLOAD_LIMIT / 1024 / 1024 },
    )
}

/// Files that are plainly not a table: pictures, archives, documents, programs.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "PNG 图片"),
        (b"\xFF\xD8\xFF", "JPEG 图片"),
        (b"GIF8", "GIF 图片"),
        (b"%PDF", "PDF 文档"),
        (b"\x7FELF", "程序文件"),
        (b"MZ", "程序文件"),
        (b"\x1F\x8B", "gzip 压缩包"),
        (b"Rar!", "RAR 压缩包"),
        (b"7z\xBC\xAF", "7z 压缩包"),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return Some(kind);
    }
    // Workbooks are binary and fine; for text, many control bytes mean it is not text at all
    // (a stray NUL is a damaged row, left to the ingest to reject on its own).
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return None;
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    (control * 10 > head.len()).then_some("二进制文件")
}

fn too_large() -> WebError {
    WebError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "文件超过 {} MB，未接收；请分成几个文件上传",
            UPLOAD_LIMIT / 1024 / 1024
        ),
    )
}

pub async fn receive(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    let mut multipart =
        multipart.map_err(|e| WebError::bad(format!("上传内容不是文件表单：{e}")))?;
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(WebError::bad(format!("上传内容有误：{e}"))),
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "csrf" => csrf = Some(field.text().await.unwrap_or_default()),
            "file" => {
                // The CSRF field comes first in the form: nothing is read for a forged one.
                user.check_csrf(csrf.as_deref().unwrap_or(""))?;
                user.analyst()?;
                let file_name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "上传文件".into());
                let bytes = match field.bytes().await {
                    Ok(b) => b.to_vec(),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large())
                    }
                    Err(e) => return Err(WebError::bad(format!("读取上传文件失败：{e}"))),
                };
                file = Some((file_name, bytes));
            }
            _ => {}
        }
    }
    user.check_csrf(csrf.as_deref().unwrap_or(""))?;
    user.analyst()?;
    let (name, bytes) = file.ok_or_else(|| WebError::bad("请选择要上传的文件"))?;
    if bytes.is_empty() {
        return Err(WebError::bad(format!("文件“{name}”是空的")));
    }
    if let Some(kind) = binary_kind(&bytes) {
        return Err(WebError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("文件“{name}”是{kind}，不是表格（CSV、Excel 或 JSONL），未接收"),
        ));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    // The exports are written when asked for (the home page says they are behind): at 1M
    // rewriting them takes a minute, adding 30 rows a few seconds.
    let ws = state.ws().clone().by(&user.name).without_exports();
    let (batch, outcome) = blocking(move || {
        let batch = batch_from_bytes(&name, &ext, &bytes, &IngestOptions::default())?;
        let outcome = ws.add(&batch, AddOptions::default(), &Progress::hidden())?;
        Ok((batch, outcome))
    })
    .await?;
    let record = outcome.batch;
    page(
        &state,
        &user,
        "done.html",
        context! {
            files => batch.files.join("、"),
            read => batch.rows_read,
            accepted => record.as_ref().map(|b| b.rows_accepted).unwrap_or(batch.items.len()),
            added => record.as_ref().map(|b| b.items_added).unwrap_or(0),
            updated => record.as_ref().map(|b| b.items_updated).unwrap_or(0),
            unchanged => record.as_ref().map(|b| b.items_unchanged).unwrap_or(0),
            rejected => batch.rejects.len(),
            rejects => batch.rejects.iter().take(REJECTS_SHOWN).map(|r| context! {
                file => r.source.file, row => r.source.row, field => r.field, reason => r.reason,
                content => r.content.chars().take(80).collect::<String>(),
            }).collect::<Vec<_>>(),
            warnings => batch.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            items => outcome.items,
            groups => outcome.groups,
        },
    )
}
