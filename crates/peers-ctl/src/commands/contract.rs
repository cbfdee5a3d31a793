//! `peers-ctl amend` and `peers-ctl ack-block`: the operator's changes to a registered
//! implement project's frozen contract, done by the project's `peers amend` / `peers
//! ack-block` (which sign the entry and refuse while its run holds the lock unless --force).

use std::ffi::OsString;
use std::path::Path;

use clap::Args;

use crate::commands::{pick_name, registry};
use crate::error::{CtlError, CtlResult};
use crate::launch::run_peers;

#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The project (optional when only one is registered).
    pub name: Option<String>,
    /// The new acceptance command (one line of shell).
    #[arg(long, value_name = "COMMAND")]
    pub acceptance: String,
    /// Why the contract changes; recorded in the signed chain.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Change it even though the project is running.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct AckBlockArgs {
    /// The project.
    pub name: String,
    /// The blocked step, e.g. STEP-3.
    #[arg(value_name = "STEP-N")]
    pub step: String,
    /// Why the block is acceptable; recorded in the signed chain.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Acknowledge even though the project is running.
    #[arg(long)]
    pub force: bool,
}

pub fn amend(config: &Path, args: &AmendArgs) -> CtlResult<u8> {
    let mut argv: Vec<OsString> = vec![
        "amend".into(),
        "--acceptance".into(),
        args.acceptance.clone().into(),
        "--reason".into(),
        args.reason.clone().into(),
    ];
    if args.force {
        argv.push("--force".into());
    }
    in_project(config, args.name.as_deref(), argv)
}

pub fn ack_block(config: &Path, args: &AckBlockArgs) -> CtlResult<u8> {
    let mut argv: Vec<OsString> = vec![
        "ack-block".into(),
        args.step.clone().into(),
        "--reason".into(),
        args.reason.clone().into(),
    ];
    if args.force {
        argv.push("--force".into());
    }
    in_project(config, Some(&args.name), argv)
}

fn in_project(config: &Path, name: Option<&str>, args: Vec<OsString>) -> CtlResult<u8> {
    let registry = registry(config)?;
    let name = pick_name(&registry, name)?;
    let project = registry.find(&name)?;
    let mut argv: Vec<OsString> = vec!["-C".into(), project.path.clone().into_os_string()];
    argv.extend(args);
    let done = run_peers(&project.path, &argv)?;
    print!("{}", done.stdout);
    if done.success {
        return Ok(0);
    }
    Err(CtlError::usage(format!(
        "{name}: {}",
        done.stderr.trim().trim_start_matches("error: ")
    )))
}
