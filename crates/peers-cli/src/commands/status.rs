//! `peers status`: where the run stands — iteration, the next peer, who holds the run lock,
//! the tick in progress, peer health, the last stop reason. Reads only; never takes the lock.

use std::path::Path;

use clap::Args;
use peers_store::run_lock::LockState;
use serde_json::json;

use crate::error::CliResult;
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the status as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(directory: Option<&Path>, args: &StatusArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let config = project.load_config()?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let loaded = peers_store::state_file::load_state(&project.dir, &names)?;
    let mut state = loaded.state;
    state.sync_peers(&names);
    let lock = peers_store::run_lock::probe_lock(&project.dir)?;
    let last_stop = peers_store::last_stop::read_last_stop(&project.dir)?;
    let halted = project.dir.halted_md().exists();
    // The advice holds while HALTED.md stands (a blocking stop not yet cleared) and always
    // for a stop the next run simply resumes from.
    let advice = last_stop
        .as_ref()
        .and_then(|stop| peers_core::stop_advice::advise(&stop.reason))
        .filter(|advice| halted || !advice.blocks_next_run);
    let next = state
        .peer_order
        .get(state.turn_index)
        .cloned()
        .unwrap_or_default();
    let lock_text = match &lock {
        LockState::Absent => "free (no run has started)".to_owned(),
        LockState::Free {
            stale_pid: Some(pid),
        } => format!("free (stale lock file from pid {pid}, not running)"),
        LockState::Free { stale_pid: None } => "free".to_owned(),
        LockState::Held { pid: Some(pid) } => format!("HELD by running pid {pid}"),
        LockState::Held { pid: None } => "HELD by a running process".to_owned(),
    };
    let running = matches!(lock, LockState::Held { .. });
    let in_progress = crate::live::in_progress::read(&project.dir, &state, running);
    if args.json {
        let value = json!({
            "target": project.root(),
            "iteration": state.iteration,
            "next_peer": next,
            "peer_order": state.peer_order,
            "lock": lock_json(&lock),
            "halted": halted,
            "in_progress": in_progress.as_ref().map(|p| p.to_json()),
            "last_stop_reason": last_stop.as_ref().map(|s| json!({"reason": s.reason, "at": s.at})),
            "stopped": advice.as_ref().map(|a| json!({
                "what": a.what, "fix": a.fix, "blocks_next_run": a.blocks_next_run,
            })),
            "consecutive_failures": state.budget.consecutive_failures,
            "stuck_counter": state.stuck_counter,
            "consecutive_clean_ticks": state.consecutive_clean_ticks,
            "peers": state.peers.iter().map(|(name, p)| (name.clone(), json!({
                "state": p.state.as_str(), "consecutive_fails": p.consecutive_fails,
            }))).collect::<serde_json::Map<_, _>>(),
            "goals": state.goals_status.iter().map(|(id, g)| (id.clone(), json!(g.state.as_str()))).collect::<serde_json::Map<_, _>>(),
            "implement": state.implement,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut out = format!(
        "target:     {}\niteration:  {}\nnext peer:  {}\nrun lock:   {}\n",
        project.root().display(),
        state.iteration,
        next,
        lock_text
    );
    if let Some(tick) = &in_progress {
        out.push_str(&format!("in progress: {}\n", tick.headline()));
        let last = tick.last_line();
        if !last.is_empty() {
            out.push_str(&format!("  last output: {last}\n"));
        }
    }
    if let Some(reason) = &last_stop {
        out.push_str(&format!("last stop:  {} at {}\n", reason.reason, reason.at));
    }
    if let Some(advice) = &advice {
        out.push_str(&format!(
            "  what happened: {}\n  what to do:    {}\n",
            advice.what, advice.fix
        ));
    }
    if halted {
        out.push_str(
            "HALTED:     the next `peers run` stops before its first tick; read .peers/HALTED.md\n",
        );
    }
    out.push_str(&format!(
        "clean ticks in a row: {}\n",
        state.consecutive_clean_ticks
    ));
    if let Some(implement) = &state.implement {
        out.push_str(&implement_line(implement));
    }
    out.push_str("peers:\n");
    for name in &state.peer_order {
        if let Some(peer) = state.peers.get(name) {
            out.push_str(&format!(
                "  {name:<16} {} (consecutive fails: {})\n",
                peer.state.as_str(),
                peer.consecutive_fails
            ));
        }
    }
    if !state.goals_status.is_empty() {
        out.push_str("goals (last evaluation):\n");
        for (id, goal) in &state.goals_status {
            out.push_str(&format!("  {id:<32} {}\n", goal.state.as_str()));
        }
    }
    print!("{out}");
    Ok(0)
}

/// The implement mode's progress: steps done and where the two-phase completion stands.
fn implement_line(implement: &peers_core::implement::ImplementState) -> String {
    use peers_core::implement::{CompletionPhase, OperatorPause};
    let steps = implement
        .done_steps
        .map_or_else(|| "not yet counted".to_owned(), |n| n.to_string());
    let phase = match implement.completion {
        CompletionPhase::A => format!(
            "phase A ({} all-green evaluations in a row)",
            implement.consecutive_green
        ),
        CompletionPhase::B => format!(
            "phase B ({} of {} review-gate passes)",
            implement.phase_b_passes,
            peers_core::implement::PHASE_B_PASSES
        ),
        CompletionPhase::Complete => "complete".to_owned(),
    };
    let mut line = format!("implement:  steps checked off: {steps}; completion {phase}\n");
    match implement.pause {
        OperatorPause::Off | OperatorPause::Passed { .. } => {}
        OperatorPause::Requested => line.push_str(
            "checkpoint: requested (--checkpoint): the run stops for you when the architecture phase is over\n",
        ),
        OperatorPause::Waiting { at } => line.push_str(&format!(
            "checkpoint: WAITING FOR YOU after the architecture phase (tick {at}): {}: `peers run` continues\n",
            peers_core::implement::PAUSE_ADVICE
        )),
    }
    line
}

fn lock_json(lock: &LockState) -> serde_json::Value {
    match lock {
        LockState::Absent => json!({"state": "absent"}),
        LockState::Free { stale_pid } => json!({"state": "free", "stale_pid": stale_pid}),
        LockState::Held { pid } => json!({"state": "held", "pid": pid}),
    }
}
