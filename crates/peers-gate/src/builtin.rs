//! The gates peers ships itself. This file holds `self-review-on-handoff` and `bug-hunt-clean`;
//! `context` dispatches every built-in gate; each further gate has its own module.
//!
//! Each returns a `Verdict` (pass or fail, and a diagnostic); the diagnostic is what the failing peer reads next
//! turn, so it names commits, bugs and the exact trailer or section that is missing.

use crate::verdict::Verdict;
use peers_core::ledger::{Bug, Ledger, LedgerCommit, ResolutionStatus, Severity};
use peers_core::trailer::{has_section, last_value, parse_trailers};
use peers_git::{Commit, Git, GitError};

/// How far back the self-review gate looks for the newest handoff (the original's bound).
pub const HANDOFF_LOOKBACK: usize = 1000;
/// Ledger warnings shown under the bug-hunt line; the rest are counted.
const MAX_WARNING_LINES: usize = 20;
const MAX_DESCRIPTION_CHARS: usize = 160;

/// The newest handoff commit (`Peer-Status: handoff`) among the last `HANDOFF_LOOKBACK`
/// reachable from HEAD must carry `Self-Review: pass` and a `## Self-Review` section.
pub fn self_review_on_handoff(git: &Git) -> Verdict {
    match git.recent_commits("HEAD", HANDOFF_LOOKBACK) {
        Ok(commits) => self_review_verdict(&commits),
        Err(error) => Verdict::fail(format!(
            "self-review: could not read history: {}",
            error_chain(&error)
        )),
    }
}

/// The self-review rule over `commits` given oldest first.
pub fn self_review_verdict(commits: &[Commit]) -> Verdict {
    let handoff = commits.iter().rev().find(|commit| {
        last_value(&parse_trailers(&commit.message), "Peer-Status") == Some("handoff")
    });
    let Some(commit) = handoff else {
        return Verdict::fail(format!(
            "self-review: no handoff commit yet (no `Peer-Status: handoff` trailer in the \
                 last {} commits)",
            commits.len()
        ));
    };
    let short = short_sha(&commit.sha);
    let trailers = parse_trailers(&commit.message);
    let mut missing = Vec::new();
    match last_value(&trailers, "Self-Review") {
        Some("pass") => {}
        Some(other) => missing.push(format!(
            "the trailer `Self-Review: pass` (it says `{other}`)"
        )),
        None => missing.push("the trailer `Self-Review: pass`".to_owned()),
    }
    if !has_section(&commit.message, "Self-Review") {
        missing.push("a `## Self-Review` section in the body".to_owned());
    } else if peers_core::trailer::section_substance(&commit.message, "Self-Review")
        < peers_core::trailer::MIN_SELF_REVIEW_CHARS
    {
        missing
            .push("a `## Self-Review` section with substance (it is empty or a token)".to_owned());
    }
    if missing.is_empty() {
        Verdict::pass(format!(
            "self-review: handoff {short} has `Self-Review: pass` and a `## Self-Review` section"
        ))
    } else {
        Verdict::fail(format!(
            "self-review: handoff {short} lacks {}",
            missing.join(" and ")
        ))
    }
}

/// Pass iff the ledger built from every commit reachable from HEAD has no open crit, high
/// or med bug. Commits are attributed by their `Peer:` trailer.
pub fn bug_hunt_clean(git: &Git) -> Verdict {
    match git.commits("HEAD") {
        Ok(commits) => {
            let commits: Vec<LedgerCommit> = commits
                .into_iter()
                .map(|commit| LedgerCommit::from_message(commit.sha, commit.message))
                .collect();
            bug_hunt_verdict(&Ledger::build(&commits))
        }
        Err(error) => Verdict::fail(format!(
            "bug-hunt: could not read history: {}",
            error_chain(&error)
        )),
    }
}

