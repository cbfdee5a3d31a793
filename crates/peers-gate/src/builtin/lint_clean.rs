//! `lint-clean`: the language's linter reports nothing new since the baseline — clippy with
//! warnings denied, ruff, eslint, go vet (`params: {mode: absolute}`: nothing at all). A
//! missing linter fails with its install command.

use crate::verdict::Verdict;
use std::path::Path;

use peers_core::language::Language;
use serde_json::Value;

use super::GateContext;
use super::baseline_findings::{self, CountMode};
use super::baseline_snapshot;
use super::error::BuiltinError;
use super::runners::{self, Toolbox, all_output, excerpt, go, python, rust};
use super::scope;
use super::tests_pass::gate_languages;

/// Findings listed in a diagnostic; the rest are counted.
pub const MAX_FINDINGS_SHOWN: usize = 15;

pub fn lint_clean(ctx: &GateContext<'_>) -> Verdict {
    run_checker(ctx, "lint-clean", lint)
}

/// What one checker run found.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The command as shown to the user (and the baseline cache key).
    pub tool: String,
    pub success: bool,
    /// `path:line:…` findings.
    pub findings: Vec<String>,
    pub output: String,
    /// Set when the check does not apply (e.g. type-clean on Rust): passes with this text.
    pub not_applicable: Option<String>,
}

impl Checked {
    pub fn new(tool: &str, success: bool, findings: Vec<String>, output: &str) -> Checked {
        Checked {
            tool: tool.to_owned(),
            success,
            findings,
            output: output.to_owned(),
            not_applicable: None,
        }
    }

    pub fn not_applicable(text: &str) -> Checked {
        Checked {
            success: true,
            not_applicable: Some(text.to_owned()),
            ..Checked::default()
        }
    }
}

/// One language's check: what it found, or why it could not run.
pub type Checker = fn(Language, &Path, &Toolbox) -> Result<Checked, BuiltinError>;

