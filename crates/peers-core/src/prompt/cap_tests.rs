//! Every size cap of the prompt, and the worst case staying under the target.

use super::tests::{hard, two_peer_context};
use super::*;
use crate::ledger::Severity;

fn inbox_of(count: usize) -> Vec<InboxCommit> {
    (0..count)
        .map(|n| InboxCommit {
            sha: format!("{n:040}"),
            peer: "codex".to_owned(),
            subject: format!("commit number {n}"),
        })
        .collect()
}

#[test]
fn inbox_keeps_the_newest_entries_and_counts_the_rest() {
    let mut ctx = two_peer_context();
    ctx.inbox = inbox_of(MAX_INBOX_ENTRIES + 20);
    let prompt = build(&ctx);
    assert!(prompt.text.contains("… 20 older commits omitted"));
    assert!(!prompt.text.contains("commit number 19 "));
    assert!(prompt.text.contains("commit number 20 "));
    assert!(prompt.text.contains("commit number 69 "));
    assert_eq!(prompt.text.matches("[codex] commit number").count(), 50);
    assert_eq!(prompt.truncated_sections, vec!["inbox"]);
}

#[test]
fn inbox_at_the_cap_is_not_truncated() {
    let mut ctx = two_peer_context();
    ctx.inbox = inbox_of(MAX_INBOX_ENTRIES);
    let prompt = build(&ctx);
    assert!(!prompt.text.contains("older commits omitted"));
    assert!(prompt.truncated_sections.is_empty());
}

#[test]
fn warnings_keep_the_first_five_and_the_last_twenty_five() {
    let mut ctx = two_peer_context();
    ctx.warnings = (0..40).map(|n| format!("warning #{n}.")).collect();
    let prompt = build(&ctx);
    for kept in (0..5).chain(15..40) {
        assert!(
            prompt.text.contains(&format!("  - warning #{kept}.")),
            "{kept}"
        );
    }
    for dropped in 5..15 {
        assert!(
            !prompt.text.contains(&format!("  - warning #{dropped}.")),
            "{dropped}"
        );
    }
    assert!(prompt.text.contains("  … 10 warnings omitted …"));
    assert_eq!(prompt.truncated_sections, vec!["warnings"]);

    ctx.warnings.truncate(WARNINGS_HEAD + WARNINGS_TAIL);
    let prompt = build(&ctx);
    assert!(!prompt.text.contains("warnings omitted"));
    assert!(prompt.truncated_sections.is_empty());
}

#[test]
fn a_long_diagnostic_keeps_its_tail_within_the_byte_cap() {
    let mut ctx = two_peer_context();
    let long = format!("{}THE REAL ERROR", "x".repeat(5000));
    ctx.hard_goals = vec![hard("tests-pass", Some(false), &long)];
    let prompt = build(&ctx);
    let shown: String = prompt
        .text
        .lines()
        .filter_map(|line| line.strip_prefix("    | "))
        .collect();
    assert!(shown.len() <= MAX_DIAGNOSTIC_BYTES, "{}", shown.len());
    assert!(shown.ends_with("THE REAL ERROR"));
    assert!(shown.starts_with('…'));
    assert_eq!(prompt.truncated_sections, vec!["diagnostics"]);
}

#[test]
fn a_diagnostic_of_many_short_lines_keeps_the_last_lines() {
    let mut ctx = two_peer_context();
    let lines: Vec<String> = (0..500).map(|n| format!("line {n}")).collect();
    ctx.hard_goals = vec![hard("tests-pass", Some(false), &lines.join("\n"))];
    let prompt = build(&ctx);
    let shown: Vec<&str> = prompt
        .text
        .lines()
        .filter_map(|line| line.strip_prefix("    | "))
        .collect();
    assert_eq!(shown.len(), MAX_DIAGNOSTIC_LINES);
    assert_eq!(shown.last(), Some(&"line 499"));
    assert_eq!(prompt.truncated_sections, vec!["diagnostics"]);
}

#[test]
fn many_goals_are_capped_in_status_and_open_goals() {
    let mut ctx = two_peer_context();
    ctx.hard_goals = (0..MAX_STATUS_GOALS + 5)
        .map(|n| hard(&format!("gate-{n}"), Some(false), "boom"))
        .collect();
    ctx.soft_goals.clear();
    let prompt = build(&ctx);
    assert!(prompt.text.contains("  … 5 more goals omitted"));
    assert_eq!(
        prompt.text.matches("last output of its gate:").count(),
        MAX_OPEN_GOALS_WITH_OUTPUT
    );
    assert!(
        prompt
            .text
            .contains("  - also failing (output not shown): gate-6, gate-7, gate-8")
    );
    assert_eq!(prompt.truncated_sections, vec!["goal-status", "open-goals"]);
}

