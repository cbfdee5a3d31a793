//! `no-prior-regression`: no test that passed at the `peers-baseline` commit fails now, the
//! number of tests does not drop, and no test file is deleted. The baseline is run once in a
//! detached worktree and its results are kept in the cache. A test that fails now is re-run
//! once (the whole suite) before it is blamed; anything that prevents measuring fails closed.
//! A test red at the baseline that passes now only because its test changed fails too, until
//! another peer agrees (`test_rescue`).

use crate::verdict::Verdict;
use std::collections::BTreeSet;
use std::path::Path;

use peers_core::integrity::is_test_path;
use peers_core::language::Language;

use super::baseline_snapshot;
use super::error::BuiltinError;
use super::runners::{self, TestRun, Toolbox};
use super::tests_pass::{MAX_FAILURES_SHOWN, gate_languages};
use super::{GateContext, short_sha};

pub fn no_prior_regression(ctx: &GateContext<'_>) -> Verdict {
    let languages = match gate_languages(ctx, "no-prior-regression") {
        Ok(languages) => languages,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let sha = match baseline_commit(ctx) {
        Ok(sha) => sha,
        Err(error) => {
            return Verdict::fail(format!("no-prior-regression: {}", error.describe()));
        }
    };
    let (tools, _scratch) = match runners::toolbox(ctx.env, &ctx.budget, ctx.cache_dir) {
        Ok(pair) => pair,
        Err(error) => {
            return Verdict::fail(format!("no-prior-regression: {}", error.describe()));
        }
    };
    let mut pass = true;
    let mut lines = Vec::new();
    match deleted_test_files(ctx, &sha) {
        Ok(deleted) if deleted.is_empty() => {}
        Ok(deleted) => {
            pass = false;
            lines.push(format!(
                "test files deleted since the baseline {}: {} (restore them; a test that is \
                 obsolete is removed by the user, who moves the baseline)",
                short_sha(&sha),
                deleted.join(", ")
            ));
        }
        Err(error) => {
            pass = false;
            lines.push(format!(
                "cannot list the files changed since the baseline: {error}"
            ));
        }
    }
    for lang in languages {
        let Verdict {
            pass: ok,
            diagnostic: text,
        } = check_language(ctx, &sha, lang, &tools);
        pass &= ok;
        lines.push(text);
    }
    Verdict::new(pass, lines.join("\n"))
}

/// The commit `ctx.baseline` names.
pub fn baseline_commit(ctx: &GateContext<'_>) -> Result<String, BuiltinError> {
    match ctx.git.rev_parse(ctx.baseline) {
        Ok(Some(sha)) => Ok(sha),
        Ok(None) => Err(BuiltinError::NoBaselineTag {
            name: ctx.baseline.to_owned(),
        }),
        Err(source) => Err(BuiltinError::ResolveBaseline {
            name: ctx.baseline.to_owned(),
            source,
        }),
    }
}

/// Test files changed since the baseline that no longer exist in the worktree.
fn deleted_test_files(
    ctx: &GateContext<'_>,
    sha: &str,
) -> Result<Vec<String>, peers_git::GitError> {
    let changed = ctx.git.changed_paths(sha, "HEAD")?;
    Ok(changed
        .into_iter()
        .filter(|path| is_test_path(path) && !ctx.git.root().join(path).exists())
        .collect())
}

fn check_language(ctx: &GateContext<'_>, sha: &str, lang: Language, tools: &Toolbox) -> Verdict {
    let project = runners::project_dir(ctx.git, lang);
    let current = runners::run_tests(lang, &project, tools);
    if let Some(reason) = &current.infrastructure_error {
        return Verdict::fail(format!(
            "{lang}: the tests could not be run, so regressions cannot be ruled out: {reason}"
        ));
    }
    let baseline = match baseline_run(ctx, sha, lang, &current.command, &project, tools) {
        Ok(baseline) => baseline,
        Err(error) => {
            return Verdict::fail(format!(
                "{lang}: the baseline {} could not be measured: {}",
                short_sha(sha),
                error.describe()
            ));
        }
    };
    let Verdict {
        pass,
        diagnostic: mut text,
    } = regression_verdict(lang, sha, &baseline, &current, &project, tools);
    match super::test_rescue::rescued_by_test_changes(
        ctx, sha, lang, &baseline, &current, &project, tools,
    ) {
        None => Verdict::new(pass, text),
        Some(problem) => {
            text.push('\n');
            text.push_str(&problem);
            Verdict::fail(text)
        }
    }
}

/// Regressions, with failing tests re-run once so flaky ones are told apart.
fn regression_verdict(
    lang: Language,
    sha: &str,
    baseline: &TestRun,
    current: &TestRun,
    project: &Path,
    tools: &Toolbox,
) -> Verdict {
    let regressed = regressions(baseline, current);
    if regressed.is_empty() {
        return judge(lang, sha, baseline, current, &[], &[]);
    }
    let rerun = runners::run_tests(lang, project, tools);
    if let Some(reason) = &rerun.infrastructure_error {
        return Verdict::fail(format!(
            "{lang}: the re-run of failing tests could not be run: {reason}"
        ));
    }
    let failing_again: BTreeSet<&str> = rerun.failed.iter().map(|f| f.name.as_str()).collect();
    let (still, flaky): (Vec<String>, Vec<String>) = regressed
        .into_iter()
        .partition(|name| failing_again.contains(name.as_str()));
    judge(lang, sha, baseline, current, &still, &flaky)
}

fn baseline_run(
    ctx: &GateContext<'_>,
    sha: &str,
    lang: Language,
    command_key: &str,
    project: &Path,
    tools: &Toolbox,
) -> Result<TestRun, BuiltinError> {
    baseline_snapshot::measured(
        ctx.git.root(),
        ctx.cache_dir,
        sha,
        &format!("tests-{lang}"),
        command_key,
        project,
        tools,
        |dir, tools| {
            if !runners::has_project(lang, dir) {
                // The language arrived after the baseline: nothing could regress.
                return Ok(TestRun {
                    command: "absent at the baseline".to_owned(),
                    ..TestRun::default()
                });
            }
            let run = runners::run_tests(lang, dir, tools);
            match run.infrastructure_error {
                Some(reason) => Err(BuiltinError::BrokenRun { reason }),
                None => Ok(run),
            }
        },
    )
}

/// Tests that passed at the baseline and fail now, by name.
pub fn regressions(baseline: &TestRun, current: &TestRun) -> Vec<String> {
    let passed_then: BTreeSet<&str> = baseline.passed.iter().map(String::as_str).collect();
    current
        .failed
        .iter()
        .filter(|failure| passed_then.contains(failure.name.as_str()))
        .map(|failure| failure.name.clone())
        .collect()
}

/// The verdict for one language once flaky failures are told apart.
pub fn judge(
    lang: Language,
    sha: &str,
    baseline: &TestRun,
    current: &TestRun,
    regressed: &[String],
    flaky: &[String],
) -> Verdict {
    let mut problems = Vec::new();
    for name in regressed.iter().take(MAX_FAILURES_SHOWN) {
        let excerpt = current
            .failed
            .iter()
            .find(|failure| &failure.name == name)
            .map(|failure| failure.excerpt.replace('\n', "\n      "))
            .unwrap_or_default();
        problems.push(format!(
            "  REGRESSED {name} (passed at the baseline, fails twice now)\n      {excerpt}"
        ));
    }
    if regressed.len() > MAX_FAILURES_SHOWN {
        problems.push(format!(
            "  … and {} more regressed tests",
            regressed.len() - MAX_FAILURES_SHOWN
        ));
    }
    if current.total < baseline.total {
        let now: BTreeSet<&str> = current
            .passed
            .iter()
            .map(String::as_str)
            .chain(current.failed.iter().map(|f| f.name.as_str()))
            .collect();
        let missing: Vec<&str> = baseline
            .passed
            .iter()
            .map(String::as_str)
            .filter(|name| !now.contains(name))
            .collect();
        let mut line = format!(
            "  the number of tests dropped from {} to {}",
            baseline.total, current.total
        );
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(MAX_FAILURES_SHOWN).copied().collect();
            line.push_str(&format!("; gone: {}", shown.join(", ")));
            if missing.len() > shown.len() {
                line.push_str(&format!(" and {} more", missing.len() - shown.len()));
            }
        }
        problems.push(line);
    }
    let head = format!(
        "{lang}: {} tests at the baseline {} ({} passed), {} now ({} passed)",
        baseline.total,
        short_sha(sha),
        baseline.passed.len(),
        current.total,
        current.passed.len()
    );
    let mut text = head;
    if !flaky.is_empty() {
        text.push_str(&format!(
            "\n  flaky, not blamed (failed, then passed on the re-run): {}",
            flaky.join(", ")
        ));
    }
    let pass = problems.is_empty();
    for problem in problems {
        text.push('\n');
        text.push_str(&problem);
    }
    Verdict::new(pass, text)
}

#[cfg(test)]
#[path = "no_prior_regression_tests.rs"]
mod tests;
