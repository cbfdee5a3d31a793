//! Preflight: what must hold before the first tick of `peers run` (and what `peers doctor`
//! shows) — each peer's program starts, its login is where its CLI looks, the variables its
//! `env:` names are set, the gates' tools are installed, the tree is clean, the baseline exists.
//! A problem stops the run before anything is spent; a warning is said and the run goes on.

mod contract;
mod credentials;
mod program;
mod repository;

use std::ffi::OsString;
use std::time::{Duration, Instant};

use peers_agent::resolve_command;
use peers_core::config::{ConfigSettings, PeerSettings};
use peers_core::goals::GoalSet;
use peers_git::Git;

pub use credentials::Credentials;
use program::check_programs;
pub use program::{install_command, resolve_program};
use repository::{check_baseline, check_gate_tools, check_worktree};
pub use repository::{first_command_word, uncommitted_paths};

/// How long a CLI's `--version` may take before it is reported as slow (a warning).
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(30);
/// The tag every run measures against.
pub const BASELINE_TAG: &str = peers_gate::jobs::BASELINE_REF;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckLevel {
    Ok,
    Warning,
    Problem,
}

impl CheckLevel {
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
pub struct PreflightFinding {
    pub subject: String,
    pub check: &'static str,
    pub severity: CheckLevel,
    pub message: String,
    pub fix: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PreflightReport {
    pub findings: Vec<PreflightFinding>,
    /// The whole preflight, wall clock.
    pub elapsed: Duration,
    /// The slowest CLI `--version` (they run in parallel).
    pub version_time: Duration,
}

impl PreflightReport {
    pub fn problems(&self) -> impl Iterator<Item = &PreflightFinding> {
        self.findings
            .iter()
            .filter(|f| f.severity == CheckLevel::Problem)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &PreflightFinding> {
        self.findings
            .iter()
            .filter(|f| f.severity == CheckLevel::Warning)
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
    /// `.peers/`: a tick left in flight by a crash explains uncommitted changes (the resume
    /// stashes them as that peer's).
    pub dir: &'a peers_store::layout::PeersDir,
    /// Starts each CLI's `--version` probe, as it starts every agent process.
    pub launcher: &'a dyn peers_agent::Launcher,
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
    let interrupted = interrupted_tick(inputs.dir);
    findings.push(check_worktree(
        inputs.git,
        inputs.allow_dirty,
        interrupted.as_deref(),
    ));
    findings.push(check_baseline(inputs.git));
    findings.extend(contract::check_contract(inputs.goals, inputs.dir));
    PreflightReport {
        findings,
        elapsed: started.elapsed(),
        version_time,
    }
}

/// `tick N of PEER` when state.json records a tick in flight (a crash the next run finishes).
fn interrupted_tick(dir: &peers_store::layout::PeersDir) -> Option<String> {
    let bytes =
        peers_store::safe_fs::read_control_file(&dir.state_json(), peers_store::layout::STATE_CAP)
            .ok()?;
    let state: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let flight = state.get("loop")?.get("in_flight")?;
    Some(format!(
        "tick {} of {}",
        flight.get("iteration")?.as_u64()?,
        flight.get("peer")?.as_str()?
    ))
}

fn subject(peer: &PeerSettings) -> String {
    format!("peer {}", peer.name)
}

/// The environment one peer receives (names and values), as `peers run` builds it.
pub fn peer_environment(
    peer: &PeerSettings,
    env: &[(OsString, OsString)],
) -> Vec<(OsString, OsString)> {
    peers_agent::peer_environment(
        env.iter().cloned(),
        &resolve_command(peer),
        &peer.env,
        &peer.name,
    )
}

fn problem(
    peer: &PeerSettings,
    check: &'static str,
    message: String,
    fix: Option<String>,
) -> PreflightFinding {
    PreflightFinding {
        subject: subject(peer),
        check,
        severity: CheckLevel::Problem,
        message,
        fix,
    }
}

/// Credentials and the variables named by the peer's `env:` key.
fn check_peer_environment(
    peer: &PeerSettings,
    parent: &[(OsString, OsString)],
) -> Vec<PreflightFinding> {
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
        Credentials::Found { via } => (CheckLevel::Ok, format!("found: {via}"), None),
        Credentials::NotChecked { why } => (CheckLevel::Ok, format!("not checked: {why}"), None),
        Credentials::Missing { looked, fix } => (
            CheckLevel::Warning,
            format!(
                "none found (looked at {}); it may log in another way, so the run is not stopped",
                looked.join(", ")
            ),
            Some(fix),
        ),
        Credentials::Required { variable, fix } => (
            CheckLevel::Problem,
            format!("provider openrouter needs {variable}, which is not set"),
            Some(fix),
        ),
    };
    findings.push(PreflightFinding {
        subject: subject(peer),
        check: "credentials",
        severity,
        message,
        fix,
    });
    findings
}
