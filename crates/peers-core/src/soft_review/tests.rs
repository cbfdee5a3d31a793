//! Review parsing, consensus per mode, author exclusion and `review_interval`.

use super::*;
use crate::goals::{BuiltinGate, GateCheck, Goal, GoalKind, GoalSet, HardGoal, Quorum};
use crate::location::Span;

fn soft(mode: ReviewerMode) -> SoftGoal {
    SoftGoal {
        prompt: "is it readable?".into(),
        reviewer: mode,
        consensus_needed: 2,
        review_interval: 1,
        quorum: (mode == ReviewerMode::Quorum).then_some(Quorum {
            needed: 2,
            window: 3,
        }),
    }
}

fn goals(soft_goal: SoftGoal) -> GoalSet {
    GoalSet {
        goals: vec![
            Goal {
                id: "readable".into(),
                description: String::new(),
                kind: GoalKind::Soft(soft_goal),
                span: Span::default(),
            },
            Goal {
                id: "bugs".into(),
                description: String::new(),
                kind: GoalKind::Hard(HardGoal {
                    check: GateCheck::Builtin {
                        gate: BuiltinGate::BugHuntClean,
                        params: Default::default(),
                    },
                    timeout_s: None,
                    cacheable: false,
                    retry_on_fail: 0,
                }),
                span: Span::default(),
            },
        ],
        notices: vec![],
        instructions: vec![],
    }
}

fn state() -> State {
    State::for_peers(&["a".to_owned(), "b".to_owned()])
}

fn review(pass: bool) -> Review {
    Review {
        goal: "readable".into(),
        pass,
        notes: "looked at it".into(),
    }
}

/// Ingests a review by `reviewer` of `author`'s work in commit `sha`.
fn submit(
    state: &mut State,
    set: &GoalSet,
    pass: bool,
    reviewer: &str,
    author: &str,
    sha: &str,
) -> IngestOutcome {
    let submission = Submission {
        reviewer,
        author_of_reviewed_work: Some(author),
        sha,
        iteration: 1,
    };
    ingest(state, set, &review(pass), &submission)
}

const MESSAGE: &str = "review: readable\n\n## Review\n{\"pass\": true, \"notes\": \"clear {names}\"}\n\nPeer-Review-Of: readable\nPeer: b\n";

#[test]
fn parses_a_review_commit() {
    let parsed = parse_review(MESSAGE).unwrap().unwrap();
    assert_eq!(
        parsed,
        Review {
            goal: "readable".into(),
            pass: true,
            notes: "clear {names}".into()
        }
    );
}

#[test]
fn heading_is_case_insensitive_and_must_be_its_own_line() {
    let lower = MESSAGE.replace("## Review", "##  review  ");
    assert!(parse_review(&lower).unwrap().is_ok());
    let inline = MESSAGE.replace("## Review\n", "## Reviewed: ");
    assert_eq!(
        parse_review(&inline).unwrap(),
        Err(RejectReason::MissingSection {
            goal: "readable".into()
        })
    );
}

#[test]
fn malformed_reviews_are_rejected_with_a_reason() {
    let no_json = MESSAGE.replace(
        "{\"pass\": true, \"notes\": \"clear {names}\"}",
        "looks fine",
    );
    assert_eq!(
        parse_review(&no_json).unwrap(),
        Err(RejectReason::MissingJson {
            goal: "readable".into()
        })
    );
    let string_pass = MESSAGE.replace("\"pass\": true", "\"pass\": \"yes\"");
    let err = parse_review(&string_pass).unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "review of `readable`: `pass` must be true or false"
    );
}

#[test]
fn commits_without_a_goal_review_trailer_are_not_reviews() {
    assert_eq!(parse_review("fix: x\n\nPeer: a\n"), None);
    assert_eq!(
        parse_review(&MESSAGE.replace("Of: readable", "Of: 1a2b3c4d")),
        None
    );
}

