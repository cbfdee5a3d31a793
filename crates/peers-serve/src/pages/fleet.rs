//! The fleet page: every project with its state, progress, gates, open blocking bugs, cost and
//! last activity; sortable and filterable through the query string (links and a GET form, so it
//! works without JavaScript), live through `/events`.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::auth::form_value;
use crate::html::{Shell, count, escape, page, url_part, usd};
use crate::read::overview::{Overview, overview};
use crate::read::ticks::last_ts;
use crate::source::ProjectEntry;

const COLUMNS: [(&str, &str); 7] = [
    ("name", "Project"),
    ("state", "State"),
    ("tick", "Tick"),
    ("gates", "Gates green"),
    ("bugs", "Blocking bugs"),
    ("cost", "Cost"),
    ("activity", "Last activity"),
];

/// One row as shown.
pub struct FleetRow {
    pub entry: ProjectEntry,
    pub overview: Overview,
    pub state: String,
    pub last_activity: Option<String>,
}

pub fn rows(entries: Vec<ProjectEntry>) -> Vec<FleetRow> {
    entries
        .into_iter()
        .map(|entry| {
            let overview = overview(&entry.path);
            let state = overview.shown_state(&entry.state);
            let last_activity = last_ts(&entry.path).or_else(|| overview.run.stopped_at.clone());
            FleetRow {
                entry,
                overview,
                state,
                last_activity,
            }
        })
        .collect()
}

fn compare(a: &FleetRow, b: &FleetRow, column: &str) -> Ordering {
    let f = |v: Option<f64>| v.unwrap_or(-1.0);
    match column {
        "state" => a.state.cmp(&b.state),
        "tick" => a.overview.run.iteration.cmp(&b.overview.run.iteration),
        "gates" => a
            .overview
            .run
            .gates_green()
            .cmp(&b.overview.run.gates_green()),
        "bugs" => a
            .overview
            .run
            .blocking_bugs
            .cmp(&b.overview.run.blocking_bugs),
        "cost" => f(a.overview.run.spent_usd).total_cmp(&f(b.overview.run.spent_usd)),
        "activity" => a.last_activity.cmp(&b.last_activity),
        _ => Ordering::Equal,
    }
    .then_with(|| a.entry.name.cmp(&b.entry.name))
}

/// The page for `query` (`sort`, `desc`, `state`, `q`).
pub fn render(entries: Vec<ProjectEntry>, query: &str) -> String {
    let sort = form_value(query, "sort").unwrap_or_else(|| "name".to_owned());
    let desc = form_value(query, "desc").is_some_and(|v| v == "1");
    let state_filter = form_value(query, "state").filter(|s| !s.is_empty());
    let text_filter = form_value(query, "q").filter(|s| !s.is_empty());
    let mut rows: Vec<FleetRow> = rows(entries)
        .into_iter()
        .filter(|row| state_filter.as_deref().is_none_or(|s| row.state == s))
        .filter(|row| {
            text_filter
                .as_deref()
                .is_none_or(|q| row.entry.name.contains(q))
        })
        .collect();
    rows.sort_by(|a, b| {
        let order = compare(a, b, &sort);
        if desc { order.reverse() } else { order }
    });
    let mut main = String::with_capacity(rows.len() * 600 + 2048);
    let _ = write!(
        main,
        "<h1>Fleet</h1><p class=\"summary\">{} projects",
        rows.len()
    );
    for state in ["running", "stopped", "halted", "crashed", "fresh"] {
        let n = rows.iter().filter(|r| r.state == state).count();
        if n > 0 {
            let _ = write!(main, " · <span class=\"state-{state}\">{n} {state}</span>");
        }
    }
    main.push_str("</p>");
    let _ = write!(
        main,
        r#"<form class="filter" method="get" action="/"><input type="hidden" name="sort" value="{}"><label>State <select name="state"><option value="">any</option>{}</select></label> <label>Name contains <input name="q" value="{}"></label> <button type="submit">Filter</button></form>"#,
        escape(&sort),
        ["running", "stopped", "halted", "crashed", "fresh"]
            .iter()
            .map(|s| format!(
                r#"<option value="{s}"{}>{s}</option>"#,
                if state_filter.as_deref() == Some(*s) {
                    " selected"
                } else {
                    ""
                }
            ))
            .collect::<String>(),
        escape(text_filter.as_deref().unwrap_or(""))
    );
    main.push_str("<table id=\"fleet\"><thead><tr>");
    let keep = format!(
        "&state={}&q={}",
        url_part(state_filter.as_deref().unwrap_or("")),
        url_part(text_filter.as_deref().unwrap_or(""))
    );
    for (key, label) in COLUMNS {
        let next_desc = if sort == key && !desc { "1" } else { "0" };
        let arrow = if sort == key {
            if desc { " ▼" } else { " ▲" }
        } else {
            ""
        };
        let _ = write!(
            main,
            r#"<th data-col="{key}"><a href="/?sort={key}&desc={next_desc}{}">{label}{arrow}</a></th>"#,
            escape(&keep)
        );
    }
    main.push_str("</tr></thead><tbody>");
    for row in &rows {
        let o = &row.overview.run;
        let tick = match (o.iteration, o.max_iterations) {
            (Some(i), Some(m)) => format!("{i} / {m}"),
            (i, _) => count(i),
        };
        let _ = write!(
            main,
            r#"<tr data-project="{name}" data-state="{state}"><td data-col="name"><a href="/p/{url}">{name}</a>{note}</td><td data-col="state" class="state-{state}">{state}{reason}</td><td data-col="tick" class="num">{tick}</td><td data-col="gates" class="num">{green} / {total}</td><td data-col="bugs" class="num">{bugs}</td><td data-col="cost" class="num">{cost}</td><td data-col="activity">{activity}</td></tr>"#,
            name = escape(&row.entry.name),
            url = url_part(&row.entry.name),
            note = row
                .entry
                .note
                .as_deref()
                .map(|n| format!("<br><small>{}</small>", escape(n)))
                .unwrap_or_default(),
            state = escape(&row.state),
            reason = o
                .stop_reason
                .as_deref()
                .filter(|_| row.state != "running")
                .map(|r| format!("<br><small>{}</small>", escape(r)))
                .unwrap_or_default(),
            green = o.gates_green(),
            total = o.gates.len(),
            bugs = count(o.blocking_bugs),
            cost = usd(o.spent_usd),
            activity = escape(row.last_activity.as_deref().unwrap_or("—")),
        );
    }
    main.push_str("</tbody></table>");
    page(
        &Shell {
            title: "Fleet",
            live: Some("/events".to_owned()),
        },
        &main,
    )
}
