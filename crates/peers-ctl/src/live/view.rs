//! Drawing the live dashboard: the table of every project with its alerts, or the drilldown of
//! one (summary, recent ticks, gate timeline, bug counts, latest self-review, live output),
//! with a header and a footer (keys, confirmation, status). Fits 80×24; wider screens show more.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table, TableState, Wrap};
use serde_json::Value;

use crate::live::model::{Detail, Model, Row};
use crate::registry::ProjectState;

const KEYS: &str = "↑↓ select  enter details  s stop  r start  q quit";
const DETAIL_KEYS: &str = "esc back  s stop  r start  q quit";

pub fn draw(frame: &mut Frame<'_>, model: &Model) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let running = model
        .rows
        .iter()
        .filter(|r| r.state == ProjectState::Running)
        .count();
    let alerting = model.rows.iter().filter(|r| !r.alerts.is_empty()).count();
    let title = format!(
        "peers-ctl dashboard  {}  {} projects, {running} running, {alerting} with alerts",
        model.now,
        model.rows.len()
    );
    frame.render_widget(
        Paragraph::new(title).style(Style::new().add_modifier(Modifier::BOLD)),
        header,
    );
    let keys = if model.detail.is_some() {
        DETAIL_KEYS
    } else {
        KEYS
    };
    let bottom = match &model.confirm {
        Some(action) => format!("{}? y to confirm, n to cancel", action.describe()),
        None if !model.status.is_empty() => format!("{}  |  {keys}", model.status),
        None => keys.to_owned(),
    };
    frame.render_widget(
        Paragraph::new(bottom).style(Style::new().add_modifier(Modifier::REVERSED)),
        footer,
    );
    match (&model.detail, model.selected_row()) {
        (Some(detail), Some(row)) => draw_detail(frame, body, row, detail),
        _ => draw_table(frame, body, model),
    }
}

fn dash() -> String {
    "-".to_owned()
}

/// "05:12:09" out of "2026-12-07T05:12:09Z".
fn clock(ts: &str) -> String {
    ts.get(11..19).unwrap_or(ts).to_owned()
}

fn peers_cell(row: &Row) -> String {
    let peers = &row.summary.peers;
    if peers.is_empty() {
        return dash();
    }
    let healthy = peers.iter().filter(|p| p.health == "healthy").count();
    format!("{healthy}/{}", peers.len())
}

fn cells(row: &Row) -> Vec<String> {
    let s = &row.summary;
    let last = if row.alerts.is_empty() {
        s.stop_reason.clone().unwrap_or_else(dash)
    } else {
        row.alerts
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join(" ")
    };
    vec![
        row.name.clone(),
        row.phase.unwrap_or(row.state.as_str()).to_owned(),
        s.iteration.map_or_else(dash, |i| i.to_string()),
        peers_cell(row),
        if s.gates_total == 0 {
            dash()
        } else {
            format!("{}/{}", s.gates_green, s.gates_total)
        },
        s.blocking_bugs.map_or_else(dash, |b| b.to_string()),
        format!(
            "{}/{}",
            s.spent_usd.map_or_else(dash, |u| format!("{u:.2}")),
            s.max_usd.map_or_else(dash, |u| format!("{u:.2}"))
        ),
        s.last_activity.as_deref().map_or_else(dash, clock),
        last,
    ]
}

