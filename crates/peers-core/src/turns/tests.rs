//! Scheduling rules, including the original's sticky/unavailable-scheduled bugs.

use super::*;
use crate::config::{PromptMode, ToolKind};
use crate::location::Span;

fn settings(name: &str, role: PeerRole) -> PeerSettings {
    PeerSettings {
        name: name.to_owned(),
        tool: ToolKind::Generic("x".into()),
        argv: None,
        prompt_mode: PromptMode::Stdin,
        role,
        model: None,
        reasoning: None,
        provider: None,
        env: Vec::new(),
        span: Span::default(),
    }
}

fn setup(names: &[&str]) -> (State, Vec<PeerSettings>) {
    let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let peers = names
        .iter()
        .map(|n| settings(n, PeerRole::Default))
        .collect();
    (State::for_peers(&owned), peers)
}

fn set_state(state: &mut State, peer: &str, value: PeerState) {
    state.peers.get_mut(peer).unwrap().state = value;
}

const TURNS: TurnSettings = TurnSettings {
    max_retries: 1,
    recovery_interval: 8,
};

#[test]
fn round_robin_rotates_on_success() {
    let (mut state, peers) = setup(&["a", "b", "c"]);
    let mut order = Vec::new();
    for _ in 0..4 {
        let pick = pick(&state, &peers, &TURNS).unwrap();
        assert_eq!(pick.reason, PickReason::Rotation);
        advance(&mut state, &pick.peer, TurnOutcome::Success, &TURNS);
        order.push(pick.peer);
    }
    assert_eq!(order, ["a", "b", "c", "a"]);
}

#[test]
fn failing_peer_keeps_the_turn_for_max_retries_extra_attempts() {
    let (mut state, peers) = setup(&["a", "b"]);
    advance(&mut state, "a", TurnOutcome::Failure, &TURNS);
    let retry = pick(&state, &peers, &TURNS).unwrap();
    assert_eq!(retry.peer, "a");
    assert_eq!(retry.reason, PickReason::Retry { attempt: 2 });
    advance(&mut state, "a", TurnOutcome::Failure, &TURNS);
    assert_eq!(pick(&state, &peers, &TURNS).unwrap().peer, "b");
    assert_eq!(state.peers["a"].consecutive_fails, 0);
}

#[test]
fn max_retries_setting_is_honoured() {
    // Regression: the original read max_retries from a state key nothing wrote.
    let (mut state, peers) = setup(&["a", "b"]);
    let turns = TurnSettings {
        max_retries: 3,
        recovery_interval: 8,
    };
    for _ in 0..3 {
        advance(&mut state, "a", TurnOutcome::Failure, &turns);
        assert_eq!(pick(&state, &peers, &turns).unwrap().peer, "a");
    }
    advance(&mut state, "a", TurnOutcome::Failure, &turns);
    assert_eq!(pick(&state, &peers, &turns).unwrap().peer, "b");
}

#[test]
fn transient_outcome_rotates_without_counting_a_failure() {
    let (mut state, peers) = setup(&["a", "b"]);
    advance(&mut state, "a", TurnOutcome::Failure, &TURNS);
    advance(&mut state, "a", TurnOutcome::Transient, &TURNS);
    assert_eq!(state.peers["a"].consecutive_fails, 0);
    assert_eq!(pick(&state, &peers, &TURNS).unwrap().peer, "b");
}

#[test]
fn unavailable_peer_is_never_scheduled() {
    // Regression: the original scheduled unavailable peers.
    let (mut state, peers) = setup(&["a", "b"]);
    set_state(&mut state, "a", PeerState::Unavailable);
    for _ in 0..3 {
        let pick = pick(&state, &peers, &TURNS).unwrap();
        assert_eq!(pick.peer, "b");
        advance(&mut state, &pick.peer, TurnOutcome::Success, &TURNS);
    }
}

#[test]
fn all_unavailable_stops_instead_of_running_anyway() {
    // Regression: with nobody eligible the original ran the nominal peer.
    let (mut state, peers) = setup(&["a", "b"]);
    set_state(&mut state, "a", PeerState::Unavailable);
    set_state(&mut state, "b", PeerState::Unavailable);
    let err = pick(&state, &peers, &TURNS).unwrap_err();
    assert_eq!(err, NoTurn::Stranded(Stranded::AllUnavailable));
    assert_eq!(err.stop_reason(), "peer-unavailable:all-peers");
}

