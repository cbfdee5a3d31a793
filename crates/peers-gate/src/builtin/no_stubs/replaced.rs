//! Logic swapped for a stub: a function that existed at the baseline and computed its result
//! now returns only constants, or no longer uses any of its parameters. Only functions whose
//! body changed since the baseline are judged, so a no-op hook that was already there and a
//! function added with a constant body (`fn default_port() -> u16 { 8080 }`) are not flagged.

use peers_core::integrity::is_test_path;
use peers_core::language::Language;

use super::functions::{Function, functions};
use crate::builtin::GateContext;
use crate::builtin::error::BuiltinError;
use crate::builtin::finding::{Finding, LocatedFinding};
use crate::builtin::scope::{self, Filter};

/// Constant stubs in the files changed since the baseline (test files are not judged: test
/// doubles return canned values by design).
pub(super) fn replaced_bodies(
    ctx: &GateContext<'_>,
    filter: &Filter,
) -> Result<Vec<LocatedFinding>, BuiltinError> {
    let base = scope::baseline_commit(ctx)?;
    let mut found = Vec::new();
    for patch in scope::changes_since_baseline(ctx)? {
        if patch.created || patch.deleted || patch.binary || is_test_path(&patch.path) {
            continue;
        }
        let Some(language) = filter.wants_source(&patch.path) else {
            continue;
        };
        let before = ctx
            .git
            .file_at(&base, &patch.path)
            .ok()
            .flatten()
            .and_then(|bytes| scope::text_of(&bytes));
        let (Some(before), Some(now)) = (before, scope::worktree_text(ctx.git, &patch.path)) else {
            continue;
        };
        found.extend(
            compare(&patch.path, language, &before, &now)
                .into_iter()
                .map(|finding| LocatedFinding {
                    path: patch.path.clone(),
                    finding,
                }),
        );
    }
    Ok(found)
}

/// The functions of `now` that were stubbed relative to `before`.
pub(super) fn compare(path: &str, language: Language, before: &str, now: &str) -> Vec<Finding> {
    let old = functions(path, language, before);
    functions(path, language, now)
        .into_iter()
        .filter_map(|(name, new)| {
            let old = old.get(&name)?;
            (old.body != new.body)
                .then(|| judge(&name, old, &new))
                .flatten()
        })
        .collect()
}

fn judge(name: &str, old: &Function, new: &Function) -> Option<Finding> {
    let computed_before = old.results.iter().any(|(_, constant)| !constant);
    let constant_now = !new.results.is_empty() && new.results.iter().all(|(_, constant)| *constant);
    if computed_before && constant_now {
        let values: Vec<&str> = new.results.iter().map(|(v, _)| v.as_str()).collect();
        return Some(Finding::new(
            new.line,
            format!(
                "`{name}` now returns only constants ({}) where the baseline computed its result \
                 (`{}`)",
                shorten(&values.join(", ")),
                shorten(
                    old.results
                        .iter()
                        .find(|(_, constant)| !constant)
                        .map_or("", |(v, _)| v.as_str())
                )
            ),
        ));
    }
    if old.uses_params && !new.uses_params && !new.params.is_empty() {
        return Some(Finding::new(
            new.line,
            format!(
                "`{name}` no longer uses any of its parameters ({}); the baseline did",
                new.params.join(", ")
            ),
        ));
    }
    None
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
#[path = "replaced_tests.rs"]
mod tests;
