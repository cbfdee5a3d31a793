//! Go: `go test -json ./...` and its event stream; a package that fails to build is a
//! failure named after the package, with the compiler's message.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{EXCERPT_LINES, Report, TestCommand, TestFailure, TestOutcomes, Toolbox, excerpt};
use crate::builtin::error::BuiltinError;

pub const INSTALL_GO: &str = "install Go (e.g. `apt-get install golang-go`)";

pub fn go(project: &Path, tools: &Toolbox) -> Result<std::path::PathBuf, BuiltinError> {
    tools
        .find_program(project, "go")
        .ok_or(BuiltinError::NotOnPath {
            program: "go",
            install: INSTALL_GO,
        })
}

pub fn test_command(project: &Path, tools: &Toolbox) -> Result<TestCommand, BuiltinError> {
    Ok(TestCommand {
        program: go(project, tools)?,
        args: vec!["test".to_owned(), "-json".to_owned(), "./...".to_owned()],
        env: Vec::new(),
        report: Report::GoJson,
        key: "go test -json ./...".to_owned(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    action: String,
    #[serde(default)]
    package: String,
    #[serde(default)]
    test: Option<String>,
    #[serde(default)]
    output: Option<String>,
}

/// Tests are named `<package> <Test/subtest>`. Lines that are not events (build failures on
/// go before 1.24, compiler errors on stderr) are kept for the excerpt of a failed build.
pub fn parse_go_json(output: &str) -> TestOutcomes {
    let mut parsed = TestOutcomes::default();
    let mut outputs: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut failed_packages: Vec<String> = Vec::new();
    let mut loose = String::new();
    for line in output.lines() {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            if let Some(package) = build_failed_package(line) {
                failed_packages.push(package);
            } else {
                loose.push_str(line);
                loose.push('\n');
            }
            continue;
        };
        let test = event.test.clone().unwrap_or_default();
        match event.action.as_str() {
            "output" | "build-output" => {
                let text = event.output.unwrap_or_default();
                if event.action == "build-output" {
                    loose.push_str(&text);
                }
                outputs
                    .entry((event.package, test))
                    .or_default()
                    .push_str(&text);
            }
            "pass" if !test.is_empty() => parsed.passed.push(format!("{} {test}", event.package)),
            "skip" if !test.is_empty() => parsed.skipped += 1,
            "fail" if !test.is_empty() => {
                let text = outputs
                    .get(&(event.package.clone(), test.clone()))
                    .map_or("", String::as_str);
                parsed.failed.push(TestFailure {
                    name: format!("{} {test}", event.package),
                    excerpt: excerpt(&go_failure_lines(text), EXCERPT_LINES),
                });
            }
            "fail" | "build-fail" => failed_packages.push(event.package),
            _ => {}
        }
    }
    for package in failed_packages {
        let prefix = format!("{package} ");
        if parsed
            .failed
            .iter()
            .any(|failure| failure.name.starts_with(&prefix))
        {
            continue;
        }
        let own = outputs
            .get(&(package.clone(), String::new()))
            .cloned()
            .unwrap_or_default();
        let text = if own.trim().lines().all(|line| line.starts_with("FAIL")) {
            loose.clone()
        } else {
            own
        };
        parsed.failed.push(TestFailure {
            name: format!("{package} (package failed to build or run)"),
            excerpt: excerpt(&text, EXCERPT_LINES),
        });
    }
    parsed
}

/// `FAIL\texample.com/m/pkg [build failed]` (or `[setup failed]`) → the package.
fn build_failed_package(line: &str) -> Option<String> {
    let rest = line.strip_prefix("FAIL\t")?;
    let (package, reason) = rest.split_once(' ')?;
    (reason.starts_with("[build failed]") || reason.starts_with("[setup failed]"))
        .then(|| package.to_owned())
}

/// A test's own output without the `=== RUN` / `--- FAIL` bookkeeping lines.
fn go_failure_lines(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let trimmed = line.trim_start();
            !(trimmed.starts_with("=== ")
                || trimmed.starts_with("--- FAIL")
                || trimmed.starts_with("--- PASS"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `go test -json ./...` (go 1.19) on the sample module with a package that does not build.
    const RECORDED: &str = include_str!("../../../tests/fixtures/runners/go-test-failing.jsonl");

    #[test]
    fn events_give_tests_subtests_and_the_failure_message() {
        let parsed = parse_go_json(RECORDED);
        assert_eq!(
            parsed.passed,
            vec![
                "example.com/sample TestAdd",
                "example.com/sample TestSub/one",
                "example.com/sample TestSub",
            ]
        );
        assert_eq!(parsed.skipped, 1);
        assert_eq!(parsed.failed[0].name, "example.com/sample TestFails");
        assert_eq!(
            parsed.failed[0].excerpt,
            "sum_test.go:6: Add(1, 2) = 3, want 4"
        );
    }

    #[test]
    fn a_package_that_does_not_build_is_a_failure_with_the_compiler_error() {
        let parsed = parse_go_json(RECORDED);
        assert_eq!(parsed.failed.len(), 2);
        assert_eq!(
            parsed.failed[1].name,
            "example.com/sample/broken (package failed to build or run)"
        );
        assert!(
            parsed.failed[1]
                .excerpt
                .contains("broken/b.go:2:23: cannot use \"s\""),
            "{}",
            parsed.failed[1].excerpt
        );
    }
}
