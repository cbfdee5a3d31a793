//! `deps-justified`: every dependency a manifest gained since the baseline (Cargo.toml,
//! pyproject.toml, requirements*.txt, package.json, go.mod) is named by a
//! `Dependency-Justification: <name> <reason>` line in some commit since the baseline, with a
//! reason of substance. New code pulled in is new attack surface and new build cost.

mod manifests;

use crate::verdict::Verdict;
use std::collections::BTreeSet;

use peers_core::integrity::is_substantive;
use peers_git::Commit;

use super::GateContext;
use super::error::BuiltinError;
use super::scope::{self, Filter};
use manifests::{Manifest, normalize};

const KEY: &str = "Dependency-Justification:";

pub(crate) fn deps_justified(ctx: &GateContext<'_>) -> Verdict {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!("deps-justified: {}", error.describe())),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let filter = Filter::from_params(ctx)?;
    let base = scope::baseline_commit(ctx)?;
    let commits = ctx
        .git
        .commits(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read commits since the baseline", source))?;
    let justified = justifications(&commits);
    let mut missing = Vec::new();
    let mut added_total = 0;
    for patch in scope::changes_since_baseline(ctx)? {
        let Some(manifest) = Manifest::of(&patch.path) else {
            continue;
        };
        if patch.deleted || filter.excludes(&patch.path) || scope::is_vendored(&patch.path) {
            continue;
        }
        for name in added_dependencies(ctx, &base, &patch.path, manifest)? {
            added_total += 1;
            match justified.iter().find(|(n, _)| *n == normalize(&name)) {
                Some((_, reason)) if is_substantive(reason) => {}
                Some((_, reason)) => missing.push(format!(
                    "  {}: {name}: the justification \"{reason}\" explains nothing",
                    patch.path
                )),
                None => missing.push(format!("  {}: {name}: no justification", patch.path)),
            }
        }
    }
    if missing.is_empty() {
        return Ok(Verdict::pass(format!(
            "deps-justified: {added_total} dependencies added since peers-baseline, each justified"
        )));
    }
    let mut lines = vec![format!(
        "deps-justified: {} dependencies added without a justification",
        missing.len()
    )];
    lines.extend(missing);
    lines.push(format!(
        "fix: remove the dependency, or commit a line `{KEY} <name> <why it is needed and why the \
         standard library or an existing dependency will not do>`"
    ));
    Ok(Verdict::fail(lines.join("\n")))
}

fn added_dependencies(
    ctx: &GateContext<'_>,
    base: &str,
    path: &str,
    manifest: Manifest,
) -> Result<BTreeSet<String>, BuiltinError> {
    let now = scope::worktree_text(ctx.git, path).unwrap_or_default();
    let now = manifest
        .dependencies(&now)
        .map_err(|error| BuiltinError::Manifest {
            path: path.to_owned(),
            source: Box::new(error),
        })?;
    let before = ctx
        .git
        .file_at(base, path)
        .map_err(|source| BuiltinError::git(format!("read {path} at the baseline"), source))?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    // A manifest that did not parse at the baseline counts as empty: everything in it is new.
    let before = before
        .and_then(|text| manifest.dependencies(&text).ok())
        .unwrap_or_default();
    Ok(now.difference(&before).cloned().collect())
}

/// `(normalised name, reason)` from every `Dependency-Justification:` line of `commits`.
fn justifications(commits: &[Commit]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for commit in commits {
        for line in commit.message.lines() {
            let Some(rest) = line.trim().strip_prefix(KEY) else {
                continue;
            };
            let rest = rest.trim();
            let (name, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let name = name.trim_end_matches([':', ',']);
            found.push((normalize(name), reason.trim().to_owned()));
        }
    }
    // A later, better reason for the same name wins over an earlier thin one.
    found.sort_by_key(|(_, reason)| std::cmp::Reverse(is_substantive(reason)));
    found
}

#[cfg(test)]
mod tests {
    use peers_core::goals::BuiltinGate;
    use serde_json::json;

    use crate::builtin::test_repo::GateRepo;
    use crate::verdict::Verdict;

    fn gate(repo: &GateRepo) -> Verdict {
        repo.run(BuiltinGate::DepsJustified, json!({}))
    }

    #[test]
    fn cargo_dependency_needs_a_trailer_with_a_reason() {
        let repo = GateRepo::new();
        repo.write(
            "Cargo.toml",
            "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n",
        );
        repo.baseline();
        repo.write(
            "Cargo.toml",
            "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\nleft_pad = \"0.1\"\n",
        );
        repo.commit("add left-pad\n\nPeer: claude\n");
        let Verdict { pass, diagnostic } = gate(&repo);
        assert!(!pass);
        assert!(
            diagnostic.contains("Cargo.toml: left-pad: no justification"),
            "{diagnostic}"
        );
        repo.commit("why\n\nDependency-Justification: left-pad needed\nPeer: claude\n");
        let Verdict { pass, diagnostic } = gate(&repo);
        assert!(
            !pass && diagnostic.contains("explains nothing"),
            "{diagnostic}"
        );
        repo.commit("why\n\nDependency-Justification: left_pad pads report columns; std has no width-aware padding for CJK text\nPeer: claude\n");
        let Verdict { pass, diagnostic } = gate(&repo);
        assert!(pass, "{diagnostic}");
    }

    #[test]
    fn python_js_and_go_manifests_are_read_and_existing_dependencies_pass() {
        let repo = GateRepo::new();
        repo.write("requirements.txt", "flask==3\n")
            .write("package.json", "{\"dependencies\":{\"react\":\"18\"}}")
            .write(
                "go.mod",
                "module x\n\nrequire github.com/pkg/errors v0.9.1\n",
            );
        repo.baseline();
        repo.write("requirements.txt", "flask==3.1\nrequests>=2\n")
            .write("package.json", "{\"dependencies\":{\"react\":\"19\"},\"devDependencies\":{\"vitest\":\"2\"}}")
            .write("go.mod", "module x\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/sync v0.7.0\n)\n");
        let Verdict { pass, diagnostic } = gate(&repo);
        assert!(!pass);
        for expected in [
            "requirements.txt: requests",
            "package.json: vitest",
            "go.mod: golang.org/x/sync",
        ] {
            assert!(diagnostic.contains(expected), "{expected}: {diagnostic}");
        }
        assert!(
            !diagnostic.contains("flask") && !diagnostic.contains("react"),
            "{diagnostic}"
        );
    }

    #[test]
    fn a_repository_without_new_dependencies_passes() {
        let repo = GateRepo::new();
        repo.write(
            "pyproject.toml",
            "[project]\nname = \"x\"\ndependencies = [\"attrs\"]\n",
        );
        repo.baseline();
        repo.write(
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"2\"\ndependencies = [\"attrs>=23\"]\n",
        );
        let Verdict { pass, diagnostic } = gate(&repo);
        assert!(pass, "{diagnostic}");
    }
}
