//! Inline SVG charts: horizontal bars with their labels, counts and shares (topics, channels,
//! regions), and columns in time order (months). Each bar carries `data-label` and `data-value`
//! so a test (or a reader of the source) can check the chart against `summary.json`.

use super::Html;

/// Bars beyond this many are summed into one “其余N项” bar, so a chart stays readable; the
/// chart's total is unchanged.
const MAX_BARS: usize = 15;
const WIDTH: f64 = 560.0;
const ROW: f64 = 26.0;
const BAR: f64 = 16.0;
/// Width of one Chinese character at the chart's 13px font, for laying out labels.
const CHAR: f64 = 13.0;

fn share(value: usize, total: usize) -> String {
    if total == 0 {
        return "0%".into();
    }
    format!("{:.1}%", value as f64 * 100.0 / total as f64)
}

/// A bar's length: its share of the longest, at least a sliver when it is not zero.
fn bar_length(value: usize, peak: f64, longest: f64) -> f64 {
    (value as f64 / peak * longest).max(if value > 0 { 1.5 } else { 0.0 })
}

/// One bar's group: `data-label` and `data-value` for tests, a tooltip, then what `body` draws.
fn bar(h: &mut Html, label: &str, value: usize, total: usize, body: impl FnOnce(&mut Html)) {
    let value_s = value.to_string();
    h.nl().el(
        "g",
        &[
            ("class", "bar"),
            ("data-label", label),
            ("data-value", &value_s),
        ],
        |h| {
            h.leaf(
                "title",
                &[],
                &format!("{label}：{value}条（{}）", share(value, total)),
            );
            body(h);
        },
    );
}

