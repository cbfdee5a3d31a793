//! Whose turn it is: round-robin over `peer_order`, skipping peers that may not run, retrying a
//! failing peer, and moving on after a transient (rate-limited, overloaded) run.
//!
//! Unlike the original (`turn_manager.py`), nobody runs when nobody is eligible: `unavailable`
//! and `halted` peers are never scheduled, and the caller gets the reason to stop with.

use std::fmt;

use crate::config::{PeerRole, PeerSettings, TurnSettings};
use crate::peer_health::{self, Stranded};
use crate::state::{PeerHealth, PeerState, State};

/// The peer to run next and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnPick {
    pub peer: String,
    /// A degraded peer's periodic recovery turn.
    pub recovery: bool,
    pub reason: PickReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickReason {
    /// The rotation reached this peer.
    Rotation,
    /// The peer failed last time and keeps the turn (`attempt` counts from 2).
    Retry { attempt: u64 },
    /// A degraded peer whose recovery turn is due.
    RecoveryTurn,
    /// A `recovery`-role peer, because no other peer is eligible.
    RecoveryRole,
}

impl fmt::Display for PickReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rotation => f.write_str("next in turn order"),
            Self::Retry { attempt } => write!(f, "retry (attempt {attempt}) after a failed turn"),
            Self::RecoveryTurn => f.write_str("recovery turn of a degraded peer"),
            Self::RecoveryRole => f.write_str("recovery peer: no other peer can run"),
        }
    }
}

/// Why no peer can take a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoTurn {
    /// Every peer is unavailable, or degraded/halted with no healthy peer left.
    Stranded(Stranded),
    /// Healthy peers exist only as degraded ones waiting for their recovery turn (cannot
    /// happen while a healthy peer exists; kept so a hand-edited state cannot loop forever).
    NothingDue,
    /// `peer_order` is empty.
    NoPeers,
}

impl NoTurn {
    /// The run's stop reason.
    pub fn stop_reason(&self) -> String {
        match self {
            Self::Stranded(stranded) => stranded.stop_reason().to_owned(),
            Self::NothingDue => "peer-unavailable:none-due".to_owned(),
            Self::NoPeers => "peer-unavailable:no-peers".to_owned(),
        }
    }
}

/// How the turn that just ran ended, for scheduling only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnOutcome {
    Success,
    Failure,
    /// Rate-limited or overloaded: nobody's fault, so no failure is counted.
    Transient,
}

/// The next peer to run, starting at `turn_index` and hopping forward to the first eligible
/// peer. Reads only; [`advance`] moves the turn.
pub fn pick(
    state: &State,
    peers: &[PeerSettings],
    turns: &TurnSettings,
) -> Result<TurnPick, NoTurn> {
    if state.peer_order.is_empty() {
        return Err(NoTurn::NoPeers);
    }
    if let Some(stranded) = peer_health::stranded(state) {
        return Err(NoTurn::Stranded(stranded));
    }
    let mut fallback = None;
    for name in rotation(state) {
        let health = health_of(state, name);
        let candidate = match health.state {
            PeerState::Healthy => Some(false),
            PeerState::Degraded if recovery_due(health, state.iteration, turns) => Some(true),
            PeerState::Degraded | PeerState::Halted | PeerState::Unavailable => None,
        };
        let Some(recovery) = candidate else { continue };
        if role_of(peers, name) == PeerRole::Recovery {
            fallback.get_or_insert((name, recovery));
            continue;
        }
        return Ok(choose(state, name, recovery, health));
    }
    match fallback {
        Some((name, recovery)) => Ok(TurnPick {
            peer: name.to_owned(),
            recovery,
            reason: PickReason::RecoveryRole,
        }),
        None => Err(NoTurn::NothingDue),
    }
}

fn choose(state: &State, name: &str, recovery: bool, health: &PeerHealth) -> TurnPick {
    let is_current = state.current_peer() == Some(name);
    let reason = if recovery {
        PickReason::RecoveryTurn
    } else if is_current && health.consecutive_fails > 0 {
        PickReason::Retry {
            attempt: health.consecutive_fails + 1,
        }
    } else {
        PickReason::Rotation
    };
    TurnPick {
        peer: name.to_owned(),
        recovery,
        reason,
    }
}

/// Records how `peer`'s turn ended and moves `turn_index`: success and transient runs rotate;
/// a failure keeps the turn for `max_retries` extra attempts, then rotates.
pub fn advance(state: &mut State, peer: &str, outcome: TurnOutcome, turns: &TurnSettings) {
    let Some(index) = state.peer_order.iter().position(|n| n == peer) else {
        return;
    };
    let health = state.peers.entry(peer.to_owned()).or_default();
    let keep_turn = match outcome {
        TurnOutcome::Success | TurnOutcome::Transient => false,
        TurnOutcome::Failure => {
            health.consecutive_fails += 1;
            health.consecutive_fails <= u64::from(turns.max_retries)
        }
    };
    if keep_turn {
        state.turn_index = index;
    } else {
        health.consecutive_fails = 0;
        state.turn_index = (index + 1) % state.peer_order.len();
    }
}

/// A degraded peer may run once every `recovery_interval` iterations, counted from its last
/// recovery attempt (or from when it was degraded).
pub fn recovery_due(health: &PeerHealth, iteration: u64, turns: &TurnSettings) -> bool {
    let since = health
        .recovery_cooldown_iter
        .or(health.degraded_at_iter)
        .unwrap_or(0);
    iteration.saturating_sub(since) >= turns.recovery_interval
}

/// `peer_order` starting at `turn_index`, wrapping once.
fn rotation(state: &State) -> impl Iterator<Item = &str> {
    let len = state.peer_order.len();
    let start = state.turn_index.min(len.saturating_sub(1));
    (0..len).map(move |offset| state.peer_order[(start + offset) % len].as_str())
}

fn health_of<'a>(state: &'a State, name: &str) -> &'a PeerHealth {
    static HEALTHY: std::sync::LazyLock<PeerHealth> = std::sync::LazyLock::new(PeerHealth::default);
    state.peers.get(name).unwrap_or(&HEALTHY)
}

fn role_of(peers: &[PeerSettings], name: &str) -> PeerRole {
    peers
        .iter()
        .find(|p| p.name == name)
        .map_or(PeerRole::Default, |p| p.role)
}

#[cfg(test)]
mod tests;
