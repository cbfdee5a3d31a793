//! `peers amend` and `peers ack-block`: the operator's two changes to a frozen implement
//! contract, each a signed entry of `.peers/contracts.log` with its reason. Both refuse while
//! a run holds the lock unless `--force` (recorded in the entry).

use clap::Args;
use peers_core::plan::StepMark;
use peers_store::contracts;
use peers_store::run_lock::{LockState, probe_lock};

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

const ACK_COMMIT_SUBJECT: &str = "peers ack-block: the operator acknowledges";

#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The new acceptance command (one line of shell), replacing .peers/contracts/acceptance.sh.
    #[arg(long, value_name = "COMMAND")]
    pub acceptance: String,
    /// Why the contract changes; recorded in the signed chain (required).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Amend even though a run holds the lock (the entry records it).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct AckBlockArgs {
    /// The blocked step, e.g. STEP-3.
    #[arg(value_name = "STEP-N")]
    pub step: String,
    /// Why the block is acceptable; recorded in the signed chain (required).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Acknowledge even though a run holds the lock (the entry records it).
    #[arg(long)]
    pub force: bool,
}

fn refuse_while_running(project: &LoadedProject, force: bool, what: &str) -> CliResult<()> {
    if let LockState::Held { pid } = probe_lock(&project.dir)? {
        if force {
            return Ok(());
        }
        return Err(CliError::usage(format!(
            "a run holds .peers/run.lock{}; the contract is not changed under a running loop",
            pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
        ))
        .hint(format!(
            "stop the run first (peers-ctl stop, or Ctrl-C), then {what} again; or pass --force"
        )));
    }
    Ok(())
}

fn one_line(value: &str, flag: &str) -> CliResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(
            CliError::usage(format!("{flag} must be one non-empty line"))
                .hint(format!("e.g. {flag} \"cargo test --test accept\"")),
        );
    }
    Ok(value.to_owned())
}

pub fn amend(directory: Option<&std::path::Path>, args: &AmendArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let command = one_line(&args.acceptance, "--acceptance")?;
    let reason = one_line(&args.reason, "--reason")?;
    refuse_while_running(&project, args.force, "amend")?;
    let state = peers_store::contract_key::state_dir()?;
    let entry = contracts::amend_acceptance(
        &project.dir,
        &state,
        &command,
        &reason,
        args.force,
        &peers_store::timestamp::now_iso_utc(),
    )?;
    println!(
        "amended: the acceptance command is now `{command}` (signed entry {} of .peers/contracts.log)",
        entry.seq
    );
    Ok(0)
}

pub fn ack_block(directory: Option<&std::path::Path>, args: &AckBlockArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let reason = one_line(&args.reason, "--reason")?;
    let number: u32 = args
        .step
        .strip_prefix("STEP-")
        .unwrap_or(&args.step)
        .parse()
        .map_err(|_| {
            CliError::usage(format!("`{}` is not a step id", args.step))
                .hint("e.g. peers ack-block STEP-3 --reason \"…\"")
        })?;
    refuse_while_running(&project, args.force, "ack-block")?;
    let path = project.root().join("PLAN.md");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    let plan = peers_core::plan::parse(text.as_bytes())?;
    let step = plan.step(number).ok_or_else(|| {
        CliError::usage(format!("PLAN.md has no STEP-{number}"))
            .hint(format!("its steps are STEP-1 to STEP-{}", plan.steps.len()))
    })?;
    if step.mark != StepMark::Blocked {
        return Err(CliError::usage(format!(
            "STEP-{number} is [{}], not [BLOCKED]; only a blocked step is acknowledged",
            step.mark.as_mark()
        )));
    }
    let updated =
        peers_core::plan::set_mark(&text, number, StepMark::Blocked, StepMark::BlockedAck)
            .ok_or_else(|| {
                CliError::failed(format!("STEP-{number}'s line could not be rewritten"))
            })?;
    let state = peers_store::contract_key::state_dir()?;
    let entry = contracts::record_ack_block(
        &project.dir,
        &state,
        &format!("STEP-{number}"),
        &reason,
        args.force,
        &peers_store::timestamp::now_iso_utc(),
    )?;
    std::fs::write(&path, updated)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?;
    let identity = peers_git::Identity {
        name: "peers-operator".to_owned(),
        email: "peers-operator@local".to_owned(),
    };
    let message =
        format!("{ACK_COMMIT_SUBJECT} STEP-{number}\n\n{reason}\n\nPeer: peers-operator\n");
    project.git.add(&["PLAN.md"])?;
    let sha = project
        .git
        .commit_paths(&message, &identity, &["PLAN.md"])?;
    println!(
        "acknowledged: STEP-{number} is [BLOCKED-ACK] (signed entry {} of .peers/contracts.log, commit {}); it still does not count as done",
        entry.seq,
        &sha[..sha.len().min(8)]
    );
    Ok(0)
}
