//! `dashboard`: one table of every project — state, tick, peers and their health, gates
//! green/total, blocking bugs, cost and cap, last activity, stop reason — from each project's
//! state.json and the tail of its runs.jsonl only.

use std::io::IsTerminal as _;
use std::path::Path;

use clap::Args;
use serde::Serialize;

use crate::backend::kubernetes::cluster_states;
use crate::cluster::status::RunStatus;
use crate::commands::views::{StatusArgs, status};
use crate::commands::{print_json, registry};
use crate::error::CtlResult;
use crate::registry::{Project, ProjectState};
use crate::summary::{Summary, summarise};

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Show one project in detail instead of the table (with --live: open its drilldown).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Full-screen terminal dashboard: alerts (crashed, halted, cap near, a peer down, no
    /// progress), Enter for a project's drilldown (recent ticks, gate timeline, bugs, latest
    /// self-review, live output), s / r to stop / start it after a y/n confirmation, q to quit.
    /// Without a terminal the table is printed once.
    #[arg(long)]
    pub live: bool,
    /// Seconds between refreshes of --live (only changed files are read).
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub refresh_s: f64,
    /// With --live: exit after drawing this many frames.
    #[arg(long, value_name = "N", requires = "live")]
    pub frames: Option<u64>,
    /// With --live: the "no progress" alert after this many minutes without output.
    #[arg(long, value_name = "MINUTES", default_value_t = 30)]
    pub stall_minutes: u64,
    /// Print the rows as JSON.
    #[arg(long)]
    pub json: bool,
    /// With --live: append how long each refresh took (microseconds, one line each) to FILE.
    /// For benchmarks.
    #[arg(long, value_name = "FILE", requires = "live", hide = true)]
    pub timings: Option<std::path::PathBuf>,
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    name: &'a str,
    state: &'static str,
    pid: Option<u32>,
    #[serde(flatten)]
    summary: Summary,
}

pub fn run(config: &Path, args: &DashboardArgs) -> CtlResult<u8> {
    if args.live && std::io::stdout().is_terminal() && !args.json {
        return crate::live::run(
            config,
            &crate::live::LiveOptions {
                refresh_s: args.refresh_s,
                frames: args.frames,
                project: args.project.as_deref(),
                stall_minutes: args.stall_minutes,
                timings: args.timings.as_deref(),
            },
        );
    }
    if let Some(name) = &args.project {
        return status(
            config,
            &StatusArgs {
                name: Some(name.clone()),
                json: args.json,
            },
        );
    }
    let registry = registry(config)?;
    let states = cluster_states(&registry.projects);
    let rows: Vec<Row<'_>> = registry
        .projects
        .iter()
        .map(|p| row(p, states.get(&p.name)))
        .collect();
    if args.json {
        print_json(&rows)?;
        return Ok(0);
    }
    if rows.is_empty() {
        println!("(no projects registered)");
        return Ok(0);
    }
    print!("{}", render(&rows));
    Ok(0)
}

fn row<'a>(project: &'a Project, cluster: Option<&RunStatus>) -> Row<'a> {
    let mut summary = summarise(&project.path);
    if let Some(cluster) = cluster {
        // A Kubernetes run: the cluster says what it is doing and why it stopped.
        summary.stop_reason = cluster.detail.clone();
        return Row {
            name: &project.name,
            state: cluster.phase.as_str(),
            pid: None,
            summary,
        };
    }
    if project.state != ProjectState::Stopped {
        // A reason on disk belongs to an earlier run unless this one stopped.
        summary.stop_reason = None;
    }
    Row {
        name: &project.name,
        state: project.state.as_str(),
        pid: project.run.as_ref().map(|run| run.pid),
        summary,
    }
}

const HEADERS: [&str; 9] = [
    "NAME",
    "STATE",
    "TICK",
    "PEERS",
    "GATES",
    "BLOCKING",
    "COST/CAP",
    "LAST ACTIVITY",
    "STOP",
];

fn cells(row: &Row<'_>) -> [String; 9] {
    let s = &row.summary;
    let healthy = s.peers.iter().filter(|p| p.health == "healthy").count();
    let unhealthy: Vec<String> = s
        .peers
        .iter()
        .filter(|p| p.health != "healthy")
        .map(|p| format!("{} {}", p.name, p.health))
        .collect();
    let peers = if s.peers.is_empty() {
        "-".to_owned()
    } else if unhealthy.is_empty() {
        format!("{healthy}/{} ok", s.peers.len())
    } else {
        format!("{healthy}/{} ({})", s.peers.len(), unhealthy.join(", "))
    };
    let dash = || "-".to_owned();
    [
        row.name.to_owned(),
        if s.halted && row.state != "running" {
            format!("{} HALTED", row.state)
        } else {
            row.state.to_owned()
        },
        s.iteration.map_or_else(dash, |i| i.to_string()),
        peers,
        if s.gates_total == 0 {
            dash()
        } else {
            format!("{}/{}", s.gates_green, s.gates_total)
        },
        s.blocking_bugs.map_or_else(dash, |b| b.to_string()),
        format!(
            "{}/{}",
            s.spent_usd.map_or_else(dash, |u| format!("${u:.2}")),
            s.max_usd.map_or_else(dash, |u| format!("${u:.2}"))
        ),
        s.last_activity.clone().unwrap_or_else(dash),
        match s.stop_reason.as_deref() {
            Some(crate::reconcile::CHECKPOINT_STOP) => "checkpoint: waiting for you".to_owned(),
            Some(reason) => reason.to_owned(),
            None => dash(),
        },
    ]
}

fn render(rows: &[Row<'_>]) -> String {
    let table: Vec<[String; 9]> = rows.iter().map(cells).collect();
    let mut widths = HEADERS.map(str::len);
    for line in &table {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = HEADERS.map(str::to_owned);
    for line in std::iter::once(&header).chain(&table) {
        let mut text = String::new();
        for (i, (cell, width)) in line.iter().zip(widths).enumerate() {
            if i + 1 == line.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}
