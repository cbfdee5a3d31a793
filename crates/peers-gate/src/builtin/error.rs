//! `BuiltinError`: why a built-in gate could not judge (a tool that is missing or could not
//! run, a file that could not be read, a report that could not be understood, a bad param).
//! A gate that judges and fails is a `Verdict`; this error becomes one where the verdict is
//! built, through [`BuiltinError::describe`].

use std::path::PathBuf;

use peers_core::language::Language;

#[derive(Debug, thiserror::Error)]
pub enum BuiltinError {
    #[error("{tool} is not installed: {install}")]
    NotInstalled { tool: String, install: String },

    #[error("{program} is not on PATH: {install}")]
    NotOnPath {
        program: &'static str,
        install: &'static str,
    },

    #[error(
        "no Python interpreter: neither `python` nor `python3` is on PATH (install Python 3, \
         or create the project's .venv and list it in config.yaml's gates.outside_git)"
    )]
    NoPython,

    #[error("{module} is not installed for this interpreter: {install}")]
    ModuleMissing {
        module: &'static str,
        install: &'static str,
    },

    #[error(
        "cargo-llvm-cov needs the llvm-tools component: rustup component add \
         llvm-tools-preview\n{output_tail}"
    )]
    LlvmToolsMissing { output_tail: String },

    #[error("the goal's timeout of {timeout_s} s ran out before `{command}` could run")]
    BudgetSpent { command: String, timeout_s: u64 },

    #[error("cannot run `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: peers_process::SpawnError,
    },

    #[error("`{command}` was interrupted (Ctrl-C or SIGTERM)")]
    Interrupted { command: String },

    #[error(
        "`{command}` did not finish within the goal's timeout of {timeout_s} s (raise \
         timeout_s in goals.yaml if the suite is legitimately slow)"
    )]
    TimedOut { command: String, timeout_s: u64 },

    /// A helper command (git, `coverage lcov`) that exited unsuccessfully.
    #[error("`{command}` failed ({status}): {output_tail}")]
    Failed {
        command: String,
        status: String,
        output_tail: String,
    },

    /// The tool printed something other than the report it was asked for.
    #[error("{tool} could not check the project{hint}")]
    UnreadableOutput {
        tool: &'static str,
        hint: &'static str,
        output_tail: String,
        #[source]
        source: serde_json::Error,
    },

    /// The tool ran but its report file is not there.
    #[error("{tool} wrote no {report} to {}", path.display())]
    NoReport {
        tool: &'static str,
        report: &'static str,
        path: PathBuf,
        output_tail: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: the JUnit report is over the {limit_mib} MiB limit\nhint: a test suite this \
             large should be split, or a test is printing into the report", path.display())]
    ReportTooLarge { path: PathBuf, limit_mib: u64 },

    #[error("the JUnit report is not well-formed XML at byte {position}")]
    Xml {
        position: u64,
        #[source]
        source: quick_xml::Error,
    },

    #[error("the JUnit report is cut inside test case `{case}`")]
    JunitCut { case: String },

    #[error("the JUnit report has no <testsuite> element")]
    NoTestSuite,

    #[error("the JSON report is unreadable")]
    JsonReport {
        #[source]
        source: serde_json::Error,
    },

    #[error("the JSON report has no testResults")]
    NoTestResults,

    #[error("LCOV line {line}: DA before SF")]
    LcovDataBeforeFile { line: usize },

    /// A line of a coverage report (`LCOV`, `cover profile`) that does not have its format.
    #[error("{format} line {line}: cannot read `{text}`")]
    ReportLine {
        format: &'static str,
        line: usize,
        text: String,
    },

    /// An error about one report file.
    #[error("{}", path.display())]
    InReport {
        path: PathBuf,
        #[source]
        source: Box<BuiltinError>,
    },

    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot create {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot create a scratch directory in {}", dir.display())]
    Scratch {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is not valid JSON", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("cannot encode the result for {}", path.display())]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("{} has no `module` line", path.display())]
    NoGoModule { path: PathBuf },

    #[error(
        "package.json has no `test` script and no jest or vitest configuration: add a \
         script, e.g. \"scripts\": {{\"test\": \"node --test\"}}"
    )]
    NoJsRunner,

    #[error("params.lang must be a language name or a list of them (rust, python, js, go)")]
    LangParam,

    #[error("params.lang: unknown language `{name}` (use rust, python, js or go)")]
    UnknownLanguage { name: String },

    /// A git call made through the repository's `Git` handle.
    #[error("cannot {action}")]
    Git {
        action: &'static str,
        #[source]
        source: peers_git::GitError,
    },

    /// A test run that could not be run, as its record states it.
    #[error("{reason}")]
    BrokenRun { reason: String },

    #[error(
        "{gate}: no language detected (no Cargo.toml, pyproject.toml/setup.py, package.json \
         or go.mod, nor 3 source files of one language); set params.lang in goals.yaml"
    )]
    NoLanguage { gate: String },

    #[error(
        "there is no `{name}` tag to compare with: `peers init` sets it (or run `git tag {name} \
         <commit>`)"
    )]
    NoBaselineTag { name: String },

    #[error("cannot resolve `{name}`")]
    ResolveBaseline {
        name: String,
        #[source]
        source: peers_git::GitError,
    },

    #[error("the repository has no commit")]
    NoCommit,

    /// An error while one gate worked, named after the gate.
    #[error("{gate}")]
    Gate {
        gate: String,
        #[source]
        source: Box<BuiltinError>,
    },

    #[error("{lang} tests")]
    Tests {
        lang: Language,
        #[source]
        source: Box<BuiltinError>,
    },

    #[error("cannot check out the baseline {commit}")]
    BaselineCheckout {
        commit: String,
        #[source]
        source: Box<BuiltinError>,
    },
}

impl BuiltinError {
    /// The text for a gate's diagnostic: this error, each cause after `: `, git's hint, then
    /// the end of the tool's output when the error carries one.
    pub fn describe(&self) -> String {
        let mut text = self.to_string();
        let mut tail = self.output_tail();
        let mut hint = None;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            let inner = cause.downcast_ref::<BuiltinError>().or_else(|| {
                cause
                    .downcast_ref::<Box<BuiltinError>>()
                    .map(|boxed| &**boxed)
            });
            if let Some(inner) = inner {
                tail = tail.or(inner.output_tail());
            }
            if let Some(git) = cause.downcast_ref::<peers_git::GitError>() {
                hint = hint.or(git.hint());
            }
            source = cause.source();
        }
        if let Some(hint) = hint {
            text.push_str(&format!(" (hint: {hint})"));
        }
        if let Some(tail) = tail {
            text.push_str(&format!("; its output ends:\n{tail}"));
        }
        text
    }

    /// The end of the tool's output kept for the diagnostic, for the variants whose Display
    /// does not already show it.
    fn output_tail(&self) -> Option<&str> {
        match self {
            Self::UnreadableOutput { output_tail, .. } | Self::NoReport { output_tail, .. } => {
                Some(output_tail)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wrapped error keeps its cause and the tool's output in the diagnostic.
    #[test]
    fn describe_shows_the_causes_then_the_output_of_a_wrapped_error() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let error = BuiltinError::Tests {
            lang: Language::Python,
            source: Box::new(BuiltinError::NoReport {
                tool: "pytest",
                report: "report",
                path: PathBuf::from("/scratch/report.xml"),
                output_tail: "Killed".to_owned(),
                source: missing,
            }),
        };
        assert_eq!(
            error.describe(),
            "python tests: pytest wrote no report to /scratch/report.xml: entity not found; \
             its output ends:\nKilled"
        );
    }
}