/// Runs `check` for each language of the gate and joins the verdicts; findings already at the
/// baseline do not count unless `params.mode` is `absolute`.
pub fn run_checker(ctx: &GateContext<'_>, gate: &str, check: Checker) -> Verdict {
    let languages = match gate_languages(ctx, gate) {
        Ok(languages) => languages,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let mode = match CountMode::from_params(ctx, gate) {
        Ok(mode) => mode,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let (tools, _scratch) = match runners::toolbox(ctx.env, &ctx.budget, ctx.cache_dir) {
        Ok(pair) => pair,
        Err(error) => return Verdict::fail(format!("{gate}: {}", error.describe())),
    };
    let baseline = match mode {
        CountMode::Absolute => Err("mode absolute"),
        CountMode::NewSinceBaseline => {
            scope::baseline_commit(ctx).map_err(|_| "no `peers-baseline` tag to compare with")
        }
    };
    let mut pass = true;
    let mut lines = Vec::new();
    for lang in languages {
        let project = runners::project_dir(ctx.git, lang);
        let Verdict {
            pass: ok,
            diagnostic: text,
        } = match check(lang, &project, &tools) {
            Err(error) => Verdict::fail(error.describe()),
            Ok(checked) => {
                let job = BaselineJob {
                    ctx,
                    gate,
                    lang,
                    project: &project,
                    tools: &tools,
                    check,
                };
                judge(&job, baseline.as_deref().map_err(|why| *why), &checked)
            }
        };
        pass &= ok;
        lines.push(format!("{lang}: {text}"));
    }
    Verdict::new(pass, lines.join("\n"))
}

/// What measuring the baseline of one language needs.
struct BaselineJob<'a> {
    ctx: &'a GateContext<'a>,
    gate: &'a str,
    lang: Language,
    project: &'a Path,
    tools: &'a Toolbox,
    check: Checker,
}

fn judge(job: &BaselineJob<'_>, baseline: Result<&str, &str>, checked: &Checked) -> Verdict {
    if let Some(text) = &checked.not_applicable {
        return Verdict::pass(text.clone());
    }
    let base = match baseline {
        Ok(base) if !checked.findings.is_empty() => base,
        Ok(_) => {
            return verdict(
                &checked.tool,
                checked.success,
                checked.findings.clone(),
                &checked.output,
            );
        }
        Err(why) => {
            let Verdict {
                pass,
                diagnostic: text,
            } = verdict(
                &checked.tool,
                checked.success,
                checked.findings.clone(),
                &checked.output,
            );
            return Verdict::new(
                pass,
                if pass {
                    text
                } else {
                    format!("{text}\n  (every finding counts: {why})")
                },
            );
        }
    };
    let short = base.get(..7).unwrap_or(base);
    let counts = baseline_snapshot::measured(
        job.ctx.git.root(),
        job.ctx.cache_dir,
        base,
        &format!("{}-{}", job.gate, job.lang),
        &checked.tool,
        job.project,
        job.tools,
        |dir, tools| {
            (job.check)(job.lang, dir, tools)
                .map(|found| baseline_findings::counted(&found.findings, dir))
        },
    );
    let counts = match counts {
        Ok(counts) => counts,
        Err(error) => {
            return Verdict::fail(format!(
                "`{}`: the baseline {short} could not be checked, so new findings cannot be \
                     told from old ones: {} (hint: `params: {{mode: absolute}}` counts every finding)",
                checked.tool,
                error.describe()
            ));
        }
    };
    let new = baseline_findings::new_findings(&checked.findings, job.project, &counts);
    let old = checked.findings.len() - new.len();
    if new.is_empty() {
        return Verdict::pass(format!(
            "`{}`: no new finding since the baseline {short} ({old} already there are not \
                 counted; `params: {{mode: absolute}}` requires none)",
            checked.tool
        ));
    }
    let mut text = format!(
        "`{}` reports {} new finding(s) since the baseline {short}:",
        checked.tool,
        new.len()
    );
    push_listed(&mut text, &new);
    if old > 0 {
        text.push_str(&format!(
            "\n  ({old} more were already at the baseline and are not counted)"
        ));
    }
    Verdict::fail(text)
}

fn lint(lang: Language, project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
    match lang {
        Language::Rust => clippy(project, tools),
        Language::Python => ruff(project, tools),
        Language::Js => eslint(project, tools),
        Language::Go => go_vet(project, tools),
    }
}

fn clippy(project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
    let cargo = rust::cargo(project, tools)?;
    if tools.find_program(project, "cargo-clippy").is_none() {
        return Err(BuiltinError::NotInstalled {
            tool: "clippy".to_owned(),
            install: rust::INSTALL_CLIPPY.to_owned(),
        });
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
    Ok(Checked::new(
        "cargo clippy --all-targets -- -D warnings",
        outcome.success(),
        findings,
        &output,
    ))
}

fn ruff(project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
    let program =
        tools
            .find_program(project, "ruff")
            .ok_or_else(|| BuiltinError::NotInstalled {
                tool: "ruff".to_owned(),
                install: python::INSTALL_RUFF.to_owned(),
            })?;
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
    Ok(Checked::new(
        "ruff check",
        outcome.success(),
        findings,
        &output,
    ))
}

fn eslint(project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
    let program =
        tools
            .find_program(project, "eslint")
            .ok_or_else(|| BuiltinError::NotInstalled {
                tool: "eslint".to_owned(),
                install: "npm install -D eslint".to_owned(),
            })?;
    let args = ["--format", "json", "."].map(str::to_owned);
    let outcome = tools.run(&program, &args, project)?;
    let stdout = outcome.stdout.to_string_lossy();
    let report = match serde_json::from_str::<Value>(&stdout) {
        Ok(report) => report,
        Err(source) => {
            let output = all_output(&outcome);
            let hint = if output.contains("couldn't find an eslint.config")
                || output.contains("couldn't find a configuration")
            {
                " (add an eslint.config.js, e.g. `npm init @eslint/config`)"
            } else {
                ""
            };
            return Err(BuiltinError::UnreadableOutput {
                tool: "eslint",
                hint,
                output_tail: excerpt(&output, 6),
                source,
            });
        }
    };
    let findings = eslint_findings(&report, project);
    let success = outcome.success() && findings.is_empty();
    Ok(Checked::new("eslint", success, findings, &stdout))
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

fn go_vet(project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
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
    Ok(Checked::new(
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
pub fn verdict(tool: &str, success: bool, findings: Vec<String>, output: &str) -> Verdict {
    if success && findings.is_empty() {
        return Verdict::pass(format!("`{tool}` is clean"));
    }
    if findings.is_empty() {
        return Verdict::fail(format!(
            "`{tool}` failed without a finding:\n{}",
            excerpt(output, 8)
        ));
    }
    let mut text = format!("`{tool}` reports {} finding(s):", findings.len());
    push_listed(&mut text, &findings);
    Verdict::fail(text)
}

/// The findings, one per line, capped at [`MAX_FINDINGS_SHOWN`].
fn push_listed(text: &mut String, findings: &[String]) {
    for finding in findings.iter().take(MAX_FINDINGS_SHOWN) {
        text.push_str(&format!("\n  {finding}"));
    }
    if findings.len() > MAX_FINDINGS_SHOWN {
        text.push_str(&format!(
            "\n  … and {} more",
            findings.len() - MAX_FINDINGS_SHOWN
        ));
    }
}

#[cfg(test)]
#[path = "lint_clean_tests.rs"]
mod tests;