fn draw_table(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    if model.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("(no projects registered — peers-ctl new <name>)"),
            area,
        );
        return;
    }
    let header = [
        "NAME",
        "STATE",
        "TICK",
        "PEERS",
        "GATES",
        "BUG",
        "COST/CAP $",
        "LAST",
        "ALERTS / STOP",
    ];
    let rows = model
        .rows
        .iter()
        .map(|row| TableRow::new(cells(row).into_iter().map(Cell::from)));
    let name_width = model
        .rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 32);
    // 7 fits every local state; a Kubernetes phase (`starting`, `stopping`) may need 8.
    let state_width = model
        .rows
        .iter()
        .map(|r| r.phase.unwrap_or(r.state.as_str()).len())
        .max()
        .unwrap_or(7)
        .clamp(7, 8);
    let widths = [
        Constraint::Length(u16::try_from(name_width).unwrap_or(32)),
        Constraint::Length(u16::try_from(state_width).unwrap_or(8)),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Length(11),
        Constraint::Length(8),
        Constraint::Fill(2),
    ];
    let table = Table::new(rows, widths)
        .header(TableRow::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(model.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn record_line(record: &Value) -> String {
    if record["event"] == "exit" {
        return format!(
            "exit {} after {} ticks",
            record["reason"].as_str().unwrap_or("?"),
            record["ticks_in_run"]
        );
    }
    let hard = record["gates"]["hard"].as_object();
    let green = hard.map_or(0, |g| g.values().filter(|v| *v == "pass").count());
    let total = hard.map_or(0, |g| g.len());
    format!(
        "#{} {} {} {} {} gates {green}/{total}",
        record["iteration"],
        clock(record["ts"].as_str().unwrap_or("")),
        record["peer"].as_str().unwrap_or("?"),
        record["classification"].as_str().unwrap_or("?"),
        if record["success"] == true {
            "ok"
        } else {
            "FAIL"
        },
    )
}

/// One line per hard gate: its verdicts across the recent ticks, oldest first.
fn gate_timeline(records: &[Value]) -> Vec<String> {
    let Some(last) = records
        .iter()
        .rev()
        .find_map(|r| r["gates"]["hard"].as_object())
    else {
        return vec!["(no gate verdicts yet)".to_owned()];
    };
    last.keys()
        .map(|gate| {
            let marks: String = records
                .iter()
                .filter(|r| r["event"] == "tick")
                .map(|r| match r["gates"]["hard"][gate].as_str() {
                    Some("pass") => '+',
                    Some(_) => 'x',
                    None => '.',
                })
                .collect();
            format!("{marks} {gate}")
        })
        .collect()
}

fn draw_detail(frame: &mut Frame<'_>, area: Rect, row: &Row, detail: &Detail) {
    let s = &row.summary;
    let mut lines: Vec<Line<'_>> = Vec::new();
    let pid = row.pid.map_or_else(String::new, |p| format!(" (pid {p})"));
    lines.push(
        Line::from(format!(
            "{} — {}{pid}  {}",
            row.name,
            row.phase.unwrap_or(row.state.as_str()),
            row.path.display()
        ))
        .style(Style::new().add_modifier(Modifier::BOLD)),
    );
    let peers: Vec<String> = s
        .peers
        .iter()
        .map(|p| format!("{} {}", p.name, p.health))
        .collect();
    lines.push(Line::from(format!(
        "tick {}  peers {}  gates {}/{}  cost {}/{}",
        s.iteration.map_or_else(dash, |i| i.to_string()),
        if peers.is_empty() {
            dash()
        } else {
            peers.join(", ")
        },
        s.gates_green,
        s.gates_total,
        s.spent_usd.map_or_else(dash, |u| format!("${u:.2}")),
        s.max_usd.map_or_else(dash, |u| format!("${u:.2}")),
    )));
    lines.push(Line::from(format!(
        "bugs: {} blocking, {} reported, {} fixed  stop: {}  alerts: {}",
        s.blocking_bugs.map_or_else(dash, |b| b.to_string()),
        s.bugs_reported.map_or_else(dash, |b| b.to_string()),
        s.bugs_fixed.map_or_else(dash, |b| b.to_string()),
        s.stop_reason.clone().unwrap_or_else(dash),
        if row.alerts.is_empty() {
            dash()
        } else {
            row.alerts
                .iter()
                .map(|a| a.label())
                .collect::<Vec<_>>()
                .join(", ")
        },
    )));
    lines.push(Line::from("recent ticks").style(Style::new().add_modifier(Modifier::UNDERLINED)));
    lines.extend(detail.records.iter().map(|r| Line::from(record_line(r))));
    lines.push(
        Line::from("gate timeline (+ pass, x fail)")
            .style(Style::new().add_modifier(Modifier::UNDERLINED)),
    );
    lines.extend(gate_timeline(&detail.records).into_iter().map(Line::from));
    lines.push(
        Line::from("latest self-review").style(Style::new().add_modifier(Modifier::UNDERLINED)),
    );
    let review = detail
        .review
        .clone()
        .unwrap_or_else(|| "(no handoff yet)".to_owned());
    lines.extend(review.lines().take(4).map(|l| Line::from(l.to_owned())));
    lines.push(Line::from("output").style(Style::new().add_modifier(Modifier::UNDERLINED)));
    lines.extend(detail.output.iter().map(|l| Line::from(l.clone())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
