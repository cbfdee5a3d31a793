//! `report` (the controller report in Markdown: per project ticks, outcome, bugs found/fixed,
//! cost, last activity, README present) and `review` (the latest handoff's self-review).

use std::path::Path;

use clap::Args;
use serde::Serialize;

use crate::error::{CtlError, CtlResult};
use crate::handoff::latest_handoff;
use crate::project::{print_json, registry};
use crate::registry::{Project, ProjectState};
use crate::summary::{Summary, summarise};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// One project (default: all), written to <config dir>/REPORT-<name>.md (else REPORT.md).
    pub name: Option<String>,
    /// Print the report data as JSON on stdout instead of writing Markdown.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The project.
    pub name: String,
}

#[derive(Debug, Serialize)]
struct Entry<'a> {
    project: &'a str,
    path: &'a Path,
    state: &'static str,
    outcome: Option<String>,
    #[serde(flatten)]
    summary: Summary,
}

fn entry(project: &Project) -> Entry<'_> {
    let summary = summarise(&project.path);
    let outcome = match project.state {
        ProjectState::Stopped => summary.stop_reason.clone(),
        ProjectState::Crashed => Some("crashed".to_owned()),
        ProjectState::Running => Some("running".to_owned()),
        ProjectState::Fresh => None,
    };
    Entry {
        project: &project.name,
        path: &project.path,
        state: project.state.as_str(),
        outcome,
        summary,
    }
}

pub fn report(config: &Path, args: &ReportArgs) -> CtlResult<u8> {
    let registry = registry(config)?;
    let projects: Vec<&Project> = match &args.name {
        Some(name) => vec![registry.find(name)?],
        None => registry.projects.iter().collect(),
    };
    let entries: Vec<Entry<'_>> = projects.into_iter().map(entry).collect();
    if args.json {
        print_json(&serde_json::json!({
            "version": 1,
            "generated_at": peers_store::timestamp::now_iso_utc(),
            "scope": args.name.as_deref().unwrap_or("all"),
            "projects": entries,
        }))?;
        return Ok(0);
    }
    let file = match &args.name {
        Some(name) => format!("REPORT-{name}.md"),
        None => "REPORT.md".to_owned(),
    };
    let path = config.join(file);
    peers_store::safe_fs::ensure_private_dir(config)?;
    peers_store::safe_fs::write_atomic(&path, markdown(&entries, args.name.as_deref()).as_bytes())?;
    println!("wrote {}", path.display());
    Ok(0)
}

fn markdown(entries: &[Entry<'_>], scope: Option<&str>) -> String {
    let mut out = String::from("# peers-ctl report\n\n");
    out.push_str(&format!(
        "Generated: {}\n",
        peers_store::timestamp::now_iso_utc()
    ));
    out.push_str(&format!(
        "Scope: {}\n\n## Projects\n\n",
        scope.unwrap_or("all projects")
    ));
    out.push_str("| Project | State | Ticks | Outcome | Bugs found | Bugs fixed | Blocking | Cost | Last activity | README |\n");
    out.push_str("|---|---|---:|---|---:|---:|---:|---:|---|---|\n");
    let dash = || "-".to_owned();
    for e in entries {
        let s = &e.summary;
        let cells = [
            e.project.to_owned(),
            e.state.to_owned(),
            s.iteration.map_or_else(dash, |i| i.to_string()),
            e.outcome.clone().unwrap_or_else(dash),
            s.bugs_reported.map_or_else(dash, |b| b.to_string()),
            s.bugs_fixed.map_or_else(dash, |b| b.to_string()),
            s.blocking_bugs.map_or_else(dash, |b| b.to_string()),
            s.spent_usd.map_or_else(dash, |u| format!("${u:.2}")),
            s.last_activity.clone().unwrap_or_else(dash),
            if s.readme {
                "present".to_owned()
            } else {
                "missing".to_owned()
            },
        ];
        let escaped: Vec<String> = cells
            .iter()
            .map(|c| c.replace('|', "\\|").replace('\n', " "))
            .collect();
        out.push_str(&format!("| {} |\n", escaped.join(" | ")));
    }
    let problems: Vec<String> = entries
        .iter()
        .flat_map(|e| {
            e.summary
                .problems
                .iter()
                .map(move |p| format!("- {}: {}", e.project, p))
        })
        .collect();
    if !problems.is_empty() {
        out.push_str("\n## Problems reading projects\n\n");
        out.push_str(&problems.join("\n"));
        out.push('\n');
    }
    out
}

pub fn review(config: &Path, args: &ReviewArgs) -> CtlResult<u8> {
    let registry = registry(config)?;
    let project = registry.find(&args.name)?;
    let Some(handoff) = latest_handoff(&project.path)? else {
        return Err(CtlError::failed(format!(
            "no handoff commit found in {}",
            project.path.display()
        ))
        .hint("a peer hands off with a `Peer-Status: handoff` trailer; none has yet"));
    };
    println!("handoff {}: {}", handoff.sha, handoff.subject);
    match handoff.review {
        Some(section) => println!("{section}"),
        None => println!("(this handoff has no `## Self-Review` section)"),
    }
    Ok(0)
}
