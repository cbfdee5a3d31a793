//! Preflight: what must hold before the first tick of `peers run` (and what `peers doctor`
//! shows) — each peer's program starts, its login is where its CLI looks, the variables its
//! `env:` names are set, the gates' tools are installed, the tree is clean, the baseline exists.
//! A problem stops the run before anything is spent; a warning is said and the run goes on.

mod credentials;
mod repository;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use peers_core::config::{ConfigSettings, PeerSettings, ToolKind};
use peers_core::goals::GoalSet;
use peers_core::peer_command::resolve_command;
use peers_git::Git;

pub use credentials::Credentials;
use repository::{check_baseline, check_gate_tools, check_worktree};
pub use repository::{first_command_word, uncommitted_paths};

/// How long a CLI's `--version` may take before it counts as not starting.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(15);
/// The tag every run measures against.
pub const BASELINE_TAG: &str = "peers-baseline";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Ok,
    Warning,
    Problem,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Problem => "problem",
        }
    }
}

/// One finding: about what (`peer claude`, `gate lint-clean`, `repository`), which check,
/// what was found, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub subject: String,
    pub check: &'static str,
    pub severity: Severity,
    pub message: String,
    pub fix: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PreflightReport {
    pub findings: Vec<Finding>,
    /// The whole preflight, wall clock.
    pub elapsed: Duration,
    /// The slowest CLI `--version` (they run in parallel).
    pub version_time: Duration,
}

impl PreflightReport {
    pub fn problems(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Problem)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    pub fn passed(&self) -> bool {
        self.problems().next().is_none()
    }
}

pub struct PreflightInputs<'a> {
    pub git: &'a Git,
    pub config: &'a ConfigSettings,
    pub goals: &'a GoalSet,
    /// peers' own environment (each peer's is derived from it).
    pub env: Vec<(OsString, OsString)>,
    /// `--allow-dirty`: uncommitted changes are a warning, not a problem.
    pub allow_dirty: bool,
}

pub fn run(inputs: &PreflightInputs<'_>) -> PreflightReport {
    let started = Instant::now();
    let mut findings = Vec::new();
    let (programs, version_time) = check_programs(inputs);
    for (peer, program) in inputs.config.peers.iter().zip(programs) {
        findings.push(program);
        findings.extend(check_peer_environment(peer, &inputs.env));
    }
    findings.extend(check_gate_tools(inputs));
    findings.push(check_worktree(inputs.git, inputs.allow_dirty));
    findings.push(check_baseline(inputs.git));
    PreflightReport {
        findings,
        elapsed: started.elapsed(),
        version_time,
    }
}

fn subject(peer: &PeerSettings) -> String {
    format!("peer {}", peer.name)
}

/// The environment one peer receives (names and values), as `peers run` builds it.
pub fn peer_environment(
    peer: &PeerSettings,
    env: &[(OsString, OsString)],
) -> Vec<(OsString, OsString)> {
    crate::peer_env::peer_environment(
        env.iter().cloned(),
        &resolve_command(peer),
        &peer.env,
        &peer.name,
    )
}

/// Each peer's program resolved and started with `--version`, all peers at once.
fn check_programs(inputs: &PreflightInputs<'_>) -> (Vec<Finding>, Duration) {
    let root = inputs.git.root();
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .config
            .peers
            .iter()
            .map(|peer| {
                let env = peer_environment(peer, &inputs.env);
                scope.spawn(move || check_program(peer, root, &env))
            })
            .collect();
        let mut slowest = Duration::ZERO;
        let findings = handles
            .into_iter()
            .zip(&inputs.config.peers)
            .map(|(handle, peer)| {
                let (finding, took) = handle.join().unwrap_or_else(|_| {
                    (
                        problem(peer, "program", "the check itself failed".into(), None),
                        Duration::ZERO,
                    )
                });
                slowest = slowest.max(took);
                finding
            })
            .collect();
        (findings, slowest)
    })
}

fn problem(
    peer: &PeerSettings,
    check: &'static str,
    message: String,
    fix: Option<String>,
) -> Finding {
    Finding {
        subject: subject(peer),
        check,
        severity: Severity::Problem,
        message,
        fix,
    }
}

/// How to install each known CLI (the npm packages of docs/agent CLIs).
pub fn install_command(tool: &ToolKind) -> Option<&'static str> {
    match tool {
        ToolKind::Claude => Some("npm install -g @anthropic-ai/claude-code"),
        ToolKind::Codex => Some("npm install -g @openai/codex"),
        ToolKind::Opencode => Some("npm install -g opencode-ai"),
        ToolKind::Gemini => Some("npm install -g @google/gemini-cli"),
        ToolKind::Generic(_) => None,
    }
}

