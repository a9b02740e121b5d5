//! The pages' charts as inline SVG: every chart has labelled ticks on both
//! axes (`tick-x`, `tick-y`), its series told apart by colour, dash and
//! marker, and its legend below the plot area (`legend`), where it covers
//! nothing. The browser test checks all three.

use std::fmt::Write;

use super::esc;

/// A series' look: colour, dash pattern and marker.
const STYLES: [(&str, &str, &str); 4] = [
    ("#1565c0", "", "circle"),
    ("#ef6c00", "6 3", "square"),
    ("#6a1b9a", "2 2", "diamond"),
    ("#2e7d32", "8 3 2 3", "circle"),
];

pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
    /// Markers only (a scatter), no line.
    pub dots: bool,
}

/// An axis: its title, range and how a tick value is written.
pub struct Scale<'a> {
    pub title: &'a str,
    pub min: f64,
    pub max: f64,
    pub label: &'a dyn Fn(f64) -> String,
    /// Tick values (None: about five round ones).
    pub ticks: Option<Vec<f64>>,
}

/// About `n` round tick values from `min` to `max`.
pub fn nice_ticks(min: f64, max: f64, n: usize) -> Vec<f64> {
    // an empty or undefined range (NaN bounds) gets two ticks
    if max.partial_cmp(&min) != Some(std::cmp::Ordering::Greater) {
        return vec![min, min + 1.0];
    }
    let raw = (max - min) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (min / step).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    // each tick a whole multiple of the step, rounded to the step's digits
    let digits = 10f64.powi((-step.log10().floor() as i32 + 2).max(0));
    (first..=last)
        .map(|i| (i as f64 * step * digits).round() / digits)
        .collect()
}

/// A number as a tick label: short, thousands grouped.
pub fn tick(x: f64) -> String {
    crate::model::terms::show(x)
}

/// A line (or scatter) chart of `series` with a diagonal `reference` line
/// from (min, min) to (max, max) when asked.
pub fn xy(title: &str, series: &[Series], x: &Scale, y: &Scale, reference: Option<&str>) -> String {
    let (w, plot_h) = (520.0, 240.0);
    let (left, top, right) = (64.0, 10.0, 16.0);
    let plot_w = w - left - right;
    let legend_rows = series.len().div_ceil(3) as f64 + f64::from(u8::from(reference.is_some()));
    let h = top + plot_h + 44.0 + 18.0 * legend_rows;
    let px = |v: f64| left + plot_w * ((v - x.min) / (x.max - x.min)).clamp(0.0, 1.0);
    let py = |v: f64| top + plot_h * (1.0 - ((v - y.min) / (y.max - y.min)).clamp(0.0, 1.0));
    let mut s = format!("<figure><figcaption>{}</figcaption><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\">", esc(title));
    write!(s, "<rect class=\"plot\" x=\"{left}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#999\"/>").ok();
    let xt = x
        .ticks
        .clone()
        .unwrap_or_else(|| nice_ticks(x.min, x.max, 6));
    for v in xt.iter().filter(|v| **v >= x.min && **v <= x.max) {
        let p = px(*v);
        write!(s, "<line x1=\"{p:.1}\" y1=\"{}\" x2=\"{p:.1}\" y2=\"{}\" stroke=\"#999\"/><text class=\"tick-x\" x=\"{p:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>", top + plot_h, top + plot_h + 4.0, top + plot_h + 15.0, esc(&(x.label)(*v))).ok();
    }
    let yt = y
        .ticks
        .clone()
        .unwrap_or_else(|| nice_ticks(y.min, y.max, 5));
    for v in yt.iter().filter(|v| **v >= y.min && **v <= y.max) {
        let p = py(*v);
        write!(s, "<line x1=\"{}\" y1=\"{p:.1}\" x2=\"{left}\" y2=\"{p:.1}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{p:.1}\" x2=\"{}\" y2=\"{p:.1}\" stroke=\"#eee\"/><text class=\"tick-y\" x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>", left - 4.0, left + plot_w, left - 6.0, p + 3.5, esc(&(y.label)(*v))).ok();
    }
    write!(
        s,
        "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
        left + plot_w / 2.0,
        top + plot_h + 30.0,
        esc(x.title)
    )
    .ok();
    let mid = top + plot_h / 2.0;
    write!(s, "<text x=\"12\" y=\"{mid:.1}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {mid:.1})\">{}</text>", esc(y.title)).ok();
    if reference.is_some() {
        write!(s, "<line class=\"series\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\" stroke-dasharray=\"4\"/>", px(x.min), py(x.min), px(x.max), py(x.max)).ok();
    }
    for (k, se) in series.iter().enumerate() {
        let (color, dash, marker) = STYLES[k % STYLES.len()];
        if !se.dots && se.points.len() > 1 {
            let pts: Vec<String> = se
                .points
                .iter()
                .map(|(a, b)| format!("{:.1},{:.1}", px(*a), py(*b)))
                .collect();
            write!(s, "<polyline class=\"series\" points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/>", pts.join(" ")).ok();
        }
        for (a, b) in &se.points {
            s += &mark(
                marker,
                px(*a),
                py(*b),
                color,
                &format!("{}: {} at {}", se.name, tick(*b), tick(*a)),
                "series",
            );
        }
    }
    // the legend, below the axis title
    let ly = top + plot_h + 44.0;
    write!(s, "<g class=\"legend\">").ok();
    let mut entries: Vec<(String, &str, &str, &str)> = series
        .iter()
        .enumerate()
        .map(|(k, se)| {
            let (c, d, m) = STYLES[k % STYLES.len()];
            (se.name.to_string(), c, d, m)
        })
        .collect();
    if let Some(r) = reference {
        entries.push((r.to_string(), "#888", "4", ""));
    }
    for (k, (name, color, dash, marker)) in entries.iter().enumerate() {
        let (cx, cy) = (left + 150.0 * (k % 3) as f64, ly + 18.0 * (k / 3) as f64);
        write!(s, "<line x1=\"{cx}\" y1=\"{cy}\" x2=\"{}\" y2=\"{cy}\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/>", cx + 24.0).ok();
        if !marker.is_empty() {
            s += &mark(marker, cx + 12.0, cy, color, name, "key");
        }
        write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
            cx + 30.0,
            cy + 4.0,
            esc(name)
        )
        .ok();
    }
    s + "</g></svg></figure>"
}

