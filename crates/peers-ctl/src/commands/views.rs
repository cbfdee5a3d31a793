//! `list` (every project, its state, PID and outcome) and `status` (one project in detail).

use std::path::Path;

use clap::Args;
use peers_store::layout::PeersDir;
use peers_store::run_lock::{LockState, probe_lock};
use serde::Serialize;

use crate::backend::kubernetes::cluster_states;
use crate::cluster::status::RunStatus;
use crate::commands::{print_json, registry};
use crate::error::CtlResult;
use crate::registry::{Project, ProjectState};
use crate::summary::summarise;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the projects as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The project; without it, every project (like list).
    pub name: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    name: &'a str,
    state: &'static str,
    /// Where it runs: `local` or `kubernetes`.
    backend: &'static str,
    pid: Option<u32>,
    /// Why the last run stopped (`complete`, `budget:…`, `interrupted`…), for stopped projects.
    outcome: Option<String>,
    path: &'a Path,
    note: Option<&'a str>,
}

fn row<'a>(project: &'a Project, cluster: Option<&'a RunStatus>) -> Row<'a> {
    if let Some(cluster) = cluster {
        // A Kubernetes run: the cluster is its record.
        return Row {
            name: &project.name,
            state: cluster.phase.as_str(),
            backend: project.backend.as_str(),
            pid: None,
            outcome: cluster.detail.clone(),
            path: &project.path,
            note: cluster.hint.as_deref(),
        };
    }
    let outcome = (project.state == ProjectState::Stopped)
        .then(|| {
            peers_store::last_stop::read_last_stop(&peers_store::layout::PeersDir::at(
                &project.path,
            ))
            .ok()
            .flatten()
            .map(|stop| stop.reason)
        })
        .flatten();
    Row {
        name: &project.name,
        state: project.state.as_str(),
        backend: project.backend.as_str(),
        pid: project.run.as_ref().map(|run| run.pid),
        outcome,
        path: &project.path,
        note: project.note.as_deref(),
    }
}

pub fn list(config: &Path, args: &ListArgs) -> CtlResult<u8> {
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
        println!(
            "(no projects — `peers-ctl new <name>` or `peers-ctl add <path> --name <name>` registers one)"
        );
        return Ok(0);
    }
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<width$}  {:<8}  {:>8}  {:<20}  PATH\n",
        "NAME", "STATE", "PID", "OUTCOME"
    );
    for r in &rows {
        out.push_str(&format!(
            "{:<width$}  {:<8}  {:>8}  {:<20}  {}\n",
            r.name,
            r.state,
            r.pid.map_or_else(|| "-".to_owned(), |p| p.to_string()),
            outcome_text(r.outcome.as_deref()),
            r.path.display()
        ));
    }
    print!("{out}");
    Ok(0)
}

/// The outcome as the table shows it: a run paused for the operator says so.
fn outcome_text(outcome: Option<&str>) -> String {
    match outcome {
        Some(crate::reconcile::CHECKPOINT_STOP) => "checkpoint (waiting for you)".to_owned(),
        Some(outcome) => outcome.to_owned(),
        None => "-".to_owned(),
    }
}

pub fn status(config: &Path, args: &StatusArgs) -> CtlResult<u8> {
    let Some(name) = &args.name else {
        return list(config, &ListArgs { json: args.json });
    };
    let registry = registry(config)?;
    let project = registry.find(name)?;
    let summary = summarise(&project.path);
    let states = cluster_states(std::slice::from_ref(project));
    let cluster = states.get(&project.name);
    if args.json {
        print_json(
            &serde_json::json!({"project": project, "cluster": cluster, "summary": summary}),
        )?;
        return Ok(0);
    }
    let r = row(project, cluster);
    println!("{}: {}", project.name, r.state);
    println!("  path:          {}", project.path.display());
    if let Some(cluster) = cluster {
        println!("  backend:       kubernetes");
        if let Some(job) = &cluster.job {
            println!("  job:           {job}");
        }
        if let Some(pod) = &cluster.pod {
            println!("  pod:           {pod}");
        }
        if let Some(hint) = &cluster.hint {
            println!("  hint:          {hint}");
        }
    }
    if let Some(run) = &project.run {
        println!("  pid:           {} (started {})", run.pid, run.started_at);
        println!("  log:           {}", run.log.display());
    }
    if let Some(outcome) = &r.outcome {
        println!("  outcome:       {}", outcome_text(Some(outcome)));
    }
    if let Some(note) = &project.note {
        println!("  note:          {note}");
    }
    if project.run.is_none()
        && let Ok(LockState::Held { pid }) = probe_lock(&PeersDir::at(&project.path))
    {
        println!(
            "  outside run:   a peers run not started by peers-ctl holds the run lock (pid {})",
            pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string())
        );
    }
    if !summary.initialised {
        println!(
            "  .peers/:       missing (peers -C {} init)",
            project.path.display()
        );
        return Ok(0);
    }
    println!(
        "  tick:          {}",
        summary
            .iteration
            .map_or_else(|| "-".to_owned(), |i| i.to_string())
    );
    let peers: Vec<String> = summary
        .peers
        .iter()
        .map(|p| format!("{} {}", p.name, p.health))
        .collect();
    println!(
        "  peers:         {}",
        if peers.is_empty() {
            "-".to_owned()
        } else {
            peers.join(", ")
        }
    );
    println!(
        "  gates green:   {}/{}",
        summary.gates_green, summary.gates_total
    );
    if let Some(bugs) = summary.blocking_bugs {
        println!("  blocking bugs: {bugs}");
    }
    println!(
        "  last activity: {}",
        summary.last_activity.as_deref().unwrap_or("-")
    );
    for problem in &summary.problems {
        println!("  problem:       {problem}");
    }
    Ok(0)
}
