//! Peer health: healthy → degraded → halted, and unavailable, driven by how each tick ended.
//!
//! Two of the original's weak points are fixed here: `halted` and `unavailable` are
//! cleared only by an explicit [`revive`], and when no healthy peer is left the caller is
//! told to stop ([`stranded`]) instead of running a peer anyway.

use std::fmt;

use crate::state::{PeerHealth, PeerState, RecentRun, State};

/// How many recent runs the failure window holds.
pub const RECENT_WINDOW: usize = 5;
/// Failure weight in the window that degrades a peer.
pub const DEGRADE_AT_FAILS: f64 = 3.0;
/// Anti-cheat reverts in a row that degrade a peer.
pub const DEGRADE_AT_CHEAT_REVERTS: u64 = 2;

/// What one tick said about the peer that ran it.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthEvent {
    /// A valid handoff.
    Success,
    /// Worked (commits) but did not hand off: half a failure.
    ProductiveNoHandoff,
    /// Any failed run; `classification` is the agent outcome (`process-fail`, …).
    Failure {
        classification: String,
        pattern: Option<String>,
    },
    /// The tick's commits were reverted as a test-only turn.
    CheatRevert,
    /// Rate-limited or overloaded: neutral, nothing changes.
    Transient,
    /// A halt pattern (auth, quota, invalid key) matched: stop using this peer.
    Unavailable { reason: String, snippet: String },
}

/// A state change worth a warning line.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthChange {
    Degraded {
        peer: String,
        reason: String,
    },
    Recovered {
        peer: String,
    },
    Unavailable {
        peer: String,
        reason: String,
    },
    /// No healthy peer is left: every degraded peer was halted.
    AllHalted {
        peers: Vec<String>,
    },
    Revived {
        peer: String,
        was: PeerState,
    },
}

impl fmt::Display for HealthChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Degraded { peer, reason } => write!(f, "peer {peer} is degraded ({reason})"),
            Self::Recovered { peer } => write!(f, "peer {peer} recovered and is healthy again"),
            Self::Unavailable { peer, reason } => write!(
                f,
                "peer {peer} is unavailable ({reason}); fix the cause, then `peers revive {peer}`"
            ),
            Self::AllHalted { peers } => write!(
                f,
                "no healthy peer left: halted {}; `peers revive <peer>` to resume",
                peers.join(", ")
            ),
            Self::Revived { peer, was } => {
                write!(f, "peer {peer} revived (was {})", was.as_str())
            }
        }
    }
}

/// Why nobody can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stranded {
    AllUnavailable,
    /// No healthy peer; the rest are degraded, halted or unavailable.
    AllDegraded,
}

impl Stranded {
    pub fn stop_reason(self) -> &'static str {
        match self {
            Self::AllUnavailable => "peer-unavailable:all-peers",
            Self::AllDegraded => "peer-unavailable:all-peers-degraded",
        }
    }
}

/// Applies one tick's event to `peer`, then halts every degraded peer if none is healthy.
pub fn apply(
    state: &mut State,
    peer: &str,
    event: HealthEvent,
    iteration: u64,
) -> Vec<HealthChange> {
    let health = state.peers.entry(peer.to_owned()).or_default();
    let mut changes: Vec<HealthChange> = match event {
        HealthEvent::Transient => return Vec::new(),
        HealthEvent::Success => on_success(health, peer).into_iter().collect(),
        HealthEvent::ProductiveNoHandoff => {
            health.cheat_reverts_in_a_row = 0;
            push_run(health, RecentRun::Weight(0.5));
            on_failure(health, peer, "productive-no-handoff", None, iteration)
                .into_iter()
                .collect()
        }
        HealthEvent::Failure {
            classification,
            pattern,
        } => {
            health.cheat_reverts_in_a_row = 0;
            push_run(health, RecentRun::Outcome(false));
            on_failure(health, peer, &classification, pattern.as_deref(), iteration)
                .into_iter()
                .collect()
        }
        HealthEvent::CheatRevert => on_cheat_revert(health, peer, iteration)
            .into_iter()
            .collect(),
        HealthEvent::Unavailable { reason, snippet } => {
            vec![mark_unavailable(health, peer, reason, snippet, iteration)]
        }
    };
    changes.extend(halt_if_stranded(state));
    changes
}

fn on_success(health: &mut PeerHealth, peer: &str) -> Option<HealthChange> {
    health.cheat_reverts_in_a_row = 0;
    push_run(health, RecentRun::Outcome(true));
    if health.state != PeerState::Degraded {
        return None;
    }
    health.state = PeerState::Healthy;
    health.degraded_reason = None;
    health.degraded_at_iter = None;
    health.recovery_cooldown_iter = None;
    Some(HealthChange::Recovered {
        peer: peer.to_owned(),
    })
}

