//! Tests of goals.yaml decoding: hard and soft goals, built-ins, legacy commands, and the
//! exact error lines.

use std::collections::BTreeMap;

use super::*;
use crate::goals::{BuiltinGate, GateCheck, HardGoal};
use crate::location::Span;

const FILE: &str = ".peers/goals.yaml";

fn decode(source: &str) -> GoalSet {
    decode_goals(source, FILE).unwrap_or_else(|e| panic!("{e}\nhint: {:?}", e.hint))
}

/// Decodes a one-goal list; the goal's keys start on line 2, column 5.
fn one(goal: &str) -> Result<GoalSet, DecodeError> {
    decode_goals(
        &format!("goals:\n  - {}\n", goal.replace('\n', "\n    ")),
        FILE,
    )
}

fn error(result: Result<GoalSet, DecodeError>) -> (String, Option<String>) {
    let err = result.unwrap_err();
    (err.to_string(), err.hint)
}

fn hard(set: &GoalSet, i: usize) -> &HardGoal {
    match &set.goals[i].kind {
        GoalKind::Hard(h) => h,
        GoalKind::Soft(_) => panic!("goal {i} is soft"),
    }
}

#[test]
fn original_default_goals_load_with_legacy_commands_mapped() {
    let set = decode(include_str!("../../tests/fixtures/original-goals.yaml"));
    let ids: Vec<&str> = set.goals.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "self-review-on-handoff",
            "bug-hunt-clean",
            "bug-hunt-round-1",
            "bug-hunt-round-2",
            "test-coverage-3-class",
            "placeholder-replace-me"
        ]
    );
    let builtin = |gate| GateCheck::Builtin {
        gate,
        params: BTreeMap::new(),
    };
    assert_eq!(
        hard(&set, 0).check,
        builtin(BuiltinGate::SelfReviewOnHandoff)
    );
    assert_eq!(hard(&set, 0).timeout_s, Some(60));
    assert_eq!(hard(&set, 1).check, builtin(BuiltinGate::BugHuntClean));
    assert_eq!(
        hard(&set, 5).check,
        GateCheck::Command {
            cmd: "false".into(),
            pass_when: "exit_code == 0".into(),
            pass_when_span: Span::new(45, 17)
        }
    );
    let soft: Vec<(&str, ReviewerMode, u32, u32)> = set
        .soft()
        .map(|(g, s)| {
            (
                g.id.as_str(),
                s.reviewer,
                s.consensus_needed,
                s.review_interval,
            )
        })
        .collect();
    assert_eq!(
        soft,
        [
            ("bug-hunt-round-1", ReviewerMode::Both, 2, 1),
            ("bug-hunt-round-2", ReviewerMode::Both, 2, 1),
            ("test-coverage-3-class", ReviewerMode::Other, 2, 2),
        ]
    );
    assert_eq!(set.notices.len(), 2);
    assert_eq!(set.notices[0].key, "goals[0].cmd");
    assert_eq!(set.notices[0].span, Span::new(6, 10));
    assert_eq!(
        set.notices[0].message,
        "legacy command `python3 -m peers.cli run-check verify_self_review` mapped to the built-in gate self-review-on-handoff; write `builtin: self-review-on-handoff` to silence this"
    );
}

#[test]
fn empty_file_has_no_goals() {
    for source in ["", "# nothing\n", "~\n", "goals:\n", "goals: []\n"] {
        assert_eq!(decode(source), GoalSet::default(), "{source:?}");
    }
}

#[test]
fn implement_mode_budget_is_noticed_and_other_top_level_keys_refused() {
    let set = decode("budget:\n  max_iterations: 5\ngoals: []\n");
    assert_eq!(
        set.notices[0].message,
        "ignored: peers reads budget only from config.yaml"
    );
    let (msg, hint) = error(decode_goals("gaols: []\n", FILE));
    assert_eq!(msg, ".peers/goals.yaml:1:1: gaols: unknown key");
    assert_eq!(hint.as_deref(), Some("did you mean 'goals'?"));
    let (msg, _) = error(decode_goals("- id: x\n", FILE));
    assert_eq!(
        msg,
        ".peers/goals.yaml:1:1: expected a mapping with a goals: list, found a list"
    );
}