/// The `<svg>` of one chart: its kind, its size, and a caption with the total for screen readers.
fn chart_svg(
    h: &mut Html,
    chart: &str,
    caption: &str,
    total: usize,
    (width, height): (f64, f64),
    body: impl FnOnce(&mut Html),
) {
    let view = format!("0 0 {} {}", px(width), px(height));
    let aria = format!("{caption}：共{total}条");
    let attrs = [
        ("class", "chart"),
        ("data-chart", chart),
        ("viewBox", view.as_str()),
        ("role", "img"),
        ("aria-label", aria.as_str()),
    ];
    h.el("svg", &attrs, body);
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// Display width of a label in character cells (CJK counts 1, ASCII ½).
fn cells(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// A label cut to `max` cells, with “…” when cut.
fn fit(s: &str, max: f64) -> String {
    if cells(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0.0;
    for c in s.chars() {
        let w = if c.is_ascii() { 0.55 } else { 1.0 };
        if used + w > max - 1.0 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Horizontal bars, largest first (ties by label), with “N（x%）” after each bar.
pub fn bar_chart(h: &mut Html, chart: &str, caption: &str, counts: &[(String, usize)]) {
    if counts.is_empty() {
        h.leaf("p", &[("class", "note")], "暂无数据");
        return;
    }
    let total: usize = counts.iter().map(|(_, v)| v).sum();
    let mut rows: Vec<(String, usize)> = counts.to_vec();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if rows.len() > MAX_BARS {
        let rest: Vec<(String, usize)> = rows.split_off(MAX_BARS - 1);
        let sum = rest.iter().map(|(_, v)| v).sum();
        rows.push((format!("其余{}项", rest.len()), sum));
    }
    let max_cells = rows
        .iter()
        .map(|(l, _)| cells(l))
        .fold(2.0, f64::max)
        .min(10.0);
    let label_w = max_cells * CHAR + 12.0;
    let value_w = 96.0;
    let bar_max = WIDTH - label_w - value_w;
    let peak = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let height = rows.len() as f64 * ROW + 6.0;
    chart_svg(h, chart, caption, total, (WIDTH, height), |h| {
        for (i, (label, value)) in rows.iter().enumerate() {
            let y = i as f64 * ROW + 4.0;
            let w = bar_length(*value, peak, bar_max);
            bar(h, label, *value, total, |h| {
                h.leaf(
                    "text",
                    &[
                        ("x", &px(label_w - 8.0)),
                        ("y", &px(y + BAR / 2.0)),
                        ("class", "label"),
                        ("text-anchor", "end"),
                        ("dominant-baseline", "central"),
                    ],
                    &fit(label, max_cells),
                );
                h.empty(
                    "rect",
                    &[
                        ("x", &px(label_w)),
                        ("y", &px(y)),
                        ("width", &px(w)),
                        ("height", &px(BAR)),
                        ("rx", "2"),
                    ],
                );
                h.leaf(
                    "text",
                    &[
                        ("x", &px(label_w + w + 6.0)),
                        ("y", &px(y + BAR / 2.0)),
                        ("class", "value"),
                        ("dominant-baseline", "central"),
                    ],
                    &format!("{value}（{}）", share(*value, total)),
                );
            });
        }
    });
}

/// Columns in the given order (months), the count above each and the month below; the year is
/// written under its first month. `wide` lays it out for the page's full width, lower.
pub fn column_chart(
    h: &mut Html,
    chart: &str,
    caption: &str,
    counts: &[(String, usize)],
    wide: bool,
) {
    if counts.is_empty() {
        h.leaf("p", &[("class", "note")], "暂无数据");
        return;
    }
    let total: usize = counts.iter().map(|(_, v)| v).sum();
    let n = counts.len().max(1) as f64;
    let left = 8.0;
    let full = if wide { 2.0 * WIDTH } else { WIDTH };
    let slot = ((full - 2.0 * left) / n).max(22.0);
    let width = slot * n + 2.0 * left;
    let plot_top = 22.0;
    let plot_h = if wide { 110.0 } else { 150.0 };
    let base = plot_top + plot_h;
    let height = base + 40.0;
    let peak = counts.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let col_w = (slot * 0.62).min(40.0);
    chart_svg(h, chart, caption, total, (width, height), |h| {
        h.empty(
            "line",
            &[
                ("x1", &px(left)),
                ("x2", &px(width - left)),
                ("y1", &px(base)),
                ("y2", &px(base)),
                ("class", "axis"),
            ],
        );
        let mut last_year = "";
        for (i, (label, value)) in counts.iter().enumerate() {
            let cx = left + slot * (i as f64 + 0.5);
            let hgt = bar_length(*value, peak, plot_h);
            let (year, month) = split_month(label);
            // Value, month and year are centred under (or over) the column.
            let centred = |h: &mut Html, y: f64, class: &str, text: &str| {
                let (x, y) = (px(cx), px(y));
                let attrs = [
                    ("x", x.as_str()),
                    ("y", y.as_str()),
                    ("class", class),
                    ("text-anchor", "middle"),
                ];
                h.leaf("text", &attrs, text);
            };
            bar(h, label, *value, total, |h| {
                h.empty(
                    "rect",
                    &[
                        ("x", &px(cx - col_w / 2.0)),
                        ("y", &px(base - hgt)),
                        ("width", &px(col_w)),
                        ("height", &px(hgt)),
                        ("rx", "2"),
                    ],
                );
                centred(h, base - hgt - 6.0, "value", &value.to_string());
                centred(h, base + 16.0, "label", &month);
                if let Some(year) = year.filter(|y| *y != last_year) {
                    centred(h, base + 33.0, "year", &format!("{year}年"));
                }
            });
            if let Some(year) = year {
                last_year = year;
            }
        }
    });
}

/// "2025-03" → (Some("2025"), "3月"); anything else (未注明) stays as it is.
fn split_month(label: &str) -> (Option<&str>, String) {
    match label.split_once('-') {
        Some((y, m)) if y.len() == 4 && m.parse::<u32>().is_ok() => {
            (Some(y), format!("{}月", m.parse::<u32>().unwrap_or(0)))
        }
        _ => (None, label.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, usize)]) -> Vec<(String, usize)> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn bars(svg: &str) -> Vec<(String, usize)> {
        svg.split("data-label=\"")
            .skip(1)
            .map(|rest| {
                let (label, rest) = rest.split_once('"').unwrap();
                let value = rest.split("data-value=\"").nth(1).unwrap();
                let value = value.split_once('"').unwrap().0.parse().unwrap();
                (label.to_string(), value)
            })
            .collect()
    }

    #[test]
    fn bars_are_sorted_largest_first_with_shares() {
        let mut h = Html::new();
        bar_chart(&mut h, "t", "按渠道", &counts(&[("电话", 1), ("走访", 3)]));
        let svg = h.finish();
        assert_eq!(bars(&svg), counts(&[("走访", 3), ("电话", 1)]));
        assert!(
            svg.contains("3（75.0%）") && svg.contains("1（25.0%）"),
            "{svg}"
        );
    }

    #[test]
    fn many_bars_keep_their_total() {
        let many: Vec<(String, usize)> = (0..20).map(|i| (format!("地区{i:02}"), i + 1)).collect();
        let mut h = Html::new();
        bar_chart(&mut h, "r", "按地区", &many);
        let shown = bars(&h.finish());
        assert_eq!(shown.len(), MAX_BARS);
        assert_eq!(shown.last().unwrap().0, "其余6项");
        let total: usize = shown.iter().map(|(_, v)| v).sum();
        assert_eq!(total, (1..=20).sum::<usize>());
    }

    #[test]
    fn columns_keep_time_order_and_name_the_year_once() {
        let mut h = Html::new();
        let months = counts(&[
            ("2024-12", 2),
            ("2025-01", 5),
            ("2025-02", 1),
            ("未注明", 1),
        ]);
        column_chart(&mut h, "m", "按月份", &months, false);
        let svg = h.finish();
        assert_eq!(bars(&svg), months);
        assert_eq!(svg.matches("2025年").count(), 1);
        assert_eq!(svg.matches("2024年").count(), 1);
        assert!(svg.contains(">12月<") && svg.contains(">未注明<"));
    }

    #[test]
    fn no_counts_no_chart() {
        let mut h = Html::new();
        bar_chart(&mut h, "t", "按主题", &[]);
        column_chart(&mut h, "m", "按月份", &[], false);
        assert_eq!(h.finish().matches("暂无数据").count(), 2);
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(fit("一二三四五六七八九十十一", 10.0), "一二三四五六七八九…");
        assert_eq!(fit("市级", 10.0), "市级");
    }
}
