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
        action: String,
        #[source]
        source: peers_git::GitError,
    },

    #[error(
        "the baseline `{name}` does not exist; `peers init` tags it (or `git tag {name} \
         <commit>` to choose the commit the gates compare against)"
    )]
    NoBaseline { name: String },

    #[error("the goal's timeout_s of {timeout_s} s ran out while {activity}")]
    BudgetRanOut { timeout_s: f64, activity: String },

    #[error("params.{name}: expected {expected}, found {found}")]
    Param {
        name: String,
        expected: &'static str,
        found: String,
    },

    #[error("params.lang: unknown language '{name}' (rust, python, js, go)")]
    FilterLanguage { name: String },

    #[error("internal error: bad pattern {pattern:?}")]
    Pattern {
        pattern: String,
        #[source]
        source: regex::Error,
    },

    #[error("is {bytes} bytes, over the {limit_mib} MiB limit for a manifest")]
    ManifestTooLarge { bytes: usize, limit_mib: usize },

    #[error("is not valid TOML")]
    Toml {
        #[source]
        source: toml::de::Error,
    },

    #[error("is not valid JSON")]
    ManifestJson {
        #[source]
        source: serde_json::Error,
    },

    /// An error about one dependency manifest, named by its path.
    #[error("{path}")]
    Manifest {
        path: String,
        #[source]
        source: Box<BuiltinError>,
    },

    #[error("{path} is a symlink or not a regular file; replace it with a file")]
    NotRegularFile { path: String },

    #[error("{path}:{line}: expected `path:line:label` (line a number or *), found {text:?}")]
    AllowlistLine {
        path: &'static str,
        line: usize,
        text: String,
    },

    #[error(
        "{count} source files could not be read (over {max_kib} KiB or past the code map's \
         cap); list them in params.exclude to document the rest"
    )]
    UnreadableSources { count: usize, max_kib: u64 },

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

    #[error("{file} is missing (write it at the repository root)")]
    DocumentMissing { file: String },

    #[error("{file} is a symlink; write the document itself")]
    DocumentSymlink { file: String },

    #[error("{file} is not a regular file")]
    DocumentNotFile { file: String },

    #[error("{file} cannot be read safely")]
    UnsafeRead {
        file: String,
        #[source]
        source: peers_store::error::StoreError,
    },

    #[error("{file} is not text")]
    NotText { file: String },

    #[error("PLAN.md cannot be read")]
    PlanUnreadable {
        #[source]
        source: peers_store::error::StoreError,
    },

    /// A document peers reads (PLAN.md, the code map reference) does not parse; the decode
    /// error names the file and line (its hint is added by `describe`).
    #[error(transparent)]
    Decode {
        source: peers_core::decode_error::DecodeError,
    },

    #[error("the .peers/ directory of the project cannot be found")]
    NoPeersDir,

    /// The state directory holding the contract key cannot be found.
    #[error(transparent)]
    ContractState {
        source: peers_store::error::StoreError,
    },

    #[error(
        "the frozen contract is broken: {problems} (only the operator changes the contract, \
         with `peers amend`; put the files back as they were)"
    )]
    ContractBroken { problems: String },

    #[error("this project has no frozen contract (run `peers init --modes=implement --plan FILE`)")]
    NoContract,

    #[error("the contract cannot be read")]
    ContractUnreadable {
        #[source]
        source: peers_store::error::StoreError,
    },

    #[error("cannot read {path}")]
    ReferenceUnreadable {
        path: String,
        #[source]
        source: peers_store::error::StoreError,
    },

    #[error("{file} is not UTF-8")]
    NotUtf8 { file: String },

    #[error("the file {file} is not in the tree (or not a regular file)")]
    NotInTree {
        file: String,
        #[source]
        source: peers_store::error::StoreError,
    },

    #[error(
        "coverage-holds: params.tolerance must be a number of percentage points ≥ 0, not {found}"
    )]
    Tolerance { found: String },

    #[error(
        "{gate}: params.mode must be \"new-since-baseline\" (the default) or \"absolute\", \
         not {found}"
    )]
    CountMode { gate: String, found: String },

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
    pub fn git(action: impl Into<String>, source: peers_git::GitError) -> Self {
        Self::Git {
            action: action.into(),
            source,
        }
    }

    pub fn param(name: &str, expected: &'static str, found: impl ToString) -> Self {
        Self::Param {
            name: name.to_owned(),
            expected,
            found: found.to_string(),
        }
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
