//! The driver's own durable bookkeeping, kept inside state.json under the `loop` key: the tick in
//! flight (so a crash or `kill -9` mid-tick is finalised exactly once on resume), the digest of the
//! goal set (so per-goal counters reset when goals change), and who handed off last.

use peers_core::state::State;
use serde::{Deserialize, Serialize};

const KEY: &str = "loop";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoopState {
    pub in_flight: Option<InFlight>,
    pub last_handoff_peer: Option<String>,
    /// Warnings for a peer's next prompt (ledger complaints about its reports, reverts…).
    pub warnings: std::collections::BTreeMap<String, Vec<String>>,
    /// Each peer's inbox: other peers' commits since its last turn, newest last, capped.
    pub inbox: std::collections::BTreeMap<String, Vec<InboxEntry>>,
    /// A tick record already reflected in this state but perhaps not yet in runs.jsonl: the
    /// state is saved first, then the record appended, then this cleared.
    pub pending_record: Option<serde_json::Value>,
}

/// One commit in a peer's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    pub sha: String,
    pub peer: String,
    pub subject: String,
}

/// Commits kept per inbox; older ones are dropped (the prompt shows at most this many).
pub const INBOX_CAP: usize = 50;

/// A tick that was started but not yet recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    /// The iteration number this tick will have once recorded.
    pub iteration: u64,
    pub peer: String,
    pub head_before: Option<String>,
    pub started_at: String,
    pub skeptic: bool,
    /// The value of `PEERS_TICK_ID` in the peer's environment: every process it starts
    /// inherits it, so a resume finds them even outside its process group and session.
    #[serde(default)]
    pub marker: Option<String>,
    /// The peer process right after it started (saved once it exists).
    #[serde(default)]
    pub leader: Option<crate::tick_trace::LeaderRecord>,
}

impl LoopState {
    pub fn read(state: &State) -> LoopState {
        state
            .extra
            .get(KEY)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// Queues a warning for `peer`'s next prompt (kept to the newest 50).
    pub fn warn(&mut self, peer: &str, warning: String) {
        let queue = self.warnings.entry(peer.to_owned()).or_default();
        if !queue.contains(&warning) {
            queue.push(warning);
        }
        let excess = queue.len().saturating_sub(50);
        queue.drain(..excess);
    }

    /// Queues a warning for every peer in `peers`.
    pub fn warn_all(&mut self, peers: &[String], warning: String) {
        for peer in peers {
            self.warn(peer, warning.clone());
        }
    }

    /// The warnings for `peer`'s prompt, removed from the queue.
    pub fn take_warnings(&mut self, peer: &str) -> Vec<String> {
        self.warnings.remove(peer).unwrap_or_default()
    }

    /// Delivers `author`'s commits to every other peer's inbox.
    pub fn deliver(&mut self, peers: &[String], author: &str, commits: &[peers_git::Commit]) {
        if commits.is_empty() {
            return;
        }
        for peer in peers.iter().filter(|p| p.as_str() != author) {
            let inbox = self.inbox.entry(peer.clone()).or_default();
            inbox.extend(commits.iter().map(|c| InboxEntry {
                sha: c.sha.clone(),
                peer: author.to_owned(),
                subject: c.message.lines().next().unwrap_or("").to_owned(),
            }));
            let excess = inbox.len().saturating_sub(INBOX_CAP);
            inbox.drain(..excess);
        }
    }

    /// `peer`'s inbox, emptied: it is shown once, in the peer's next prompt.
    pub fn take_inbox(&mut self, peer: &str) -> Vec<InboxEntry> {
        self.inbox.remove(peer).unwrap_or_default()
    }

    pub fn write(&self, state: &mut State) {
        if let Ok(value) = serde_json::to_value(self) {
            state.extra.insert(KEY.to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_state_survives_a_round_trip_through_state_extra() {
        let mut state = State::for_peers(&["a".to_owned(), "b".to_owned()]);
        let loop_state = LoopState {
            in_flight: Some(InFlight {
                iteration: 4,
                peer: "a".into(),
                head_before: Some("abc".into()),
                started_at: "t".into(),
                skeptic: true,
                marker: Some("0123abcd".into()),
                leader: Some(crate::tick_trace::LeaderRecord {
                    pid: 41,
                    pgid: 41,
                    sid: 7,
                    start: 12345,
                }),
            }),
            last_handoff_peer: Some("b".into()),
            warnings: Default::default(),
            inbox: Default::default(),
            pending_record: None,
        };
        loop_state.write(&mut state);
        let json = serde_json::to_string(&state).unwrap();
        let back: State = serde_json::from_str(&json).unwrap();
        assert_eq!(LoopState::read(&back), loop_state);
    }
}