#[test]
fn other_mode_needs_passes_from_alternating_reviewers() {
    let set = goals(soft(ReviewerMode::Other));
    let mut state = state();
    assert_eq!(
        submit(&mut state, &set, true, "b", "a", "s1"),
        IngestOutcome::Counted { goal_passed: false }
    );
    // The same reviewer again restarts the count.
    assert_eq!(
        submit(&mut state, &set, true, "b", "a", "s2"),
        IngestOutcome::Counted { goal_passed: false }
    );
    assert_eq!(
        submit(&mut state, &set, true, "a", "b", "s3"),
        IngestOutcome::Counted { goal_passed: true }
    );
    assert!(all_passed(&state, &set));
    submit(&mut state, &set, false, "b", "a", "s4");
    assert_eq!(status(&state, "readable").consensus_count, 0);
    assert!(!all_passed(&state, &set));
}

#[test]
fn reviewer_is_never_the_author_of_the_reviewed_work() {
    let set = goals(soft(ReviewerMode::Other));
    let mut state = state();
    let outcome = submit(&mut state, &set, true, "a", "a", "s1");
    let IngestOutcome::Rejected(reason) = outcome else {
        panic!("self-review counted: {outcome:?}");
    };
    assert_eq!(
        reason,
        RejectReason::SelfReview {
            goal: "readable".into(),
            reviewer: "a".into()
        }
    );
    let status = status(&state, "readable");
    assert_eq!(status.rejected, 1);
    assert!(status.last_rejection.unwrap().contains("own work"));
    assert_eq!(status.consensus_count, 0);
}

#[test]
fn the_same_commit_counts_once() {
    let set = goals(soft(ReviewerMode::Other));
    let mut state = state();
    submit(&mut state, &set, true, "b", "a", "s1");
    let again = submit(&mut state, &set, true, "b", "a", "s1");
    assert!(matches!(
        again,
        IngestOutcome::Rejected(RejectReason::Duplicate { .. })
    ));
    assert_eq!(status(&state, "readable").history.len(), 1);
}

#[test]
fn unknown_goals_hard_goals_and_strangers_are_rejected() {
    let set = goals(soft(ReviewerMode::Other));
    let mut state = state();
    let mut r = review(true);
    r.goal = "nope".into();
    let submission = Submission {
        reviewer: "b",
        author_of_reviewed_work: None,
        sha: "s",
        iteration: 0,
    };
    assert!(matches!(
        ingest(&mut state, &set, &r, &submission),
        IngestOutcome::Rejected(RejectReason::UnknownGoal { .. })
    ));
    r.goal = "bugs".into();
    assert!(matches!(
        ingest(&mut state, &set, &r, &submission),
        IngestOutcome::Rejected(RejectReason::NotSoftGoal { .. })
    ));
    let stranger = Submission {
        reviewer: "mallory",
        ..submission
    };
    assert!(matches!(
        ingest(&mut state, &set, &review(true), &stranger),
        IngestOutcome::Rejected(RejectReason::UnknownReviewer { .. })
    ));
}

#[test]
fn alternating_mode_enforces_duty_and_rotates_it() {
    let set = goals(soft(ReviewerMode::Alternating));
    let mut state = state();
    let off_duty = submit(&mut state, &set, true, "b", "a", "s1");
    assert!(
        matches!(off_duty, IngestOutcome::Rejected(RejectReason::NotOnDuty { ref duty, .. }) if duty == "a")
    );
    assert_eq!(
        submit(&mut state, &set, true, "a", "b", "s2"),
        IngestOutcome::Counted { goal_passed: false }
    );
    assert_eq!(
        submit(&mut state, &set, true, "b", "a", "s3"),
        IngestOutcome::Counted { goal_passed: true }
    );
}

