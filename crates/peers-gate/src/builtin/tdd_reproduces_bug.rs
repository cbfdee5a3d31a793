//! `tdd-reproduces-bug`: each blocking bug (crit/high/med) resolved `fixed` since the
//! baseline has a `Bug-Reproduce: BUG-x` commit that touches a test path and is older than
//! the fix — the test came first and so could fail before the fix — or, when a test truly
//! cannot reproduce it, a later `Bug-Reproduce-Waive: BUG-x` commit with a JSON reason of at
//! least 40 characters.

use crate::verdict::Verdict;
use std::collections::HashMap;

use peers_core::integrity::is_test_path;
use peers_core::ledger::{Bug, ResolutionStatus};
use peers_core::trailer::{json_objects, parse_trailers, values};
use peers_git::Commit;

use super::diff_size_per_resolve::MIN_WAIVER_REASON;
use super::error::BuiltinError;
use super::scope;
use super::{GateContext, short_sha};

pub(crate) fn tdd_reproduces_bug(ctx: &GateContext<'_>) -> Verdict {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!("tdd-reproduces-bug: {}", error.describe())),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let base = scope::baseline_commit(ctx)?;
    let since = ctx
        .git
        .commits(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read commits since the baseline", source))?;
    let position: HashMap<&str, usize> = since
        .iter()
        .enumerate()
        .map(|(i, c)| (c.sha.as_str(), i))
        .collect();
    let mut checked = 0;
    let mut missing = Vec::new();
    for bug in ctx
        .ledger
        .bugs()
        .iter()
        .filter(|bug| bug.severity.is_blocking())
    {
        let Some(resolution) = bug
            .resolution
            .as_ref()
            .filter(|r| r.status == ResolutionStatus::Fixed)
        else {
            continue;
        };
        let Some(&fix_at) = position.get(resolution.sha.as_str()) else {
            continue;
        };
        checked += 1;
        if reproduced_before(ctx, bug, &position, fix_at)?
            || waived_after(&since[fix_at + 1..], &bug.id)
        {
            continue;
        }
        missing.push(format!(
            "  {} ({}) fixed in {} without an earlier Bug-Reproduce commit touching a test",
            bug.id,
            bug.severity,
            short_sha(&resolution.sha)
        ));
    }
    if missing.is_empty() {
        return Ok(Verdict::pass(format!(
            "tdd-reproduces-bug: {checked} blocking bugs fixed since peers-baseline, each reproduced by a test first"
        )));
    }
    let mut lines = vec![format!(
        "tdd-reproduces-bug: {} fixes without a reproducing test",
        missing.len()
    )];
    lines.extend(missing);
    lines.push(format!(
        "fix: commit a test that fails on the bug with the trailer `Bug-Reproduce: BUG-x` before \
         the fix (revert the fix, commit the test, re-apply the fix), or, when no test can \
         reproduce it, a commit with `Bug-Reproduce-Waive: BUG-x` and a body \
         {{\"reason\": \"<why, at least {MIN_WAIVER_REASON} characters>\"}}"
    ));
    Ok(Verdict::fail(lines.join("\n")))
}

/// A reproduction older than the fix whose commit changes a test path.
fn reproduced_before(
    ctx: &GateContext<'_>,
    bug: &Bug,
    position: &HashMap<&str, usize>,
    fix_at: usize,
) -> Result<bool, BuiltinError> {
    for sha in &bug.reproductions {
        // Reproductions before the baseline are older than the fix too.
        let older = position.get(sha.as_str()).is_none_or(|&at| at < fix_at);
        if !older {
            continue;
        }
        let counts = ctx
            .git
            .commit_line_counts(sha)
            .map_err(|source| BuiltinError::git(format!("read {}", short_sha(sha)), source))?;
        if counts.iter().any(|c| is_test_path(&c.path)) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn waived_after(later: &[Commit], id: &str) -> bool {
    later.iter().any(|commit| {
        let trailers = parse_trailers(&commit.message);
        values(&trailers, "Bug-Reproduce-Waive").any(|value| value.trim() == id)
            && json_objects(&commit.message).iter().any(|object| {
                ["reason", "note"].iter().any(|key| {
                    object
                        .get(key)
                        .and_then(|v| v.as_str())
                        .is_some_and(|text| text.trim().chars().count() >= MIN_WAIVER_REASON)
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use peers_core::goals::BuiltinGate;
    use serde_json::json;

    use crate::builtin::test_repo::GateRepo;

    const REPORT: &str = "BUG-001: crash\n\n## Bug-Report\n{\"id\":\"BUG-001\",\"severity\":\"high\",\"fix_by\":\"codex\",\"location\":\"src/a.py:1\",\"description\":\"crashes on empty input\"}\n\nPeer: claude\nBug-Report: BUG-001\n";
    const FIX: &str = "Resolve BUG-001\n\n## Bug-Resolution\n{\"resolves\":\"BUG-001\",\"status\":\"fixed\",\"note\":\"guard\"}\n\nPeer: codex\nBug-Resolves: BUG-001\n";

    fn reported() -> GateRepo {
        let repo = GateRepo::new();
        repo.write("src/a.py", "def f(s):\n    return s[0]\n");
        repo.baseline();
        repo.write("notes.md", "bug\n");
        repo.commit(REPORT);
        repo
    }

    #[test]
    fn a_fix_with_an_earlier_reproducing_test_passes() {
        let repo = reported();
        repo.write(
            "tests/test_a.py",
            "def test_empty():\n    assert f('') is None\n",
        );
        repo.commit("Reproduce BUG-001\n\nPeer: codex\nBug-Reproduce: BUG-001\n");
        repo.write("src/a.py", "def f(s):\n    return s[0] if s else None\n");
        repo.commit(FIX);
        let verdict = repo.run(BuiltinGate::TddReproducesBug, json!({}));
        assert!(verdict.pass, "{}", verdict.diagnostic);
        assert!(
            verdict.diagnostic.contains("1 blocking bugs fixed"),
            "{}",
            verdict.diagnostic
        );
    }

    #[test]
    fn a_fix_whose_test_came_with_or_after_it_fails_until_waived() {
        let repo = reported();
        repo.write("src/a.py", "def f(s):\n    return s[0] if s else None\n");
        let fix = repo.commit(FIX);
        repo.write(
            "tests/test_a.py",
            "def test_empty():\n    assert f('') is None\n",
        );
        repo.commit("Late test\n\nPeer: codex\nBug-Reproduce: BUG-001\n");
        let verdict = repo.run(BuiltinGate::TddReproducesBug, json!({}));
        assert!(!verdict.pass);
        assert!(
            verdict.diagnostic.contains(&format!(
                "BUG-001 (high) fixed in {} without an earlier Bug-Reproduce",
                &fix[..7]
            )),
            "{}",
            verdict.diagnostic
        );
        repo.commit("Waive\n\n{\"reason\": \"only reproducible on a 32-bit ARM board we do not have in CI\"}\n\nPeer: codex\nBug-Reproduce-Waive: BUG-001\n");
        assert!(repo.run(BuiltinGate::TddReproducesBug, json!({})).pass);
    }

    #[test]
    fn a_reproduce_commit_that_touches_no_test_does_not_count() {
        let repo = reported();
        repo.write("src/b.py", "x = 1\n");
        repo.commit("Reproduce\n\nPeer: codex\nBug-Reproduce: BUG-001\n");
        repo.write("src/a.py", "def f(s):\n    return s[0] if s else None\n");
        repo.commit(FIX);
        assert!(!repo.run(BuiltinGate::TddReproducesBug, json!({})).pass);
    }
}
