//! Every reviewer call goes through the review's launcher, the one launch interface of every
//! agent process: the recorder sees each round's calls (a format retry is a call of its round),
//! and a launcher that refuses stops the call before anything runs (fail closed).

use std::sync::Arc;

use peers_agent::CallKind;

use crate::harness::{Harness, Recorder, finding, findings, stances};

#[test]
fn the_launcher_sees_every_call_of_every_round() {
    let h = Harness::new(&["alice", "bob"]);
    h.plan(
        "alice",
        1,
        &findings(&[finding("Bug one", "high", "correctness")]),
    );
    // bob's first answer is malformed: the format retry is one more call of round 1.
    h.plan_call("bob", 1, 1, "no block here");
    h.plan_call("bob", 1, 2, &findings(&[]));
    h.plan("alice", 2, &stances(&[("Bug one", "defend", "")]));
    h.plan("bob", 2, &stances(&[("Bug one", "accept", "")]));
    let outcome = h.run(2);
    assert!(!outcome.reviewer_failed, "{}", outcome.markdown);
    let mut calls = h.launcher.calls.lock().unwrap().clone();
    calls.sort();
    let script = crate::harness::script().to_string_lossy().into_owned();
    let expected: Vec<(CallKind, String, String)> = [
        (1, "alice"),
        (1, "bob"),
        (1, "bob"),
        (2, "alice"),
        (2, "bob"),
    ]
    .iter()
    .map(|(round, name)| {
        (
            CallKind::ReviewRound { round: *round },
            (*name).to_owned(),
            script.clone(),
        )
    })
    .collect();
    assert_eq!(calls, expected);
}

#[test]
fn a_launcher_that_refuses_runs_no_reviewer() {
    let mut h = Harness::new(&["alice", "bob"]);
    h.launcher = Arc::new(Recorder {
        refuse: true,
        ..Recorder::default()
    });
    h.plan("alice", 1, &findings(&[]));
    h.plan("bob", 1, &findings(&[]));
    let outcome = h.run(2);
    for reviewer in &outcome.verdict.reviewers {
        let why = reviewer.failed.as_deref().unwrap_or_default();
        assert!(why.contains("confinement unavailable"), "{why}");
    }
    assert!(!outcome.verdict.reviewed);
    assert!(h.log("alice").is_empty(), "the script never ran");
}
