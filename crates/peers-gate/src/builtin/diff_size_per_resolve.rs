//! `diff-size-per-resolve`: a commit that resolves a bug (`Bug-Resolves:`) changes at most
//! `params.max_lines` lines (default 400), so a "fix" cannot smuggle in a rewrite. A path is
//! left out of the count by a later commit with `Diff-Size-Waive: <short-sha>:<path>` (or
//! `<short-sha>:*`) and a JSON `{"reason": "…"}` of at least 40 characters. Lock files are
//! not counted; `params.exclude` adds globs.

use crate::verdict::Verdict;
use peers_core::trailer::{json_objects, parse_trailers, values};
use peers_git::Commit;

use super::error::BuiltinError;
use super::scope::{self, Filter, glob_matches, positive_param};
use super::{GateContext, short_sha};

pub(crate) const DEFAULT_MAX_LINES: u64 = 400;
/// Characters a waiver's reason needs.
pub(crate) const MIN_WAIVER_REASON: usize = 40;
/// Generated files whose size says nothing about the fix.
const LOCK_FILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "go.sum",
    "npm-shrinkwrap.json",
];

pub(crate) fn diff_size_per_resolve(ctx: &GateContext<'_>) -> Verdict {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!("diff-size-per-resolve: {}", error.describe())),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let max = positive_param(ctx, "max_lines", DEFAULT_MAX_LINES)?;
    let filter = Filter::from_params(ctx)?;
    let base = scope::baseline_commit(ctx)?;
    let commits = ctx
        .git
        .commits(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read commits since the baseline", source))?;
    let mut checked = 0;
    let mut over = Vec::new();
    for (index, commit) in commits.iter().enumerate() {
        let trailers = parse_trailers(&commit.message);
        let bugs: Vec<&str> = values(&trailers, "Bug-Resolves").collect();
        if bugs.is_empty() {
            continue;
        }
        checked += 1;
        let waived = waived_paths(&commits[index + 1..], &commit.sha);
        let counts = ctx.git.commit_line_counts(&commit.sha).map_err(|source| {
            BuiltinError::git(format!("count lines of {}", short_sha(&commit.sha)), source)
        })?;
        let mut per_path: Vec<(String, u64)> = counts
            .into_iter()
            .filter(|c| !LOCK_FILES.iter().any(|lock| glob_matches(lock, &c.path)))
            .filter(|c| !filter.excludes(&c.path) && !scope::is_control_path(&c.path))
            .filter(|c| !waived.iter().any(|w| w == "*" || *w == c.path))
            .map(|c| (c.path, c.added.unwrap_or(0) + c.deleted.unwrap_or(0)))
            .collect();
        let total: u64 = per_path.iter().map(|(_, n)| n).sum();
        if total > max {
            per_path.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            let largest: Vec<String> = per_path
                .iter()
                .take(5)
                .map(|(p, n)| format!("{p} {n}"))
                .collect();
            over.push(format!(
                "  {} (resolves {}): {total} changed lines > {max}: {}",
                short_sha(&commit.sha),
                bugs.join(", "),
                largest.join(", ")
            ));
        }
    }
    if over.is_empty() {
        return Ok(Verdict::pass(format!(
            "diff-size-per-resolve: {checked} resolving commits since peers-baseline, each within {max} changed lines"
        )));
    }
    let mut lines = vec![format!(
        "diff-size-per-resolve: {} resolving commits are too large",
        over.len()
    )];
    lines.extend(over);
    lines.push(format!(
        "fix: keep a fix focused (move refactors into their own commits), or waive a path with a \
         later commit carrying the trailer `Diff-Size-Waive: <short-sha>:<path>` and a body \
         {{\"reason\": \"<why this fix must be this large, at least {MIN_WAIVER_REASON} characters>\"}}"
    ));
    Ok(Verdict::fail(lines.join("\n")))
}

/// Paths waived for `sha` by `later` commits whose JSON reason is long enough.
fn waived_paths(later: &[Commit], sha: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for commit in later {
        let trailers = parse_trailers(&commit.message);
        let has_reason = json_objects(&commit.message).iter().any(|object| {
            ["reason", "note"].iter().any(|key| {
                object
                    .get(key)
                    .and_then(|v| v.as_str())
                    .is_some_and(|text| text.trim().chars().count() >= MIN_WAIVER_REASON)
            })
        });
        if !has_reason {
            continue;
        }
        for value in values(&trailers, "Diff-Size-Waive") {
            let Some((prefix, path)) = value.split_once(':') else {
                continue;
            };
            let prefix = prefix.trim();
            if prefix.len() >= 7 && sha.starts_with(prefix) {
                paths.push(path.trim().to_owned());
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use peers_core::goals::BuiltinGate;
    use serde_json::json;

    use crate::builtin::test_repo::GateRepo;

    fn lines(n: usize) -> String {
        (0..n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn a_large_resolve_fails_until_a_reasoned_waiver_follows() {
        let repo = GateRepo::new();
        repo.write("src/a.rs", "fn a() {}\n");
        repo.baseline();
        repo.write("src/a.rs", &lines(30))
            .write("Cargo.lock", &lines(500));
        let sha = repo.commit("Resolve BUG-1\n\nPeer: codex\nBug-Resolves: BUG-1\n");
        let verdict = repo.run(BuiltinGate::DiffSizePerResolve, json!({"max_lines": 20}));
        assert!(!verdict.pass);
        let short = &sha[..7];
        assert!(
            verdict.diagnostic.contains(&format!(
                "{short} (resolves BUG-1): 31 changed lines > 20: src/a.rs 31"
            )),
            "{}",
            verdict.diagnostic
        );
        repo.commit(&format!(
            "Waive\n\n{{\"reason\": \"short\"}}\n\nPeer: codex\nDiff-Size-Waive: {short}:src/a.rs\n"
        ));
        assert!(
            !repo
                .run(BuiltinGate::DiffSizePerResolve, json!({"max_lines": 20}))
                .pass,
            "a short reason does not waive"
        );
        repo.commit(&format!(
            "Waive\n\n{{\"reason\": \"the parser table is generated and must change as one block\"}}\n\nPeer: codex\nDiff-Size-Waive: {short}:src/a.rs\n"
        ));
        let verdict = repo.run(BuiltinGate::DiffSizePerResolve, json!({"max_lines": 20}));
        assert!(verdict.pass, "{}", verdict.diagnostic);
    }

    #[test]
    fn small_resolves_and_ordinary_commits_pass_under_the_default() {
        let repo = GateRepo::new();
        repo.write("src/a.rs", "fn a() {}\n");
        repo.baseline();
        repo.write("src/big.rs", &lines(900));
        repo.commit("feature\n\nPeer: claude\n");
        repo.write("src/a.rs", "fn a() { fixed() }\n");
        repo.commit("Resolve BUG-2\n\nPeer: claude\nBug-Resolves: BUG-2\n");
        let verdict = repo.run(BuiltinGate::DiffSizePerResolve, json!({}));
        assert!(verdict.pass, "{}", verdict.diagnostic);
        assert!(
            verdict.diagnostic.contains("1 resolving commits"),
            "{}",
            verdict.diagnostic
        );
    }
}
