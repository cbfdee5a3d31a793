//! `peers revive`: put a halted, degraded or unavailable peer back into the rotation after the
//! operator fixed the cause (logged in again, topped up the quota…), and with `--counters`
//! reset the failure streak and stuck-gate counters that stopped the last run. Halts and
//! counters are never cleared by themselves; this is the documented way out.

use std::path::Path;

use clap::Args;
use peers_core::state::State;
use peers_store::run_lock::LockState;
use serde_json::json;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
#[command(after_help = "\
After `stuck:<gate>` or `budget:max_consecutive_failures` every later `peers run` stops before \
its first tick until the counters are reset: fix the cause, then `peers revive --counters` \
(combine with `--all` to also bring the peers back). Lifetime caps (max_iterations, \
max_runtime_s, max_tokens, max_usd) are not counters: raise them in .peers/config.yaml.")]
pub struct ReviveArgs {
    /// The peer to revive.
    #[arg(required_unless_present_any = ["all", "counters"], conflicts_with = "all")]
    pub peer: Option<String>,
    /// Revive every peer.
    #[arg(long)]
    pub all: bool,
    /// Reset the failed-tick streak (budget.max_consecutive_failures) and every gate's stuck
    /// counter (goals.stuck_halt_after), so the next run starts counting from zero.
    #[arg(long)]
    pub counters: bool,
    /// Print what was done as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(directory: Option<&Path>, args: &ReviveArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    if let LockState::Held { pid } = peers_store::run_lock::probe_lock(&project.dir)? {
        return Err(CliError::usage(format!(
            "a run is active{}; peers will not edit its state under it",
            pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
        ))
        .hint("stop the run (Ctrl-C or SIGTERM), revive, then start it again"));
    }
    let config = project.load_config()?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let mut state = peers_store::state_file::load_state(&project.dir, &names)?.state;
    state.sync_peers(&names);
    let targets: Vec<String> = match (&args.peer, args.all) {
        (Some(peer), _) => vec![peer.clone()],
        (None, true) => names.clone(),
        (None, false) => Vec::new(),
    };
    let mut changes = Vec::new();
    for peer in &targets {
        match peers_core::peer_health::revive(&mut state, peer) {
            Ok(Some(change)) => changes.push(change.to_string()),
            Ok(None) => changes.push(format!("{peer} was already healthy")),
            Err(err) => {
                return Err(CliError::usage(err.to_string())
                    .hint(format!("the peers are: {}", names.join(", "))));
            }
        }
    }
    let counters = if args.counters {
        peers_core::stop_advice::reset_streak_counters(&mut state)
    } else {
        Vec::new()
    };
    peers_store::state_file::save_state(&project.dir, &state)?;
    let last = peers_store::last_stop::read_last_stop(&project.dir)?.map(|s| s.reason);
    let halted = project.dir.halted_md();
    let removed_halted = halted.exists() && halted_is_cleared(last.as_deref(), &state);
    if removed_halted {
        std::fs::remove_file(&halted).map_err(|err| {
            CliError::failed(format!("cannot remove {}: {err}", halted.display()))
        })?;
    }
    let streak_left = !args.counters && last.as_deref().is_some_and(is_streak_stop);
    if args.json {
        let value = json!({
            "peers": changes,
            "counters_reset": counters,
            "removed_halted_md": removed_halted,
            "last_stop_reason": last,
            "still_blocked_by_counters": streak_left && streaks_present(&state),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut out = String::new();
    for change in &changes {
        out.push_str(&format!("{change}\n"));
    }
    if args.counters {
        if counters.is_empty() {
            out.push_str("no failure streak or stuck counter to reset\n");
        }
        for line in &counters {
            out.push_str(&format!("reset {line}\n"));
        }
    }
    if removed_halted {
        out.push_str("removed .peers/HALTED.md\n");
    }
    if streak_left && streaks_present(&state) {
        out.push_str(&format!(
            "note: the last run stopped for {}; its counters are unchanged, so the next run stops again at once\nhint: `{}` resets them once the cause is fixed\n",
            last.as_deref().unwrap_or_default(),
            peers_core::stop_advice::RESET_COUNTERS_COMMAND
        ));
    }
    print!("{out}");
    Ok(0)
}

fn is_streak_stop(reason: &str) -> bool {
    reason.starts_with("stuck:") || reason == "budget:max_consecutive_failures"
}

fn streaks_present(state: &State) -> bool {
    state.budget.consecutive_failures > 0 || !state.stuck_counter.is_empty()
}

/// HALTED.md goes once the condition that wrote it is gone: no stranded peers and, for a
/// streak stop, the counters reset; a spent lifetime cap or changed goals keep it.
fn halted_is_cleared(last_stop: Option<&str>, state: &State) -> bool {
    if peers_core::peer_health::stranded(state).is_some() {
        return false;
    }
    match last_stop {
        None => true,
        Some(reason) if is_streak_stop(reason) => !streaks_present(state),
        Some(reason) if reason.starts_with("peer-unavailable") => true,
        Some(reason) => {
            peers_core::stop_advice::advise(reason).is_none_or(|advice| !advice.blocks_next_run)
        }
    }
}
