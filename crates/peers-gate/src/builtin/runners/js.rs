//! JS/TS: the package.json `test` script, or jest/vitest when configured without one, with
//! a machine-readable report: jest/vitest JSON, or TAP from node's built-in runner. Any other
//! script is run for its exit code only.

use std::path::Path;

use serde_json::Value;

use super::{EXCERPT_LINES, Report, TestCommand, TestFailure, TestOutcomes, Toolbox, excerpt};
use crate::builtin::error::BuiltinError;

pub const INSTALL_NODE: &str = "install Node.js and npm (e.g. `apt-get install nodejs npm`)";

/// Which runner a project's tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsRunner {
    Jest,
    Vitest,
    NodeTest,
    /// A script peers cannot read results from.
    Script,
}

/// The runner and whether it is reached through the `test` script (else run directly).
pub fn detect_runner(project: &Path) -> Result<(JsRunner, bool), BuiltinError> {
    let manifest = read_manifest(project)?;
    if let Some(script) = manifest.pointer("/scripts/test").and_then(Value::as_str) {
        let runner = if script.contains("vitest") {
            JsRunner::Vitest
        } else if script.contains("jest") {
            JsRunner::Jest
        } else if script.contains("node --test") || script.contains("node:test") {
            JsRunner::NodeTest
        } else {
            JsRunner::Script
        };
        return Ok((runner, true));
    }
    let has = |names: &[&str]| names.iter().any(|name| project.join(name).is_file());
    let jest_configs = [
        "jest.config.js",
        "jest.config.cjs",
        "jest.config.mjs",
        "jest.config.ts",
        "jest.config.json",
    ];
    let vitest_configs = [
        "vitest.config.js",
        "vitest.config.mjs",
        "vitest.config.ts",
        "vitest.config.mts",
    ];
    if has(&jest_configs) || manifest.get("jest").is_some() {
        Ok((JsRunner::Jest, false))
    } else if has(&vitest_configs) {
        Ok((JsRunner::Vitest, false))
    } else {
        Err(BuiltinError::NoJsRunner)
    }
}

pub fn read_manifest(project: &Path) -> Result<Value, BuiltinError> {
    let path = project.join("package.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(source) => return Err(BuiltinError::Read { path, source }),
    };
    serde_json::from_str(&text).map_err(|source| BuiltinError::Json { path, source })
}

pub fn test_command(project: &Path, tools: &Toolbox) -> Result<TestCommand, BuiltinError> {
    let (runner, via_script) = detect_runner(project)?;
    let json = tools.scratch.join("js-results.json");
    let tap = tools.scratch.join("node-test.tap");
    let (tool, mut args) = if via_script {
        ("npm", vec!["test".to_owned(), "--silent".to_owned()])
    } else if runner == JsRunner::Jest {
        ("jest", Vec::new())
    } else {
        ("vitest", vec!["run".to_owned()])
    };
    let program = tools
        .find_program(project, tool)
        .ok_or_else(|| match tool {
            "npm" => BuiltinError::NotOnPath {
                program: "npm",
                install: INSTALL_NODE,
            },
            other => BuiltinError::NotInstalled {
                tool: other.to_owned(),
                install: format!("npm install -D {other}"),
            },
        })?;
    if via_script && matches!(runner, JsRunner::Jest | JsRunner::Vitest) {
        args.push("--".to_owned());
    }
    let mut env = Vec::new();
    let report = match runner {
        JsRunner::Jest => {
            args.extend([
                "--ci".to_owned(),
                "--json".to_owned(),
                format!("--outputFile={}", json.display()),
            ]);
            Report::JestJson(json)
        }
        JsRunner::Vitest => {
            args.extend([
                "--reporter=json".to_owned(),
                format!("--outputFile={}", json.display()),
            ]);
            Report::JestJson(json)
        }
        JsRunner::NodeTest => {
            let mut options = tools
                .var("NODE_OPTIONS")
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default();
            options.push_str(&format!(
                " --test-reporter=tap --test-reporter-destination={}",
                tap.display()
            ));
            env.push(("NODE_OPTIONS".to_owned(), options.trim().to_owned()));
            Report::Tap(tap)
        }
        JsRunner::Script => Report::ExitCode,
    };
    let key = format!("{tool} {runner:?}");
    Ok(TestCommand {
        program,
        args,
        env,
        report,
        key,
    })
}

