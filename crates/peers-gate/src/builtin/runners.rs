//! The per-language runner layer under the runner gates: which test command a project uses,
//! running it with the gate's timeout and environment, and its per-test results.
//!
//! Each language module gives the command and parses its runner's own report (libtest or
//! nextest lines, pytest JUnit XML, jest/vitest JSON or node TAP, `go test -json`), so gates
//! compare tests by name instead of reading a log.

pub mod coverage_report;
pub mod go;
pub mod js;
mod junit;
pub mod python;
pub mod rust;
mod tool;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use peers_core::language::{self, Language};
use peers_git::Git;
use serde::{Deserialize, Serialize};

use super::error::BuiltinError;

pub use tool::{Toolbox, all_output, command_line, excerpt};

/// Lines of a failure kept in a diagnostic.
pub const EXCERPT_LINES: usize = 6;

/// One failing test and the lines that say why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestFailure {
    pub name: String,
    pub excerpt: String,
}

/// The per-test results of one run of a project's tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRun {
    /// The command as run, for messages and the baseline cache key.
    pub command: String,
    pub passed: Vec<String>,
    pub failed: Vec<TestFailure>,
    pub skipped: usize,
    pub total: usize,
    /// Why the tests could not be run or read at all (tool missing, timeout, unreadable
    /// report). Gates fail closed on it.
    pub infrastructure_error: Option<String>,
}

impl TestRun {
    fn broken(command: String, reason: String) -> TestRun {
        TestRun {
            command,
            infrastructure_error: Some(reason),
            ..TestRun::default()
        }
    }
}

/// What a runner's parser read: passed names, failures, the skipped count.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TestOutcomes {
    pub passed: Vec<String>,
    pub failed: Vec<TestFailure>,
    pub skipped: usize,
}

/// How a test command reports its results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// `test name ... ok` lines from libtest (cargo test), stdout and stderr merged.
    Libtest,
    /// `PASS [ 0.01s] (1/3) binary test` lines from cargo-nextest.
    Nextest,
    /// A JUnit XML file pytest writes.
    JunitXml(PathBuf),
    /// The JSON file jest (or vitest, which copies its shape) writes.
    JestJson(PathBuf),
    /// A TAP file from node's built-in test runner.
    Tap(PathBuf),
    /// `go test -json` events on stdout.
    GoJson,
    /// An opaque test script: only its exit code means anything.
    ExitCode,
}

/// A pattern written in this crate; a test exercises each, so it cannot fail to compile.
#[expect(
    clippy::expect_used,
    reason = "constant patterns, each exercised by a unit test"
)]
pub(crate) fn constant_regex(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("constant pattern")
}

/// The command a project's tests run with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Variables set for this command only.
    pub env: Vec<(String, String)>,
    pub report: Report,
    /// The command without temporary paths: the same tests give the same key.
    pub key: String,
}

/// The test command for `lang` in `project`; `Err` names the missing tool and its install.
pub fn test_command(
    lang: Language,
    project: &Path,
    tools: &Toolbox,
) -> Result<TestCommand, BuiltinError> {
    match lang {
        Language::Rust => rust::test_command(project, tools),
        Language::Python => python::test_command(project, tools),
        Language::Js => js::test_command(project, tools),
        Language::Go => go::test_command(project, tools),
    }
}

/// Runs the tests of `lang` in `project` and reads the per-test results.
pub fn run_tests(lang: Language, project: &Path, tools: &Toolbox) -> TestRun {
    let command = match test_command(lang, project, tools) {
        Ok(command) => command,
        Err(error) => return TestRun::broken(format!("{lang} tests"), error.describe()),
    };
    let mut run_tools = tools.clone();
    for (key, value) in &command.env {
        run_tools = run_tools.with_var(key, value);
    }
    // A report left by an earlier run must never be read as this run's.
    if let Report::JunitXml(path) | Report::JestJson(path) | Report::Tap(path) = &command.report {
        let _ = std::fs::remove_file(path);
    }
    let outcome = match run_tools.run(&command.program, &command.args, project) {
        Ok(outcome) => outcome,
        Err(error) => return TestRun::broken(command.key, error.describe()),
    };
    let output = all_output(&outcome);
    let parsed = match parse(lang, &command.report, &output, project) {
        Ok(parsed) => parsed,
        Err(error) => return TestRun::broken(command.key, error.describe()),
    };
    finish(command.key, parsed, &output, &outcome)
}

fn parse(
    lang: Language,
    report: &Report,
    output: &str,
    project: &Path,
) -> Result<TestOutcomes, BuiltinError> {
    match report {
        Report::Libtest => Ok(rust::parse_libtest(output)),
        Report::Nextest => {
            // nextest's status lines, then the doctests' libtest lines.
            let mut parsed = rust::parse_nextest(output);
            let doctests = rust::parse_libtest(output);
            parsed.passed.extend(doctests.passed);
            parsed.failed.extend(doctests.failed);
            parsed.skipped += doctests.skipped;
            Ok(parsed)
        }
        Report::JunitXml(path) => python::read_junit(path, output),
        Report::JestJson(path) => js::read_jest_json(path, output, project),
        Report::Tap(path) => js::read_tap(path, output, project),
        Report::GoJson => Ok(go::parse_go_json(output)),
        Report::ExitCode => Ok(TestOutcomes::default()),
    }
    .map_err(|error| BuiltinError::Tests {
        lang,
        source: Box::new(error),
    })
}

