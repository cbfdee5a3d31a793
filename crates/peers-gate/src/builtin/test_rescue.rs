//! Tests red at the baseline that pass now because their test changed, not the code: part of
//! `no-prior-regression`. A test that failed at `peers-baseline` and no longer fails (passes,
//! is skipped or is gone) while test files changed is run again with the baseline's version of
//! every changed test file against the current code; if it still fails there, the test change
//! made it pass, and the gate fails until a peer other than the author of each test-changing
//! commit agrees (`Test-Change-Agree`, see `peers_core::integrity::test_agreement`). The
//! author's own `Justified-Test-Only`/`Justified-Test-Change` never suffices.

use std::collections::BTreeSet;
use std::path::Path;

use peers_core::integrity::{
    AuthoredCommit, TEST_CHANGE_AGREE, is_test_path, unagreed_test_changes,
};
use peers_core::language::Language;
use peers_core::trailer;

use super::GateContext;
use super::baseline_snapshot;
use super::error::BuiltinError;
use super::runners::{self, TestRun, Toolbox};
use super::short_sha;

/// `None` when no red test was turned green by a test change (or every such change is agreed);
/// else the problem, one line per test and commit.
pub(super) fn rescued_by_test_changes(
    ctx: &GateContext<'_>,
    sha: &str,
    lang: Language,
    baseline: &TestRun,
    current: &TestRun,
    project: &Path,
    tools: &Toolbox,
) -> Option<String> {
    let failing_now: BTreeSet<&str> = current.failed.iter().map(|f| f.name.as_str()).collect();
    let rescued: Vec<String> = baseline
        .failed
        .iter()
        .map(|f| f.name.clone())
        .filter(|name| !failing_now.contains(name.as_str()))
        .collect();
    if rescued.is_empty() {
        return None;
    }
    let changed_tests: Vec<String> = match ctx.git.changed_paths(sha, "HEAD") {
        Ok(paths) => paths.into_iter().filter(|p| is_test_path(p)).collect(),
        Err(error) => return Some(format!("  cannot list the changed test files: {error}")),
    };
    if changed_tests.is_empty() {
        return None;
    }
    let (suspects, doubt) = match restored_run(ctx, sha, lang, &changed_tests, project, tools) {
        Ok(restored) => {
            let still_red: BTreeSet<&str> =
                restored.failed.iter().map(|f| f.name.as_str()).collect();
            let suspects: Vec<String> = rescued
                .into_iter()
                .filter(|name| still_red.contains(name.as_str()))
                .collect();
            (suspects, None)
        }
        Err(error) => (rescued, Some(error.describe())),
    };
    if suspects.is_empty() {
        return None;
    }
    let commits = match authored_commits(ctx, sha) {
        Ok(commits) => commits,
        Err(reason) => {
            return Some(format!(
                "  cannot read the commits since the baseline: {reason}"
            ));
        }
    };
    let missing = unagreed_test_changes(&commits, &suspects);
    if missing.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    if let Some(reason) = doubt {
        lines.push(format!(
            "  the baseline's tests could not be run against the current code ({reason}), so \
             the test change is presumed to be what made them pass"
        ));
    }
    for test in &suspects {
        let commits: Vec<String> = missing
            .iter()
            .filter(|m| &m.test == test)
            .map(|m| {
                format!(
                    "{} by {}",
                    short_sha(&m.sha),
                    m.author.as_deref().unwrap_or("an unknown author")
                )
            })
            .collect();
        if commits.is_empty() {
            continue;
        }
        lines.push(format!(
            "  TEST CHANGED TO PASS {test}: red at the baseline and still red with the baseline's \
             tests against the current code, so the test change made it pass (changed in {})",
            commits.join(", ")
        ));
    }
    lines.push(format!(
        "  fix: make the code pass the original test, or have a peer other than the author \
         review the change and commit `{TEST_CHANGE_AGREE}: <commit or test id>`; the author's \
         own Justified-Test-Only/Justified-Test-Change does not count here"
    ));
    Some(lines.join("\n"))
}

/// The current commit's tests with every changed test file put back as it was at the baseline
/// (new test files stay), measured once per commit and cached.
fn restored_run(
    ctx: &GateContext<'_>,
    sha: &str,
    lang: Language,
    changed_tests: &[String],
    project: &Path,
    tools: &Toolbox,
) -> Result<TestRun, BuiltinError> {
    let head = ctx
        .git
        .head()
        .map_err(|source| BuiltinError::git("read HEAD", source))?
        .ok_or(BuiltinError::NoCommit)?;
    let restore: Vec<String> = changed_tests
        .iter()
        .filter(|path| matches!(ctx.git.file_at(sha, path), Ok(Some(_))))
        .map(|path| format!(":(top){path}"))
        .collect();
    let key = format!("restored {sha} {}", restore.join(" "));
    baseline_snapshot::measured(
        ctx.git.root(),
        ctx.cache_dir,
        &head,
        &format!("tests-restored-{lang}"),
        &key,
        project,
        tools,
        |dir, tools| {
            if !restore.is_empty() {
                let mut args = vec!["checkout", sha, "--"];
                args.extend(restore.iter().map(String::as_str));
                baseline_snapshot::git(dir, tools, &args)?;
            }
            let run = runners::run_tests(lang, dir, tools);
            match run.infrastructure_error {
                Some(reason) => Err(BuiltinError::BrokenRun { reason }),
                None => Ok(run),
            }
        },
    )
}

/// Commits since the baseline, oldest first, with who made them (the run's attestations when
/// inside `peers run`, else the `Peer:` trailer) and whether they changed a test file.
fn authored_commits(
    ctx: &GateContext<'_>,
    sha: &str,
) -> Result<Vec<AuthoredCommit>, peers_git::GitError> {
    let commits = ctx.git.commits(&format!("{sha}..HEAD"))?;
    let mut authored = Vec::new();
    for commit in commits {
        let changes_tests = ctx
            .git
            .commit_line_counts(&commit.sha)?
            .iter()
            .any(|counts| is_test_path(&counts.path));
        let author = ctx
            .run
            .and_then(|run| run.commit_authors.get(&commit.sha).cloned())
            .or_else(|| trailer::peer(&commit.message));
        authored.push(AuthoredCommit {
            sha: commit.sha,
            author,
            message: commit.message,
            changes_tests,
        });
    }
    Ok(authored)
}

#[cfg(test)]
#[path = "test_rescue_tests.rs"]
mod tests;
