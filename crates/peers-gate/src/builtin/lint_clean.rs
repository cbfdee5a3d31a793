//! `lint-clean`: the language's linter reports nothing — clippy with warnings denied, ruff,
//! eslint, go vet. A missing linter fails with its install command.

use std::path::Path;

use peers_core::language::Language;
use serde_json::Value;

use super::GateContext;
use super::runners::{self, Toolbox, all_output, excerpt, go, python, rust};
use super::tests_pass::gate_languages;

/// Findings listed in a diagnostic; the rest are counted.
pub const MAX_FINDINGS_SHOWN: usize = 15;

pub fn lint_clean(ctx: &GateContext<'_>) -> (bool, String) {
    run_checker(ctx, "lint-clean", lint)
}

/// Runs `check` for each language of the gate and joins the verdicts.
pub fn run_checker(
    ctx: &GateContext<'_>,
    gate: &str,
    check: fn(Language, &Path, &Toolbox) -> (bool, String),
) -> (bool, String) {
    let languages = match gate_languages(ctx, gate) {
        Ok(languages) => languages,
        Err(message) => return (false, message),
    };
    let (tools, _scratch) = match runners::toolbox(ctx.env, &ctx.budget, ctx.cache_dir) {
        Ok(pair) => pair,
        Err(reason) => return (false, format!("{gate}: {reason}")),
    };
    let mut pass = true;
    let mut lines = Vec::new();
    for lang in languages {
        let (ok, text) = check(lang, &runners::project_dir(ctx.git, lang), &tools);
        pass &= ok;
        lines.push(format!("{lang}: {text}"));
    }
    (pass, lines.join("\n"))
}

fn lint(lang: Language, project: &Path, tools: &Toolbox) -> (bool, String) {
    let result = match lang {
        Language::Rust => clippy(project, tools),
        Language::Python => ruff(project, tools),
        Language::Js => eslint(project, tools),
        Language::Go => go_vet(project, tools),
    };
    result.unwrap_or_else(|reason| (false, reason))
}

fn clippy(project: &Path, tools: &Toolbox) -> Result<(bool, String), String> {
    let cargo = rust::cargo(project, tools)?;
    if tools.find_program(project, "cargo-clippy").is_none() {
        return Err(format!("clippy is not installed: {}", rust::INSTALL_CLIPPY));
    }
    let cargo = cargo.to_string_lossy();
    let argv = [
        &*cargo,
        "clippy",
        "--workspace",
        "--all-targets",
        "--message-format=short",
        "--color",
        "never",
        "--",
        "-D",
        "warnings",
    ];
    let (program, args) = rust::merged(tools, project, &argv);
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    let findings: Vec<String> = output
        .lines()
        .filter(|line| {
            is_location_line(line) && (line.contains(": error") || line.contains(": warning"))
        })
        .map(str::to_owned)
        .collect();
    Ok(verdict(
        "cargo clippy --all-targets -- -D warnings",
        outcome.success(),
        findings,
        &output,
    ))
}

fn ruff(project: &Path, tools: &Toolbox) -> Result<(bool, String), String> {
    let program = tools
        .find_program(project, "ruff")
        .ok_or_else(|| format!("ruff is not installed: {}", python::INSTALL_RUFF))?;
    let args = [
        "check",
        "--no-cache",
        "--output-format=concise",
        "--quiet",
        ".",
    ]
    .map(str::to_owned);
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    let findings: Vec<String> = output
        .lines()
        .filter(|line| is_location_line(line))
        .map(str::to_owned)
        .collect();
    Ok(verdict("ruff check", outcome.success(), findings, &output))
}

fn eslint(project: &Path, tools: &Toolbox) -> Result<(bool, String), String> {
    let program = tools
        .find_program(project, "eslint")
        .ok_or("eslint is not installed: npm install -D eslint")?;
    let args = ["--format", "json", "."].map(str::to_owned);
    let outcome = tools.run(&program, &args, project)?;
    let stdout = outcome.stdout.to_string_lossy();
    let Ok(report) = serde_json::from_str::<Value>(&stdout) else {
        let output = all_output(&outcome);
        let hint = if output.contains("couldn't find an eslint.config")
            || output.contains("couldn't find a configuration")
        {
            " (add an eslint.config.js, e.g. `npm init @eslint/config`)"
        } else {
            ""
        };
        return Ok((
            false,
            format!(
                "eslint could not check the project{hint}:\n{}",
                excerpt(&output, 6)
            ),
        ));
    };
    let findings = eslint_findings(&report, project);
    Ok(verdict(
        "eslint",
        outcome.success() && findings.is_empty(),
        findings,
        &stdout,
    ))
}

/// `file:line:col: message (rule)` for each eslint message.
pub fn eslint_findings(report: &Value, project: &Path) -> Vec<String> {
    let root = project.to_string_lossy();
    let mut findings = Vec::new();
    for file in report.as_array().into_iter().flatten() {
        let path = file.get("filePath").and_then(Value::as_str).unwrap_or("?");
        let path = path
            .strip_prefix(root.as_ref())
            .map_or(path, |rest| rest.trim_start_matches('/'));
        for message in file
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let get = |key: &str| message.get(key).and_then(Value::as_u64).unwrap_or(0);
            let rule = message
                .get("ruleId")
                .and_then(Value::as_str)
                .unwrap_or("parse");
            let text = message.get("message").and_then(Value::as_str).unwrap_or("");
            findings.push(format!(
                "{path}:{}:{}: {text} ({rule})",
                get("line"),
                get("column")
            ));
        }
    }
    findings
}

fn go_vet(project: &Path, tools: &Toolbox) -> Result<(bool, String), String> {
    let program = go::go(project, tools)?;
    let args = ["vet", "./..."].map(str::to_owned);
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    let findings: Vec<String> = output
        .lines()
        .map(|line| line.strip_prefix("vet: ").unwrap_or(line))
        .filter(|line| is_location_line(line))
        .map(str::to_owned)
        .collect();
    Ok(verdict(
        "go vet ./...",
        outcome.success(),
        findings,
        &output,
    ))
}

/// `path:line:…` — the shape of a finding in every linter's short format.
pub fn is_location_line(line: &str) -> bool {
    let mut parts = line.splitn(3, ':');
    let (Some(path), Some(number)) = (parts.next(), parts.next()) else {
        return false;
    };
    !path.is_empty()
        && !path.contains(' ')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// Clean when the tool exited 0; else the findings (capped), or the output's gist when
/// the tool failed without a finding (a compile error, a crash).
pub fn verdict(tool: &str, success: bool, findings: Vec<String>, output: &str) -> (bool, String) {
    if success && findings.is_empty() {
        return (true, format!("`{tool}` is clean"));
    }
    if findings.is_empty() {
        return (
            false,
            format!("`{tool}` failed without a finding:\n{}", excerpt(output, 8)),
        );
    }
    let mut text = format!("`{tool}` reports {} finding(s):", findings.len());
    for finding in findings.iter().take(MAX_FINDINGS_SHOWN) {
        text.push_str(&format!("\n  {finding}"));
    }
    if findings.len() > MAX_FINDINGS_SHOWN {
        text.push_str(&format!(
            "\n  … and {} more",
            findings.len() - MAX_FINDINGS_SHOWN
        ));
    }
    (false, text)
}

#[cfg(test)]
#[path = "lint_clean_tests.rs"]
mod tests;
