//! Plots as inline SVG, drawn by the server: line plots (one polyline per series, every point a
//! vertex, so a test can count them) and the gate heat map (tick × gate, one cell per gate
//! result). Sizes are fixed; the browser scales them with the page.

use std::fmt::Write as _;

use peers_core::state::GoalState;
use peers_store::run_record::TickRecord;

use crate::html::escape;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 10.0;
const RIGHT: f64 = 10.0;
/// Cells beyond this many get no tooltip (keeps a 1,000-tick page small).
const TOOLTIP_CELLS: usize = 4000;
const PALETTE: [&str; 6] = [
    "#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2",
];

/// One line: a name and its points (x, y).
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

fn scale(value: f64, min: f64, max: f64, from: f64, to: f64) -> f64 {
    if max <= min {
        return from;
    }
    from + (value - min) / (max - min) * (to - from)
}

fn number(value: f64) -> String {
    if value.abs() >= 1000.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// A line plot named `plot` (its `data-plot`), with a legend.
pub fn line_plot(plot: &str, title: &str, series: &[Series]) -> String {
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut x_min, mut x_max, mut y_max) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in all {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_max = y_max.max(y);
    }
    if x_min > x_max {
        (x_min, x_max) = (0.0, 1.0);
    }
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<figure class="plot"><figcaption>{}</figcaption><svg xmlns="http://www.w3.org/2000/svg" data-plot="{}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}">"#,
        escape(title),
        escape(plot),
        escape(title)
    );
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP);
    let _ = write!(
        out,
        r#"<line class="axis" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/><line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text><text class="tick" x="{}" y="{}" text-anchor="end">0</text><text class="tick" x="{x0}" y="{}">{}</text><text class="tick" x="{x1}" y="{}" text-anchor="end">{}</text>"#,
        x0 - 4.0,
        y1 + 10.0,
        number(y_max),
        x0 - 4.0,
        y0,
        HEIGHT - 6.0,
        number(x_min),
        HEIGHT - 6.0,
        number(x_max)
    );
    for (index, line) in series.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let mut points = String::with_capacity(line.points.len() * 12);
        for &(x, y) in &line.points {
            let _ = write!(
                points,
                "{:.1},{:.1} ",
                scale(x, x_min, x_max, x0, x1),
                scale(y, 0.0, y_max, y0, y1)
            );
        }
        let _ = write!(
            out,
            r#"<polyline class="series" data-series="{}" data-points="{}" fill="none" stroke="{colour}" stroke-width="1.5" points="{}"/>"#,
            escape(&line.name),
            line.points.len(),
            points.trim_end()
        );
    }
    out.push_str("</svg><ul class=\"legend\">");
    for (index, line) in series.iter().enumerate() {
        let _ = write!(
            out,
            r#"<li><span class="swatch" style="background:{}"></span>{}</li>"#,
            PALETTE[index % PALETTE.len()],
            escape(&line.name)
        );
    }
    out.push_str("</ul></figure>");
    out
}

/// Cumulative cost (USD) and tokens per peer over the ticks: two plots.
pub fn cost_and_tokens(ticks: &[TickRecord]) -> (String, String) {
    let mut cost: Vec<Series> = Vec::new();
    let mut tokens: Vec<Series> = Vec::new();
    for tick in ticks {
        let index = match cost.iter().position(|s| s.name == tick.peer) {
            Some(index) => index,
            None => {
                cost.push(Series {
                    name: tick.peer.clone(),
                    points: Vec::new(),
                });
                tokens.push(Series {
                    name: tick.peer.clone(),
                    points: Vec::new(),
                });
                cost.len() - 1
            }
        };
        let x = tick.iteration as f64;
        let last_cost = cost[index].points.last().map_or(0.0, |p| p.1);
        let last_tokens = tokens[index].points.last().map_or(0.0, |p| p.1);
        cost[index]
            .points
            .push((x, last_cost + tick.usd_this_tick.unwrap_or(0.0)));
        tokens[index]
            .points
            .push((x, last_tokens + tick.tokens_this_tick as f64));
    }
    (
        line_plot("cost", "Cost per peer over ticks (USD, cumulative)", &cost),
        line_plot("tokens", "Tokens per peer over ticks (cumulative)", &tokens),
    )
}

/// Hard gates green after each tick.
pub fn gates_green(ticks: &[TickRecord]) -> String {
    let series = Series {
        name: "gates green".to_owned(),
        points: ticks
            .iter()
            .map(|tick| {
                (
                    tick.iteration as f64,
                    crate::read::ticks::gates_green(tick) as f64,
                )
            })
            .collect(),
    };
    line_plot("gates-green", "Hard gates green after each tick", &[series])
}

/// The gate heat map: a column per tick, a row per gate; pass green, fail red, absent grey.
pub fn heat_map(ticks: &[TickRecord], gates: &[String]) -> String {
    let label = 150.0;
    let cell_h = 14.0;
    let width = WIDTH;
    let cell_w = ((width - label) / ticks.len().max(1) as f64).max(0.5);
    let height = cell_h * gates.len() as f64 + 4.0;
    let tooltips = ticks.len() * gates.len() <= TOOLTIP_CELLS;
    let mut out = String::with_capacity(ticks.len() * gates.len() * 70 + 512);
    let _ = write!(
        out,
        r#"<figure class="plot"><figcaption>Gate timeline (tick × gate)</figcaption><svg xmlns="http://www.w3.org/2000/svg" data-plot="heatmap" data-ticks="{}" data-gates="{}" viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" aria-label="gate heat map">"#,
        ticks.len(),
        gates.len()
    );
    for (row, gate) in gates.iter().enumerate() {
        let y = row as f64 * cell_h;
        let _ = write!(
            out,
            r#"<text class="gate" x="{}" y="{}" text-anchor="end">{}</text>"#,
            label - 4.0,
            y + cell_h - 3.0,
            escape(gate)
        );
        for (column, tick) in ticks.iter().enumerate() {
            let state = match tick.gates.hard.get(gate) {
                Some(GoalState::Pass) => "pass",
                Some(GoalState::Fail) => "fail",
                None => "none",
            };
            let x = label + column as f64 * cell_w;
            let _ = write!(
                out,
                r#"<rect class="cell {state}" x="{x:.2}" y="{y}" width="{cell_w:.2}" height="{}">"#,
                cell_h - 1.0
            );
            if tooltips {
                let _ = write!(
                    out,
                    "<title>tick {} · {}: {state}</title>",
                    tick.iteration,
                    escape(gate)
                );
            }
            out.push_str("</rect>");
        }
    }
    out.push_str("</svg></figure>");
    out
}