/// A run that failed without naming a failing test (a compile error, a crash, an opaque
/// script) still fails: it gets one failure named after the command, with the output's gist.
fn finish(
    command: String,
    mut parsed: TestOutcomes,
    output: &str,
    outcome: &peers_process::Outcome,
) -> TestRun {
    if outcome.stdout.truncated || outcome.stderr.truncated {
        return TestRun::broken(
            command,
            "the test output exceeded 16 MiB and was cut; results cannot be read reliably \
             (reduce what tests print)"
                .to_owned(),
        );
    }
    let exited_ok = outcome.exit.code == Some(0);
    if !exited_ok && parsed.failed.is_empty() {
        let status = outcome.exit.to_string();
        parsed.failed.push(TestFailure {
            name: format!("`{command}` ({status}, no failing test named)"),
            excerpt: excerpt(output, EXCERPT_LINES * 2),
        });
    }
    if exited_ok && parsed.passed.is_empty() && parsed.failed.is_empty() && parsed.skipped == 0 {
        // An opaque script that passed: one passing "test" stands for the whole suite.
        parsed.passed.push(format!("`{command}`"));
    }
    let total = parsed.passed.len() + parsed.failed.len() + parsed.skipped;
    TestRun {
        command,
        passed: parsed.passed,
        failed: parsed.failed,
        skipped: parsed.skipped,
        total,
        infrastructure_error: None,
    }
}

/// The languages a gate covers: `params.lang` when given (a list of names), else those
/// detected from the tracked files. `Err` is a message for the diagnostic.
pub fn languages(
    git: &Git,
    params: &BTreeMap<String, serde_json::Value>,
) -> Result<Vec<Language>, BuiltinError> {
    if let Some(value) = params.get("lang") {
        return parse_lang_param(value);
    }
    let tracked = git
        .tracked_files()
        .map_err(|source| BuiltinError::git("list tracked files", source))?;
    // Three sources or a manifest: a stray helper script does not make a language.
    Ok(language::detect(&tracked, 3))
}

fn parse_lang_param(value: &serde_json::Value) -> Result<Vec<Language>, BuiltinError> {
    let names: Vec<&str> = match value {
        serde_json::Value::String(one) => vec![one.as_str()],
        serde_json::Value::Array(items) => items.iter().filter_map(|item| item.as_str()).collect(),
        _ => Vec::new(),
    };
    if names.is_empty() {
        return Err(BuiltinError::LangParam);
    }
    let mut languages = Vec::new();
    for name in names {
        let lang = Language::parse(name).ok_or_else(|| BuiltinError::UnknownLanguage {
            name: name.to_owned(),
        })?;
        if !languages.contains(&lang) {
            languages.push(lang);
        }
    }
    Ok(languages)
}

/// A toolbox for one gate evaluation, with a scratch directory under `cache_dir` that is
/// removed when the returned guard drops.
pub fn toolbox(
    env: &[(std::ffi::OsString, std::ffi::OsString)],
    budget: &crate::budget::GateBudget,
    cache_dir: &Path,
) -> Result<(Toolbox, tempfile::TempDir), BuiltinError> {
    std::fs::create_dir_all(cache_dir).map_err(|source| BuiltinError::CreateDir {
        path: cache_dir.to_path_buf(),
        source,
    })?;
    let scratch = tempfile::Builder::new()
        .prefix("gate-")
        .tempdir_in(cache_dir)
        .map_err(|source| BuiltinError::Scratch {
            dir: cache_dir.to_path_buf(),
            source,
        })?;
    let mut tools = Toolbox::new(env, budget.timeout(), scratch.path().to_path_buf());
    tools.budget = Some(budget.clone());
    Ok((tools, scratch))
}

/// Whether `dir` holds a `lang` project (a Python project needs no manifest).
pub fn has_project(lang: Language, dir: &Path) -> bool {
    let manifests: &[&str] = match lang {
        Language::Rust => &["Cargo.toml"],
        Language::Python => return dir.is_dir(),
        Language::Js => &["package.json"],
        Language::Go => &["go.mod"],
    };
    manifests.iter().any(|name| dir.join(name).is_file())
}

/// The directory `lang`'s tools run in: the shallowest directory holding its manifest among
/// the tracked files (the repository root when it has one or none is found).
pub fn project_dir(git: &Git, lang: Language) -> PathBuf {
    let manifests: &[&str] = match lang {
        Language::Rust => &["Cargo.toml"],
        Language::Python => &[
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "pytest.ini",
            "tox.ini",
        ],
        Language::Js => &["package.json"],
        Language::Go => &["go.mod"],
    };
    let tracked = git.tracked_files().unwrap_or_default();
    let shallowest = tracked
        .iter()
        .filter(|path| {
            !path
                .split('/')
                .any(|part| part == "node_modules" || part == "vendor")
        })
        .filter(|path| manifests.contains(&path.rsplit('/').next().unwrap_or(path)))
        .min_by_key(|path| path.matches('/').count());
    match shallowest.and_then(|path| path.rsplit_once('/')) {
        Some((dir, _)) => git.root().join(dir),
        None => git.root().to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lang_param_accepts_a_name_or_a_list_and_rejects_unknown_names() {
        assert_eq!(parse_lang_param(&json!("ts")).unwrap(), vec![Language::Js]);
        assert_eq!(
            parse_lang_param(&json!(["rust", "golang", "rs"])).unwrap(),
            vec![Language::Rust, Language::Go]
        );
        let error = parse_lang_param(&json!(["cobol"])).unwrap_err().describe();
        assert!(error.contains("unknown language `cobol`"), "{error}");
        assert!(parse_lang_param(&json!(3)).is_err());
    }
}
