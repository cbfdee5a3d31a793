//! Python: `python -m pytest` with a JUnit XML report in the scratch directory; ruff for
//! lint-clean, mypy or pyright for type-clean, coverage.py for coverage-holds.

use std::path::{Path, PathBuf};

use super::{Report, TestCommand, TestOutcomes, Toolbox, junit};
use crate::builtin::error::BuiltinError;

pub const INSTALL_PYTEST: &str = "pip install pytest";
pub const INSTALL_COVERAGE: &str = "pip install coverage";
pub const INSTALL_RUFF: &str = "pip install ruff";
pub const INSTALL_MYPY: &str = "pip install mypy";

/// Runs `sys.argv[1]` as `python -m` would, except that the working directory is searched
/// last instead of first: a `pytest.py`, `coverage/` or `runpy.py` at the repository root
/// cannot stand in for the tool, while the project's own modules stay importable. Only `sys`
/// (built in) is used before the path is fixed. The standard library's directory goes first
/// so that coverage's `run -m` finds a directory there that is not the working directory and
/// leaves `sys.path` alone. `-P`/`PYTHONSAFEPATH` would do the first half
/// but needs Python 3.11 and would reach the tests' own subprocesses.
const ISOLATED_MODULE_BOOTSTRAP: &str = "import sys
sys.path[:] = [p for p in sys.path if p not in ('', '.')]
import os, runpy
sys.path.insert(0, os.path.dirname(os.__file__))
sys.path.append(os.getcwd())
module = sys.argv[1]
sys.argv = [module] + sys.argv[2:]
runpy.run_module(module, run_name='__main__', alter_sys=True)
";

/// The interpreter arguments for `python -m <module> <args…>` with the repository root
/// searched last (see `ISOLATED_MODULE_BOOTSTRAP`).
pub fn module_args(module: &str, args: &[&str]) -> Vec<String> {
    let mut out = vec![
        "-c".to_owned(),
        ISOLATED_MODULE_BOOTSTRAP.to_owned(),
        module.to_owned(),
    ];
    out.extend(args.iter().map(|arg| (*arg).to_owned()));
    out
}

/// The project's own interpreter (`.venv`, `venv`) first, then `python`, then `python3`.
pub fn interpreter(project: &Path, tools: &Toolbox) -> Result<PathBuf, BuiltinError> {
    ["python", "python3"]
        .iter()
        .find_map(|name| tools.find_program(project, name))
        .ok_or(BuiltinError::NoPython)
}

pub fn test_command(project: &Path, tools: &Toolbox) -> Result<TestCommand, BuiltinError> {
    let python = interpreter(project, tools)?;
    let report = tools.scratch.join("pytest-junit.xml");
    Ok(TestCommand {
        program: python,
        // No .pytest_cache in the worktree: a gate must not leave files behind.
        args: module_args(
            "pytest",
            &[
                "-p",
                "no:cacheprovider",
                "-q",
                &format!("--junitxml={}", report.display()),
                "-o",
                "junit_family=xunit2",
            ],
        ),
        env: Vec::new(),
        report: Report::JunitXml(report),
        key: "python -m pytest -p no:cacheprovider".to_owned(),
    })
}

/// The JUnit report pytest wrote; `Err` when pytest itself is missing or wrote nothing.
pub fn read_junit(path: &Path, output: &str) -> Result<TestOutcomes, BuiltinError> {
    if missing_module(output, "pytest") {
        return Err(BuiltinError::ModuleMissing {
            module: "pytest",
            install: INSTALL_PYTEST,
        });
    }
    let xml = match read_capped(path, junit::MAX_REPORT_BYTES) {
        Ok(xml) => xml,
        Err(Capped::Io(source)) => {
            return Err(BuiltinError::NoReport {
                tool: "pytest",
                report: "report",
                path: path.to_path_buf(),
                output_tail: super::excerpt(output, 8),
                source,
            });
        }
        Err(Capped::TooLarge) => {
            return Err(BuiltinError::ReportTooLarge {
                path: path.to_path_buf(),
                limit_mib: junit::MAX_REPORT_BYTES >> 20,
            });
        }
    };
    junit::parse(&xml).map_err(|error| BuiltinError::InReport {
        path: path.to_path_buf(),
        source: Box::new(error),
    })
}

enum Capped {
    Io(std::io::Error),
    TooLarge,
}

/// The file as text (invalid UTF-8 replaced), reading at most `limit` bytes: a larger file is
/// refused before any of it is parsed, and never read whole into memory.
fn read_capped(path: &Path, limit: u64) -> Result<String, Capped> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(Capped::Io)?;
    if file.metadata().map_err(Capped::Io)?.len() > limit {
        return Err(Capped::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(Capped::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Capped::TooLarge);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `python -m <module>` failed because the module is not installed.
pub fn missing_module(output: &str, module: &str) -> bool {
    output.contains(&format!("No module named {module}"))
        || output.contains(&format!("No module named '{module}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_pytest_is_reported_with_its_install_command() {
        let output = "/usr/bin/python: No module named pytest\n";
        let error = read_junit(Path::new("/nonexistent.xml"), output)
            .unwrap_err()
            .describe();
        assert_eq!(
            error,
            "pytest is not installed for this interpreter: pip install pytest"
        );
    }

    #[test]
    fn a_missing_report_names_the_file_and_the_output() {
        let error = read_junit(Path::new("/nonexistent/report.xml"), "Killed\n")
            .unwrap_err()
            .describe();
        assert!(
            error.contains("/nonexistent/report.xml") && error.ends_with("Killed"),
            "{error}"
        );
    }

    #[test]
    fn a_malformed_report_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.xml");
        std::fs::write(
            &path,
            "<testsuite><testcase name=\"a\"><failure>x</testcase>",
        )
        .unwrap();
        let error = read_junit(&path, "").unwrap_err().describe();
        assert!(
            error.starts_with(&format!(
                "{}: the JUnit report is not well-formed",
                path.display()
            )),
            "{error}"
        );
    }

    #[test]
    fn an_oversized_report_is_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.xml");
        std::fs::write(&path, "<testsuite><testcase name=\"a\"/></testsuite>").unwrap();
        assert!(read_capped(&path, 1 << 10).is_ok());
        assert!(matches!(read_capped(&path, 10), Err(Capped::TooLarge)));
        let file = std::fs::File::options().append(true).open(&path).unwrap();
        file.set_len(junit::MAX_REPORT_BYTES + 1).unwrap();
        let error = read_junit(&path, "").unwrap_err().describe();
        assert!(
            error.contains("report.xml: the JUnit report is over the 64 MiB limit"),
            "{error}"
        );
    }
}
