//! `docs-only` (describe, document): the tree differs from `peers-baseline` in documentation
//! only. The net difference decides (so a code change that was reverted does not block the
//! run for ever, and one slipped in through a merge is still seen); each commit that touched
//! a still-changed path is named with its subject, so the peer knows what to revert.

use std::collections::BTreeSet;

use super::GateContext;
use super::doc_text::is_doc_path;
use super::error::BuiltinError;
use super::scope::{baseline_commit, is_control_path, string_list, within_budget};
use super::short_sha;
use crate::verdict::Verdict;

/// Paths and commits listed in full; the rest are counted.
const MAX_LISTED: usize = 10;

pub(crate) fn docs_only(ctx: &GateContext<'_>) -> Verdict {
    match judge(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!("docs-only: {}", error.describe())),
    }
}

fn judge(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let allow = match ctx.params.get("allow") {
        None => Vec::new(),
        Some(value) => string_list(value, "allow")?,
    };
    let is_code = |path: &str| !is_control_path(path) && !is_doc_path(path, &allow);
    let base = baseline_commit(ctx)?;
    within_budget(ctx, || "comparing the tree with the baseline".to_owned())?;
    let changed: BTreeSet<String> = ctx
        .git
        .changed_paths(&base, "HEAD")
        .map_err(|source| BuiltinError::git("diff against the baseline", source))?
        .into_iter()
        .filter(|path| is_code(path))
        .collect();
    let commits = ctx
        .git
        .commits(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read history", source))?;
    let mut culprits = Vec::new();
    let mut reverted = 0usize;
    for commit in &commits {
        within_budget(ctx, || format!("reading commit {}", short_sha(&commit.sha)))?;
        let counts = ctx.git.commit_line_counts(&commit.sha).map_err(|source| {
            BuiltinError::git(format!("read commit {}", short_sha(&commit.sha)), source)
        })?;
        let code: Vec<&str> = counts
            .iter()
            .map(|count| count.path.as_str())
            .filter(|path| is_code(path))
            .collect();
        if code.is_empty() {
            continue;
        }
        let still: Vec<&str> = code
            .iter()
            .copied()
            .filter(|p| changed.contains(*p))
            .collect();
        if still.is_empty() {
            reverted += 1;
            continue;
        }
        let subject = commit.message.lines().next().unwrap_or_default();
        culprits.push(format!(
            "  {} \"{}\" changes {}",
            short_sha(&commit.sha),
            subject.chars().take(80).collect::<String>(),
            listed(&still)
        ));
    }
    if changed.is_empty() {
        let note = match reverted {
            0 => String::new(),
            n => format!(" ({n} commits touched code, and it was put back)"),
        };
        return Ok(Verdict::pass(format!(
            "docs-only: since peers-baseline only documentation changed, over {} commits{note}",
            commits.len()
        )));
    }
    let paths: Vec<&str> = changed.iter().map(String::as_str).collect();
    let count = match changed.len() {
        1 => "1 file that is not documentation differs".to_owned(),
        n => format!("{n} files that are not documentation differ"),
    };
    let mut lines = vec![format!(
        "docs-only: {count} from peers-baseline: {}; this mode writes docs, not code: restore \
         them (`git checkout peers-baseline -- <path>` and commit)",
        listed(&paths)
    )];
    if culprits.is_empty() {
        lines.push("  (changed through a merge commit)".to_owned());
    }
    lines.extend(culprits.iter().take(MAX_LISTED).cloned());
    if culprits.len() > MAX_LISTED {
        lines.push(format!(
            "  … and {} more commits",
            culprits.len() - MAX_LISTED
        ));
    }
    Ok(Verdict::fail(lines.join("\n")))
}

fn listed(paths: &[&str]) -> String {
    let mut shown: Vec<&str> = paths.iter().take(MAX_LISTED).copied().collect();
    shown.sort_unstable();
    let more = paths.len().saturating_sub(MAX_LISTED);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
