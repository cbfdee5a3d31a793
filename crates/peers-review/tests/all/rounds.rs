//! Rounds driven by scripted reviewers: every row of the transition table, merges, the bypasses,
//! the round cap, the deferred rule, malformed output, three reviewers and concurrency.

use std::time::Duration;

use peers_review::rules::IssueState;

use crate::harness::{Harness, find, finding, findings, stances};

const ROWS: [(&str, &str, &str, IssueState); 7] = [
    ("Row one", "concede", "concede", IssueState::Rejected),
    ("Row two", "defend", "defend", IssueState::Escalated),
    ("Row three", "dismiss", "dismiss", IssueState::Rejected),
    ("Row four", "concede", "accept", IssueState::Accepted),
    ("Row five", "dismiss", "defend", IssueState::Accepted),
    ("Row six", "accept", "concede", IssueState::Accepted),
    ("Row seven", "defend", "dismiss", IssueState::Accepted),
];

#[test]
fn every_row_of_the_transition_table_through_scripted_reviewers() {
    let h = Harness::new(&["alice", "bob"]);
    let lines: Vec<String> = ROWS
        .iter()
        .map(|(c, ..)| finding(c, "high", "correctness"))
        .collect();
    h.plan("alice", 1, &findings(&lines[..4]));
    h.plan("bob", 1, &findings(&lines[4..]));
    let alice: Vec<_> = ROWS.iter().map(|(c, a, ..)| (*c, *a, "")).collect();
    let bob: Vec<_> = ROWS.iter().map(|(c, _, b, _)| (*c, *b, "")).collect();
    h.plan("alice", 2, &stances(&alice));
    h.plan("bob", 2, &stances(&bob));
    let outcome = h.run(2);
    let verdict = &outcome.verdict;
    for (claim, _, _, want) in ROWS {
        let section = match want {
            IssueState::Rejected => &verdict.dismissed,
            IssueState::Accepted => &verdict.critical,
            _ => &verdict.contested,
        };
        let entry = find(section, claim).unwrap_or_else(|| panic!("{claim} not {want:?}"));
        assert_eq!(entry.state, want, "{claim}");
    }
    assert!(!verdict.converged, "row two is still escalated at the cap");
    assert!(outcome.markdown.contains("cap reached"));
    assert!(!outcome.reviewer_failed);
}

#[test]
fn identical_findings_merge_with_both_sources() {
    let h = Harness::new(&["alice", "bob"]);
    h.plan(
        "alice",
        1,
        &findings(&[finding("Cache is never evicted.", "medium", "performance")]),
    );
    h.plan(
        "bob",
        1,
        &findings(&[finding("cache is NEVER evicted", "medium", "performance")]),
    );
    h.plan(
        "alice",
        2,
        &stances(&[("Cache is never evicted.", "defend", "")]),
    );
    h.plan(
        "bob",
        2,
        &stances(&[("Cache is never evicted.", "accept", "")]),
    );
    let outcome = h.run(3);
    assert_eq!(outcome.verdict.issues_total, 1);
    assert_eq!(outcome.verdict.issues_from_several, 1);
    let entry = &outcome.verdict.important[0];
    assert_eq!(entry.sources, ["alice", "bob"]);
    assert!(
        outcome.markdown.contains("Source: both"),
        "{}",
        outcome.markdown
    );
    assert!(outcome.verdict.converged);
    assert_eq!(outcome.verdict.rounds, 2);
}

#[test]
fn style_and_security_findings_skip_the_debate() {
    let h = Harness::new(&["alice", "bob"]);
    h.plan(
        "alice",
        1,
        &findings(&[finding("Odd naming", "style", "style")]),
    );
    h.plan(
        "bob",
        1,
        &findings(&[finding("Secret logged in plain text", "high", "security")]),
    );
    let outcome = h.run(3);
    assert_eq!(outcome.verdict.rounds, 1, "nothing was left to debate");
    assert!(
        !h.log("alice").contains("r2"),
        "no debate round ran: {}",
        h.log("alice")
    );
    assert_eq!(outcome.verdict.style_notes.len(), 1);
    assert_eq!(outcome.verdict.arbitration.len(), 1);
    assert!(outcome.verdict.has_blocking());
    assert!(
        outcome
            .markdown
            .contains("Escalated — needs external arbitration")
    );
}

#[test]
fn round_three_defence_without_evidence_is_deferred_and_with_evidence_contested() {
    let h = Harness::new(&["alice", "bob"]);
    h.plan(
        "alice",
        1,
        &findings(&[
            finding("Bare", "high", "correctness"),
            finding("Backed", "high", "correctness"),
        ]),
    );
    h.plan("bob", 1, &findings(&[]));
    let hold = stances(&[("Bare", "defend", ""), ("Backed", "defend", "")]);
    h.plan("alice", 2, &hold);
    h.plan("bob", 2, &hold);
    h.plan(
        "alice",
        3,
        &stances(&[
            ("Bare", "defend", ""),
            ("Backed", "defend", "strace shows the race"),
        ]),
    );
    h.plan("bob", 3, &hold);
    let outcome = h.run(3);
    let bare = find(&outcome.verdict.contested, "Bare").unwrap();
    let backed = find(&outcome.verdict.contested, "Backed").unwrap();
    assert_eq!(bare.state, IssueState::Deferred);
    assert_eq!(backed.state, IssueState::Escalated);
    assert!(backed.evidence.contains("strace"));
    assert_eq!(outcome.verdict.rounds, 3);
}