#[test]
fn requested_soft_reviews_and_their_prompts_are_capped() {
    let mut ctx = two_peer_context();
    let template = ctx.soft_goals[0].clone();
    ctx.soft_goals = (0..MAX_SOFT_REVIEWS + 2)
        .map(|n| SoftGoalProgress {
            id: format!("soft-{n}"),
            prompt: "p".repeat(4000),
            ..template.clone()
        })
        .collect();
    let prompt = build(&ctx);
    assert!(prompt.text.contains("  … 2 more requested reviews omitted"));
    assert!(!prompt.text.contains("soft-6 ("));
    let longest = prompt.text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest <= 1200 + 4, "{longest}");
    assert_eq!(prompt.truncated_sections, vec!["soft-reviews"]);
}

#[test]
fn assigned_bugs_are_capped() {
    let mut ctx = two_peer_context();
    ctx.bugs = (0..MAX_BUGS + 3)
        .map(|n| AssignedBug {
            id: format!("BUG-{n:03}"),
            severity: Severity::Med,
            location: None,
            description: "d".repeat(1000),
        })
        .collect();
    let prompt = build(&ctx);
    assert!(prompt.text.contains("  … 3 more (run `peers bugs`)"));
    assert!(prompt.text.contains("  - BUG-000 [med] — ddd"));
    assert_eq!(prompt.truncated_sections, vec!["bugs"]);
}

#[test]
fn long_single_line_fields_are_clipped() {
    let mut ctx = two_peer_context();
    ctx.inbox[0].subject = "s".repeat(10_000);
    ctx.warnings = vec!["w".repeat(10_000)];
    ctx.task = "t".repeat(10_000);
    let prompt = build(&ctx);
    assert!(prompt.text.lines().all(|line| line.len() <= 1100));
    assert_eq!(prompt.truncated_sections, vec!["warnings", "inbox", "task"]);
}

/// The worst case of every section at once still fits the target (the original's
/// unbounded prompt overflowed argv).
#[test]
fn worst_case_prompt_stays_under_the_target() {
    let wide = "é".repeat(20_000);
    let mut ctx = two_peer_context();
    ctx.skeptic = true;
    ctx.peer = wide.clone();
    ctx.counterparts = vec![wide.clone(); 40];
    ctx.task = wide.clone();
    ctx.recon_path = Some(wide.clone());
    ctx.codemap_path = Some(wide.clone());
    ctx.next_bug_id = wide.clone();
    ctx.hard_goals = (0..200)
        .map(|n| HardGoalStatus {
            id: format!("{n}{wide}"),
            description: wide.clone(),
            passing: Some(false),
            diagnostic: format!("{wide}\n").repeat(3),
        })
        .collect();
    ctx.soft_goals = (0..200)
        .map(|n| SoftGoalProgress {
            id: format!("{n}{wide}"),
            description: wide.clone(),
            prompt: format!("{wide}\n").repeat(50),
            status: wide.clone(),
            requested: true,
        })
        .collect();
    ctx.inbox = (0..500)
        .map(|_| InboxCommit {
            sha: wide.clone(),
            peer: wide.clone(),
            subject: wide.clone(),
        })
        .collect();
    ctx.bugs = (0..500)
        .map(|_| AssignedBug {
            id: wide.clone(),
            severity: Severity::Crit,
            location: Some(wide.clone()),
            description: wide.clone(),
        })
        .collect();
    ctx.warnings = vec![wide.clone(); 500];
    let prompt = build(&ctx);
    // Soft goals sort after hard ones; without hard goals their own fields fill the list.
    let mut soft_only = ctx.clone();
    soft_only.hard_goals.clear();
    let soft_prompt = build(&soft_only);
    assert!(
        soft_prompt.text.len() <= TARGET_PROMPT_BYTES,
        "{} bytes",
        soft_prompt.text.len()
    );
    assert!(
        prompt.text.len() <= TARGET_PROMPT_BYTES,
        "{} bytes",
        prompt.text.len()
    );
    for section in [
        "identity",
        "goal-status",
        "open-goals",
        "diagnostics",
        "warnings",
        "soft-reviews",
        "inbox",
        "bugs",
        "task",
        "project-context",
    ] {
        assert!(prompt.truncated_sections.contains(&section), "{section}");
    }
}