#[test]
fn hard_command_goal_reads_every_key() {
    let set = decode(
        "goals:\n  - id: tests-pass\n    type: hard\n    description: cargo test is green\n    cmd: cargo test\n    pass_when: 'exit_code == 0'\n    timeout_s: 600\n    cacheable: true\n    retry_on_fail: 2\n",
    );
    let goal = &set.goals[0];
    assert_eq!(
        (goal.id.as_str(), goal.description.as_str(), goal.span),
        ("tests-pass", "cargo test is green", Span::new(2, 5))
    );
    assert_eq!(
        *hard(&set, 0),
        HardGoal {
            check: GateCheck::Command {
                cmd: "cargo test".into(),
                pass_when: "exit_code == 0".into(),
                pass_when_span: Span::new(6, 17),
            },
            timeout_s: Some(600),
            cacheable: true,
            retry_on_fail: 2,
        }
    );
    assert!(set.notices.is_empty());
}

#[test]
fn builtin_goal_with_params() {
    let set = decode(
        "goals:\n  - id: b\n    type: hard\n    builtin: diff-size-per-resolve\n    params: {exclude: [Cargo.lock, go.sum], max_lines: 3}\n    timeout_s: null\n",
    );
    let GateCheck::Builtin { gate, params } = &hard(&set, 0).check else {
        panic!()
    };
    assert_eq!(*gate, BuiltinGate::DiffSizePerResolve);
    assert_eq!(
        params["exclude"],
        serde_json::json!(["Cargo.lock", "go.sum"])
    );
    assert_eq!(params["max_lines"], serde_json::json!(3));
    assert_eq!(hard(&set, 0).timeout_s, None);
}

#[test]
fn hard_goal_errors() {
    let cases = [
        (
            "id: a\ntype: hard\ncmd: x\nbuiltin: bug-hunt-clean",
            ".peers/goals.yaml:5:14: goals[0].builtin: `cmd` and `builtin` cannot both be set",
        ),
        (
            "id: a\ntype: hard",
            ".peers/goals.yaml:2:5: goals[0]: a hard goal needs cmd (with pass_when) or builtin",
        ),
        (
            "id: a\ntype: hard\ncmd: make",
            ".peers/goals.yaml:2:5: goals[0]: missing required key 'pass_when'",
        ),
        (
            "id: a\ntype: hard\ncmd: ''\npass_when: x",
            ".peers/goals.yaml:4:10: goals[0].cmd: must not be empty",
        ),
        (
            "id: a\ntype: hard\ncmd: make\npass_when: x\nparams: {}",
            ".peers/goals.yaml:6:13: goals[0].params: params applies only to builtin gates",
        ),
        (
            "id: a\ntype: hard\nbuiltin: bug-hunt-clean\npass_when: x",
            ".peers/goals.yaml:5:16: goals[0].pass_when: pass_when applies only to cmd gates; a built-in gate decides pass or fail itself",
        ),
        (
            "id: a\ntype: hard\nbuiltin: diff-size-per-resolve\nparams: {max_line: 3}",
            ".peers/goals.yaml:5:14: goals[0].params.max_line: unknown parameter 'max_line' for diff-size-per-resolve",
        ),
        (
            "id: a\ntype: hard\nbuiltin: bug-hunt-clean\nparams: {limit: 3}",
            ".peers/goals.yaml:5:14: goals[0].params.limit: unknown parameter 'limit' for bug-hunt-clean",
        ),
        (
            "id: a\ntype: hard\ncmd: make\npass_when: x\nretry_on_fail: 6",
            ".peers/goals.yaml:6:20: goals[0].retry_on_fail: retry_on_fail is at most 5, found 6",
        ),
        (
            "id: a\ntype: hard\ncmd: make\npass_when: x\ntimeout_s: 0",
            ".peers/goals.yaml:6:16: goals[0].timeout_s: expected a positive integer, found 0",
        ),
        (
            "id: a\ntype: hard\ncmd: make\npass_when: x\ncacheable: 'yes'",
            ".peers/goals.yaml:6:16: goals[0].cacheable: expected true or false, found \"yes\"",
        ),
    ];
    for (goal, want) in cases {
        assert_eq!(error(one(goal)).0, want, "{goal}");
    }
}

