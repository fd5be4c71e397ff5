//! The page shell every HTML report shares: the `<head>` with its Content-Security-Policy, the
//! stylesheet (print-friendly, Chinese font fallbacks) and the small inline script behind the
//! filter box. Nothing is loaded from elsewhere: the policy allows no network at all, and only
//! this stylesheet and this script (by their SHA-256), so even a string that escaped escaping
//! could not run.

use base64::Engine;
use sha2::{Digest, Sha256};

use super::Html;

/// The stylesheet. Colours print well in greyscale; the fonts cover Windows, macOS and Linux.
pub const CSS: &str = r#"
:root{--ink:#1f2933;--muted:#5b6675;--line:#d8dee6;--accent:#2f5f98;--soft:#eaf0f8;--bg:#eef1f5;
--font:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",system-ui,sans-serif}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{background:var(--bg)}
body{margin:0;color:var(--ink);font:15px/1.65 var(--font)}
main{max-width:1120px;margin:0 auto;padding:36px 44px 48px;background:#fff;min-height:100vh}
h1{font-size:27px;margin:0 0 10px;letter-spacing:.02em}
h2{font-size:20px;margin:40px 0 16px;padding-bottom:6px;border-bottom:2px solid var(--accent)}
.lead{font-size:17px;margin:4px 0}
.meta{color:var(--muted);font-size:13px;margin:4px 0}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(118px,1fr));gap:10px;margin:18px 0}
.fig{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fbfcfe}
.fig .num{display:block;font-size:25px;font-weight:700;line-height:1.3;color:var(--accent);font-variant-numeric:tabular-nums}
.fig .what{font-size:13px;color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:22px 36px;margin-top:18px}
figure{margin:0;break-inside:avoid}
figure.wide{grid-column:1/-1}
figcaption{font-weight:600;margin-bottom:6px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-family:var(--font);font-size:13px;fill:var(--ink)}
svg.chart .value{fill:var(--muted);font-size:12px}
svg.chart .year{fill:var(--muted);font-size:11px}
svg.chart rect{fill:var(--accent)}
svg.chart .axis{stroke:#aab4c2}
.filter{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:12px 0;margin-top:28px;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
.filter label{font-weight:600}
.filter input{flex:1 1 320px;font:inherit;padding:7px 11px;border:1px solid #b4bfcd;border-radius:6px}
.count{color:var(--muted);font-size:13px}
.note{color:var(--muted);font-size:13px;margin:0 0 10px}
.tools{display:flex;gap:8px;margin:0 0 8px}
button{font:inherit;font-size:13px;padding:3px 11px;border:1px solid #b4bfcd;border-radius:5px;background:#fff;color:var(--ink);cursor:pointer}
table{border-collapse:collapse;width:100%;font-size:14px}
.table-wrap{overflow-x:auto}
th,td{border-bottom:1px solid var(--line);padding:8px 8px;vertical-align:top;text-align:left}
th{background:var(--soft);font-weight:600;white-space:nowrap}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfd}
tr{break-inside:avoid}
.title{font-weight:600}
.text{color:#3d4957;font-size:13px;margin-top:2px}
.terms{color:var(--muted);font-size:12px;margin-top:2px}
.small{font-size:13px}
details{border:1px solid var(--line);border-radius:6px;margin:8px 0;background:#fff;break-inside:avoid}
summary{cursor:pointer;padding:8px 12px;list-style:none;display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
summary::-webkit-details-marker{display:none}
summary::before{content:"▸";color:var(--accent);width:1em}
details[open]>summary::before{content:"▾"}
details[open]>summary{border-bottom:1px solid var(--line);background:#f8fafc}
summary .name{font-weight:600}
summary .tally{color:var(--muted);font-size:13px}
details ol{margin:8px 14px 12px 0;padding-left:44px}
details li{margin:7px 0}
.notes{color:var(--muted);font-size:13px}
.tag{display:inline-block;background:var(--soft);color:var(--accent);border-radius:4px;padding:0 6px;font-size:12px;margin-right:6px;white-space:nowrap}
.cluster{border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:12px 0;break-inside:avoid}
.cluster h3{font-size:16px;margin:0 0 4px}
.cluster ul{margin:6px 0;padding-left:22px}
.cluster li{margin:4px 0}
footer{margin-top:44px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:10px}
@media (max-width:780px){.charts{grid-template-columns:1fr}main{padding:20px}}
@media print{html{background:#fff}main{padding:0;max-width:none;min-height:0}.filter,.tools{display:none}h2{break-after:avoid}tbody tr:nth-child(even){background:none}}
"#;

/// The filter box (several words: all must occur; an enterprise whose name matches shows all its
/// lines), the expand/collapse buttons, opening every list for printing, and `#q=…` in the
/// address applied on load. It only sets `hidden`, `open` and `textContent`: it never writes
/// markup. It also marks the page when the policy let it and the stylesheet run, so a browser
/// test can tell.
pub const SCRIPT: &str = r#"
(function () {
  var root = document.documentElement;
  root.setAttribute('data-script', 'ok');
  var main = document.querySelector('main');
  if (main && getComputedStyle(main).maxWidth !== 'none') root.setAttribute('data-style', 'ok');
  var all = function (sel) { return [].slice.call(document.querySelectorAll(sel)); };
  var ents = all('#enterprises details');
  var setOpen = function (open) { ents.forEach(function (d) { d.open = open; }); };
  var openAll = document.getElementById('open-all');
  var closeAll = document.getElementById('close-all');
  if (openAll) openAll.addEventListener('click', function () { setOpen(true); });
  if (closeAll) closeAll.addEventListener('click', function () { setOpen(false); });
  var before = [];
  window.addEventListener('beforeprint', function () {
    before = ents.map(function (d) { return d.open; });
    setOpen(true);
  });
  window.addEventListener('afterprint', function () {
    ents.forEach(function (d, i) { d.open = !!before[i]; });
  });
  var q = document.getElementById('q');
  var count = document.getElementById('q-count');
  if (!q || !count) return;
  var initial = count.textContent;
  var norm = function (s) { return s.toLowerCase().replace(/\s+/g, ''); };
  var rows = all('#common tbody tr');
  rows.forEach(function (r) { r.qText = norm(r.textContent); });
  ents.forEach(function (d) {
    d.qName = norm(d.querySelector('summary').textContent) + '\u0001';
    d.qLines = [].slice.call(d.querySelectorAll('li'));
    d.qLines.forEach(function (li) { li.qText = norm(li.textContent); });
  });
  var has = function (text, words) {
    return words.every(function (w) { return text.indexOf(w) >= 0; });
  };
  var apply = function () {
    var words = q.value.split(/\s+/).map(norm).filter(Boolean);
    var shownRows = 0, shownEnts = 0;
    rows.forEach(function (r) {
      r.hidden = !has(r.qText, words);
      if (!r.hidden) shownRows++;
    });
    ents.forEach(function (d) {
      var any = false;
      d.qLines.forEach(function (li) {
        li.hidden = !has(d.qName + li.qText, words);
        if (!li.hidden) any = true;
      });
      d.hidden = !any;
      if (any) shownEnts++;
      if (words.length && any && !d.open) {
        d.open = true;
        d.setAttribute('data-auto-open', '');
      } else if (!words.length && d.hasAttribute('data-auto-open')) {
        d.open = false;
        d.removeAttribute('data-auto-open');
      }
    });
    count.setAttribute('data-common', String(shownRows));
    count.setAttribute('data-enterprises', String(shownEnts));
    count.textContent = words.length
      ? '筛选结果：共性问题' + shownRows + '/' + rows.length + '个，企业' + shownEnts + '/' + ents.length + '家'
      : initial;
  };
  var fromHash = function () {
    var m = /^#q=(.*)$/.exec(location.hash);
    if (m) {
      try { q.value = decodeURIComponent(m[1]); } catch (e) { q.value = m[1]; }
    }
    apply();
  };
  q.addEventListener('input', apply);
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
"#;

fn sha256_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// No network and nothing inline but our own stylesheet and script.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        sha256_source(CSS),
        sha256_source(SCRIPT)
    )
}

/// A whole page: doctype, head (policy, title, stylesheet), the body `body` writes, the script.
pub fn page(title: &str, body: impl FnOnce(&mut Html)) -> String {
    let mut h = Html::new();
    h.fixed("<!DOCTYPE html>\n");
    h.el("html", &[("lang", "zh-CN")], |h| {
        h.el("head", &[], |h| {
            h.void("meta", &[("charset", "utf-8")]);
            h.void(
                "meta",
                &[
                    ("name", "viewport"),
                    ("content", "width=device-width, initial-scale=1"),
                ],
            );
            h.void(
                "meta",
                &[
                    ("http-equiv", "Content-Security-Policy"),
                    ("content", &content_security_policy()),
                ],
            );
            h.void("meta", &[("name", "generator"), ("content", "qingdan")]);
            h.leaf("title", &[], title);
            h.el("style", &[], |h| {
                h.fixed(CSS);
            });
        });
        h.nl().el("body", &[], |h| {
            body(h);
            h.nl().el("script", &[], |h| {
                h.fixed(SCRIPT);
            });
        });
    });
    h.nl();
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_no_network_and_only_our_inline_code() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none';"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("http"));
        // A known SHA-256 (of the empty string), so the hash format is what browsers expect.
        assert_eq!(
            sha256_source(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }

    #[test]
    fn page_has_one_script_and_one_stylesheet_of_ours() {
        let html = page("标题 <x>", |h| {
            h.leaf("p", &[], "<script>alert(1)</script>");
        });
        assert_eq!(html.matches("<script>").count(), 1);
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(html.contains("<title>标题 &lt;x&gt;</title>"));
        assert!(html.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
    }
}
