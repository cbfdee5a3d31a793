//! `.peers/HALTED.md`: written when no peer can run any more, saying who is out, why, and the
//! exact command that brings each back.

use peers_core::state::PeerState;

use crate::error::DriverError;
use crate::session::Session;

pub fn write_if_stranded(session: &Session) -> Result<(), DriverError> {
    let Some(stranded) = peers_core::peer_health::stranded(&session.state) else {
        return Ok(());
    };
    let mut text = format!(
        "# peers halted\n\nNo peer can take a turn ({}), at iteration {}.\n\n| peer | state | why |\n|---|---|---|\n",
        stranded.stop_reason(),
        session.state.iteration
    );
    for name in &session.state.peer_order {
        let Some(peer) = session.state.peers.get(name) else {
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
    peers_store::safe_fs::write_atomic(&session.inputs.dir.halted_md(), text.as_bytes())?;
    Ok(())
}
