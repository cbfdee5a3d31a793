//! Rust: `cargo nextest run` (then `cargo test --doc`: nextest skips doctests) when
//! cargo-nextest is installed, else `cargo test`, and their per-test lines; clippy for
//! lint-clean; cargo-llvm-cov for coverage-holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::{
    EXCERPT_LINES, Report, TestCommand, TestFailure, TestOutcomes, Toolbox, constant_regex, excerpt,
};
use crate::builtin::error::BuiltinError;

pub const INSTALL_RUST: &str =
    "install Rust with rustup (https://rustup.rs), then reopen the shell";
pub const INSTALL_CLIPPY: &str = "rustup component add clippy";
pub const INSTALL_LLVM_COV: &str =
    "cargo install cargo-llvm-cov && rustup component add llvm-tools-preview";

/// `sh -c 'exec "$0" "$@" 2>&1' cargo …`: one stream, so a result line stays next to the
/// `Running …` line that names its test binary.
pub fn merged(tools: &Toolbox, project: &Path, argv: &[&str]) -> (PathBuf, Vec<String>) {
    let shell = tools
        .find_program(project, "sh")
        .unwrap_or_else(|| PathBuf::from("/bin/sh"));
    let mut args = vec!["-c".to_owned(), "exec \"$0\" \"$@\" 2>&1".to_owned()];
    args.extend(argv.iter().map(|arg| (*arg).to_owned()));
    (shell, args)
}

pub fn cargo(project: &Path, tools: &Toolbox) -> Result<PathBuf, BuiltinError> {
    tools
        .find_program(project, "cargo")
        .ok_or(BuiltinError::NotOnPath {
            program: "cargo",
            install: INSTALL_RUST,
        })
}

pub fn test_command(project: &Path, tools: &Toolbox) -> Result<TestCommand, BuiltinError> {
    let cargo = cargo(project, tools)?;
    let cargo = cargo.to_string_lossy();
    if tools.find_program(project, "cargo-nextest").is_some() {
        return Ok(nextest_with_doctests(project, tools, &cargo));
    }
    let argv = [
        &*cargo,
        "test",
        "--workspace",
        "--no-fail-fast",
        "--color",
        "never",
    ];
    let (program, args) = merged(tools, project, &argv);
    Ok(TestCommand {
        program,
        args,
        env: Vec::new(),
        report: Report::Libtest,
        key: format!("cargo {}", argv[1..].join(" ")),
    })
}

/// nextest does not run doctests, so `cargo test --doc` runs after it (a broken doctest must
/// fail the gate); a package without a library has no doctests, which is not a failure. The
/// exit status is nextest's when it failed, else the doctests'.
const NEXTEST_THEN_DOCTESTS: &str = r#""$0" nextest run --workspace --no-fail-fast --color never 2>&1
tests=$?
doc=$("$0" test --doc --workspace --no-fail-fast --color never 2>&1)
docs=$?
printf '%s\n' "$doc"
case "$doc" in *"no library targets found"*) docs=0 ;; esac
[ "$tests" -ne 0 ] && exit "$tests"
exit "$docs""#;

fn nextest_with_doctests(project: &Path, tools: &Toolbox, cargo: &str) -> TestCommand {
    let shell = tools
        .find_program(project, "sh")
        .unwrap_or_else(|| PathBuf::from("/bin/sh"));
    TestCommand {
        program: shell,
        args: vec![
            "-c".to_owned(),
            NEXTEST_THEN_DOCTESTS.to_owned(),
            cargo.to_owned(),
        ],
        env: Vec::new(),
        report: Report::Nextest,
        key: "cargo nextest run --workspace --no-fail-fast --color never + cargo test --doc"
            .to_owned(),
    }
}

static RUNNING: LazyLock<Regex> =
    LazyLock::new(|| constant_regex(r"^\s*Running (?:unittests )?(\S+) \((.+)\)\s*$"));
static DOC_TESTS: LazyLock<Regex> = LazyLock::new(|| constant_regex(r"^\s*Doc-tests (\S+)\s*$"));
static LIBTEST_RESULT: LazyLock<Regex> =
    LazyLock::new(|| constant_regex(r"^test (.+?) \.\.\. (ok|FAILED|ignored(?:, .*)?)$"));
static LIBTEST_OUTPUT: LazyLock<Regex> =
    LazyLock::new(|| constant_regex(r"^---- (.+?) std(?:out|err) ----$"));

