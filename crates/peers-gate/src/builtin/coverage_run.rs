//! Measuring line coverage with each language's tool: cargo-llvm-cov, coverage.py, jest's
//! istanbul / vitest / c8, `go test -coverprofile`. A missing tool is an error carrying the
//! exact install command.

use std::path::Path;

use peers_core::language::Language;

use super::error::BuiltinError;
use super::runners::coverage_report::LineCoverage;
use super::runners::js::{self, JsRunner};
use super::runners::{Toolbox, all_output, excerpt, go, python, rust};

pub const INSTALL_C8: &str = "npm install -D c8";
pub const INSTALL_VITEST_COVERAGE: &str = "npm install -D @vitest/coverage-v8";

/// What a baseline coverage measurement is keyed by (with the commit).
pub fn command_key(lang: Language) -> &'static str {
    match lang {
        Language::Rust => "cargo llvm-cov --workspace --lcov",
        Language::Python => "python -m coverage run -m pytest; coverage lcov",
        Language::Js => "js coverage lcov (jest | vitest | c8)",
        Language::Go => "go test -coverprofile ./...",
    }
}

pub fn measure(
    lang: Language,
    project: &Path,
    tools: &Toolbox,
) -> Result<LineCoverage, BuiltinError> {
    match lang {
        Language::Rust => rust_coverage(project, tools),
        Language::Python => python_coverage(project, tools),
        Language::Js => js_coverage(project, tools),
        Language::Go => go_coverage(project, tools),
    }
}

fn rust_coverage(project: &Path, tools: &Toolbox) -> Result<LineCoverage, BuiltinError> {
    let cargo = rust::cargo(project, tools)?;
    if tools.find_program(project, "cargo-llvm-cov").is_none() {
        return Err(BuiltinError::NotInstalled {
            tool: "cargo-llvm-cov".to_owned(),
            install: rust::INSTALL_LLVM_COV.to_owned(),
        });
    }
    let report = tools.scratch.join("rust.lcov");
    let cargo = cargo.to_string_lossy();
    let report_arg = report.to_string_lossy();
    let argv = [
        &*cargo,
        "llvm-cov",
        "--workspace",
        "--ignore-run-fail",
        "--color",
        "never",
        "--lcov",
        "--output-path",
        &report_arg,
    ];
    let (program, args) = rust::merged(tools, project, &argv);
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    if !outcome.success() && output.contains("llvm-tools") {
        return Err(BuiltinError::LlvmToolsMissing {
            output_tail: excerpt(&output, 4),
        });
    }
    read_lcov(&report, project, &output)
}

fn python_coverage(project: &Path, tools: &Toolbox) -> Result<LineCoverage, BuiltinError> {
    let python = python::interpreter(project, tools)?;
    // The data file goes to the scratch directory: a gate leaves nothing in the worktree.
    let tools = tools.with_var("COVERAGE_FILE", tools.scratch.join("python.coverage"));
    // coverage honours the isolated path: with sys.path[0] not the working directory it
    // leaves it alone, so pytest too is the installed one.
    let run = python::module_args(
        "coverage",
        &["run", "-m", "pytest", "-p", "no:cacheprovider", "-q"],
    );
    let outcome = tools.run(&python, &run, project)?;
    let output = all_output(&outcome);
    if python::missing_module(&output, "coverage") {
        return Err(BuiltinError::NotInstalled {
            tool: "coverage.py".to_owned(),
            install: python::INSTALL_COVERAGE.to_owned(),
        });
    }
    if python::missing_module(&output, "pytest") {
        return Err(BuiltinError::NotInstalled {
            tool: "pytest".to_owned(),
            install: python::INSTALL_PYTEST.to_owned(),
        });
    }
    let report = tools.scratch.join("python.lcov");
    let lcov = python::module_args("coverage", &["lcov", "-q", "-o", &report.to_string_lossy()]);
    let written = tools.run(&python, &lcov, project)?;
    if !written.success() {
        return Err(BuiltinError::Failed {
            command: "coverage lcov".to_owned(),
            status: written.exit.to_string(),
            output_tail: excerpt(&all_output(&written), 6),
        });
    }
    read_lcov(&report, project, &output)
}

