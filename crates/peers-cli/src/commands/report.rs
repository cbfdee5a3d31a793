//! `peers report`: write `.peers/REPORT.md` — ticks, per-peer outcomes, bugs filed and fixed,
//! the gate timeline, tokens and cost — from state.json, runs.jsonl and the commit history.

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;
use peers_core::ledger::{Ledger, LedgerCommit};
use peers_driver::record::{Record, TickRecord};

use crate::error::CliResult;
use crate::project::{Project, git_error, store_error};

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

#[derive(Default)]
struct PeerTally {
    ticks: u64,
    handoffs: u64,
    failures: u64,
    tokens: u64,
    usd: f64,
    usd_unknown: bool,
}

fn cell(text: &str, max: usize) -> String {
    let flat = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max - 1).collect::<String>())
    }
}

pub fn run(directory: Option<&Path>, args: &ReportArgs) -> CliResult<u8> {
    let project = Project::open_initialised(directory)?;
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
fn print_json(project: &Project) -> CliResult<()> {
    let config = project.load_config()?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let state = peers_store::state_file::load_state(&project.dir, &names)
        .map_err(store_error)?
        .state;
    let (records, malformed) = peers_driver::record::read_all(&project.dir).map_err(store_error)?;
    let ticks = records
        .iter()
        .filter(|r| matches!(r, Record::Tick(_)))
        .count();
    let last_stop = peers_store::last_stop::read_last_stop(&project.dir).map_err(store_error)?;
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
pub fn write(project: &Project) -> CliResult<String> {
    let config = project.load_config()?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let state = peers_store::state_file::load_state(&project.dir, &names)
        .map_err(store_error)?
        .state;
    let (records, malformed) = peers_driver::record::read_all(&project.dir).map_err(store_error)?;
    let ticks: Vec<&TickRecord> = records
        .iter()
        .filter_map(|r| {
            if let Record::Tick(t) = r {
                Some(&**t)
            } else {
                None
            }
        })
        .collect();
    let commits = project.git.commits("HEAD").map_err(git_error)?;
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
    let last_stop = peers_store::last_stop::read_last_stop(&project.dir).map_err(store_error)?;

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
    let mut tallies: BTreeMap<&str, PeerTally> = BTreeMap::new();
    for tick in &ticks {
        let tally = tallies.entry(tick.peer.as_str()).or_default();
        tally.ticks += 1;
        if tick.success {
            tally.handoffs += 1
        } else {
            tally.failures += 1
        }
        tally.tokens += tick.tokens_this_tick;
        match tick.usd_this_tick {
            Some(usd) => tally.usd += usd,
            None => tally.usd_unknown |= tick.tokens_this_tick > 0,
        }
    }
    out.push_str("\n## Peers\n\n| peer | state | ticks | handoffs | failed | tokens | USD |\n|---|---|---|---|---|---|---|\n");
    for name in &state.peer_order {
        let tally = tallies.remove(name.as_str()).unwrap_or_default();
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
        state.budget.spent_iterations, ticks.len(), state.budget.spent_runtime_s, state.budget.wasted_runtime_s, state.budget.spent_tokens, state.budget.spent_usd
    ));
    out.push_str(&format!("\n## Gate timeline ({} ticks)\n\n| tick | peer | outcome | gates | failing | reason |\n|---|---|---|---|---|---|\n", ticks.len()));
    for tick in ticks.iter().rev().take(50).rev() {
        let failing: Vec<&str> = tick
            .gates
            .hard
            .iter()
            .filter(|(_, v)| *v != "pass")
            .map(|(k, _)| k.as_str())
            .collect();
        let passing = tick.gates.hard.len() - failing.len();
        out.push_str(&format!(
            "| {} | {} | {} | {passing}/{} | {} | {} |\n",
            tick.iteration,
            tick.peer,
            if tick.success {
                "handoff"
            } else {
                tick.classification.as_str()
            },
            tick.gates.hard.len(),
            cell(&failing.join(", "), 60),
            cell(
                tick.soft_fail_reason
                    .as_deref()
                    .filter(|_| !tick.success)
                    .unwrap_or(""),
                80
            )
        ));
    }
    let findings: Vec<String> = ticks
        .iter()
        .flat_map(|t| {
            t.integrity
                .iter()
                .chain(t.identity_violations.iter())
                .map(move |n| format!("tick {}: {n}", t.iteration))
        })
        .collect();
    if !findings.is_empty() {
        out.push_str("\n## Integrity findings\n\n");
        for finding in &findings {
            out.push_str(&format!("- {}\n", cell(finding, 300)));
        }
    }
    let exits: Vec<String> = records
        .iter()
        .filter_map(|r| {
            if let Record::Exit(e) = r {
                Some(format!(
                    "- {} — {} ({} ticks)",
                    e.ts, e.reason, e.ticks_in_run
                ))
            } else {
                None
            }
        })
        .collect();
    if !exits.is_empty() {
        out.push_str(&format!("\n## Runs\n\n{}\n", exits.join("\n")));
    }
    out.push_str(&log_repairs(&records));
    if malformed > 0 {
        out.push_str(&format!(
            "\n_{malformed} malformed line(s) in runs.jsonl were skipped._\n"
        ));
    }
    peers_store::safe_fs::write_atomic(&project.dir.report_md(), out.as_bytes())
        .map_err(store_error)?;
    Ok(out)
}

/// The torn last lines of runs.jsonl that a run moved to the quarantine file before appending.
fn log_repairs(records: &[Record]) -> String {
    let lines: Vec<String> = records
        .iter()
        .filter_map(|record| match record {
            Record::Other(value) if value["event"] == "log_repaired" => Some(format!(
                "- {}: an incomplete last line of {} bytes (an interrupted write) was moved to \
                 .peers/log/{}",
                value["ts"].as_str().unwrap_or("?"),
                value["quarantined_bytes"].as_u64().unwrap_or(0),
                value["quarantine"].as_str().unwrap_or("runs.jsonl.torn"),
            )),
            _ => None,
        })
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!("\n## Log repairs\n\n{}\n", lines.join("\n"))
}