#[test]
fn malformed_output_is_retried_once_with_a_format_reminder() {
    let h = Harness::new(&["alice", "bob"]);
    h.plan_call(
        "alice",
        1,
        1,
        "I looked and found a bug in the parser, trust me.",
    );
    h.plan_call(
        "alice",
        1,
        2,
        &findings(&[finding("Parser bug", "low", "correctness")]),
    );
    h.plan("bob", 1, &findings(&[]));
    h.plan("alice", 2, &stances(&[("Parser bug", "defend", "")]));
    h.plan("bob", 2, &stances(&[("Parser bug", "concede", "")]));
    let outcome = h.run(3);
    let alice = &outcome.verdict.reviewers[0];
    assert_eq!(alice.format_retries, 1);
    assert!(alice.failed.is_none());
    let retry =
        std::fs::read_to_string(outcome.archive.join("round-1/alice.retry.prompt.md")).unwrap();
    assert!(retry.contains("## Format reminder"));
    assert_eq!(outcome.verdict.minor.len(), 1);
}

#[test]
fn malformed_output_twice_drops_the_reviewer() {
    let h = Harness::new(&["alice", "bob", "carol"]);
    h.plan("alice", 1, "no block here");
    h.plan(
        "bob",
        1,
        &findings(&[finding("Real bug", "critical", "correctness")]),
    );
    h.plan("carol", 1, &findings(&[]));
    h.plan("bob", 2, &stances(&[("Real bug", "defend", "")]));
    h.plan("carol", 2, &stances(&[("Real bug", "concede", "")]));
    let outcome = h.run(3);
    assert!(outcome.reviewer_failed);
    assert!(
        outcome.verdict.reviewers[0]
            .failed
            .as_deref()
            .unwrap()
            .contains("malformed output twice")
    );
    assert!(
        !h.log("alice").contains("r2"),
        "a dropped reviewer is not asked again"
    );
    assert_eq!(outcome.verdict.critical.len(), 1);
}

#[test]
fn three_reviewers_decide_by_the_documented_rule() {
    let h = Harness::new(&["a", "b", "c"]);
    h.plan(
        "a",
        1,
        &findings(&[
            finding("Majority holds", "high", "correctness"),
            finding("Minority holds", "high", "correctness"),
        ]),
    );
    h.plan("b", 1, &findings(&[]));
    h.plan("c", 1, &findings(&[]));
    h.plan(
        "a",
        2,
        &stances(&[
            ("Majority holds", "defend", ""),
            ("Minority holds", "defend", ""),
        ]),
    );
    h.plan(
        "b",
        2,
        &stances(&[
            ("Majority holds", "accept", ""),
            ("Minority holds", "dismiss", ""),
        ]),
    );
    h.plan(
        "c",
        2,
        &stances(&[
            ("Majority holds", "concede", ""),
            ("Minority holds", "concede", ""),
        ]),
    );
    h.plan("a", 3, &stances(&[("Minority holds", "defend", "")]));
    h.plan("b", 3, &stances(&[("Minority holds", "dismiss", "")]));
    h.plan("c", 3, &stances(&[("Minority holds", "dismiss", "")]));
    let outcome = h.run(3);
    assert!(find(&outcome.verdict.critical, "Majority holds").is_some());
    let minority = find(&outcome.verdict.contested, "Minority holds").unwrap();
    assert_eq!(minority.state, IssueState::Deferred);
    assert_eq!(minority.views.len(), 3);
}

#[test]
fn reviewers_of_one_round_run_concurrently() {
    let h = Harness::new(&["a", "b", "c"]);
    let sleeps = [0.5, 0.7, 0.9];
    for (name, seconds) in ["a", "b", "c"].iter().zip(sleeps) {
        h.flag(&format!("{name}.sleep"), &seconds.to_string());
        h.plan(name, 1, &findings(&[]));
    }
    let outcome = h.run(3);
    let blind = outcome.round_times[0];
    let sum = Duration::from_secs_f64(sleeps.iter().sum());
    assert!(blind >= Duration::from_secs_f64(0.9), "{blind:?}");
    assert!(
        blind < sum,
        "round took {blind:?}, the sleeps add up to {sum:?}"
    );
}

#[test]
fn every_round_is_archived_with_the_verdict() {
    let h = Harness::new(&["alice", "bob"]);
    h.plan(
        "alice",
        1,
        &findings(&[finding("Saved", "medium", "correctness")]),
    );
    h.plan("bob", 1, &findings(&[]));
    h.plan("alice", 2, &stances(&[("Saved", "accept", "")]));
    h.plan("bob", 2, &stances(&[("Saved", "accept", "")]));
    let outcome = h.run(3);
    for file in [
        "verdict.md",
        "verdict.json",
        "round-1/alice.stdout",
        "round-1/bob.prompt.md",
        "round-2/bob.stdout",
    ] {
        assert!(outcome.archive.join(file).is_file(), "{file} missing");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(outcome.archive.join("verdict.json")).unwrap())
            .unwrap();
    assert_eq!(json["important"][0]["claim"], "Saved");
}