fn js_coverage(project: &Path, tools: &Toolbox) -> Result<LineCoverage, BuiltinError> {
    let (runner, via_script) = js::detect_runner(project)?;
    let dir = tools.scratch.join("js-coverage");
    let dir_arg = dir.to_string_lossy().into_owned();
    let direct =
        |tool: &str, first: &[&str]| -> Result<(std::path::PathBuf, Vec<String>), BuiltinError> {
            let (name, args) = if via_script {
                ("npm", vec!["test", "--silent", "--"])
            } else {
                (tool, first.to_vec())
            };
            let program =
                tools
                    .find_program(project, name)
                    .ok_or_else(|| BuiltinError::NotInstalled {
                        tool: name.to_owned(),
                        install: format!("npm install -D {name}"),
                    })?;
            Ok((program, args.into_iter().map(str::to_owned).collect()))
        };
    let (program, args) = match runner {
        JsRunner::Jest => {
            let (program, mut args) = direct("jest", &[])?;
            args.extend([
                "--ci".to_owned(),
                "--coverage".to_owned(),
                "--coverageReporters=lcov".to_owned(),
                format!("--coverageDirectory={dir_arg}"),
            ]);
            (program, args)
        }
        JsRunner::Vitest => {
            let (program, mut args) = direct("vitest", &["run"])?;
            args.extend([
                "--coverage.enabled=true".to_owned(),
                "--coverage.reporter=lcov".to_owned(),
                format!("--coverage.reportsDirectory={dir_arg}"),
            ]);
            (program, args)
        }
        JsRunner::NodeTest | JsRunner::Script => {
            let c8 =
                tools
                    .find_program(project, "c8")
                    .ok_or_else(|| BuiltinError::NotInstalled {
                        tool: "c8".to_owned(),
                        install: INSTALL_C8.to_owned(),
                    })?;
            let npm = tools
                .find_program(project, "npm")
                .ok_or(BuiltinError::NotOnPath {
                    program: "npm",
                    install: js::INSTALL_NODE,
                })?;
            let temp = tools.scratch.join("c8-temp").to_string_lossy().into_owned();
            let args = [
                "--reporter=lcov",
                &format!("--report-dir={dir_arg}"),
                &format!("--temp-directory={temp}"),
                &npm.to_string_lossy(),
                "test",
                "--silent",
            ]
            .map(str::to_owned);
            (c8, args.to_vec())
        }
    };
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    if output.contains("@vitest/coverage-v8") {
        return Err(BuiltinError::NotInstalled {
            tool: "vitest's coverage provider".to_owned(),
            install: INSTALL_VITEST_COVERAGE.to_owned(),
        });
    }
    read_lcov(&dir.join("lcov.info"), project, &output)
}

fn go_coverage(project: &Path, tools: &Toolbox) -> Result<LineCoverage, BuiltinError> {
    let program = go::go(project, tools)?;
    let profile = tools.scratch.join("go.cover");
    let args = [
        "test",
        &format!("-coverprofile={}", profile.display()),
        "./...",
    ]
    .map(str::to_owned);
    let outcome = tools.run(&program, &args, project)?;
    let output = all_output(&outcome);
    let text = std::fs::read_to_string(&profile).map_err(|source| BuiltinError::NoReport {
        tool: "go test",
        report: "cover profile",
        path: profile.clone(),
        output_tail: excerpt(&output, 8),
        source,
    })?;
    LineCoverage::parse_go_profile(&text, &go_module(project)?)
}

/// The `module` line of go.mod.
pub fn go_module(project: &Path) -> Result<String, BuiltinError> {
    let path = project.join("go.mod");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(source) => return Err(BuiltinError::Read { path, source }),
    };
    text.lines()
        .find_map(|line| line.trim().strip_prefix("module "))
        .map(|module| module.trim().trim_matches('"').to_owned())
        .ok_or(BuiltinError::NoGoModule { path })
}

fn read_lcov(report: &Path, project: &Path, output: &str) -> Result<LineCoverage, BuiltinError> {
    let text = std::fs::read_to_string(report).map_err(|source| BuiltinError::NoReport {
        tool: "the coverage tool",
        report: "report",
        path: report.to_path_buf(),
        output_tail: excerpt(output, 8),
        source,
    })?;
    LineCoverage::parse_lcov(&text, project)
}
