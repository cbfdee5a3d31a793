//! `tests-not-weakened`: since the baseline, no test file lost assertions, traded comparing
//! assertions for looser ones, or gained an always-true assertion (see
//! `peers_core::integrity::weakened_assertions`), unless a commit since the baseline says why
//! with `Justified-Test-Change: <reason of substance>`. The per-turn check in the loop catches
//! the turn that does it; this gate keeps the run from completing while it stands.

use crate::verdict::Verdict;
use peers_core::integrity::{is_substantive, is_test_path, weakened_assertions};
use peers_core::trailer;

use super::GateContext;
use super::error::BuiltinError;
use super::scope;

const KEY: &str = "Justified-Test-Change";

pub(crate) fn tests_not_weakened(ctx: &GateContext<'_>) -> Verdict {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!("tests-not-weakened: {}", error.describe())),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let base = scope::baseline_commit(ctx)?;
    let mut files = scope::changes_since_baseline(ctx)?;
    files.retain(|file| is_test_path(&file.path));
    let findings = weakened_assertions(&files);
    if findings.is_empty() {
        return Ok(Verdict::pass(format!(
            "tests-not-weakened: {} test file(s) changed since the baseline, none weakened",
            files.len()
        )));
    }
    let commits = ctx
        .git
        .commits(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read commits since the baseline", source))?;
    let justification = commits.iter().rev().find_map(|commit| {
        let trailers = trailer::parse_trailers(&commit.message);
        trailer::last_value(&trailers, KEY)
            .filter(|reason| is_substantive(reason))
            .map(str::to_owned)
    });
    if let Some(reason) = justification {
        return Ok(Verdict::pass(format!(
            "tests-not-weakened: test changes justified ({reason}): {}",
            findings.join("; ")
        )));
    }
    Ok(Verdict::fail(format!(
        "tests-not-weakened: {}; restore the assertions, or add a commit trailer `{KEY}: <why the test had to change>`",
        findings.join("; ")
    )))
}
