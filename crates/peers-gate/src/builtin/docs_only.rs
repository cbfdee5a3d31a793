//! `docs-only` (describe, document): every commit since `peers-baseline` changes
//! documentation only. A commit that touches a source, test, build or configuration file is
//! named with the paths, so the peer knows which change to revert.

use super::GateContext;
use super::doc_text::is_doc_path;
use super::scope::{baseline_commit, is_control_path, string_list, within_budget};
use super::short_sha;
use crate::verdict::Verdict;

/// Offending commits listed in full; the rest are counted.
const MAX_LISTED: usize = 10;
/// Paths listed per offending commit.
const MAX_PATHS: usize = 5;

pub(crate) fn docs_only(ctx: &GateContext<'_>) -> Verdict {
    match offending_commits(ctx) {
        Err(message) => Verdict::fail(format!("docs-only: {message}")),
        Ok((0, _)) => Verdict::pass("docs-only: no commit since peers-baseline yet".to_owned()),
        Ok((total, offending)) if offending.is_empty() => Verdict::pass(format!(
            "docs-only: the {total} commits since peers-baseline change documentation only"
        )),
        Ok((total, offending)) => {
            let mut lines = vec![format!(
                "docs-only: {} of {total} commits since peers-baseline change files that are not \
                 documentation; this mode writes docs, not code: revert those changes \
                 (`git revert <commit>` or restore the files from peers-baseline)",
                offending.len()
            )];
            lines.extend(offending.iter().take(MAX_LISTED).cloned());
            if offending.len() > MAX_LISTED {
                lines.push(format!("… and {} more", offending.len() - MAX_LISTED));
            }
            Verdict::fail(lines.join("\n"))
        }
    }
}

/// The number of commits since the baseline and one line per commit touching non-docs.
fn offending_commits(ctx: &GateContext<'_>) -> Result<(usize, Vec<String>), String> {
    let allow = match ctx.params.get("allow") {
        None => Vec::new(),
        Some(value) => string_list(value, "allow")?,
    };
    let base = baseline_commit(ctx)?;
    let range = format!("{base}..HEAD");
    let commits = ctx
        .git
        .commits(&range)
        .map_err(|error| format!("cannot read history: {}", super::error_chain(&error)))?;
    let mut offending = Vec::new();
    for commit in &commits {
        within_budget(ctx, || format!("reading commit {}", short_sha(&commit.sha)))?;
        let counts = ctx.git.commit_line_counts(&commit.sha).map_err(|error| {
            format!(
                "cannot read commit {}: {}",
                short_sha(&commit.sha),
                super::error_chain(&error)
            )
        })?;
        let code: Vec<&str> = counts
            .iter()
            .map(|count| count.path.as_str())
            .filter(|path| !is_control_path(path) && !is_doc_path(path, &allow))
            .collect();
        if code.is_empty() {
            continue;
        }
        let subject = commit.message.lines().next().unwrap_or_default();
        let mut shown: Vec<&str> = code.iter().take(MAX_PATHS).copied().collect();
        let more = code.len().saturating_sub(MAX_PATHS);
        let extra = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        shown.sort_unstable();
        offending.push(format!(
            "  {} \"{}\" changes {}{extra}",
            short_sha(&commit.sha),
            subject.chars().take(80).collect::<String>(),
            shown.join(", ")
        ));
    }
    Ok((commits.len(), offending))
}
