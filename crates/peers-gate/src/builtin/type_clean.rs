//! `type-clean`: the type checker reports nothing new since the baseline (`params: {mode:
//! absolute}`: nothing at all) — mypy or pyright for Python (`params.checker`
//! picks; default: mypy when installed, else pyright), `tsc --noEmit` for TypeScript. Rust,
//! Go and plain JavaScript pass as not applicable.

use crate::verdict::Verdict;
use std::path::Path;

use peers_core::language::Language;

use super::GateContext;
use super::error::BuiltinError;
use super::lint_clean::{Checked, is_location_line, run_checker};
use super::runners::{Toolbox, all_output, python};

pub fn type_clean(ctx: &GateContext<'_>) -> Verdict {
    let checker = match ctx.params.get("checker") {
        None => None,
        Some(value) => match value.as_str() {
            Some(name @ ("mypy" | "pyright")) => Some(name),
            _ => {
                return Verdict::fail(format!(
                    "type-clean: params.checker must be \"mypy\" or \"pyright\", not {value}"
                ));
            }
        },
    };
    let check = match checker {
        Some("pyright") => type_check_pyright,
        Some(_) => type_check_mypy,
        None => type_check_auto,
    };
    run_checker(ctx, "type-clean", check)
}

fn type_check_auto(
    lang: Language,
    project: &Path,
    tools: &Toolbox,
) -> Result<Checked, BuiltinError> {
    let prefer_pyright = lang == Language::Python
        && tools.find_program(project, "mypy").is_none()
        && tools.find_program(project, "pyright").is_some();
    if prefer_pyright {
        type_check_pyright(lang, project, tools)
    } else {
        type_check_mypy(lang, project, tools)
    }
}

fn type_check_mypy(
    lang: Language,
    project: &Path,
    tools: &Toolbox,
) -> Result<Checked, BuiltinError> {
    by_language(lang, project, tools, mypy)
}

fn type_check_pyright(
    lang: Language,
    project: &Path,
    tools: &Toolbox,
) -> Result<Checked, BuiltinError> {
    by_language(lang, project, tools, pyright)
}

/// A Python type checker: `Ok((clean, text))`, or why it could not run.
type PythonChecker = fn(&Path, &Toolbox) -> Result<Checked, BuiltinError>;

fn by_language(
    lang: Language,
    project: &Path,
    tools: &Toolbox,
    python_checker: PythonChecker,
) -> Result<Checked, BuiltinError> {
    match lang {
        Language::Python => python_checker(project, tools),
        Language::Js => tsc(project, tools),
        Language::Rust | Language::Go => Ok(Checked::not_applicable(
            "not applicable: the compiler checks types (tests-pass builds the code)",
        )),
    }
}

fn mypy(project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
    let program =
        tools
            .find_program(project, "mypy")
            .ok_or_else(|| BuiltinError::NotInstalled {
                tool: "mypy".to_owned(),
                install: format!("{} (or set params.checker: pyright)", python::INSTALL_MYPY),
            })?;
    // Kept beside the scratch directory (in the cache dir): a cold mypy run takes seconds.
    let cache = tools
        .scratch
        .parent()
        .unwrap_or(&tools.scratch)
        .join("mypy-cache");
    let args = [
        "--no-color-output",
        "--no-error-summary",
        "--show-column-numbers",
        "--cache-dir",
        &cache.to_string_lossy(),
        "--exclude",
        r"(^|/)(\.?venv|node_modules|build|dist)/",
        ".",
    ]
    .map(str::to_owned);
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    let findings: Vec<String> = output
        .lines()
        .filter(|line| is_location_line(line) && line.contains(": error:"))
        .map(str::to_owned)
        .collect();
    Ok(Checked::new("mypy", outcome.success(), findings, &output))
}

fn pyright(project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
    let program =
        tools
            .find_program(project, "pyright")
            .ok_or_else(|| BuiltinError::NotInstalled {
                tool: "pyright".to_owned(),
                install: "npm install -D pyright (or pip install pyright)".to_owned(),
            })?;
    let outcome = tools.run(&program, &[], project)?;
    let output = all_output(&outcome);
    let root = format!("{}/", project.display());
    let findings: Vec<String> = output
        .lines()
        .filter(|line| line.contains(" - error: "))
        .map(|line| line.trim().replace(&root, ""))
        .collect();
    Ok(Checked::new(
        "pyright",
        outcome.success(),
        findings,
        &output,
    ))
}

fn tsc(project: &Path, tools: &Toolbox) -> Result<Checked, BuiltinError> {
    if !project.join("tsconfig.json").is_file() {
        return Ok(Checked::not_applicable(
            "not applicable: plain JavaScript (no tsconfig.json)",
        ));
    }
    let program = tools
        .find_program(project, "tsc")
        .ok_or_else(|| BuiltinError::NotInstalled {
            tool: "tsc".to_owned(),
            install: "npm install -D typescript".to_owned(),
        })?;
    let args = ["--noEmit", "--pretty", "false", "-p", "tsconfig.json"].map(str::to_owned);
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    // `src/a.ts(3,5): error TS2322: …`
    let findings: Vec<String> = output
        .lines()
        .filter(|line| line.contains("): error TS"))
        .map(str::to_owned)
        .collect();
    Ok(Checked::new(
        "tsc --noEmit",
        outcome.success(),
        findings,
        &output,
    ))
}

#[cfg(test)]
#[path = "type_clean_tests.rs"]
mod tests;
