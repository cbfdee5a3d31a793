//! Session resume with claude-like fake reviewers: resumed when it works, a fresh call with the
//! whole table when it does not; read-only flags reach the command line.

use peers_core::config::ToolKind;

use crate::harness::{Harness, claude_json, claude_json_costing, finding, findings, stances};

fn claude_pair() -> Harness {
    let mut h = Harness::new(&[]);
    h.add("alice", ToolKind::Claude);
    h.add("bob", ToolKind::Claude);
    for name in ["alice", "bob"] {
        h.plan(
            name,
            1,
            &claude_json(
                &findings(&[finding(&format!("Bug of {name}"), "high", "correctness")]),
                &format!("s-{name}"),
            ),
        );
        let answer = stances(&[("Bug of alice", "defend", ""), ("Bug of bob", "accept", "")]);
        // The resumed call reports the session's cost: $0.01 of round 1 + $0.02 of its own.
        h.plan(
            name,
            2,
            &claude_json_costing(&answer, &format!("s-{name}-2"), 0.03),
        );
    }
    h
}

#[test]
fn a_resumable_reviewer_continues_its_session() {
    let h = claude_pair();
    let outcome = h.run(2);
    let log = h.log("alice");
    assert!(log.contains("r2 c1 --resume=s-alice"), "{log}");
    assert!(
        log.contains("--disallowedTools=Edit,Write"),
        "read-only flags reach the command: {log}"
    );
    let alice = &outcome.verdict.reviewers[0];
    assert_eq!((alice.resumed, alice.resume_fallbacks), (1, 0));
    let resumed =
        std::fs::read_to_string(outcome.archive.join("round-2/alice.resume.prompt.md")).unwrap();
    assert!(resumed.contains("Canonical issue table") && !resumed.contains("diff --git"));
    // Regression: the resumed round's cumulative cost was added whole ($0.04 here).
    let usd = alice.usd.expect("claude reports its cost");
    assert!((usd - 0.03).abs() < 1e-12, "{usd}");
    assert_eq!(alice.input_tokens, 200);
    assert_eq!(
        alice.cache_write_tokens, 14,
        "claude's cache writes are kept"
    );
    assert_eq!(
        (
            outcome.verdict.critical.len(),
            outcome.verdict.contested.len()
        ),
        (1, 1)
    );
}

#[test]
fn a_failed_resume_falls_back_to_a_fresh_call_with_the_table() {
    let h = claude_pair();
    h.flag("bob.resume-fails", "");
    let outcome = h.run(2);
    let log = h.log("bob");
    assert!(log.contains("r2 c1 --resume=s-bob"), "{log}");
    let fresh = log.lines().find(|l| l.starts_with("r2 c2")).unwrap();
    assert!(!fresh.contains("--resume"), "{log}");
    let bob = &outcome.verdict.reviewers[1];
    assert_eq!((bob.resumed, bob.resume_fallbacks), (0, 1));
    assert!(bob.failed.is_none());
    let prompt = std::fs::read_to_string(outcome.archive.join("round-2/bob.prompt.md")).unwrap();
    assert!(
        prompt.contains("Canonical issue table"),
        "the fresh call carries the table"
    );
    assert_eq!(
        (
            outcome.verdict.critical.len(),
            outcome.verdict.contested.len()
        ),
        (1, 1)
    );
}

#[test]
fn a_reviewer_that_fails_the_blind_pass_is_reported() {
    let h = Harness::new(&["alice", "bob"]);
    h.plan("alice", 1, &findings(&[]));
    let outcome = h.run(3);
    assert!(outcome.reviewer_failed);
    let bob = &outcome.verdict.reviewers[1];
    assert!(
        bob.failed.as_deref().unwrap().contains("no answer planned"),
        "{bob:?}"
    );
    assert!(outcome.markdown.contains("bob dropped out"));
}
