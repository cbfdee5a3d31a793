//! A red test turned green by rewriting its expectation: refused on the author's word alone,
//! accepted with another peer's `Test-Change-Agree`, and never confused with a code fix. Runs
//! on node's built-in test runner, which needs no install.

use super::super::no_prior_regression::no_prior_regression;
use super::*;
use crate::builtin::RunFacts;
use crate::builtin::samples::{SampleRepo, js_lib};
use crate::verdict::Verdict;

const REWRITTEN: &str = "assert.strictEqual(add(1, 2), -1)";

/// A package whose `adds` test is red at the baseline (`add` subtracts); alice then rewrites
/// the expectation and justifies it herself.
fn rewritten_by_alice() -> (SampleRepo, String) {
    let repo = SampleRepo::js_node(true);
    repo.tag_baseline();
    let tests = std::fs::read_to_string(repo.path().join("sum.test.js")).unwrap();
    repo.write(
        "sum.test.js",
        &tests.replace("assert.strictEqual(add(1, 2), 3)", REWRITTEN),
    );
    let sha = repo.commit(
        "tests: fix the expectation\n\nPeer: alice\nJustified-Test-Only: the expected value was computed by hand and is wrong\nJustified-Test-Change: the expected value was computed by hand and is wrong",
    );
    (repo, sha)
}

fn node_available() -> bool {
    crate::builtin::samples::tool_available("node")
}

#[test]
fn a_self_justified_rewrite_of_a_red_test_fails_the_gate() {
    if !node_available() {
        return;
    }
    let (repo, sha) = rewritten_by_alice();
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(!pass, "{text}");
    assert!(text.contains("TEST CHANGED TO PASS adds"), "{text}");
    assert!(text.contains(&format!("{} by alice", &sha[..7])), "{text}");
    assert!(text.contains("Test-Change-Agree"), "{text}");
    repo.assert_clean();
}

#[test]
fn another_peers_agreement_lets_it_pass_but_a_forged_one_does_not() {
    if !node_available() {
        return;
    }
    let (repo, sha) = rewritten_by_alice();
    repo.write("NOTES.md", "reviewed\n");
    let agreement = repo.commit(&format!(
        "review\n\nPeer: bob\nTest-Change-Agree: {} checked by hand: 1 + 2 is what the spec wants",
        &sha[..9]
    ));
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(pass, "{text}");
    // In a run, authorship is what the orchestrator attested: alice made the "bob" commit.
    let facts = RunFacts {
        commit_authors: [
            (sha.clone(), "alice".to_owned()),
            (agreement, "alice".to_owned()),
        ]
        .into_iter()
        .collect(),
        ..RunFacts::default()
    };
    let ctx = GateContext {
        run: Some(&facts),
        ..repo.context()
    };
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&ctx);
    assert!(!pass, "a forged Peer: trailer cannot agree: {text}");
}

#[test]
fn a_red_test_fixed_by_the_code_needs_no_agreement() {
    if !node_available() {
        return;
    }
    let repo = SampleRepo::js_node(true);
    repo.tag_baseline();
    repo.write("sum.js", &js_lib(false));
    let tests = std::fs::read_to_string(repo.path().join("sum.test.js")).unwrap();
    repo.write(
        "sum.test.js",
        &format!(
            "{tests}test('adds negatives', () => {{ assert.strictEqual(add(-1, -2), -3); }});\n"
        ),
    );
    repo.commit("fix add and test negatives\n\nPeer: alice\n");
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(pass, "{text}");
}