#[test]
fn halted_peers_stop_the_run_until_revived() {
    // Regression: halts were sticky and each restart ran one tick then halted again.
    let (mut state, peers) = setup(&["a", "b"]);
    set_state(&mut state, "a", PeerState::Halted);
    set_state(&mut state, "b", PeerState::Halted);
    let err = pick(&state, &peers, &TURNS).unwrap_err();
    assert_eq!(err.stop_reason(), "peer-unavailable:all-peers-degraded");
    peer_health::revive(&mut state, "b").unwrap();
    assert_eq!(pick(&state, &peers, &TURNS).unwrap().peer, "b");
}

#[test]
fn degraded_peer_gets_a_recovery_turn_only_every_recovery_interval() {
    let (mut state, peers) = setup(&["a", "b"]);
    set_state(&mut state, "a", PeerState::Degraded);
    state.peers.get_mut("a").unwrap().degraded_at_iter = Some(10);
    state.iteration = 17;
    assert_eq!(pick(&state, &peers, &TURNS).unwrap().peer, "b");
    state.iteration = 18;
    let pick = pick(&state, &peers, &TURNS).unwrap();
    assert_eq!(pick.peer, "a");
    assert!(pick.recovery);
    assert_eq!(pick.reason, PickReason::RecoveryTurn);
}

#[test]
fn recovery_cooldown_restarts_after_a_failed_recovery_turn() {
    let (mut state, _) = setup(&["a"]);
    let health = state.peers.get_mut("a").unwrap();
    health.degraded_at_iter = Some(0);
    health.recovery_cooldown_iter = Some(20);
    assert!(!recovery_due(health, 27, &TURNS));
    assert!(recovery_due(health, 28, &TURNS));
}

#[test]
fn recovery_role_runs_only_when_no_other_peer_is_eligible() {
    let (mut state, mut peers) = setup(&["r", "a"]);
    peers[0].role = PeerRole::Recovery;
    assert_eq!(pick(&state, &peers, &TURNS).unwrap().peer, "a");
    set_state(&mut state, "a", PeerState::Degraded);
    state.peers.get_mut("a").unwrap().degraded_at_iter = Some(0);
    state.iteration = 1;
    let pick = pick(&state, &peers, &TURNS).unwrap();
    assert_eq!(pick.peer, "r");
    assert_eq!(pick.reason, PickReason::RecoveryRole);
}

#[test]
fn empty_peer_order_has_no_turn() {
    let state = State::default();
    assert_eq!(pick(&state, &[], &TURNS), Err(NoTurn::NoPeers));
}

#[test]
fn advance_for_an_unknown_peer_changes_nothing() {
    let (mut state, _) = setup(&["a", "b"]);
    let before = state.clone();
    advance(&mut state, "ghost", TurnOutcome::Failure, &TURNS);
    assert_eq!(state, before);
}

#[test]
fn failing_peers_are_degraded_then_the_run_stops_instead_of_looping() {
    // The driver's order: pick, run, advance, health; every run fails.
    let (mut state, peers) = setup(&["a", "b"]);
    let mut ran = Vec::new();
    let stop = loop {
        let pick = match pick(&state, &peers, &TURNS) {
            Ok(pick) => pick,
            Err(no_turn) => break no_turn,
        };
        advance(&mut state, &pick.peer, TurnOutcome::Failure, &TURNS);
        let event = peer_health::HealthEvent::Failure {
            classification: "process-fail".into(),
            pattern: None,
        };
        let iteration = state.iteration;
        peer_health::apply(&mut state, &pick.peer, event, iteration);
        state.iteration += 1;
        ran.push(pick.peer);
        assert!(ran.len() < 20, "the run never stopped: {ran:?}");
    };
    assert_eq!(ran, ["a", "a", "b", "b", "a", "b"]);
    assert_eq!(stop.stop_reason(), "peer-unavailable:all-peers-degraded");
}
