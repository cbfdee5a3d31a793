//! The analytics page: the `stats` tables per peer and per agent CLI across every project.

use std::fmt::Write as _;

use crate::html::{Shell, escape, page};
use crate::stats::{Stats, StatsRow};

fn table(id: &str, label: &str, rows: &[StatsRow]) -> String {
    let mut out = format!(
        r#"<table id="{id}"><thead><tr><th>{label}</th><th class="num">Runs</th><th class="num">Ticks</th><th class="num">Success</th><th class="num">Bugs filed</th><th class="num">Confirmed</th><th class="num">Rejected</th><th class="num">Fixes</th><th class="num">Fixes held</th><th class="num">Review findings accepted</th><th class="num">Soft reviews ingested</th><th class="num">Tokens</th><th class="num">Cost</th><th class="num">Cost per fix held</th></tr></thead><tbody>"#
    );
    for row in rows {
        let _ = write!(
            out,
            r#"<tr data-key="{key}"><td>{key}</td><td class="num">{}</td><td class="num" data-col="ticks">{}</td><td class="num" data-col="success">{}</td><td class="num" data-col="filed">{}</td><td class="num" data-col="confirmed">{}</td><td class="num" data-col="rejected">{}</td><td class="num" data-col="fixes">{}</td><td class="num" data-col="held">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num" data-col="tokens">{}</td><td class="num" data-col="cost">${:.2}{}</td><td class="num" data-col="per-fix">{}</td></tr>"#,
            row.runs,
            row.ticks,
            row.success_rate
                .map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0)),
            row.bugs_filed,
            row.bugs_confirmed,
            row.bugs_rejected,
            row.fixes,
            row.fixes_held,
            row.review_findings_accepted,
            row.soft_reviews_ingested,
            row.tokens,
            row.cost_usd,
            if row.ticks_cost_unknown > 0 {
                format!(" (+{} unknown)", row.ticks_cost_unknown)
            } else {
                String::new()
            },
            row.cost_per_fix_held
                .map_or_else(|| "—".to_owned(), |c| format!("${c:.2}")),
            key = escape(&row.key),
        );
    }
    out.push_str("</tbody></table>");
    out
}

pub fn render(stats: &Stats) -> String {
    let main = format!(
        "<h1>Analytics</h1><p>Across {} project(s). Confirmed: fixed, deferred or wontfix; rejected: invalid or duplicate; a fix held when its bug is closed, its commit was not reverted and no later report called it weak or shallow.</p><h2>Per peer</h2>{}<h2>Per agent CLI</h2>{}<h2>Per CLI and model</h2>{}",
        stats.projects,
        table("by-peer", "Peer", &stats.by_peer),
        table("by-tool", "Agent CLI", &stats.by_tool),
        table("by-model", "CLI · model", &stats.by_model)
    );
    page(
        &Shell {
            title: "Analytics",
            live: None,
        },
        &main,
    )
}