/// A marker of class `class` (`series` on the plot, `key` in the legend).
fn mark(marker: &str, x: f64, y: f64, color: &str, title: &str, class: &str) -> String {
    let t = format!("<title>{}</title>", esc(title));
    match marker {
        "square" => format!("<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"6\" fill=\"{color}\">{t}</rect>", x - 3.0, y - 3.0),
        "diamond" => format!("<polygon class=\"{class}\" points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{color}\">{t}</polygon>", x, y - 4.0, x + 4.0, y, x, y + 4.0, x - 4.0, y),
        _ => format!("<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{color}\">{t}</circle>"),
    }
}

/// Horizontal bars, one per row, green for positive values: the row names
/// are the y ticks, a value scale the x ticks.
pub fn bars(rows: &[(String, f64)], title: &str, value: &str) -> String {
    let w = 640.0;
    let label_w = 260.0;
    let plot_h = 18.0 * rows.len() as f64 + 4.0;
    let h = plot_h + 40.0;
    let max = rows.iter().map(|r| r.1.abs()).fold(1e-9, f64::max);
    let signed = rows.iter().any(|r| r.1 < 0.0);
    let (lo, hi) = if signed { (-max, max) } else { (0.0, max) };
    let plot_w = w - label_w - 20.0;
    let px = |v: f64| label_w + plot_w * (v - lo) / (hi - lo);
    let mut s = format!("<figure><figcaption>{}</figcaption><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\">", esc(title));
    write!(s, "<rect class=\"plot\" x=\"{label_w}\" y=\"0\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#ddd\"/>").ok();
    for v in nice_ticks(lo, hi, 5) {
        let p = px(v);
        write!(s, "<line x1=\"{p:.1}\" y1=\"0\" x2=\"{p:.1}\" y2=\"{}\" stroke=\"{}\"/><text class=\"tick-x\" x=\"{p:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>", plot_h + 4.0, if v == 0.0 { "#999" } else { "#eee" }, plot_h + 15.0, esc(&tick(v))).ok();
    }
    write!(
        s,
        "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
        label_w + plot_w / 2.0,
        plot_h + 32.0,
        esc(value)
    )
    .ok();
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = 4.0 + 18.0 * i as f64;
        let (x0, x1) = (px(0.0_f64.max(lo)), px(*v));
        let (x, bw) = (x0.min(x1), (x1 - x0).abs());
        let color = if *v >= 0.0 { "#2e7d32" } else { "#c62828" };
        write!(s, "<text class=\"tick-y\" x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>", label_w - 6.0, y + 11.0, esc(name)).ok();
        write!(s, "<rect class=\"series\" x=\"{x:.1}\" y=\"{y}\" width=\"{bw:.1}\" height=\"13\" fill=\"{color}\"><title>{}: {}</title></rect>", esc(name), tick(*v)).ok();
    }
    s + "</svg></figure>"
}

/// A pair's table of odds multipliers as a heat table (HTML).
pub fn heat_table(title: &str, rows: &[String], columns: &[String], cells: &[Vec<f64>]) -> String {
    let mut s = format!(
        "<table class=\"heat\"><caption>{}</caption><tr><th></th>",
        esc(title)
    );
    for c in columns {
        write!(s, "<th>{}</th>", esc(c)).ok();
    }
    s += "</tr>";
    for (r, name) in rows.iter().enumerate() {
        write!(s, "<tr><th>{}</th>", esc(name)).ok();
        for c in 0..columns.len() {
            let v = cells
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(0.0);
            let a = (v.abs() / 1.5).min(1.0) * 0.6;
            let bg = if v >= 0.0 {
                format!("rgba(46,125,50,{a:.2})")
            } else {
                format!("rgba(198,40,40,{a:.2})")
            };
            write!(s, "<td style=\"background:{bg}\">\u{d7}{:.2}</td>", v.exp()).ok();
        }
        s += "</tr>";
    }
    s + "</table>"
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_ticks() {
        assert_eq!(
            super::nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(
            super::nice_ticks(1.0, 10.0, 5),
            vec![2.0, 4.0, 6.0, 8.0, 10.0]
        );
    }
}