#[test]
fn unknown_builtin_suggests_the_nearest_gate() {
    let (msg, hint) = error(one("id: a\ntype: hard\nbuiltin: bug-hunt-clear"));
    assert_eq!(
        msg,
        ".peers/goals.yaml:4:14: goals[0].builtin: unknown built-in gate 'bug-hunt-clear'"
    );
    assert_eq!(hint.as_deref(), Some("did you mean 'bug-hunt-clean'?"));
    let (_, hint) = error(one("id: a\ntype: hard\nbuiltin: zzz"));
    let hint = hint.unwrap_or_default();
    assert!(
        hint.starts_with("built-in gates: self-review-on-handoff, bug-hunt-clean, tests-pass")
            && hint.contains(", no-stubs, "),
        "{hint}"
    );
}

#[test]
fn unknown_builtin_params_are_rejected_with_the_nearest_name() {
    let (msg, hint) = error(one(
        "id: a\ntype: hard\nbuiltin: coverage-holds\nparams: {tolerence: 1}",
    ));
    assert!(msg.contains("goals[0].params.tolerence"), "{msg}");
    assert!(
        msg.contains("unknown parameter 'tolerence' for coverage-holds"),
        "{msg}"
    );
    assert_eq!(hint.as_deref(), Some("did you mean 'tolerance'?"));
    let (msg, hint) = error(one(
        "id: a\ntype: hard\nbuiltin: bug-hunt-clean\nparams: {limit: 3}",
    ));
    assert!(msg.contains("unknown parameter 'limit'"), "{msg}");
    assert_eq!(hint.as_deref(), Some("bug-hunt-clean takes no parameters"));
}

#[test]
fn expensive_is_accepted_with_a_notice() {
    let set = decode("goals:\n  - {id: a, type: hard, cmd: make, pass_when: x, expensive: true}\n");
    assert_eq!(set.notices[0].key, "goals[0].expensive");
    assert!(
        set.notices[0]
            .message
            .starts_with("ignored: peers runs all hard gates in parallel")
    );
}

#[test]
fn soft_goal_defaults_and_quorum() {
    let set = decode(
        "goals:\n  - {id: s, type: soft, prompt: p, reviewer: other}\n  - {id: q, type: soft, prompt: p, reviewer: quorum, quorum: 2/3}\n",
    );
    let soft: Vec<&SoftGoal> = set.soft().map(|(_, s)| s).collect();
    assert_eq!(
        *soft[0],
        SoftGoal {
            prompt: "p".into(),
            reviewer: ReviewerMode::Other,
            consensus_needed: 2,
            review_interval: 1,
            quorum: None
        }
    );
    assert_eq!(
        soft[1].quorum,
        Some(Quorum {
            needed: 2,
            window: 3
        })
    );
}

#[test]
fn soft_goal_errors() {
    let cases = [
        (
            "id: s\ntype: soft\nreviewer: both",
            ".peers/goals.yaml:2:5: goals[0]: missing required key 'prompt'",
        ),
        (
            "id: s\ntype: soft\nprompt: p",
            ".peers/goals.yaml:2:5: goals[0]: missing required key 'reviewer'",
        ),
        (
            "id: s\ntype: soft\nprompt: p\nreviewer: everyone",
            ".peers/goals.yaml:5:15: goals[0].reviewer: expected one of other, both, alternating, quorum, found \"everyone\"",
        ),
        (
            "id: s\ntype: soft\nprompt: p\nreviewer: quorum",
            ".peers/goals.yaml:2:5: goals[0]: reviewer: quorum needs a quorum: \"N/M\" setting",
        ),
        (
            "id: s\ntype: soft\nprompt: p\nreviewer: quorum\nquorum: 3/2",
            ".peers/goals.yaml:6:13: goals[0].quorum: expected \"N/M\" with 0 < N <= M, found \"3/2\"",
        ),
        (
            "id: s\ntype: soft\nprompt: p\nreviewer: quorum\nquorum: 0/2",
            ".peers/goals.yaml:6:13: goals[0].quorum: expected \"N/M\" with 0 < N <= M, found \"0/2\"",
        ),
        (
            "id: s\ntype: soft\nprompt: p\nreviewer: both\nquorum: 1/2",
            ".peers/goals.yaml:6:13: goals[0].quorum: quorum applies only with reviewer: quorum (this goal uses both)",
        ),
        (
            "id: s\ntype: soft\nprompt: p\nreviewer: both\nconsensus_needed: 0",
            ".peers/goals.yaml:6:23: goals[0].consensus_needed: expected a positive integer, found 0",
        ),
    ];
    for (goal, want) in cases {
        assert_eq!(error(one(goal)).0, want, "{goal}");
    }
}

