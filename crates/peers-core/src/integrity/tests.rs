//! Test-path rules per language, the revert-every-time rule and control paths.

use super::*;

#[test]
fn test_paths_per_language() {
    for path in [
        "tests/cli.rs",
        "crates/x/tests/all/main.rs",
        "crates/x/benches/speed.rs",
        "src/trailer/tests.rs",
        "src/parser_test.rs",
        "src/snapshots/x__y.snap",
        "test_parser.py",
        "pkg/parser_test.py",
        "tests/conftest.py",
        "conftest.py",
        "web/src/app.test.ts",
        "web/src/app.spec.jsx",
        "web/src/__tests__/app.js",
        "web/src/__snapshots__/app.js.snap",
        "server/handler_test.go",
        "server/testdata/input.json",
        "spec/models/user_spec.rb",
        "lib/user_spec.rb",
        "src/test/java/AppTest.java",
        "app/src/main/kotlin/ParserTests.kt",
        "./Tests/Thing.swift",
    ] {
        assert!(is_test_path(path), "{path} is a test path");
    }
}

#[test]
fn source_paths_are_not_tests() {
    for path in [
        "src/main.rs",
        "src/testing_utils.rs",
        "src/contest.py",
        "latest/notes.md",
        "pkg/attest.go",
        "web/src/app.ts",
        "web/src/test-helpers.ts",
        "lib/spectrum.rb",
        "README.md",
        "Cargo.toml",
        "",
    ] {
        assert!(!is_test_path(path), "{path} is not a test path");
    }
}

#[test]
fn classify_paths_sorts_a_diff() {
    assert_eq!(classify_paths::<&str>(&[]), DiffClass::Empty);
    assert_eq!(
        classify_paths(&["tests/a.rs", "test_b.py"]),
        DiffClass::TestOnly
    );
    assert_eq!(
        classify_paths(&["tests/a.rs", "src/a.rs"]),
        DiffClass::Mixed
    );
    assert_eq!(classify_paths(&["src/a.rs"]), DiffClass::SourceOnly);
    assert_eq!(classify_paths(&[".peers/goals.yaml"]), DiffClass::Empty);
    assert_eq!(
        classify_paths(&["tests/a.rs", ".peers/state.json"]),
        DiffClass::TestOnly
    );
}

fn state() -> State {
    State::for_peers(&["a".to_owned(), "b".to_owned()])
}

#[test]
fn test_only_turn_is_reverted_every_time_without_justification() {
    // Regression: the original accepted every other test-only turn (pre-warn).
    let mut state = state();
    for round in 0..3 {
        let decision = test_only_decision(DiffClass::TestOnly, None, &state, "a");
        assert!(
            matches!(decision, TestOnlyDecision::Revert(_)),
            "round {round}: {decision:?}"
        );
        state.peers.get_mut("a").unwrap().cheat_reverts_in_a_row += 1;
    }
}

#[test]
fn second_revert_in_a_row_says_the_peer_is_degraded() {
    let mut state = state();
    let TestOnlyDecision::Revert(first) =
        test_only_decision(DiffClass::TestOnly, None, &state, "a")
    else {
        panic!("expected a revert");
    };
    assert!(!first.contains("degraded"));
    state.peers.get_mut("a").unwrap().cheat_reverts_in_a_row = 1;
    let TestOnlyDecision::Revert(second) =
        test_only_decision(DiffClass::TestOnly, None, &state, "a")
    else {
        panic!("expected a revert");
    };
    assert!(
        second.contains("revert 2 in a row, so a is now degraded"),
        "{second}"
    );
}

#[test]
fn substantive_justification_is_accepted() {
    let why = "adds a regression test for BUG-012 before the parser fix lands";
    assert_eq!(
        test_only_decision(DiffClass::TestOnly, Some(why), &state(), "a"),
        TestOnlyDecision::AcceptJustified(why.to_owned())
    );
}

#[test]
fn filler_justifications_are_not_substance() {
    for thin in [
        "todo",
        "flaky",
        "n/a",
        "n/a n/a n/a n/a n/a n/a n/a",
        "flaky flaky flaky flaky tests",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "fix tests, todo, wip, tbd",
        "short reason",
    ] {
        assert!(!is_substantive(thin), "{thin:?} must not count");
        let decision = test_only_decision(DiffClass::TestOnly, Some(thin), &state(), "a");
        let TestOnlyDecision::Revert(reason) = decision else {
            panic!("{thin:?} was accepted");
        };
        assert!(reason.contains("is not a reason"), "{reason}");
    }
}

#[test]
fn mixed_and_source_turns_are_accepted() {
    for class in [DiffClass::Mixed, DiffClass::SourceOnly, DiffClass::Empty] {
        assert_eq!(
            test_only_decision(class, None, &state(), "a"),
            TestOnlyDecision::Accept
        );
    }
}

#[test]
fn justification_comes_from_the_trailer_or_the_original_line() {
    let trailer = "test: cover parser\n\nbody\n\nJustified-Test-Only: pins current parser behaviour before refactor\nPeer: a\n";
    assert_eq!(
        justification(&[trailer]).as_deref(),
        Some("pins current parser behaviour before refactor")
    );
    let line = "test: cover\n\nJUSTIFIED-TEST-ONLY: the fixture was wrong about leap years\n";
    assert_eq!(
        justification(&["x\n\nJustified-Test-Only: todo\n", line]).as_deref(),
        Some("the fixture was wrong about leap years"),
        "a substantive justification wins over a thin one"
    );
    assert_eq!(
        justification(&["x\n\nJustified-Test-Only: n/a\n"]).as_deref(),
        Some("n/a")
    );
    assert_eq!(justification(&["feat: x\n\nPeer: a\n"]), None);
}

#[test]
fn control_paths_under_dot_peers_are_tampering() {
    let paths = [
        "src/a.rs",
        ".peers/goals.yaml",
        "./.peers/config.yaml",
        "docs/.peers/readme.md",
        ".peersrc",
        ".peers",
    ];
    assert_eq!(
        tampered_control_paths(&paths),
        [".peers/goals.yaml", "./.peers/config.yaml", ".peers"]
    );
}
