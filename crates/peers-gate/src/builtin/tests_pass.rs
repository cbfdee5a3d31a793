//! `tests-pass`: the tests of each language in the repository (or `params.lang`) pass.
//! The diagnostic lists failing tests by name with the first lines of each failure.

use crate::verdict::Verdict;
use peers_core::language::Language;

use super::GateContext;
use super::error::BuiltinError;
use super::runners::{self, TestRun};

/// Failing tests listed in a diagnostic; the rest are counted.
pub const MAX_FAILURES_SHOWN: usize = 10;

pub fn tests_pass(ctx: &GateContext<'_>) -> Verdict {
    let languages = match gate_languages(ctx, "tests-pass") {
        Ok(languages) => languages,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let (tools, _scratch) = match runners::toolbox(ctx.env, &ctx.budget, ctx.cache_dir) {
        Ok(pair) => pair,
        Err(error) => return Verdict::fail(format!("tests-pass: {}", error.describe())),
    };
    let mut pass = true;
    let mut lines = Vec::new();
    for lang in languages {
        let project = runners::project_dir(ctx.git, lang);
        let run = runners::run_tests(lang, &project, &tools);
        let Verdict {
            pass: ok,
            diagnostic: text,
        } = describe_run(lang, &run);
        pass &= ok;
        lines.push(text);
    }
    Verdict::new(pass, lines.join("\n"))
}

/// The languages a gate covers, or a diagnostic when there are none or the param is bad.
/// Its `describe()` names the gate.
pub fn gate_languages(ctx: &GateContext<'_>, gate: &str) -> Result<Vec<Language>, BuiltinError> {
    let languages =
        runners::languages(ctx.git, ctx.params).map_err(|error| BuiltinError::Gate {
            gate: gate.to_owned(),
            source: Box::new(error),
        })?;
    if languages.is_empty() {
        return Err(BuiltinError::NoLanguage {
            gate: gate.to_owned(),
        });
    }
    Ok(languages)
}

/// One language's outcome: `rust: 12 passed, 1 failed (cargo test …)` and the failures.
pub fn describe_run(lang: Language, run: &TestRun) -> Verdict {
    if let Some(reason) = &run.infrastructure_error {
        return Verdict::fail(format!("{lang}: the tests could not be run: {reason}"));
    }
    let counts = format!(
        "{lang}: {} passed, {} failed, {} skipped (`{}`)",
        run.passed.len(),
        run.failed.len(),
        run.skipped,
        run.command
    );
    if run.total == 0 {
        return Verdict::fail(format!(
            "{counts}: no tests ran; add tests, or set params.lang to the languages that have them"
        ));
    }
    if run.failed.is_empty() {
        return Verdict::pass(counts);
    }
    let mut text = counts;
    for failure in run.failed.iter().take(MAX_FAILURES_SHOWN) {
        text.push_str(&format!("\n  FAILED {}", failure.name));
        for line in failure.excerpt.lines() {
            text.push_str(&format!("\n    {line}"));
        }
    }
    if run.failed.len() > MAX_FAILURES_SHOWN {
        text.push_str(&format!(
            "\n  … and {} more failing tests",
            run.failed.len() - MAX_FAILURES_SHOWN
        ));
    }
    Verdict::fail(text)
}

#[cfg(test)]
#[path = "tests_pass_tests.rs"]
mod sample_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::runners::TestFailure;

    #[test]
    fn failures_are_listed_by_name_with_their_excerpt_and_capped() {
        let run = TestRun {
            command: "cargo test".to_owned(),
            passed: vec!["a".to_owned()],
            failed: (0..12)
                .map(|n| TestFailure {
                    name: format!("t{n}"),
                    excerpt: "panicked at src/lib.rs:5:26:\nassertion failed".to_owned(),
                })
                .collect(),
            skipped: 0,
            total: 13,
            infrastructure_error: None,
        };
        let Verdict {
            pass,
            diagnostic: text,
        } = describe_run(Language::Rust, &run);
        assert!(!pass);
        assert!(
            text.starts_with("rust: 1 passed, 12 failed, 0 skipped (`cargo test`)"),
            "{text}"
        );
        assert!(
            text.contains("\n  FAILED t0\n    panicked at src/lib.rs:5:26:\n    assertion failed")
        );
        assert!(text.ends_with("… and 2 more failing tests"), "{text}");
        assert!(!text.contains("FAILED t10"));
    }

    #[test]
    fn no_tests_and_infrastructure_errors_fail() {
        let empty = TestRun {
            command: "go test".to_owned(),
            ..TestRun::default()
        };
        let Verdict {
            pass,
            diagnostic: text,
        } = describe_run(Language::Go, &empty);
        assert!(!pass && text.contains("no tests ran"), "{text}");
        let broken = TestRun {
            infrastructure_error: Some("go is not on PATH".to_owned()),
            ..TestRun::default()
        };
        let Verdict {
            pass,
            diagnostic: text,
        } = describe_run(Language::Go, &broken);
        assert!(!pass);
        assert_eq!(text, "go: the tests could not be run: go is not on PATH");
    }
}
