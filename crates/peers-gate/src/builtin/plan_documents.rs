//! The `implement` mode's report gates over files the peers write in the judged tree:
//! `delivery-report-complete` (DELIVERY.md), `blind-review` (IMPLEMENTATION_NOTES.md,
//! REVIEW_NOTES.md by different peers), `concerns-resolved` (CONCERNS.md) and
//! `honesty-audit` (HONESTY_AUDIT.md).

use peers_core::plan::Plan;

use super::GateContext;
use super::error::BuiltinError;
use super::plan::live_plan;
use super::plan_checkoff::{attested_authors, history};
use super::scope::worktree_text;
use crate::verdict::Verdict;

const MIN_NOTES_WORDS: usize = 20;
const MIN_AUDIT_WORDS: usize = 6;
const AUDIT_PARTS: [&str; 3] = ["weakest part", "likely uncaught bug", "skipped or shortcut"];
const MISMATCH: &str = "[BLIND-REVIEW-MISMATCH]";

/// `## heading` → (heading, line, body) sections of a Markdown text at `level` (2 or 3).
fn sections(text: &str, level: usize) -> Vec<(String, usize, String)> {
    let marker = format!("{} ", "#".repeat(level));
    let mut out: Vec<(String, usize, String)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(title) = line.strip_prefix(&marker) {
            out.push((title.trim().to_owned(), index + 1, String::new()));
        } else if let Some((_, _, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// The value after `- **Key:**` (or `Key:`) in `body`.
fn field<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.lines().find_map(|line| {
        let line = line.trim().trim_start_matches("- ").trim();
        let rest = line
            .strip_prefix(&format!("**{key}:**"))
            .or_else(|| line.strip_prefix(&format!("{key}:")))?;
        Some(rest.trim()).filter(|v| !v.is_empty())
    })
}

fn with_plan(ctx: &GateContext<'_>, name: &str, judge: impl FnOnce(Plan) -> Verdict) -> Verdict {
    match live_plan(ctx) {
        Ok(plan) => judge(plan),
        Err(error) => Verdict::fail(format!("{name}: {}", error.describe())),
    }
}

pub(crate) fn delivery_report_complete(ctx: &GateContext<'_>) -> Verdict {
    let name = "delivery-report-complete";
    with_plan(ctx, name, |plan| {
        let Some(text) = worktree_text(ctx.git, "DELIVERY.md") else {
            return Verdict::fail(format!(
                "{name}: DELIVERY.md is missing; write a `## [STEP-N]` section per step with \
                 `- **Commit:**`, `- **Tests:**` and `- **Justification:**`"
            ));
        };
        let found = sections(&text, 2);
        let mut problems = Vec::new();
        for step in &plan.steps {
            let id = format!("[{}]", step.id());
            let Some((_, _, body)) = found.iter().find(|(title, _, _)| title.starts_with(&id))
            else {
                problems.push(format!("  no `## {id}` section"));
                continue;
            };
            for key in ["Commit", "Tests", "Justification"] {
                if field(body, key).is_none() {
                    problems.push(format!("  {id}: `- **{key}:**` is missing or empty"));
                }
            }
            if let (Some(sha), Some(commit)) = (&step.sha, field(body, "Commit"))
                && !commit
                    .to_ascii_lowercase()
                    .contains(&sha[..7.min(sha.len())])
            {
                problems.push(format!(
                    "  {id}: Commit says `{commit}`, PLAN.md names {sha}"
                ));
            }
        }
        if problems.is_empty() {
            Verdict::pass(format!(
                "{name}: DELIVERY.md reports all {} steps",
                plan.steps.len()
            ))
        } else {
            Verdict::fail(format!("{name}: DELIVERY.md:\n{}", problems.join("\n")))
        }
    })
}

/// `## Concern N` sections of CONCERNS.md: (title, line, body, resolved).
fn concerns(
    ctx: &GateContext<'_>,
    text: &str,
) -> Vec<(String, usize, String, Result<(), Unresolved>)> {
    sections(text, 2)
        .into_iter()
        .filter(|(title, _, _)| {
            title
                .strip_prefix("Concern ")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .map(|(title, line, body)| {
            let resolved = resolution(ctx, &body);
            (title, line, body, resolved)
        })
        .collect()
}

/// Why a concern does not count as resolved.
#[derive(Debug, thiserror::Error)]
enum Unresolved {
    #[error("has no `status:` line")]
    NoStatus,
    #[error("says addressed by `{sha}`, which is not a commit in HEAD's history")]
    UnknownCommit { sha: String },
    #[error("is acknowledged without a reason")]
    NoReason,
    #[error("has status `{status}`; use `addressed (commit: <sha>)` or `[USER-ACK] (reason: …)`")]
    BadStatus { status: String },
}

fn resolution(ctx: &GateContext<'_>, body: &str) -> Result<(), Unresolved> {
    let status = body
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").trim_matches('*').trim())
        .find_map(|l| {
            l.strip_prefix("status:")
                .or_else(|| l.strip_prefix("Status:"))
                .or_else(|| l.strip_prefix("status**:"))
                .or_else(|| l.strip_prefix("Status:**"))
        })
        .map(|s| s.trim().trim_start_matches("**").trim());
    let Some(status) = status else {
        return Err(Unresolved::NoStatus);
    };
    if let Some(rest) = status.strip_prefix("addressed (commit:") {
        let sha = rest.trim().trim_end_matches(')').trim();
        let known = sha.len() >= 7
            && ctx
                .git
                .rev_parse(&format!("{sha}^{{commit}}"))
                .ok()
                .flatten()
                .is_some_and(|full| ctx.git.is_ancestor(&full, "HEAD").unwrap_or(false));
        return if known {
            Ok(())
        } else {
            Err(Unresolved::UnknownCommit {
                sha: sha.to_owned(),
            })
        };
    }
    if let Some(rest) = status.strip_prefix("[USER-ACK] (reason:") {
        return if words(rest) >= 3 {
            Ok(())
        } else {
            Err(Unresolved::NoReason)
        };
    }
    Err(Unresolved::BadStatus {
        status: status.to_owned(),
    })
}

pub(crate) fn concerns_resolved(ctx: &GateContext<'_>) -> Verdict {
    let name = "concerns-resolved";
    let Some(text) = worktree_text(ctx.git, "CONCERNS.md") else {
        return Verdict::fail(format!(
            "{name}: CONCERNS.md is missing; list what the review raised as `## Concern N — \
             summary` with a `status:` line each"
        ));
    };
    let found = concerns(ctx, &text);
    if found.is_empty() {
        return Verdict::fail(format!(
            "{name}: CONCERNS.md has no `## Concern N` section (a review that raised nothing \
             still writes down what it checked)"
        ));
    }
    let problems: Vec<String> = found
        .iter()
        .filter_map(|(title, line, _, resolved)| {
            resolved
                .as_ref()
                .err()
                .map(|why| format!("  line {line}: `{title}` {why}"))
        })
        .collect();
    if problems.is_empty() {
        Verdict::pass(format!("{name}: all {} concerns are resolved", found.len()))
    } else {
        Verdict::fail(format!("{name}: CONCERNS.md:\n{}", problems.join("\n")))
    }
}

pub(crate) fn blind_review(ctx: &GateContext<'_>) -> Verdict {
    let name = "blind-review";
    let mut problems = Vec::new();
    for file in ["IMPLEMENTATION_NOTES.md", "REVIEW_NOTES.md"] {
        match worktree_text(ctx.git, file) {
            Some(text) if words(&text) >= MIN_NOTES_WORDS => {}
            Some(_) => problems.push(format!("  {file} has fewer than {MIN_NOTES_WORDS} words")),
            None => problems.push(format!("  {file} is missing")),
        }
    }
    if let Some(text) = worktree_text(ctx.git, "CONCERNS.md") {
        for (title, line, body, resolved) in concerns(ctx, &text) {
            if body.lines().any(|l| l.trim_start().starts_with(MISMATCH)) && resolved.is_err() {
                problems.push(format!(
                    "  CONCERNS.md line {line}: `{title}` is an open {MISMATCH}"
                ));
            }
        }
    }
    if problems.is_empty() {
        match authors_differ(ctx) {
            Ok(()) => {}
            Err(NotesProblem::History(error)) => problems.push(format!("  {}", error.describe())),
            Err(problem) => problems.push(format!("  {problem}")),
        }
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{name}: implementation and review notes by different peers; no open mismatch"
        ))
    } else {
        Verdict::fail(format!("{name}:\n{}", problems.join("\n")))
    }
}

/// The newest commits writing the two notes files are attested to different peers.
/// Why the two notes files do not show two different writers.
#[derive(Debug, thiserror::Error)]
enum NotesProblem {
    /// The history could not be read (`describe` gives its causes).
    #[error("the history could not be read")]
    History(#[source] BuiltinError),
    #[error("{file} is not committed")]
    NotCommitted { file: &'static str },
    #[error("{file} was last written by {short} outside a peer's turn")]
    OutsideTurn { file: &'static str, short: String },
    #[error(
        "IMPLEMENTATION_NOTES.md and REVIEW_NOTES.md were both last written by {peer}; the \
         review is written by the other peer, from the diff alone"
    )]
    SameWriter { peer: String },
}

fn authors_differ(ctx: &GateContext<'_>) -> Result<(), NotesProblem> {
    let history = history(ctx).map_err(NotesProblem::History)?;
    let authors = attested_authors(ctx);
    let writer = |file: &'static str| -> Result<String, NotesProblem> {
        let sha = history
            .iter()
            .rev()
            .find(|(_, files)| files.iter().any(|f| f.path == file))
            .map(|(sha, _)| sha.clone())
            .ok_or(NotesProblem::NotCommitted { file })?;
        authors
            .get(&sha)
            .cloned()
            .ok_or_else(|| NotesProblem::OutsideTurn {
                file,
                short: sha[..7].to_owned(),
            })
    };
    let implementer = writer("IMPLEMENTATION_NOTES.md")?;
    let reviewer = writer("REVIEW_NOTES.md")?;
    if implementer == reviewer {
        return Err(NotesProblem::SameWriter { peer: reviewer });
    }
    Ok(())
}

pub(crate) fn honesty_audit(ctx: &GateContext<'_>) -> Verdict {
    let name = "honesty-audit";
    let Some(text) = worktree_text(ctx.git, "HONESTY_AUDIT.md") else {
        return Verdict::fail(format!(
            "{name}: HONESTY_AUDIT.md is missing; each peer writes `## <peer>` with `### Weakest \
             part`, `### Likely uncaught bug` and `### Skipped or shortcut`"
        ));
    };
    let peers = sections(&text, 2);
    let mut problems = Vec::new();
    if peers.len() < 2 {
        problems.push(format!(
            "  {} peer section(s); every peer writes one (at least 2)",
            peers.len()
        ));
    }
    for (peer, line, body) in &peers {
        let parts = sections(body, 3);
        for part in AUDIT_PARTS {
            let found = parts
                .iter()
                .find(|(title, _, _)| title.to_ascii_lowercase().starts_with(part));
            match found {
                Some((_, _, text)) if words(text) >= MIN_AUDIT_WORDS => {}
                Some(_) => problems.push(format!(
                    "  `## {peer}` (line {line}): `### {part}` says too little (at least {MIN_AUDIT_WORDS} words)"
                )),
                None => problems.push(format!("  `## {peer}` (line {line}): no `### {part}`")),
            }
        }
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{name}: {} peers audited their own work",
            peers.len()
        ))
    } else {
        Verdict::fail(format!(
            "{name}: HONESTY_AUDIT.md:\n{}",
            problems.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests;
