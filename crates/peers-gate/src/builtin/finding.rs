//! Line findings of the source-scanning gates: scan whole files (so multi-line constructs
//! and adjacent comments are seen), keep what sits on lines added since the baseline, and
//! render `path:line: message` diagnostics.

use crate::verdict::Verdict;
use peers_core::language::Language;

use super::GateContext;
use super::error::BuiltinError;
use super::scope::{self, Filter};

/// Findings shown in full; the rest are counted.
const MAX_LISTED: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub line: u32,
    pub message: String,
}

impl Finding {
    pub(crate) fn new(line: u32, message: impl Into<String>) -> Finding {
        Finding {
            line,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocatedFinding {
    pub path: String,
    pub finding: Finding,
}

/// Which lines count: those added since the baseline, or every line of every tracked file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    AddedLines,
    WholeTree,
}

/// Runs `scan` over each selected source file and keeps the findings in reach.
pub(crate) fn scan_sources(
    ctx: &GateContext<'_>,
    filter: &Filter,
    reach: Reach,
    scan: impl Fn(&str, Language, &str) -> Vec<Finding>,
) -> Result<Vec<LocatedFinding>, BuiltinError> {
    let mut found = Vec::new();
    match reach {
        Reach::AddedLines => {
            for patch in scope::changes_since_baseline(ctx)? {
                if patch.deleted || patch.added.is_empty() {
                    continue;
                }
                let Some(language) = filter.wants_source(&patch.path) else {
                    continue;
                };
                scope::within_budget(ctx, || format!("scanning {}", patch.path))?;
                let Some(text) = scope::worktree_text(ctx.git, &patch.path) else {
                    continue;
                };
                let added = patch.added_line_numbers();
                found.extend(
                    scan(&patch.path, language, &text)
                        .into_iter()
                        .filter(|finding| added.contains(&finding.line))
                        .map(|finding| LocatedFinding {
                            path: patch.path.clone(),
                            finding,
                        }),
                );
            }
        }
        Reach::WholeTree => {
            let tracked = ctx
                .git
                .tracked_files()
                .map_err(|source| BuiltinError::git("list tracked files", source))?;
            for path in tracked.iter().filter(|p| !scope::is_control_path(p)) {
                let Some(language) = filter.wants_source(path) else {
                    continue;
                };
                scope::within_budget(ctx, || format!("scanning {path}"))?;
                let Some(text) = scope::worktree_text(ctx.git, path) else {
                    continue;
                };
                found.extend(scan(path, language, &text).into_iter().map(|finding| {
                    LocatedFinding {
                        path: path.clone(),
                        finding,
                    }
                }));
            }
        }
    }
    found.sort_by(|a, b| (&a.path, a.finding.line).cmp(&(&b.path, b.finding.line)));
    Ok(found)
}

/// `(pass, diagnostic)`: `clean` when nothing was found, else `header`, one line per
/// finding, and `fix`.
pub(crate) fn verdict(found: &[LocatedFinding], clean: &str, header: &str, fix: &str) -> Verdict {
    if found.is_empty() {
        return Verdict::pass(clean.to_owned());
    }
    let mut lines = vec![format!("{header} ({})", found.len())];
    lines.extend(
        found
            .iter()
            .take(MAX_LISTED)
            .map(|l| format!("  {}:{}: {}", l.path, l.finding.line, l.finding.message)),
    );
    if found.len() > MAX_LISTED {
        lines.push(format!("  … and {} more", found.len() - MAX_LISTED));
    }
    lines.push(fix.to_owned());
    Verdict::fail(lines.join("\n"))
}

/// Leading whitespace width (a tab counts as one column, as Python's tokenizer compares).
pub(crate) fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}