/// The JSON jest (and vitest) write: one entry per test file with its assertions. Names are
/// `<file relative to the project> > <describe …> <title>`.
pub fn read_jest_json(
    path: &Path,
    output: &str,
    project: &Path,
) -> Result<TestOutcomes, BuiltinError> {
    let text = std::fs::read_to_string(path).map_err(|source| BuiltinError::NoReport {
        tool: "the test runner",
        report: "JSON report",
        path: path.to_path_buf(),
        output_tail: excerpt(output, 8),
        source,
    })?;
    let report: Value =
        serde_json::from_str(&text).map_err(|source| BuiltinError::JsonReport { source })?;
    let files = report
        .get("testResults")
        .and_then(Value::as_array)
        .ok_or(BuiltinError::NoTestResults)?;
    let mut parsed = TestOutcomes::default();
    for file in files {
        let file_name = relative(
            file.get("name").and_then(Value::as_str).unwrap_or("?"),
            project,
        );
        let assertions = file
            .get("assertionResults")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if assertions.is_empty() && file.get("status").and_then(Value::as_str) == Some("failed") {
            // The file itself failed to load (syntax error, missing import).
            let message = file
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default();
            parsed.failed.push(TestFailure {
                name: file_name.clone(),
                excerpt: excerpt(message, EXCERPT_LINES),
            });
        }
        for assertion in &assertions {
            let title = assertion
                .get("fullName")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let name = format!("{file_name} > {title}");
            match assertion.get("status").and_then(Value::as_str) {
                Some("passed") => parsed.passed.push(name),
                Some("failed") => {
                    let messages: Vec<&str> = assertion
                        .get("failureMessages")
                        .and_then(Value::as_array)
                        .map(|all| all.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    parsed.failed.push(TestFailure {
                        name,
                        excerpt: excerpt(&messages.join("\n"), EXCERPT_LINES),
                    });
                }
                _ => parsed.skipped += 1,
            }
        }
    }
    Ok(parsed)
}

fn relative(name: &str, project: &Path) -> String {
    let root = project.to_string_lossy();
    name.strip_prefix(root.as_ref())
        .map(|rest| rest.trim_start_matches('/'))
        .unwrap_or(name)
        .to_owned()
}

/// A TAP stream from `node --test`: `ok N - name` / `not ok N - name`, nested by four spaces
/// per level. Only leaves count (a parent repeats its children's outcome); names join the
/// levels with ` > `. The YAML block under a failure gives its excerpt.
pub fn read_tap(path: &Path, output: &str, project: &Path) -> Result<TestOutcomes, BuiltinError> {
    let text = std::fs::read_to_string(path).map_err(|source| BuiltinError::NoReport {
        tool: "node's test runner",
        report: "TAP report",
        path: path.to_path_buf(),
        output_tail: excerpt(output, 8),
        source,
    })?;
    Ok(parse_tap(&text, project))
}

pub fn parse_tap(text: &str, project: &Path) -> TestOutcomes {
    let mut parsed = TestOutcomes::default();
    let mut path: Vec<String> = Vec::new();
    let mut saw_child_at: Option<usize> = None;
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let depth = (line.len() - line.trim_start().len()) / 4;
        let trimmed = line.trim_start();
        if let Some(name) = trimmed.strip_prefix("# Subtest: ") {
            path.truncate(depth);
            path.push(relative(name, project));
            continue;
        }
        let (ok, rest) = if let Some(rest) = trimmed.strip_prefix("not ok ") {
            (false, rest)
        } else if let Some(rest) = trimmed.strip_prefix("ok ") {
            (true, rest)
        } else {
            continue;
        };
        let is_parent = saw_child_at == Some(depth + 1);
        saw_child_at = Some(depth);
        if is_parent {
            continue;
        }
        let title = rest.split_once(" - ").map_or(rest, |(_, title)| title);
        let (title, directive) = title.split_once(" # ").unwrap_or((title, ""));
        let mut names: Vec<String> = path.iter().take(depth).cloned().collect();
        names.push(relative(title, project));
        let name = names.join(" > ");
        if directive.starts_with("SKIP") || directive.starts_with("TODO") {
            parsed.skipped += 1;
        } else if ok {
            parsed.passed.push(name);
        } else {
            parsed.failed.push(TestFailure {
                name,
                excerpt: tap_excerpt(&lines[index + 1..]),
            });
        }
    }
    parsed
}

/// The `error:` text and `location:` of the YAML block that follows a `not ok` line.
fn tap_excerpt(block: &[&str]) -> String {
    let mut message = Vec::new();
    let mut location = None;
    let mut in_error: Option<usize> = None;
    for line in block.iter().skip_while(|line| line.trim() != "---").skip(1) {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if trimmed == "..." {
            break;
        }
        if let Some(limit) = in_error {
            if indent > limit || trimmed.is_empty() {
                if !trimmed.is_empty() {
                    message.push(trimmed.to_owned());
                }
                continue;
            }
            in_error = None;
        }
        if let Some(value) = trimmed.strip_prefix("error:") {
            let value = value.trim().trim_matches('\'');
            if !value.is_empty() && !value.starts_with('|') {
                message.push(value.to_owned());
            }
            in_error = Some(indent);
        } else if let Some(value) = trimmed.strip_prefix("location:") {
            location = Some(value.trim().trim_matches('\'').to_owned());
        }
    }
    message.truncate(EXCERPT_LINES - 1);
    if let Some(location) = location {
        message.push(format!("at {location}"));
    }
    message.join("\n")
}

#[cfg(test)]
#[path = "js_tests.rs"]
mod tests;