fn check_program(
    peer: &PeerSettings,
    root: &Path,
    env: &[(OsString, OsString)],
) -> (Finding, Duration) {
    let command = resolve_command(peer);
    let Some(program) = command.argv.first() else {
        return (
            problem(peer, "program", "argv is empty".into(), None),
            Duration::ZERO,
        );
    };
    let path_var = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let Some(path) = resolve_program(program, root, &path_var) else {
        let argv_fix = format!(
            "correct argv of peer {} in .peers/config.yaml (line {})",
            peer.name, peer.span.line
        );
        let fix = match install_command(&peer.tool) {
            Some(install) => format!("{install} (or put its directory on PATH, or {argv_fix})"),
            None => format!("install `{program}`, or {argv_fix}"),
        };
        let message = if program.contains('/') {
            format!("program `{program}` not found")
        } else {
            format!("program `{program}` not found on PATH")
        };
        return (problem(peer, "program", message, Some(fix)), Duration::ZERO);
    };
    if matches!(peer.tool, ToolKind::Generic(_)) {
        // An unknown command may not know --version and might start working instead.
        return (
            Finding {
                subject: subject(peer),
                check: "program",
                severity: Severity::Ok,
                message: format!("{} (not started: a generic command)", path.display()),
                fix: None,
            },
            Duration::ZERO,
        );
    }
    let started = Instant::now();
    let mut spec = peers_process::CommandSpec::new(path.as_os_str(), root);
    spec.args = vec![OsString::from("--version")];
    spec.env = env.to_vec();
    spec.timeout = Some(VERSION_TIMEOUT);
    spec.capture_cap = 16 * 1024;
    let outcome = peers_process::run(&spec);
    let took = started.elapsed();
    let finding = match outcome {
        Ok(outcome) if outcome.success() => {
            let version = outcome.stdout.to_string_lossy();
            let version = version.lines().next().unwrap_or("").trim().to_owned();
            Finding {
                subject: subject(peer),
                check: "program",
                severity: Severity::Ok,
                message: format!(
                    "{version} ({}, --version in {} ms)",
                    path.display(),
                    took.as_millis()
                ),
                fix: None,
            }
        }
        Ok(outcome) => {
            let how = if outcome.timed_out {
                format!("did not answer within {} s", VERSION_TIMEOUT.as_secs())
            } else {
                format!("exited with {:?}", outcome.exit.code)
            };
            let tail = outcome.stderr.tail_lossy(300);
            problem(
                peer,
                "program",
                format!("`{} --version` {how}: {}", path.display(), tail.trim()),
                Some(reinstall_fix(peer)),
            )
        }
        Err(error) => problem(
            peer,
            "program",
            format!("`{} --version` cannot start: {error}", path.display()),
            Some(reinstall_fix(peer)),
        ),
    };
    (finding, took)
}

fn reinstall_fix(peer: &PeerSettings) -> String {
    match install_command(&peer.tool) {
        Some(install) => format!("reinstall it: {install}"),
        None => "check that the program runs by hand".to_owned(),
    }
}

/// `program` as the spawn will find it: a path (relative to the repository) or a bare name on
/// `path_var`; only an executable regular file counts.
pub fn resolve_program(program: &str, root: &Path, path_var: &std::ffi::OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let executable = |candidate: &Path| {
        std::fs::metadata(candidate)
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let candidate = root.join(program);
        return executable(&candidate).then_some(candidate);
    }
    std::env::split_paths(path_var)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(program))
        .find(|candidate| executable(candidate))
}

/// Credentials and the variables named by the peer's `env:` key.
fn check_peer_environment(peer: &PeerSettings, parent: &[(OsString, OsString)]) -> Vec<Finding> {
    let env = peer_environment(peer, parent);
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string_lossy().into_owned())
            .filter(|v| !v.is_empty())
    };
    let mut findings = Vec::new();
    for name in &peer.env {
        if lookup(name).is_none() {
            findings.push(problem(
                peer,
                "environment",
                format!("variable {name} (named in its env: key) is not set"),
                Some(format!(
                    "export {name}=… in the shell that starts peers, or remove it from env: of peer {} in .peers/config.yaml (line {})",
                    peer.name, peer.span.line
                )),
            ));
        }
    }
    let (severity, message, fix) = match credentials::check(peer, &lookup) {
        Credentials::Found { via } => (Severity::Ok, format!("found: {via}"), None),
        Credentials::NotChecked { why } => (Severity::Ok, format!("not checked: {why}"), None),
        Credentials::Missing { looked, fix } => (
            Severity::Warning,
            format!(
                "none found (looked at {}); it may log in another way, so the run is not stopped",
                looked.join(", ")
            ),
            Some(fix),
        ),
        Credentials::Required { variable, fix } => (
            Severity::Problem,
            format!("provider openrouter needs {variable}, which is not set"),
            Some(fix),
        ),
    };
    findings.push(Finding {
        subject: subject(peer),
        check: "credentials",
        severity,
        message,
        fix,
    });
    findings
}
