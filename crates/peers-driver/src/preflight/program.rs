//! The peers' side of the preflight: each peer's program is found where the spawn will look,
//! and each distinct known CLI answers `--version` under supervision.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use peers_agent::resolve_command;
use peers_agent::{CallKind, LaunchCall, Launcher};
use peers_core::config::{PeerSettings, ToolKind};

use super::{
    CheckLevel, PreflightFinding, PreflightInputs, VERSION_TIMEOUT, peer_environment, problem,
    subject,
};

type Environment = Vec<(OsString, OsString)>;

/// Each peer's program resolved, then each distinct program started once with `--version`,
/// all at once.
pub(super) fn check_programs(inputs: &PreflightInputs<'_>) -> (Vec<PreflightFinding>, Duration) {
    let root = inputs.git.root();
    let located: Vec<Result<PathBuf, PreflightFinding>> = inputs
        .config
        .peers
        .iter()
        .map(|peer| locate(peer, root, &peer_environment(peer, &inputs.env)))
        .collect();
    // Each program once: its path, the environment of the first peer using it, that peer.
    let mut distinct: Vec<(PathBuf, Environment, &PeerSettings)> = Vec::new();
    for (peer, found) in inputs.config.peers.iter().zip(&located) {
        if let Ok(path) = found {
            if !distinct.iter().any(|(p, _, _)| p == path) {
                distinct.push((path.clone(), peer_environment(peer, &inputs.env), peer));
            }
        }
    }
    let launcher = inputs.launcher;
    let probes: Vec<(PathBuf, Probe)> = std::thread::scope(|scope| {
        let handles: Vec<_> = distinct
            .iter()
            .map(|(path, env, peer)| {
                let call = LaunchCall {
                    kind: CallKind::VersionProbe,
                    peer: &peer.name,
                    tool: &peer.tool,
                    repo: root,
                };
                let handle = scope.spawn(move || probe(launcher, &call, path, env));
                (path, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(path, handle)| {
                let probe = handle.join().unwrap_or(Probe {
                    outcome: Err(ProbeFailure::Lost),
                    took: Duration::ZERO,
                });
                (path.clone(), probe)
            })
            .collect()
    });
    let slowest = probes
        .iter()
        .map(|(_, probe)| probe.took)
        .max()
        .unwrap_or_default();
    let findings = inputs
        .config
        .peers
        .iter()
        .zip(located)
        .map(|(peer, found)| match found {
            Err(finding) => finding,
            Ok(path) => match probes.iter().find(|(p, _)| *p == path) {
                Some((_, probe)) => judge_probe(peer, &path, probe),
                None => problem(peer, "program", "not checked".to_owned(), None),
            },
        })
        .collect();
    (findings, slowest)
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

/// The program's path when it must be started with `--version`; otherwise the finding (not
/// found, or a generic command that is found but not started: it may not know `--version`
/// and might start working instead).
fn locate(
    peer: &PeerSettings,
    root: &Path,
    env: &[(OsString, OsString)],
) -> Result<PathBuf, PreflightFinding> {
    let command = resolve_command(peer);
    let Some(program) = command.argv.first() else {
        return Err(problem(peer, "program", "argv is empty".into(), None));
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
        return Err(problem(peer, "program", message, Some(fix)));
    };
    if matches!(peer.tool, ToolKind::Generic(_)) {
        return Err(PreflightFinding {
            subject: subject(peer),
            check: "program",
            severity: CheckLevel::Ok,
            message: format!("{} (not started: a generic command)", path.display()),
            fix: None,
        });
    }
    Ok(path)
}

/// What `program --version` did: its first line, or why it did not answer.
struct Probe {
    outcome: Result<String, ProbeFailure>,
    took: Duration,
}

/// Why `program --version` gave no version; shown after "`program --version` ".
#[derive(Debug, thiserror::Error)]
enum ProbeFailure {
    /// No answer within [`VERSION_TIMEOUT`]: only a warning, the program may be slow to start.
    #[error("timeout: did not answer within {} s", VERSION_TIMEOUT.as_secs())]
    Timeout,
    /// It exited unsuccessfully: its exit code (or "a signal") and the tail of its stderr.
    #[error("exited with {code}: {stderr_tail}")]
    Exited { code: String, stderr_tail: String },
    /// It could not be started (the launcher's error, shown inline: the finding is one line).
    #[error("cannot start: {0}")]
    Start(peers_agent::LaunchError),
    /// The thread running the probe panicked.
    #[error("the check itself failed")]
    Lost,
}

/// `--version` under supervision (own process group, the peer's environment, stdin null,
/// bounded output, [`VERSION_TIMEOUT`]), started by the run's launcher like every agent process.
fn probe(
    launcher: &dyn Launcher,
    call: &LaunchCall<'_>,
    path: &Path,
    env: &[(OsString, OsString)],
) -> Probe {
    let started = Instant::now();
    let mut spec = peers_process::CommandSpec::new(path.as_os_str(), call.repo);
    spec.args = vec![OsString::from("--version")];
    spec.env = env.to_vec();
    spec.timeout = Some(VERSION_TIMEOUT);
    spec.capture_cap = 16 * 1024;
    let launched = launcher
        .launch(spec, call, &peers_process::Watch::default(), &mut Discard)
        .map(|observed| observed.outcome);
    let outcome = match launched {
        Ok(outcome) if outcome.success() => {
            let version = outcome.stdout.to_string_lossy();
            Ok(version.lines().next().unwrap_or("").trim().to_owned())
        }
        Ok(outcome) if outcome.timed_out => Err(ProbeFailure::Timeout),
        Ok(outcome) => Err(ProbeFailure::Exited {
            code: outcome
                .exit
                .code
                .map_or_else(|| "a signal".to_owned(), |c| c.to_string()),
            stderr_tail: outcome.stderr.tail_lossy(300).trim().to_owned(),
        }),
        Err(error) => Err(ProbeFailure::Start(error)),
    };
    Probe {
        outcome,
        took: started.elapsed(),
    }
}

/// The probe's output is read once it has ended.
struct Discard;

impl peers_process::Observer for Discard {
    fn output(&mut self, _: peers_process::Stream, _: &[u8]) -> peers_process::Control {
        peers_process::Control::Continue
    }
}

/// A slow answer is a warning (a cold start on a busy machine); a failure is a problem.
fn judge_probe(peer: &PeerSettings, path: &Path, probe: &Probe) -> PreflightFinding {
    let (severity, message, fix) = match &probe.outcome {
        Ok(version) => (
            CheckLevel::Ok,
            format!(
                "{version} ({}, --version in {} ms)",
                path.display(),
                probe.took.as_millis()
            ),
            None,
        ),
        Err(reason @ ProbeFailure::Timeout) => (
            CheckLevel::Warning,
            format!(
                "`{} --version` {reason}; it may only be slow to start",
                path.display()
            ),
            Some(format!(
                "run `{} --version` by hand to see what it waits for",
                path.display()
            )),
        ),
        Err(reason) => (
            CheckLevel::Problem,
            format!("`{} --version` {reason}", path.display()),
            Some(reinstall_fix(peer)),
        ),
    };
    PreflightFinding {
        subject: subject(peer),
        check: "program",
        severity,
        message,
        fix,
    }
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
