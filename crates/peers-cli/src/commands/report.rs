//! `peers report`: write `.peers/REPORT.md` — ticks, per-peer outcomes, bugs filed and fixed,
//! the gate timeline, tokens and cost — from state.json, runs.jsonl and the commit history.

use std::path::Path;

use clap::Args;
use peers_core::ledger::{Ledger, LedgerCommit};
use peers_core::stop_reason::StopReason;
use peers_driver::record_summary::{FINDINGS_KEPT, LogSummary, TIMELINE_ROWS};

use crate::error::CliResult;
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Also print the report to stdout.
    #[arg(long, conflicts_with = "json")]
    pub print: bool,
    /// Print a summary as JSON (REPORT.md is still written): its path, iterations, ticks,
    /// the last stop.
    #[arg(long)]
    pub json: bool,
}

fn cell(text: &str, max: usize) -> String {
    let flat = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max - 1).collect::<String>())
    }
}

/// The gate timeline, integrity findings, runs and unreadable lines, from the log summary.
fn render_log(out: &mut String, log: &LogSummary) {
    out.push_str(&format!("\n## Gate timeline ({} ticks{})\n\n| tick | peer | outcome | gates | failing | reason |\n|---|---|---|---|---|---|\n", log.ticks, if log.ticks > TIMELINE_ROWS as u64 { format!(", the last {TIMELINE_ROWS} shown") } else { String::new() }));
    for row in &log.timeline {
        out.push_str(&format!(
            "| {} | {} | {} | {}/{} | {} | {} |\n",
            row.iteration,
            row.peer,
            row.outcome,
            row.passing,
            row.gates,
            cell(&row.failing.join(", "), 60),
            cell(&row.reason, 80)
        ));
    }
    if !log.findings.is_empty() {
        out.push_str("\n## Integrity findings\n\n");
        if log.findings_total > FINDINGS_KEPT as u64 {
            out.push_str(&format!(
                "_{} findings; the newest {} are shown (`peers replay <tick>` shows each tick's)._\n\n",
                log.findings_total,
                log.findings.len()
            ));
        }
        for finding in &log.findings {
            out.push_str(&format!("- {}\n", cell(finding, 300)));
        }
    }
    if !log.exits.is_empty() {
        let exits: Vec<String> = log
            .exits
            .iter()
            .map(|e| format!("- {} — {} ({} ticks)", e.ts, e.reason, e.ticks_in_run))
            .collect();
        let earlier = log.exits_total - log.exits.len() as u64;
        let note = if earlier > 0 {
            format!("_{earlier} earlier run(s) not shown._\n")
        } else {
            String::new()
        };
        out.push_str(&format!("\n## Runs\n\n{note}{}\n", exits.join("\n")));
    }
    out.push_str(&log_repairs(&log.repairs));
    if log.malformed > 0 {
        out.push_str(&format!(
            "\n_{} malformed line(s) in runs.jsonl were skipped._\n",
            log.malformed
        ));
    }
}

pub fn run(directory: Option<&Path>, args: &ReportArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let out = write(&project)?;
    if args.json {
        print_json(&project)?;
    } else if args.print {
        print!("{out}");
    } else {
        println!(
            "wrote {}",
            crate::project::display_path(project.root(), &project.dir.report_md()).display()
        );
    }
    Ok(0)
}

