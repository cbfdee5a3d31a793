//! Health transitions, including the original's sticky halts.

use super::*;

fn state(names: &[&str]) -> State {
    let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    State::for_peers(&owned)
}

fn fail() -> HealthEvent {
    HealthEvent::Failure {
        classification: "process-fail".into(),
        pattern: None,
    }
}

#[test]
fn three_failures_in_the_window_degrade_a_peer() {
    let mut state = state(&["a", "b"]);
    assert!(apply(&mut state, "a", fail(), 1).is_empty());
    assert!(apply(&mut state, "a", HealthEvent::Success, 2).is_empty());
    assert!(apply(&mut state, "a", fail(), 3).is_empty());
    let changes = apply(&mut state, "a", fail(), 4);
    let health = &state.peers["a"];
    assert_eq!(health.state, PeerState::Degraded);
    assert_eq!(health.degraded_at_iter, Some(4));
    assert_eq!(
        health.degraded_reason.as_deref(),
        Some("recent-fails:3/5 | last=process-fail")
    );
    assert_eq!(changes.len(), 1);
    assert!(changes[0].to_string().contains("peer a is degraded"));
}

#[test]
fn window_keeps_only_the_last_five_runs() {
    let mut state = state(&["a", "b"]);
    apply(&mut state, "a", fail(), 1);
    apply(&mut state, "a", fail(), 2);
    for i in 3..8 {
        apply(&mut state, "a", HealthEvent::Success, i);
    }
    let health = &state.peers["a"];
    assert_eq!(health.recent_runs.len(), RECENT_WINDOW);
    assert_eq!(health.recent_fails, 0.0);
}

#[test]
fn productive_no_handoff_counts_half() {
    let mut state = state(&["a", "b"]);
    apply(&mut state, "a", HealthEvent::ProductiveNoHandoff, 1);
    apply(&mut state, "a", fail(), 2);
    assert_eq!(state.peers["a"].recent_fails, 1.5);
}

#[test]
fn success_clears_degraded() {
    let mut state = state(&["a", "b"]);
    for i in 0..3 {
        apply(&mut state, "a", fail(), i);
    }
    let changes = apply(&mut state, "a", HealthEvent::Success, 9);
    assert_eq!(changes, vec![HealthChange::Recovered { peer: "a".into() }]);
    let health = &state.peers["a"];
    assert_eq!(health.state, PeerState::Healthy);
    assert_eq!(health.degraded_reason, None);
    assert_eq!(health.degraded_at_iter, None);
}

#[test]
fn failed_recovery_turn_restarts_the_cooldown() {
    let mut state = state(&["a", "b"]);
    for i in 0..3 {
        apply(&mut state, "a", fail(), i);
    }
    apply(&mut state, "a", fail(), 11);
    assert_eq!(state.peers["a"].recovery_cooldown_iter, Some(11));
}

#[test]
fn two_cheat_reverts_in_a_row_degrade() {
    let mut state = state(&["a", "b"]);
    assert!(apply(&mut state, "a", HealthEvent::CheatRevert, 1).is_empty());
    let changes = apply(&mut state, "a", HealthEvent::CheatRevert, 2);
    assert_eq!(state.peers["a"].state, PeerState::Degraded);
    assert!(
        matches!(&changes[0], HealthChange::Degraded { reason, .. } if reason.starts_with("cheat-reverts:2"))
    );
}

#[test]
fn cheat_revert_streak_is_broken_by_a_success() {
    let mut state = state(&["a", "b"]);
    apply(&mut state, "a", HealthEvent::CheatRevert, 1);
    apply(&mut state, "a", HealthEvent::Success, 2);
    apply(&mut state, "a", HealthEvent::CheatRevert, 3);
    assert_eq!(state.peers["a"].state, PeerState::Healthy);
    assert_eq!(state.peers["a"].cheat_reverts_in_a_row, 1);
}

