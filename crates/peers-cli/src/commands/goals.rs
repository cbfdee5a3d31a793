//! `peers goals`: the goal-mutation lock. `check` compares goals.yaml with goals.sha256;
//! `accept` validates a deliberately edited goals.yaml and re-locks it.

use std::path::Path;

use clap::{Args, Subcommand};
use peers_core::stop_reason::StopReason;
use peers_store::goals_hash::GoalsHashStatus;
use serde_json::json;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct GoalsArgs {
    #[command(subcommand)]
    pub command: GoalsCommand,
}

#[derive(Debug, Subcommand)]
pub enum GoalsCommand {
    /// Say whether goals.yaml matches the hash in goals.sha256 (exit 1 when it does not, 2 when
    /// goals.yaml is missing).
    Check {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate goals.yaml and record its hash in goals.sha256, after a deliberate edit.
    Accept {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(directory: Option<&Path>, args: &GoalsArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    match args.command {
        GoalsCommand::Check { json } => check(&project, json),
        GoalsCommand::Accept { json } => accept(&project, json),
    }
}

fn check(project: &LoadedProject, as_json: bool) -> CliResult<u8> {
    let status = peers_store::goals_hash::check_goals_hash(&project.dir)?;
    let ok = matches!(status, GoalsHashStatus::Match);
    if matches!(status, GoalsHashStatus::MissingGoals) {
        return Err(CliError::usage(".peers/goals.yaml is missing".to_owned()).hint(
            "restore it (a copy may be in .peers/backups/), or `peers init --force` to write a fresh one",
        ));
    }
    if as_json {
        println!(
            "{}",
            json!({"locked": ok, "status": crate::project::describe_goals_lock(&status)})
        );
    } else if ok {
        println!("goals.yaml matches goals.sha256");
    } else {
        println!(
            "goals.yaml is NOT accepted: {}\nrun `peers goals accept` if the edit was deliberate",
            crate::project::describe_goals_lock(&status)
        );
    }
    Ok(if ok { 0 } else { 1 })
}

fn accept(project: &LoadedProject, as_json: bool) -> CliResult<u8> {
    // Validate first: a goals.yaml that does not load is never locked in.
    let goals = project.load_goals()?;
    let before = peers_store::goals_hash::check_goals_hash(&project.dir)?;
    if let GoalsHashStatus::MissingGoals = before {
        return Err(CliError::usage(".peers/goals.yaml is missing".to_owned())
            .hint("restore it, or run `peers init --force`"));
    }
    let digest = peers_store::goals_hash::write_goals_hash(&project.dir)?;
    clear_goals_mutated_halt(project)?;
    let hard = goals.hard().count();
    let soft = goals.soft().count();
    if as_json {
        println!(
            "{}",
            json!({"accepted": true, "sha256": digest, "previous": crate::project::describe_goals_lock(&before), "hard_goals": hard, "soft_goals": soft})
        );
    } else {
        let was = if matches!(before, GoalsHashStatus::Match) {
            " (unchanged)"
        } else {
            ""
        };
        println!(
            "accepted goals.yaml{was}: {hard} hard, {soft} soft goal(s)\ngoals.sha256 = {digest}"
        );
    }
    Ok(0)
}

/// A HALTED.md written because goals.yaml changed under a run is answered by this accept.
fn clear_goals_mutated_halt(project: &LoadedProject) -> CliResult<()> {
    let last = peers_store::last_stop::read_last_stop(&project.dir)?;
    let halted = project.dir.halted_md();
    if last.is_some_and(|stop| StopReason::parse(&stop.reason) == Some(StopReason::GoalsMutated))
        && halted.is_file()
    {
        std::fs::remove_file(&halted).map_err(|err| {
            CliError::failed(format!("cannot remove {}: {err}", halted.display()))
        })?;
    }
    Ok(())
}