/// libtest's `test x ... ok|FAILED|ignored` lines; names are `<test binary> <test path>`
/// (`sample tests::adds`, `it integration_adds`, `sample doc src/lib.rs - add (line 3)`).
pub fn parse_libtest(output: &str) -> TestOutcomes {
    let mut parsed = TestOutcomes::default();
    let mut binary = String::new();
    let mut failing: Vec<String> = Vec::new();
    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    let mut section: Option<String> = None;
    for line in output.lines() {
        if let Some(caps) = RUNNING.captures(line) {
            binary = binary_name(&caps[2]);
            section = None;
        } else if let Some(caps) = DOC_TESTS.captures(line) {
            binary = format!("{} doc", &caps[1]);
            section = None;
        } else if let Some(caps) = LIBTEST_RESULT.captures(line) {
            let name = format!("{binary} {}", &caps[1]);
            match &caps[2] {
                "ok" => parsed.passed.push(name),
                "FAILED" => failing.push(name),
                _ => parsed.skipped += 1,
            }
        } else if let Some(caps) = LIBTEST_OUTPUT.captures(line) {
            section = Some(format!("{binary} {}", &caps[1]));
        } else if line == "failures:" || line.starts_with("test result:") {
            section = None;
        } else if let Some(name) = &section {
            let text = outputs.entry(name.clone()).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    parsed.failed = failing
        .into_iter()
        .map(|name| TestFailure {
            excerpt: excerpt(outputs.get(&name).map_or("", String::as_str), EXCERPT_LINES),
            name,
        })
        .collect();
    parsed
}

/// `target/debug/deps/sample-e6daf73c296d6df0` → `sample`.
fn binary_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    match file.rsplit_once('-') {
        Some((stem, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => stem.to_owned(),
        _ => file.to_owned(),
    }
}

static NEXTEST_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    constant_regex(
        r"^\s*(?:TRY \d+ )?([A-Z][A-Z-]*) \[\s*[\d.]+s\] (?:\(\s*\d+/\d+\) )?(\S+) (.+?)\s*$",
    )
});
static NEXTEST_SKIPPED: LazyLock<Regex> = LazyLock::new(|| {
    constant_regex(r"^\s*Starting \d+ tests? across \d+ binar(?:y|ies) \((\d+) tests? skipped\)")
});

/// cargo-nextest's status lines; names are `<binary id> <test path>` (`sample tests::adds`).
/// The output a FAIL line is followed by gives the excerpt; the summary's repeat is ignored.
pub fn parse_nextest(output: &str) -> TestOutcomes {
    let mut parsed = TestOutcomes::default();
    let mut current: Option<usize> = None;
    let mut captured: Vec<String> = Vec::new();
    for line in output.lines() {
        if let Some(caps) = NEXTEST_SKIPPED.captures(line) {
            parsed.skipped = caps[1].parse().unwrap_or(0);
            continue;
        }
        let Some(caps) = NEXTEST_STATUS.captures(line) else {
            if current.is_some() {
                if line.starts_with('─') || line.trim_start().starts_with("Summary [") {
                    close(&mut parsed, &mut current, &mut captured);
                } else {
                    captured.push(line.to_owned());
                }
            }
            continue;
        };
        close(&mut parsed, &mut current, &mut captured);
        let name = format!("{} {}", &caps[2], &caps[3]);
        match &caps[1] {
            "PASS" | "LEAK" => parsed.passed.push(name),
            "SKIP" => parsed.skipped += 1,
            // The summary repeats each failure; the first one holds the output.
            status
                if is_nextest_failure(status)
                    && !parsed.failed.iter().any(|failure| failure.name == name) =>
            {
                parsed.failed.push(TestFailure {
                    name,
                    excerpt: String::new(),
                });
                current = Some(parsed.failed.len() - 1);
            }
            _ => {}
        }
    }
    close(&mut parsed, &mut current, &mut captured);
    parsed.passed.sort();
    parsed.passed.dedup();
    parsed
}

fn is_nextest_failure(status: &str) -> bool {
    ["FAIL", "TIMEOUT", "SIG", "ABORT", "CRASH"]
        .iter()
        .any(|word| status.contains(word))
}

fn close(parsed: &mut TestOutcomes, current: &mut Option<usize>, captured: &mut Vec<String>) {
    if let Some(index) = current.take() {
        parsed.failed[index].excerpt = excerpt(&captured.join("\n"), EXCERPT_LINES);
    }
    captured.clear();
}

#[cfg(test)]
#[path = "rust_tests.rs"]
mod tests;
