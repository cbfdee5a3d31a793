//! `peers revive`: put a halted, degraded or unavailable peer back into the rotation after the
//! operator fixed the cause (logged in again, topped up the quota…). Halts are never cleared by
//! themselves; this is the documented way out.

use std::path::Path;

use clap::Args;
use peers_store::run_lock::LockState;

use crate::error::{CliError, CliResult};
use crate::project::{Project, store_error};

#[derive(Debug, Args)]
pub struct ReviveArgs {
    /// The peer to revive.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub peer: Option<String>,
    /// Revive every peer.
    #[arg(long)]
    pub all: bool,
}

pub fn run(directory: Option<&Path>, args: &ReviveArgs) -> CliResult<u8> {
    let project = Project::open_initialised(directory)?;
    if let LockState::Held { pid } =
        peers_store::run_lock::probe_lock(&project.dir).map_err(store_error)?
    {
        return Err(CliError::usage(format!(
            "a run is active{}; peers will not edit its state under it",
            pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
        ))
        .hint("stop the run (Ctrl-C or SIGTERM), revive, then start it again"));
    }
    let config = project.load_config()?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let mut state = peers_store::state_file::load_state(&project.dir, &names)
        .map_err(store_error)?
        .state;
    state.sync_peers(&names);
    let targets: Vec<String> = match &args.peer {
        Some(peer) => vec![peer.clone()],
        None => names.clone(),
    };
    for peer in &targets {
        match peers_core::peer_health::revive(&mut state, peer) {
            Ok(Some(change)) => println!("{change}"),
            Ok(None) => println!("{peer} was already healthy"),
            Err(err) => {
                return Err(CliError::usage(err.to_string())
                    .hint(format!("the peers are: {}", names.join(", "))));
            }
        }
    }
    peers_store::state_file::save_state(&project.dir, &state).map_err(store_error)?;
    let halted = project.dir.halted_md();
    if halted.exists() && peers_core::peer_health::stranded(&state).is_none() {
        std::fs::remove_file(&halted).map_err(|err| {
            CliError::failed(format!("cannot remove {}: {err}", halted.display()))
        })?;
        println!("removed .peers/HALTED.md");
    }
    Ok(0)
}