#[test]
fn keys_of_the_other_goal_type_say_which_type_they_belong_to() {
    let (msg, hint) = error(one(
        "id: s\ntype: soft\nprompt: p\nreviewer: both\ncmd: make",
    ));
    assert_eq!(
        msg,
        ".peers/goals.yaml:6:5: goals[0].cmd: 'cmd' belongs to hard goals, but this goal is soft"
    );
    assert_eq!(
        hint.as_deref(),
        Some("remove it, or set `type: hard` if this goal is meant to be hard")
    );
    let (msg, _) = error(one(
        "id: h\ntype: hard\ncmd: make\npass_when: x\nreviewer: other",
    ));
    assert_eq!(
        msg,
        ".peers/goals.yaml:6:5: goals[0].reviewer: 'reviewer' belongs to soft goals, but this goal is hard"
    );
    let (msg, hint) = error(one(
        "id: h\ntype: hard\ncmd: make\npass_when: x\ntimeout: 5",
    ));
    assert_eq!(msg, ".peers/goals.yaml:6:5: goals[0].timeout: unknown key");
    assert_eq!(hint.as_deref(), Some("did you mean 'timeout_s'?"));
}

#[test]
fn goal_ids_and_types_are_checked() {
    let cases = [
        (
            "type: hard\ncmd: x\npass_when: y",
            ".peers/goals.yaml:2:5: goals[0]: missing required key 'id'",
        ),
        (
            "id: ''\ntype: hard",
            ".peers/goals.yaml:2:9: goals[0].id: must not be empty",
        ),
        (
            "id: -x\ntype: hard",
            ".peers/goals.yaml:2:9: goals[0].id: invalid goal id \"-x\"",
        ),
        (
            "id: a b\ntype: hard",
            ".peers/goals.yaml:2:9: goals[0].id: invalid goal id \"a b\"",
        ),
        (
            "id: a\ntype: hrad",
            ".peers/goals.yaml:3:11: goals[0].type: expected one of hard, soft, found \"hrad\"",
        ),
        (
            "id: a",
            ".peers/goals.yaml:2:5: goals[0]: missing required key 'type'",
        ),
    ];
    for (goal, want) in cases {
        assert_eq!(error(one(goal)).0, want, "{goal}");
    }
    let long = format!("id: {}\ntype: hard", "a".repeat(129));
    assert_eq!(
        error(one(&long)).0,
        ".peers/goals.yaml:2:9: goals[0].id: goal id is longer than 128 characters"
    );
    assert_eq!(
        decode(&format!(
            "goals:\n  - {{id: {}, type: hard, cmd: x, pass_when: y}}\n",
            "a".repeat(128)
        ))
        .goals
        .len(),
        1
    );
}

#[test]
fn duplicate_goal_ids_name_the_first_line() {
    let (msg, _) = error(decode_goals(
        "goals:\n  - {id: a, type: hard, cmd: x, pass_when: y}\n  - {id: a, type: soft, prompt: p, reviewer: both}\n",
        FILE,
    ));
    assert_eq!(
        msg,
        ".peers/goals.yaml:3:10: goals[1].id: duplicate goal id 'a' (first on line 2)"
    );
}
