//! The items the benches run on. Real-length text: `../shared/anchors/make_scale.py` run on
//! `../shared/data` in place (the tipdm message bodies, about 1 KB each, lightly perturbed);
//! without `../shared`, the shipped corpus replicated (short texts). Each bench says which.
// Each bench uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use qingdan::corpus::corpus_bytes;

/// The seed every bench generates real-length items with, so their figures compare.
pub const SEED: u64 = 7;

/// `../shared`, unless `QINGDAN_BENCH_NO_SHARED` is set (which simulates its absence).
pub fn shared_root() -> Option<PathBuf> {
    if std::env::var_os("QINGDAN_BENCH_NO_SHARED").is_some_and(|v| v != "0") {
        return None;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    root.is_dir().then_some(root)
}

/// `../shared/anchors/make_scale.py` and `../shared/data`, when both are there.
pub fn shared() -> Option<(PathBuf, PathBuf)> {
    let root = shared_root()?;
    let script = root.join("anchors/make_scale.py");
    let data = root.join("data");
    (script.is_file() && data.is_dir()).then_some((script, data))
}

/// Writes `n` real-length items to `out` with `python3 make_scale.py DATA n OUT SEED`, reading
/// the shared data where it lies. Returns the command line, or why it failed.
pub fn make_scale(script: &Path, data: &Path, n: usize, out: &Path) -> Result<String, String> {
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg(data)
        .arg(n.to_string())
        .arg(out)
        .arg(SEED.to_string());
    let line = format!(
        "python3 {} {} {n} {} {SEED}",
        script.display(),
        data.display(),
        out.display()
    );
    match cmd.status() {
        Ok(s) if s.success() => Ok(line),
        Ok(s) => Err(format!("{line} failed ({s})")),
        Err(e) => Err(format!("{line} did not start: {e}")),
    }
}

/// The corpus CSV replicated to `n` data rows. Each copy gets new ids and enterprise names and a
/// deterministic edit (a clause dropped or two swapped, numbers changed), so copies are near
/// duplicates, as re-posts and reworded complaints are, not identical lines.
pub fn replicated_csv(n: usize) -> Vec<u8> {
    let text = std::str::from_utf8(corpus_bytes()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let (id, ent, body) = (0, 1, 3);
    assert_eq!(
        (&headers[id], &headers[ent], &headers[body]),
        ("编号", "企业名称", "意见建议")
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..n {
        let copy = i / rows.len();
        let src = &rows[i % rows.len()];
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut clauses: Vec<&str> = src[body].split('，').collect();
        if copy > 0 && clauses.len() > 2 {
            let k = (state as usize) % clauses.len();
            if state.is_multiple_of(2) {
                clauses.remove(k);
            } else {
                let next = (k + 1) % clauses.len();
                clauses.swap(k, next);
            }
        }
        let digit = char::from(b'0' + (copy % 10) as u8);
        let body_text: String = clauses
            .join("，")
            .chars()
            .map(|c| {
                if c.is_ascii_digit() && copy > 0 {
                    digit
                } else {
                    c
                }
            })
            .collect();
        let mut rec: Vec<String> = src.iter().map(str::to_string).collect();
        rec[id] = format!("{}-{copy}", &src[id]);
        if copy > 0 && !src[ent].is_empty() {
            rec[ent] = format!("{}第{}分公司", &src[ent], copy % 200);
        }
        rec[body] = if src[body].trim().is_empty() {
            String::new()
        } else {
            body_text
        };
        w.write_record(&rec).unwrap();
    }
    w.into_inner().unwrap()
}