/// Degrades a healthy peer at ≥3 failures in the window; a degraded peer's failed recovery
/// turn restarts its cooldown.
fn on_failure(
    health: &mut PeerHealth,
    peer: &str,
    classification: &str,
    pattern: Option<&str>,
    iteration: u64,
) -> Option<HealthChange> {
    match health.state {
        PeerState::Degraded => {
            health.recovery_cooldown_iter = Some(iteration);
            None
        }
        PeerState::Healthy if health.recent_fails >= DEGRADE_AT_FAILS => {
            let mut reason = format!(
                "recent-fails:{}/{RECENT_WINDOW} | last={classification}",
                health.recent_fails
            );
            if let Some(pattern) = pattern {
                reason.push_str(&format!(" | pattern={pattern}"));
            }
            Some(degrade(health, peer, reason, iteration))
        }
        PeerState::Healthy | PeerState::Halted | PeerState::Unavailable => None,
    }
}

fn on_cheat_revert(health: &mut PeerHealth, peer: &str, iteration: u64) -> Option<HealthChange> {
    health.cheat_reverts_in_a_row += 1;
    push_run(health, RecentRun::Outcome(false));
    if health.state == PeerState::Healthy
        && health.cheat_reverts_in_a_row >= DEGRADE_AT_CHEAT_REVERTS
    {
        let reason = format!("cheat-reverts:{} in a row", health.cheat_reverts_in_a_row);
        return Some(degrade(health, peer, reason, iteration));
    }
    on_failure(health, peer, "anti-cheat-revert", None, iteration)
}

fn degrade(health: &mut PeerHealth, peer: &str, reason: String, iteration: u64) -> HealthChange {
    health.state = PeerState::Degraded;
    health.degraded_reason = Some(reason.clone());
    health.degraded_at_iter = Some(iteration);
    health.recovery_cooldown_iter = None;
    HealthChange::Degraded {
        peer: peer.to_owned(),
        reason,
    }
}

fn mark_unavailable(
    health: &mut PeerHealth,
    peer: &str,
    reason: String,
    snippet: String,
    iteration: u64,
) -> HealthChange {
    health.state = PeerState::Unavailable;
    health.unavailable_reason = Some(reason.clone());
    health.unavailable_at_iter = Some(iteration);
    health.unavailable_snippet = Some(snippet);
    HealthChange::Unavailable {
        peer: peer.to_owned(),
        reason,
    }
}

/// Keeps the last [`RECENT_WINDOW`] runs and recomputes the failure weight.
fn push_run(health: &mut PeerHealth, run: RecentRun) {
    health.recent_runs.push(run);
    let excess = health.recent_runs.len().saturating_sub(RECENT_WINDOW);
    health.recent_runs.drain(..excess);
    health.recent_fails = health.recent_runs.iter().map(failure_weight).sum();
}

/// `true` = success (0), `false` = failure (1), a number = that much failure.
fn failure_weight(run: &RecentRun) -> f64 {
    match run {
        RecentRun::Outcome(true) => 0.0,
        RecentRun::Outcome(false) => 1.0,
        RecentRun::Weight(weight) => weight.clamp(0.0, 1.0),
    }
}

fn halt_if_stranded(state: &mut State) -> Option<HealthChange> {
    if stranded(state) != Some(Stranded::AllDegraded) {
        return None;
    }
    let mut halted = Vec::new();
    for name in &state.peer_order {
        let Some(health) = state.peers.get_mut(name) else {
            continue;
        };
        if health.state == PeerState::Degraded {
            health.state = PeerState::Halted;
            halted.push(name.clone());
        }
    }
    (!halted.is_empty()).then_some(HealthChange::AllHalted { peers: halted })
}

/// `Some` when no configured peer is healthy, so the run must stop.
pub fn stranded(state: &State) -> Option<Stranded> {
    let states: Vec<PeerState> = state
        .peer_order
        .iter()
        .map(|name| {
            state
                .peers
                .get(name)
                .map_or(PeerState::Healthy, |h| h.state)
        })
        .collect();
    if states.is_empty() || states.contains(&PeerState::Healthy) {
        return None;
    }
    if states.iter().all(|s| *s == PeerState::Unavailable) {
        Some(Stranded::AllUnavailable)
    } else {
        Some(Stranded::AllDegraded)
    }
}

/// Why [`revive`] did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviveError {
    #[error("no peer named `{peer}` in the state; configured peers: {known}")]
    UnknownPeer { peer: String, known: String },
}

/// Makes `peer` healthy again, whatever its state, with a clean failure window: the operator
/// has fixed the cause (logged in, topped up, restarted a server). Returns `None` when the peer
/// was already healthy.
pub fn revive(state: &mut State, peer: &str) -> Result<Option<HealthChange>, ReviveError> {
    let known = state.peer_order.join(", ");
    let Some(health) = state
        .peers
        .get_mut(peer)
        .filter(|_| state.peer_order.iter().any(|n| n == peer))
    else {
        return Err(ReviveError::UnknownPeer {
            peer: peer.to_owned(),
            known,
        });
    };
    let was = health.state;
    if was == PeerState::Healthy {
        return Ok(None);
    }
    *health = PeerHealth {
        last_run: health.last_run.take(),
        extra: std::mem::take(&mut health.extra),
        ..PeerHealth::default()
    };
    Ok(Some(HealthChange::Revived {
        peer: peer.to_owned(),
        was,
    }))
}

#[cfg(test)]
mod tests;
