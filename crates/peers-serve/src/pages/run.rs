//! One project's run: the header (state, outcome and stop reason, tick, spend), the actions when
//! enabled, the tick in progress with the peer's newest output line, the plots (cost and tokens
//! per peer, gates green), the gate heat map and the table of ticks, each linking to what the
//! peer saw and did.

use std::fmt::Write as _;

use crate::html::{Shell, action_form, count, escape, page, project_nav, url_part, usd};
use crate::pages::Context;
use crate::read::overview::overview;
use crate::read::ticks::{gates_green, read_run_log};
use crate::source::ProjectEntry;
use crate::svg;

pub fn render(entry: &ProjectEntry, context: &Context<'_>) -> String {
    let overview = overview(&entry.path);
    let state = overview.shown_state(&entry.state);
    let o = &overview.run;
    let name = escape(&entry.name);
    let mut main = String::with_capacity(64 * 1024);
    let _ = write!(
        main,
        r#"<h1>{name}</h1>{}<section id="header"><p>State <strong class="state-{state}" id="state">{state}</strong>"#,
        project_nav(&entry.name),
        state = escape(&state)
    );
    if let Some(reason) = o
        .stop_reason
        .as_deref()
        .filter(|_| entry.state != "running")
    {
        let _ = write!(
            main,
            r#" · stop reason <strong id="stop-reason">{}</strong>{}"#,
            escape(reason),
            o.stopped_at
                .as_deref()
                .map(|at| format!(" at {}", escape(at)))
                .unwrap_or_default()
        );
    }
    let _ = write!(
        main,
        r#" · tick <strong id="iteration">{}</strong>{} · gates green <strong id="gates-green">{} / {}</strong> · spent <strong id="spent">{}</strong>{}</p>"#,
        count(o.iteration),
        o.max_iterations
            .map(|m| format!(" of {m}"))
            .unwrap_or_default(),
        o.gates_green(),
        o.gates.len(),
        usd(o.spent_usd),
        o.max_usd
            .map(|m| format!(" of ${m:.2}"))
            .unwrap_or_default()
    );
    if let Some(note) = &entry.note {
        let _ = write!(main, r#"<p class="notice">{}</p>"#, escape(note));
    }
    if !o.peers.is_empty() {
        main.push_str("<p>Peers: ");
        for peer in &o.peers {
            let _ = write!(
                main,
                r#"<span class="peer" data-peer="{0}">{0} ({1})</span> "#,
                escape(&peer.name),
                escape(&peer.health)
            );
        }
        main.push_str("</p>");
    }
    for problem in &o.problems {
        let _ = write!(main, r#"<p class="notice">{}</p>"#, escape(problem));
    }
    for action in context.actions {
        main.push_str(&action_form(&entry.name, *action, context.csrf));
    }
    main.push_str("</section>");
    if let Some(live) = overview.live.as_ref().filter(|_| entry.state == "running") {
        let _ = write!(
            main,
            r#"<section id="in-progress"><h2>Tick {} in progress</h2><p>{} · {} since {} · {} tokens · {}</p><pre id="output-tail">{}</pre></section>"#,
            live.iteration,
            escape(&live.peer),
            escape(&live.phase),
            escape(&live.started_at),
            live.tokens,
            usd(live.usd),
            output_tail(live)
        );
    }
    let log = match read_run_log(&entry.path) {
        Ok(log) => log,
        Err(err) => {
            let _ = write!(
                main,
                r#"<p class="notice">cannot read the run log: {}</p>"#,
                escape(&err.to_string())
            );
            return page(&shell(entry), &main);
        }
    };
    if log.malformed > 0 {
        let _ = write!(
            main,
            r#"<p class="notice">{} line(s) of runs.jsonl could not be read</p>"#,
            log.malformed
        );
    }
    let (cost, tokens) = svg::cost_and_tokens(&log.ticks);
    main.push_str("<section id=\"plots\">");
    main.push_str(&cost);
    main.push_str(&tokens);
    main.push_str(&svg::gates_green(&log.ticks));
    main.push_str(&svg::heat_map(&log.ticks, &log.gate_ids()));
    main.push_str("</section>");
    if !log.exits.is_empty() {
        main.push_str("<h2>Runs</h2><table id=\"exits\"><thead><tr><th>Ended</th><th>Reason</th><th class=\"num\">Ticks</th><th class=\"num\">Last tick</th></tr></thead><tbody>");
        for exit in &log.exits {
            let _ = write!(
                main,
                r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                escape(&exit.ts),
                escape(&exit.reason),
                exit.ticks_in_run,
                exit.iteration
            );
        }
        main.push_str("</tbody></table>");
    }
    let _ = write!(
        main,
        r#"<h2>Ticks</h2><table id="ticks" data-count="{}"><thead><tr><th class="num">Tick</th><th>Peer</th><th>Tool</th><th>Outcome</th><th class="num">Duration</th><th class="num">Tokens</th><th class="num">Cost</th><th class="num">Gates</th><th>Commits</th></tr></thead><tbody>"#,
        log.ticks.len()
    );
    let base = format!("/p/{}", url_part(&entry.name));
    for tick in log.ticks.iter().rev() {
        let outcome = if tick.success {
            "handoff".to_owned()
        } else {
            tick.classification.to_string()
        };
        let _ = write!(
            main,
            r#"<tr data-tick="{i}"><td class="num"><a href="{base}/tick/{i}">{i}</a></td><td>{peer}{skeptic}</td><td>{tool}</td><td class="{class}">{outcome}</td><td class="num">{secs:.1} s</td><td class="num">{tokens}</td><td class="num">{cost}</td><td class="num">{green} / {total}</td><td class="num">{commits}</td></tr>"#,
            i = tick.iteration,
            peer = escape(&tick.peer),
            skeptic = if tick.skeptic { " (skeptic)" } else { "" },
            tool = escape(&tick.tool),
            class = if tick.success { "ok" } else { "bad" },
            outcome = escape(&outcome),
            secs = tick.duration_ms as f64 / 1000.0,
            tokens = tick.tokens_this_tick,
            cost = usd(tick.usd_this_tick),
            green = gates_green(tick),
            total = tick.gates.hard.len(),
            commits = tick.commits.len(),
        );
    }
    main.push_str("</tbody></table>");
    page(&shell(entry), &main)
}

fn shell(entry: &ProjectEntry) -> Shell<'_> {
    Shell {
        title: &entry.name,
        live: Some(format!("/events?project={}", url_part(&entry.name))),
    }
}

/// The running peer's last lines (its newest alone in a file from before they were kept), one
/// per line, control characters blanked and HTML escaped.
fn output_tail(live: &crate::read::overview::Live) -> String {
    let lines: Vec<&str> = if live.recent.is_empty() {
        vec![live.last_line.as_str()]
    } else {
        live.recent.iter().map(String::as_str).collect()
    };
    lines
        .iter()
        .map(|line| {
            let shown: String = line
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            escape(&shown)
        })
        .collect::<Vec<_>>()
        .join("\n")
}