#[test]
fn both_mode_needs_every_peer_to_pass() {
    let set = goals(soft(ReviewerMode::Both));
    let mut state = state();
    submit(&mut state, &set, true, "a", "b", "s1");
    submit(&mut state, &set, true, "a", "b", "s2");
    assert!(!all_passed(&state, &set), "b has not reviewed yet");
    submit(&mut state, &set, true, "b", "a", "s3");
    assert_eq!(
        submit(&mut state, &set, true, "b", "a", "s4"),
        IngestOutcome::Counted { goal_passed: true }
    );
}

#[test]
fn quorum_counts_distinct_passing_reviewers_in_the_window() {
    let set = goals(soft(ReviewerMode::Quorum));
    let mut state = state();
    submit(&mut state, &set, true, "a", "b", "s1");
    submit(&mut state, &set, true, "a", "b", "s2");
    assert!(!all_passed(&state, &set));
    submit(&mut state, &set, true, "b", "a", "s3");
    assert!(all_passed(&state, &set));
    // The window (3) slides past a's passes.
    submit(&mut state, &set, false, "b", "a", "s4");
    submit(&mut state, &set, false, "b", "a", "s5");
    assert!(!all_passed(&state, &set));
}

#[test]
fn quorum_larger_than_the_peer_count_is_capped_and_noticed() {
    // Regression: a 3/3 quorum with two peers could never pass in the original.
    let mut goal = soft(ReviewerMode::Quorum);
    goal.quorum = Some(Quorum {
        needed: 3,
        window: 3,
    });
    let set = goals(goal.clone());
    let mut state = state();
    submit(&mut state, &set, true, "a", "b", "s1");
    submit(&mut state, &set, true, "b", "a", "s2");
    assert!(all_passed(&state, &set));
    let notice = quorum_notice("readable", &goal, 2).unwrap();
    assert!(notice.contains("only 2 peers"), "{notice}");
    assert_eq!(quorum_notice("readable", &goal, 3), None);
}

fn ctx<'a>(peer: &'a str, last_author: Option<&'a str>, iteration: u64) -> RequestContext<'a> {
    RequestContext {
        peer,
        last_author,
        iteration,
    }
}

#[test]
fn review_interval_is_honoured_per_reviewer() {
    // Regression: the original asked every peer on every tick.
    let mut goal = soft(ReviewerMode::Other);
    goal.review_interval = 3;
    let mut state = state();
    assert!(requested(
        &state,
        "readable",
        &goal,
        &ctx("b", Some("a"), 4)
    ));
    mark_requested(&mut state, "readable", "b", 4);
    assert!(
        !requested(&state, "readable", &goal, &ctx("b", Some("a"), 6)),
        "b was asked 2 iterations ago"
    );
    assert!(
        requested(&state, "readable", &goal, &ctx("b", Some("a"), 7)),
        "3 iterations later b is asked again"
    );
}

#[test]
fn alternating_turns_do_not_starve_a_reviewer_of_requests() {
    // Regression: with one interval per goal and two peers taking turns, an even interval
    // always landed on the same peer, so an `other` goal needing two reviewers never passed.
    let mut goal = soft(ReviewerMode::Other);
    goal.review_interval = 2;
    let mut state = state();
    assert!(requested(
        &state,
        "readable",
        &goal,
        &ctx("a", Some("b"), 3)
    ));
    mark_requested(&mut state, "readable", "a", 3);
    assert!(
        requested(&state, "readable", &goal, &ctx("b", Some("a"), 4)),
        "b has never been asked"
    );
}

#[test]
fn the_author_is_never_asked_to_review_its_own_work() {
    let goal = soft(ReviewerMode::Other);
    let state = state();
    assert!(!requested(
        &state,
        "readable",
        &goal,
        &ctx("a", Some("a"), 1)
    ));
    assert!(requested(&state, "readable", &goal, &ctx("a", None, 1)));
}