#[test]
fn transient_is_neutral() {
    let mut state = state(&["a", "b"]);
    let before = state.clone();
    assert!(apply(&mut state, "a", HealthEvent::Transient, 1).is_empty());
    assert_eq!(state, before);
}

#[test]
fn halt_pattern_marks_unavailable_with_reason_and_snippet() {
    let mut state = state(&["a", "b"]);
    let changes = apply(
        &mut state,
        "a",
        HealthEvent::Unavailable {
            reason: "quota exhausted".into(),
            snippet: "ERROR quota exhausted".into(),
        },
        7,
    );
    let health = &state.peers["a"];
    assert_eq!(health.state, PeerState::Unavailable);
    assert_eq!(health.unavailable_at_iter, Some(7));
    assert_eq!(
        health.unavailable_snippet.as_deref(),
        Some("ERROR quota exhausted")
    );
    assert!(changes[0].to_string().contains("peers revive a"));
    assert_eq!(stranded(&state), None);
}

#[test]
fn last_healthy_peer_degrading_halts_every_degraded_peer() {
    let mut state = state(&["a", "b"]);
    for i in 0..3 {
        apply(&mut state, "a", fail(), i);
    }
    assert_eq!(stranded(&state), None);
    let mut changes = Vec::new();
    for i in 3..6 {
        changes = apply(&mut state, "b", fail(), i);
    }
    assert_eq!(state.peers["a"].state, PeerState::Halted);
    assert_eq!(state.peers["b"].state, PeerState::Halted);
    assert!(changes.contains(&HealthChange::AllHalted {
        peers: vec!["a".into(), "b".into()]
    }));
    assert_eq!(stranded(&state), Some(Stranded::AllDegraded));
}

#[test]
fn unavailable_and_degraded_with_no_healthy_peer_is_stranded() {
    let mut state = state(&["a", "b"]);
    state.peers.get_mut("a").unwrap().state = PeerState::Unavailable;
    for i in 0..3 {
        apply(&mut state, "b", fail(), i);
    }
    assert_eq!(state.peers["b"].state, PeerState::Halted);
    assert_eq!(stranded(&state), Some(Stranded::AllDegraded));
}

#[test]
fn every_peer_unavailable_is_stranded() {
    let mut state = state(&["a", "b"]);
    for peer in ["a", "b"] {
        state.peers.get_mut(peer).unwrap().state = PeerState::Unavailable;
    }
    assert_eq!(stranded(&state), Some(Stranded::AllUnavailable));
    assert_eq!(
        Stranded::AllUnavailable.stop_reason(),
        "peer-unavailable:all-peers"
    );
}

#[test]
fn revive_clears_halted_and_unavailable_but_keeps_unknown_keys() {
    // Regression: the original never cleared these states.
    let mut state = state(&["a", "b"]);
    let health = state.peers.get_mut("a").unwrap();
    health.state = PeerState::Unavailable;
    health.unavailable_reason = Some("auth".into());
    health.recent_runs = vec![RecentRun::Outcome(false); 5];
    health
        .extra
        .insert("anti_cheat_prewarned".into(), true.into());
    let change = revive(&mut state, "a").unwrap();
    assert_eq!(
        change,
        Some(HealthChange::Revived {
            peer: "a".into(),
            was: PeerState::Unavailable
        })
    );
    let health = &state.peers["a"];
    assert_eq!(health.state, PeerState::Healthy);
    assert_eq!(health.unavailable_reason, None);
    assert!(health.recent_runs.is_empty());
    assert!(health.extra.contains_key("anti_cheat_prewarned"));
    assert_eq!(revive(&mut state, "a"), Ok(None));
}

#[test]
fn revive_of_an_unknown_peer_names_the_known_ones() {
    let mut state = state(&["a", "b"]);
    let err = revive(&mut state, "zed").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no peer named `zed` in the state; configured peers: a, b"
    );
}
