//! `peers bugs [summary|list|gate]`: the bug ledger read from the commit history.

use std::path::Path;

use clap::{Args, ValueEnum};
use peers_core::ledger::{Ledger, LedgerCommit};

use crate::error::CliResult;
use crate::project::LoadedProject;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum BugsView {
    /// Counts by severity and status.
    #[default]
    Summary,
    /// Every bug with its status.
    List,
    /// Exit 0 only when no crit/high/med bug is open.
    Gate,
}

#[derive(Debug, Args)]
pub struct BugsArgs {
    #[arg(value_enum, default_value_t = BugsView::Summary)]
    pub view: BugsView,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(directory: Option<&Path>, args: &BugsArgs) -> CliResult<u8> {
    let project = LoadedProject::open(directory)?;
    let commits = project.git.commits("HEAD")?;
    let entries: Vec<LedgerCommit> = commits
        .iter()
        .map(|c| LedgerCommit::from_message(&c.sha, &c.message))
        .collect();
    let ledger = Ledger::build(&entries);
    let summary = ledger.summary();
    let blocking = ledger.open_blocking();
    match (args.view, args.json) {
        (BugsView::List, true) => println!(
            "{}",
            serde_json::to_string_pretty(ledger.bugs()).unwrap_or_default()
        ),
        (_, true) => println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        ),
        (BugsView::List, false) => {
            for bug in ledger.bugs() {
                println!("{}", bug_line(bug));
            }
            if ledger.bugs().is_empty() {
                println!("no bug reported");
            }
        }
        (_, false) => {
            let diagnostic = peers_gate::builtin::bug_hunt_verdict(&ledger).diagnostic;
            println!("{diagnostic}");
        }
    }
    Ok(match args.view {
        BugsView::Gate if !blocking.is_empty() => 1,
        _ => 0,
    })
}

fn bug_line(bug: &peers_core::ledger::Bug) -> String {
    let status = match &bug.resolution {
        None => "open".to_owned(),
        Some(r) if bug.is_open() => format!("open ({} not closing)", r.status.as_str()),
        Some(r) => r.status.as_str().to_owned(),
    };
    format!(
        "{:<10} {:<5} {:<20} fix_by={} {} — {}{}",
        bug.id,
        bug.severity.as_str(),
        status,
        bug.fields.fix_by.as_deref().unwrap_or("-"),
        bug.fields.location.as_deref().unwrap_or("-"),
        bug.fields
            .description
            .as_deref()
            .or(bug.fields.title.as_deref())
            .unwrap_or(""),
        if bug.malformed {
            " [malformed report: counted as high]"
        } else {
            ""
        }
    )
}