/// `--json`: where the report is and the figures it starts with.
fn print_json(project: &LoadedProject) -> CliResult<()> {
    let config = project.load_config()?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let state = peers_store::state_file::load_state(&project.dir, &names)?.state;
    // One streaming pass, as for the report itself: the log may be gigabytes.
    let log = peers_driver::summary_cache::summarise(&project.dir)?;
    let (ticks, malformed) = (log.ticks, log.malformed);
    let last_stop = peers_store::last_stop::read_last_stop(&project.dir)?;
    let value = serde_json::json!({
        "report": project.dir.report_md(),
        "iteration": state.iteration,
        "ticks": ticks,
        "malformed_lines": malformed,
        "halted": project.dir.halted_md().exists(),
        "last_stop_reason": last_stop.map(|s| serde_json::json!({"reason": s.reason, "at": s.at})),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
    Ok(())
}

/// Renders `.peers/REPORT.md` from the record and writes it; returns its text.
pub fn write(project: &LoadedProject) -> CliResult<String> {
    let config = project.load_config()?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let state = peers_store::state_file::load_state(&project.dir, &names)?.state;
    // One streaming pass: the log may be gigabytes.
    let log = peers_driver::summary_cache::summarise(&project.dir)?;
    let commits = project.git.commits("HEAD")?;
    let ledger = Ledger::build(
        &commits
            .iter()
            .map(|c| LedgerCommit::from_message(&c.sha, &c.message))
            .collect::<Vec<_>>(),
    );
    let name = project
        .root()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let last_stop = peers_store::last_stop::read_last_stop(&project.dir)?;

    let mut out = format!("# peers report — {name}\n\n");
    out.push_str(&format!(
        "- iterations: {}\n- next peer: {}\n- peer order: {}\n",
        state.iteration,
        state
            .peer_order
            .get(state.turn_index)
            .cloned()
            .unwrap_or_default(),
        state.peer_order.join(", ")
    ));
    if let Some(stop) = &last_stop {
        out.push_str(&format!(
            "- last stop: **{}** at {}\n",
            stop.reason, stop.at
        ));
    }
    if let Some(advice) = last_stop
        .as_ref()
        .filter(|stop| stop.reason == StopReason::Checkpoint.to_string())
        .and_then(|stop| peers_core::stop_advice::advise(&stop.reason))
    {
        out.push_str(&format!(
            "- **waiting for the operator**: {}; {}\n",
            advice.what, advice.fix
        ));
    }
    if project.dir.halted_md().exists() {
        out.push_str("- **HALTED**: see .peers/HALTED.md\n");
    }
    out.push_str("\n## Goals (last evaluation)\n\n| goal | state | diagnostic |\n|---|---|---|\n");
    for (id, goal) in &state.goals_status {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(id, 60),
            goal.state.as_str(),
            cell(&goal.diagnostic, 100)
        ));
    }
    let goals = project.load_goals()?;
    if goals.soft().next().is_some() {
        out.push_str(
            "\n### Soft goals (peer reviews)\n\n| goal | reviewer | status |\n|---|---|---|\n",
        );
        for (goal, soft) in goals.soft() {
            let passed = peers_core::soft_review::passed(&state, &goal.id, soft, &state.peer_order);
            let status = peers_core::soft_review::status_line(&state, &goal.id, soft, passed);
            out.push_str(&format!(
                "| {} | {} | {status} |\n",
                cell(&goal.id, 60),
                soft.reviewer.as_str()
            ));
        }
    }
    let soft_gates = peers_core::soft_gates::reports(&config.soft_gates, state.soft_gates.as_ref());
    if !soft_gates.is_empty() {
        out.push_str("\n### Soft gates (opt-in)\n\n| gate | status |\n|---|---|\n");
        for report in soft_gates {
            out.push_str(&format!(
                "| {} | {} |\n",
                report.id,
                cell(&report.line, 300)
            ));
        }
    }
    let mut tallies = log.tallies.clone();
    out.push_str("\n## Peers\n\n| peer | state | ticks | handoffs | failed | tokens | USD |\n|---|---|---|---|---|---|---|\n");
    for name in &state.peer_order {
        let tally = tallies.remove(name).unwrap_or_default();
        let peer_state = state
            .peers
            .get(name)
            .map(|p| p.state.as_str())
            .unwrap_or("-");
        let usd = if tally.usd_unknown {
            format!("{:.4} + unknown", tally.usd)
        } else {
            format!("{:.4}", tally.usd)
        };
        out.push_str(&format!(
            "| {name} | {peer_state} | {} | {} | {} | {} | {usd} |\n",
            tally.ticks, tally.handoffs, tally.failures, tally.tokens
        ));
    }
    let summary = ledger.summary();
    out.push_str(&format!(
        "\n## Bugs\n\n{} reported, {} fixed, {} deferred, {} open blocking.\n\n",
        summary.total,
        summary.fixed,
        summary.deferred,
        ledger.open_blocking().len()
    ));
    if !ledger.bugs().is_empty() {
        out.push_str("| bug | severity | found by | status | location | description |\n|---|---|---|---|---|---|\n");
        for bug in ledger.bugs() {
            let status = match &bug.resolution {
                Some(r) => format!(
                    "{}{}",
                    r.status.as_str(),
                    if bug.is_open() { " (still open)" } else { "" }
                ),
                None => "open".to_owned(),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                bug.id,
                bug.severity.as_str(),
                bug.found_by.as_deref().unwrap_or("-"),
                status,
                cell(bug.fields.location.as_deref().unwrap_or("-"), 40),
                cell(
                    bug.fields
                        .description
                        .as_deref()
                        .or(bug.fields.title.as_deref())
                        .unwrap_or(""),
                    80
                )
            ));
        }
    }
    out.push_str(&format!(
        "\n## Budget\n\n- ticks: {} (this record: {})\n- runtime: {:.0} s (wasted on failed ticks: {:.0} s)\n- tokens: {}\n- USD: {:.4}\n",
        state.budget.spent_iterations, log.ticks, state.budget.spent_runtime_s, state.budget.wasted_runtime_s, state.budget.spent_tokens, state.budget.spent_usd
    ));
    out.push_str(&crate::sandbox_report::section(project.root()));
    render_log(&mut out, &log);
    peers_store::safe_fs::write_atomic(&project.dir.report_md(), out.as_bytes())?;
    Ok(out)
}

/// The torn last lines of runs.jsonl that a run moved to the quarantine file before appending.
fn log_repairs(repairs: &std::collections::VecDeque<String>) -> String {
    if repairs.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = repairs.iter().map(|r| format!("- {r}")).collect();
    format!("\n## Log repairs\n\n{}\n", lines.join("\n"))
}