#[test]
fn passed_goals_and_off_duty_peers_are_not_asked() {
    let set = goals(soft(ReviewerMode::Alternating));
    let goal = soft(ReviewerMode::Alternating);
    let mut state = state();
    assert!(!requested(
        &state,
        "readable",
        &goal,
        &ctx("b", Some("a"), 1)
    ));
    assert!(requested(
        &state,
        "readable",
        &goal,
        &ctx("a", Some("b"), 1)
    ));
    submit(&mut state, &set, true, "a", "b", "s1");
    submit(&mut state, &set, true, "b", "a", "s2");
    assert!(!requested(
        &state,
        "readable",
        &goal,
        &ctx("a", Some("b"), 9)
    ));
}

#[test]
fn both_mode_stops_asking_a_peer_that_has_passed_enough() {
    let set = goals(soft(ReviewerMode::Both));
    let goal = soft(ReviewerMode::Both);
    let mut state = state();
    submit(&mut state, &set, true, "a", "b", "s1");
    submit(&mut state, &set, true, "a", "b", "s2");
    assert!(!requested(
        &state,
        "readable",
        &goal,
        &ctx("a", Some("b"), 3)
    ));
    assert!(requested(
        &state,
        "readable",
        &goal,
        &ctx("b", Some("a"), 3)
    ));
}

#[test]
fn status_round_trips_the_original_shape_and_unknown_keys() {
    let mut state = state();
    state.soft_status.insert(
        "readable".into(),
        serde_json::json!({"consensus_count": 1, "last_pass": true, "last_reviewer": "b",
                           "history": [{"pass": true, "reviewer": "b", "sha": "s0", "notes": ""}],
                           "alt_cursor": 1, "per_peer": {"b": {"consensus_count": 1, "last_pass": true}},
                           "future": 7}),
    );
    let set = goals(soft(ReviewerMode::Other));
    assert_eq!(
        submit(&mut state, &set, true, "a", "b", "s1"),
        IngestOutcome::Counted { goal_passed: true }
    );
    assert_eq!(state.soft_status["readable"]["future"], 7);
    assert_eq!(status(&state, "readable").history.len(), 2);
}

#[test]
fn malformed_status_reads_as_no_reviews() {
    let mut state = state();
    state.soft_status.insert(
        "readable".into(),
        serde_json::json!({"consensus_count": "lots"}),
    );
    assert_eq!(status(&state, "readable"), SoftGoalStatus::default());
    assert!(!passed(
        &state,
        "readable",
        &soft(ReviewerMode::Other),
        &state.peer_order
    ));
}

#[test]
fn history_and_notes_are_bounded() {
    let set = goals(soft(ReviewerMode::Other));
    let mut state = state();
    let long = Review {
        notes: "x".repeat(2 * NOTES_CHARS),
        ..review(true)
    };
    for i in 0..(HISTORY_LEN + 5) {
        let (reviewer, author) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
        let sha = format!("s{i}");
        let submission = Submission {
            reviewer,
            author_of_reviewed_work: Some(author),
            sha: &sha,
            iteration: 0,
        };
        ingest(&mut state, &set, &long, &submission);
    }
    let status = status(&state, "readable");
    assert_eq!(status.history.len(), HISTORY_LEN);
    assert_eq!(status.history[0].sha, "s5");
    assert_eq!(status.history[0].notes.chars().count(), NOTES_CHARS);
}

#[test]
fn a_reply_verdict_is_the_json_after_the_review_line() {
    assert_eq!(
        parse_verdict("I read it.\n## Review\n{\"pass\": false, \"notes\": \"no test for -1\"}\n"),
        Ok((false, "no test for -1".to_owned()))
    );
    assert_eq!(
        parse_verdict("end with `## Review` then JSON"),
        Err("no `## Review` line in the reply")
    );
    assert_eq!(
        parse_verdict("## Review\nfine"),
        Err("no JSON object after `## Review`")
    );
    assert_eq!(
        parse_verdict("## Review\n{\"pass\": \"yes\"}"),
        Err("`pass` is not true or false")
    );
}
