//! `.peers/HALTED.md`: written when a run stops for a reason the next run would stop on too
//! (no peer can run, a stuck gate, a failure streak, a spent budget, goals changed), saying what
//! happened and the exact command that lets the project run again; removed when a later run
//! stops for a reason that needs nothing.

use peers_core::state::PeerState;
use peers_core::stop_reason::StopReason;

use crate::error::DriverError;
use crate::session::Session;

/// At the end of every run: a blocking stop writes HALTED.md with its advice (stranded peers
/// keep the table [`write_if_stranded`] wrote); any other stop removes a stale one.
pub fn record_stop(session: &Session, reason: &StopReason) -> Result<(), DriverError> {
    let path = session.ctx.inputs.dir.halted_md();
    if peers_core::peer_health::stranded(&session.run.state).is_some() {
        return Ok(());
    }
    match peers_core::stop_advice::advise(&reason.to_string()) {
        Some(advice) if advice.blocks_next_run => {
            let text = format!(
                "# peers halted\n\nThe run stopped: `{reason}`, at iteration {}.\n\n{}.\n\n## What to do\n\n{}.\n\nUntil then every `peers run` stops again before its first tick. `peers status` shows this too.\n",
                session.run.state.iteration,
                capitalised(&advice.what),
                capitalised(&advice.fix),
            );
            peers_store::safe_fs::write_atomic(&path, text.as_bytes())?;
        }
        _ => {
            if std::fs::symlink_metadata(&path).is_ok() {
                std::fs::remove_file(&path).map_err(|e| DriverError::io(&path, e))?;
            }
        }
    }
    Ok(())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn write_if_stranded(session: &Session) -> Result<(), DriverError> {
    let Some(stranded) = peers_core::peer_health::stranded(&session.run.state) else {
        return Ok(());
    };
    let mut text = format!(
        "# peers halted\n\nNo peer can take a turn ({}), at iteration {}.\n\n| peer | state | why |\n|---|---|---|\n",
        stranded.stop_reason(),
        session.run.state.iteration
    );
    for name in &session.run.state.peer_order {
        let Some(peer) = session.run.state.peers.get(name) else {
            continue;
        };
        let why = match peer.state {
            PeerState::Unavailable => peer.unavailable_reason.clone().unwrap_or_default(),
            PeerState::Degraded | PeerState::Halted => {
                peer.degraded_reason.clone().unwrap_or_default()
            }
            PeerState::Healthy => String::new(),
        };
        text.push_str(&format!(
            "| {name} | {} | {} |\n",
            peer.state.as_str(),
            why.replace('|', "\\|").replace('\n', " ")
        ));
    }
    text.push_str(
        "\n## What to do\n\n1. Read the last ticks: `peers report` and `peers replay <iteration>`.\n\
         2. Fix the cause (log in again, top up the quota, raise `health.idle_timeout_s`, fix the peer's argv).\n\
         3. Bring the peers back: `peers revive --all` (or `peers revive <name>`); this file is removed.\n\
         4. Start again: `peers run` resumes from the saved iteration.\n",
    );
    peers_store::safe_fs::write_atomic(&session.ctx.inputs.dir.halted_md(), text.as_bytes())?;
    Ok(())
}
