//! The protocol examples in the prompt work when copied verbatim: valid JSON, accepted by
//! the ledger and the trailer parser (a regression guard: in the original a copied example
//! filed an unreadable, silently non-blocking bug).

use super::blocks;
use super::render::{placeholders, render};
use super::tests::two_peer_context;
use super::*;
use crate::ledger::{Ledger, LedgerCommit, ResolutionStatus, Severity};
use crate::trailer::{self, json_objects, last_value, parse_trailers};

/// The prompt of `peer` (whose counterpart is `other`) with every protocol block present.
fn prompt_for(peer: &str, other: &str) -> String {
    let mut ctx = two_peer_context();
    ctx.peer = peer.to_owned();
    ctx.counterparts = vec![other.to_owned()];
    ctx.skeptic = true;
    build(&ctx).text
}

/// The fenced ``` blocks of `text`: the example commit messages.
fn fenced_examples(text: &str) -> Vec<String> {
    text.split("```")
        .skip(1)
        .step_by(2)
        .map(|block| block.trim_start_matches('\n').to_owned())
        .collect()
}

fn example_starting(text: &str, prefix: &str) -> String {
    fenced_examples(text)
        .into_iter()
        .find(|example| example.starts_with(prefix))
        .unwrap_or_else(|| panic!("no example starting {prefix:?}"))
}

#[test]
fn every_json_example_in_the_prompt_is_valid_json() {
    let text = prompt_for("claude", "codex");
    let json_lines: Vec<&str> = text.lines().filter(|line| line.contains('{')).collect();
    assert!(
        json_lines.len() >= 5,
        "expected the protocol examples: {json_lines:?}"
    );
    for line in &json_lines {
        let (Some(open), Some(close)) = (line.find('{'), line.rfind('}')) else {
            panic!("a brace without its pair: {line}");
        };
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&line[open..=close]);
        assert!(parsed.is_ok(), "not valid JSON: {line}");
    }
    assert_eq!(json_objects(&text).len(), json_lines.len());
}

#[test]
fn templates_use_only_the_placeholders_their_callers_fill() {
    let filled: &[(&str, &[&str])] = &[
        (blocks::IDENTITY, &["peer", "counterparts", "iteration"]),
        (blocks::PROJECT_CONTEXT, &["files"]),
        (blocks::SOFT_REVIEW_FORMAT, &["goal_id", "peer"]),
        (blocks::BUG_HUNT, &["bug_id", "counterpart", "peer"]),
        (blocks::SELF_REVIEW, &["peer"]),
        (blocks::CONVENTIONS, &["peer"]),
    ];
    for (template, names) in filled {
        let mut used = placeholders(template);
        used.sort_unstable();
        let mut expected = names.to_vec();
        expected.sort_unstable();
        assert_eq!(used, expected, "{template}");
    }
    let fixed = [
        blocks::SKEPTIC,
        blocks::ROLE_RECOVERY,
        blocks::ROLE_WITNESS,
        blocks::ROLE_DEBATER,
        blocks::CORE_DIRECTIVE,
        blocks::THOROUGH_TESTING,
    ];
    for template in fixed {
        assert!(placeholders(template).is_empty(), "{template}");
        assert_eq!(render(template, &[]), template);
    }
}

#[test]
fn the_bug_report_example_files_a_blocking_bug_when_copied_verbatim() {
    let text = prompt_for("claude", "codex");
    let report = example_starting(&text, "BUG-004:");
    let ledger = Ledger::build(&[LedgerCommit::from_message("a1", report)]);
    assert!(ledger.warnings().is_empty(), "{:?}", ledger.warnings());
    let bug = ledger
        .bug("BUG-004")
        .unwrap_or_else(|| panic!("no bug filed"));
    assert!(!bug.malformed);
    assert_eq!(bug.severity, Severity::High);
    assert!(bug.is_open_blocking());
    assert_eq!(bug.found_by.as_deref(), Some("claude"));
    assert_eq!(bug.fields.fix_by.as_deref(), Some("codex"));
    assert_eq!(bug.fields.location.as_deref(), Some("src/parser.rs:42"));
}

#[test]
fn the_resolution_example_closes_the_bug_it_names() {
    let report = example_starting(&prompt_for("claude", "codex"), "BUG-004:");
    let resolution = example_starting(&prompt_for("codex", "claude"), "Resolve BUG-004:");
    let commits = [
        LedgerCommit::from_message("a1", report),
        LedgerCommit::from_message("a2", resolution),
    ];
    let ledger = Ledger::build(&commits);
    assert!(ledger.warnings().is_empty(), "{:?}", ledger.warnings());
    let bug = ledger
        .bug("BUG-004")
        .unwrap_or_else(|| panic!("no bug filed"));
    let resolved = bug.resolution.as_ref().map(|r| r.status);
    assert_eq!(resolved, Some(ResolutionStatus::Fixed));
    assert!(!bug.is_open());
}