/// The bug-hunt rule over a ledger the caller may keep incrementally.
pub fn bug_hunt_verdict(ledger: &Ledger) -> Verdict {
    let summary = ledger.summary();
    let counts: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|severity| format!("{severity}={}", summary.open_by_severity.get(*severity)))
        .collect();
    let mut lines = vec![format!(
        "bug-hunt: {} blocking open ({}); {} total reported, {} fixed, {} deferred, {} have \
         reproduce-tests",
        summary.open_blocking,
        counts.join(" "),
        summary.total,
        summary.fixed,
        summary.deferred,
        summary.reproduced,
    )];
    lines.extend(ledger.open_blocking().into_iter().map(open_bug_line));
    let warnings = ledger.warnings();
    lines.extend(
        warnings
            .iter()
            .take(MAX_WARNING_LINES)
            .map(|warning| format!("warning: {warning}")),
    );
    if warnings.len() > MAX_WARNING_LINES {
        lines.push(format!(
            "… and {} more warnings (see the ledger summary)",
            warnings.len() - MAX_WARNING_LINES
        ));
    }
    Verdict::new(summary.open_blocking == 0, lines.join("\n"))
}

/// `BUG-007 high fix_by=codex src/parser.py:42 — description [why it is still open]`
fn open_bug_line(bug: &Bug) -> String {
    let mut line = format!("{} {}", bug.id, bug.severity);
    if bug.malformed {
        let by = bug.found_by.as_deref().unwrap_or("unknown peer");
        line.push_str(&format!(
            " (malformed report by {by} in {}; re-file it with valid JSON)",
            short_sha(&bug.sha)
        ));
    }
    if let Some(fix_by) = &bug.fields.fix_by {
        line.push_str(&format!(" fix_by={fix_by}"));
    }
    if let Some(location) = bug.fields.location.as_ref().or(bug.fields.file.as_ref()) {
        line.push_str(&format!(" {location}"));
    }
    if let Some(text) = bug
        .fields
        .description
        .as_ref()
        .or(bug.fields.title.as_ref())
    {
        line.push_str(&format!(" — {}", one_line(text)));
    }
    if let Some(resolution) = &bug.resolution {
        let by = resolution.resolved_by.as_deref().unwrap_or("unknown peer");
        let why = match resolution.status {
            ResolutionStatus::Wontfix => "awaiting `Bug-Wontfix-Agree` from another peer",
            _ => "which does not close a bug",
        };
        line.push_str(&format!(
            " [{} by {by} in {}, {why}]",
            resolution.status.as_str(),
            short_sha(&resolution.sha)
        ));
    }
    line
}

fn one_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default().trim();
    if first.chars().count() > MAX_DESCRIPTION_CHARS {
        let cut: String = first.chars().take(MAX_DESCRIPTION_CHARS).collect();
        format!("{cut}…")
    } else {
        first.to_owned()
    }
}

/// A commit's id as diagnostics show it: its first 7 characters.
pub(crate) fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The error, its causes, and git's hint, on one line for a diagnostic.
fn error_chain(error: &GitError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    if let Some(hint) = error.hint() {
        text.push_str(&format!(" (hint: {hint})"));
    }
    text
}

mod agents_in_sync;
mod all_peers_healthy;
mod api_stable;
mod architecture_grounded;
mod baseline_findings;
mod baseline_snapshot;
mod codemap_complete;
mod codemap_reference;
mod context;
mod convergence_reached;
mod coverage_changes;
mod coverage_holds;
mod coverage_run;
mod deps_justified;
mod describe;
mod description_converged;
mod diff_size_per_resolve;
mod doc_text;
mod docs_only;
pub mod error;
mod error_text;
mod finding;
mod lint_clean;
mod no_hidden_code;
mod no_prior_regression;
mod no_secrets_committed;
mod no_stubs;
mod plan;
mod plan_checkoff;
mod plan_documents;
mod plan_scripts;
mod plan_tests;
pub mod requirements;
pub mod runners;
#[cfg(test)]
mod samples;
mod scope;
mod source_comments;
mod tdd_reproduces_bug;
#[cfg(test)]
mod test_repo;
mod test_rescue;
#[cfg(test)]
mod tests;
mod tests_no_unjustified_skip_or_fail;
mod tests_not_weakened;
mod tests_pass;
mod type_clean;

pub use context::{GateContext, RunFacts, evaluate};
