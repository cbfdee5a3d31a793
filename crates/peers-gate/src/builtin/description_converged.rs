//! `description-converged` (describe): the last `n` commits since `peers-baseline` that change
//! documentation each changed it only a little. A commit is substantive when it changes more
//! than `max_changed_lines` documentation lines, creates or deletes a documentation file, or
//! adds a section (a heading of any level, a bold or underlined pseudo-heading) that it did not
//! remove under the same name. So docs that grow a new section, file or paragraph every commit
//! never converge, however the growth is spelt.

use std::collections::BTreeSet;

use peers_core::unified_diff::{self, FilePatch};

use super::GateContext;
use super::doc_text::{heading_key, is_doc_path, is_section_line};
use super::error::BuiltinError;
use super::scope::{baseline_commit, is_control_path, positive_param, string_list, within_budget};
use super::short_sha;
use crate::verdict::Verdict;

const DEFAULT_N: u64 = 2;
const DEFAULT_MAX_CHANGED_LINES: u64 = 12;

pub(crate) fn description_converged(ctx: &GateContext<'_>) -> Verdict {
    let name = "description-converged";
    let settings = positive_param(ctx, "n", DEFAULT_N).and_then(|n| {
        let max = positive_param(ctx, "max_changed_lines", DEFAULT_MAX_CHANGED_LINES)?;
        Ok((n, max))
    });
    let (n, max_lines) = match settings {
        Ok(settings) => settings,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let doc_commits = match doc_commits(ctx) {
        Ok(commits) => commits,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let wanted = usize::try_from(n).unwrap_or(usize::MAX);
    let recent: Vec<&(String, Vec<FilePatch>)> = doc_commits.iter().rev().take(wanted).collect();
    let substantive: Vec<String> = recent
        .iter()
        .filter_map(|(sha, files)| {
            substance(files, max_lines).map(|why| format!("  {} {why}", short_sha(sha)))
        })
        .collect();
    if recent.len() < wanted {
        return Verdict::fail(format!(
            "{name}: {} documentation commits since peers-baseline, {n} needed to judge \
             convergence; review the documents and commit what you correct",
            recent.len()
        ));
    }
    if substantive.is_empty() {
        return Verdict::pass(format!(
            "{name}: the last {n} documentation commits each changed at most {max_lines} \
             lines and added no section or file"
        ));
    }
    Verdict::fail(format!(
        "{name}: not converged: {} of the last {n} documentation commits are substantive \
         (the documents still grow; it converges after {n} commits in a row that only refine \
         wording):\n{}",
        substantive.len(),
        substantive.join("\n")
    ))
}

/// Commits since the baseline (oldest first) with the documentation files they change.
fn doc_commits(ctx: &GateContext<'_>) -> Result<Vec<(String, Vec<FilePatch>)>, BuiltinError> {
    let allow = match ctx.params.get("allow") {
        None => Vec::new(),
        Some(value) => string_list(value, "allow")?,
    };
    let base = baseline_commit(ctx)?;
    within_budget(ctx, || "reading the documentation commits".to_owned())?;
    let patches = ctx
        .git
        .commit_patches(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read history", source))?;
    Ok(patches
        .into_iter()
        .filter_map(|commit| {
            let files: Vec<FilePatch> = unified_diff::parse(&commit.patch)
                .into_iter()
                .filter(|file| !is_control_path(&file.path) && is_doc_path(&file.path, &allow))
                .collect();
            (!files.is_empty()).then_some((commit.sha, files))
        })
        .collect())
}

/// Why a commit's documentation changes are substantive, or `None` when they only refine.
fn substance(files: &[FilePatch], max_lines: u64) -> Option<String> {
    if let Some(file) = files.iter().find(|f| f.created || f.deleted) {
        let verb = if file.created { "creates" } else { "deletes" };
        return Some(format!("{verb} {}", file.path));
    }
    let changed: usize = files.iter().map(FilePatch::changed_lines).sum();
    if changed as u64 > max_lines {
        return Some(format!(
            "changes {changed} documentation lines (more than {max_lines})"
        ));
    }
    for file in files {
        let removed: BTreeSet<String> = file
            .removed
            .iter()
            .filter(|(_, line)| is_section_line(line))
            .map(|(_, line)| heading_key(line))
            .collect();
        let added = file
            .added
            .iter()
            .find(|(_, line)| is_section_line(line) && !removed.contains(&heading_key(line)));
        if let Some((number, line)) = added {
            return Some(format!(
                "adds the section `{}` at {}:{number}",
                line.trim().chars().take(60).collect::<String>(),
                file.path
            ));
        }
    }
    None
}

#[cfg(test)]
#[path = "description_converged_tests.rs"]
mod tests;