#[test]
fn the_wontfix_agreement_trailer_from_the_prompt_closes_a_wontfix() {
    let text = prompt_for("codex", "claude");
    let report = example_starting(&prompt_for("claude", "codex"), "BUG-004:");
    let wontfix = example_starting(&text, "Resolve BUG-004:").replace("\"fixed\"", "\"wontfix\"");
    assert!(text.contains("`Bug-Wontfix-Agree: BUG-004`"));
    let agree = "Agree: BUG-004 is out of scope\n\nPeer: claude\nBug-Wontfix-Agree: BUG-004\n";
    let commits = [
        LedgerCommit::from_message("a1", report),
        LedgerCommit::from_message("a2", wontfix),
        LedgerCommit::from_message("a3", agree),
    ];
    let ledger = Ledger::build(&commits[..2]);
    assert!(ledger.bug("BUG-004").is_some_and(|bug| bug.is_open()));
    let ledger = Ledger::build(&commits);
    assert!(ledger.warnings().is_empty(), "{:?}", ledger.warnings());
    assert!(ledger.bug("BUG-004").is_some_and(|bug| !bug.is_open()));
}

#[test]
fn the_defer_example_body_is_read_as_the_deferral_reason() {
    let text = prompt_for("codex", "claude");
    let report = example_starting(&prompt_for("claude", "codex"), "BUG-004:");
    let body = text
        .lines()
        .find(|line| line.starts_with("{\"defers\""))
        .unwrap_or_else(|| panic!("no defer example"));
    let defer = format!("Defer BUG-004\n\n{body}\n\nPeer: codex\nBug-Defer: BUG-004\n");
    let commits = [
        LedgerCommit::from_message("a1", report),
        LedgerCommit::from_message("a2", defer),
    ];
    let ledger = Ledger::build(&commits);
    assert!(ledger.warnings().is_empty(), "{:?}", ledger.warnings());
    let resolution = ledger.bug("BUG-004").and_then(|bug| bug.resolution.clone());
    assert_eq!(
        resolution.map(|r| r.status),
        Some(ResolutionStatus::Deferred)
    );
}

#[test]
fn the_handoff_example_is_a_handoff_with_a_self_review_section() {
    let handoff = example_starting(&prompt_for("claude", "codex"), "Short summary");
    assert!(trailer::is_handoff(&handoff));
    assert!(trailer::has_section(&handoff, "Self-Review"));
    assert_eq!(trailer::peer(&handoff).as_deref(), Some("claude"));
}

#[test]
fn the_soft_review_example_names_the_goal_and_passes() {
    let review = example_starting(
        &prompt_for("claude", "codex"),
        "Review test-coverage-3-class:",
    );
    let trailers = parse_trailers(&review);
    assert_eq!(
        last_value(&trailers, "Peer-Review-Of"),
        Some("test-coverage-3-class")
    );
    assert_eq!(last_value(&trailers, "Peer"), Some("claude"));
    assert!(trailer::has_section(&review, "Review"));
    let objects = json_objects(&review);
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["pass"], serde_json::Value::Bool(true));
}

#[test]
fn the_handoff_example_filled_in_passes_the_substance_check_and_verbatim_fails() {
    let example = example_starting(&prompt_for("claude", "codex"), "Short summary");
    let substance = |message: &str| trailer::section_substance(message, "Self-Review");
    assert!(
        substance(&example) < trailer::MIN_SELF_REVIEW_CHARS,
        "the template copied verbatim is not a review"
    );
    let filled = example
        .replace(
            "what you verified and how (commands run and their results).",
            "cargo test, 41 passed; re-read the diff of src/parser.rs.",
        )
        .replace("what you could not check.", "none")
        .replace("what might still be wrong.", "none");
    assert_ne!(filled, example, "the template's placeholders changed");
    assert!(trailer::is_handoff(&filled));
    assert!(
        substance(&filled) >= trailer::MIN_SELF_REVIEW_CHARS,
        "an honest fill of the prompt's own template must pass: {filled}"
    );
}

#[test]
fn the_test_change_agreement_example_agrees_when_another_peer_commits_it() {
    use crate::integrity::{AuthoredCommit, TEST_CHANGE_AGREE, unagreed_test_changes};
    let text = prompt_for("codex", "claude");
    assert!(text.contains("Justified-Test-Only"));
    let agree = example_starting(&text, "Agree: the rewritten expectation");
    let trailers = parse_trailers(&agree);
    assert_eq!(last_value(&trailers, "Peer"), Some("codex"));
    assert_eq!(last_value(&trailers, TEST_CHANGE_AGREE), Some("1a2b3c4d"));
    let change = AuthoredCommit {
        sha: "1a2b3c4d5e6f".to_owned(),
        author: Some("claude".to_owned()),
        message: "tests: rewrite\n\nPeer: claude\n".to_owned(),
        changes_tests: true,
    };
    let agreement = |author: &str| AuthoredCommit {
        sha: "99999999".to_owned(),
        author: Some(author.to_owned()),
        message: agree.clone(),
        changes_tests: false,
    };
    let tests = ["tests/test_calc.py::test_div".to_owned()];
    assert!(unagreed_test_changes(&[change.clone(), agreement("codex")], &tests).is_empty());
    assert_eq!(
        unagreed_test_changes(&[change, agreement("claude")], &tests).len(),
        1,
        "the author cannot agree with itself"
    );
}
