//! `coverage-holds`: line coverage of the whole project, and of the code changed since
//! `peers-baseline`, stays at or above the baseline's project coverage (less
//! `params.tolerance` percentage points, default 0). Lines added since the baseline that
//! exclude code from coverage fail the gate by name. The baseline is measured once in a
//! detached worktree and kept in the cache.

use crate::verdict::Verdict;
use peers_core::language::Language;

use super::GateContext;
use super::baseline_snapshot;
use super::coverage_changes::{self, AddedLines};
use super::coverage_run;
use super::error::BuiltinError;
use super::no_prior_regression::baseline_commit;
use super::runners::coverage_report::{CoverageTotals, LineCoverage, describe_lines};
use super::runners::{self, Toolbox};
use super::short_sha;
use super::tests_pass::gate_languages;

/// Uncovered changed ranges listed in a diagnostic.
const MAX_RANGES_SHOWN: usize = 12;
/// Percentages closer than this are equal (floating-point noise, not a drop).
const EPSILON: f64 = 1e-9;

pub fn coverage_holds(ctx: &GateContext<'_>) -> Verdict {
    let languages = match gate_languages(ctx, "coverage-holds") {
        Ok(languages) => languages,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let tolerance = match tolerance(ctx) {
        Ok(tolerance) => tolerance,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let sha = match baseline_commit(ctx) {
        Ok(sha) => sha,
        Err(error) => return Verdict::fail(format!("coverage-holds: {}", error.describe())),
    };
    let (tools, _scratch) = match runners::toolbox(ctx.env, &ctx.budget, ctx.cache_dir) {
        Ok(pair) => pair,
        Err(error) => return Verdict::fail(format!("coverage-holds: {}", error.describe())),
    };
    let added = match coverage_changes::added_since(ctx.git.root(), &sha, &tools) {
        Ok(added) => added,
        Err(error) => {
            return Verdict::fail(format!(
                "coverage-holds: cannot diff against the baseline: {}",
                error.describe()
            ));
        }
    };
    let mut pass = true;
    let mut lines = Vec::new();
    let root = ctx.git.root().to_path_buf();
    let exclusions = coverage_changes::coverage_exclusions(&added, &|path| {
        std::fs::read_to_string(root.join(path)).ok()
    });
    if !exclusions.is_empty() {
        pass = false;
        lines.push(format!(
            "coverage exclusions added since the baseline {} (code hidden from coverage; remove them, \
             or ask the user to accept them by moving the baseline):\n  {}",
            short_sha(&sha),
            exclusions.join("\n  ")
        ));
    }
    for lang in languages {
        let Verdict {
            pass: ok,
            diagnostic: text,
        } = check_language(ctx, &sha, lang, &tools, &added, tolerance);
        pass &= ok;
        lines.push(format!("{lang}: {text}"));
    }
    Verdict::new(pass, lines.join("\n"))
}

fn tolerance(ctx: &GateContext<'_>) -> Result<f64, BuiltinError> {
    match ctx.params.get("tolerance") {
        None => Ok(0.0),
        Some(value) => value
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| BuiltinError::Tolerance {
                found: value.to_string(),
            }),
    }
}

fn check_language(
    ctx: &GateContext<'_>,
    sha: &str,
    lang: Language,
    tools: &Toolbox,
    added: &AddedLines,
    tolerance: f64,
) -> Verdict {
    let project = runners::project_dir(ctx.git, lang);
    let current = match coverage_run::measure(lang, &project, tools) {
        Ok(current) => current,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let baseline = baseline_snapshot::measured(
        ctx.git.root(),
        ctx.cache_dir,
        sha,
        &format!("coverage-{lang}"),
        coverage_run::command_key(lang),
        &project,
        tools,
        |dir, tools| {
            if !runners::has_project(lang, dir) {
                return Ok(CoverageTotals::default());
            }
            coverage_run::measure(lang, dir, tools).map(|coverage| coverage.totals())
        },
    );
    let baseline = match baseline {
        Ok(baseline) => baseline,
        Err(error) => {
            return Verdict::fail(format!(
                "the baseline {} could not be measured: {}",
                short_sha(sha),
                error.describe()
            ));
        }
    };
    let prefix = project
        .strip_prefix(ctx.git.root())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    judge(
        &baseline,
        &current,
        &coverage_changes::changed_lines_in(added, &prefix),
        tolerance,
    )
}

/// The rule: project and changed-code coverage each at least the baseline's project
/// coverage minus `tolerance`.
pub fn judge(
    baseline: &CoverageTotals,
    current: &LineCoverage,
    changed: &std::collections::BTreeMap<String, std::collections::BTreeSet<u32>>,
    tolerance: f64,
) -> Verdict {
    let now = current.totals();
    let of_changed = current.of_lines(changed);
    let percent = |totals: CoverageTotals| {
        totals
            .percent()
            .map_or("n/a".to_owned(), |p| format!("{p:.1}%"))
    };
    let mut text = format!(
        "project {} ({} of {} lines), baseline {}, changed code {} ({} of {} lines)",
        percent(now),
        now.covered,
        now.instrumented,
        percent(*baseline),
        percent(of_changed.totals),
        of_changed.totals.covered,
        of_changed.totals.instrumented
    );
    let Some(floor) = baseline.percent().map(|p| p - tolerance) else {
        text.push_str(" — no baseline coverage to hold");
        return Verdict::pass(text);
    };
    let mut pass = true;
    if now.percent().is_none_or(|p| p + EPSILON < floor) {
        pass = false;
        text.push_str(&format!(
            "\n  project coverage fell below the baseline's {} (floor {floor:.1}%)",
            percent(*baseline)
        ));
    }
    if of_changed
        .totals
        .percent()
        .is_some_and(|p| p + EPSILON < floor)
    {
        pass = false;
        text.push_str(&format!(
            "\n  changed code is covered below the floor {floor:.1}%; add tests that run: {}",
            describe_lines(&of_changed.uncovered, MAX_RANGES_SHOWN)
        ));
    }
    Verdict::new(pass, text)
}

#[cfg(test)]
#[path = "coverage_holds_tests.rs"]
mod tests;
