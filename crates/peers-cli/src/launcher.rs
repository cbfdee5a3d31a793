//! The launcher every agent process of one `peers` invocation starts through, built once from
//! its options and handed to the run (`peers run`, `peers tick`), the preflight (`peers doctor`)
//! and `peers review`. With `PEERS_LAUNCH_LOG=<file>` set, each launch is also appended to that
//! file as one JSON line (`kind`, `peer`, `tool`, `program`, `repo`): an audit of which agent
//! processes peers started, used by the tests that prove nothing starts one any other way.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use peers_agent::{HostLauncher, LaunchCall, LaunchError, Launcher};
use peers_process::CommandSpec;

/// The variable naming the launch log.
pub const LAUNCH_LOG_VARIABLE: &str = "PEERS_LAUNCH_LOG";

/// The launcher for this invocation: agents run on the host, each launch recorded when
/// `PEERS_LAUNCH_LOG` names a file.
pub fn build() -> Arc<dyn Launcher> {
    build_from(std::env::var_os(LAUNCH_LOG_VARIABLE))
}

/// [`build`], confined as `--sandbox` says (the recorded command is the confined one).
pub fn build_confined(
    choice: crate::sandbox_launcher::SandboxChoice,
    sandbox: &peers_core::config::SandboxSettings,
) -> crate::error::CliResult<Arc<dyn Launcher>> {
    let confined = crate::sandbox_launcher::confining(choice, Arc::new(HostLauncher), sandbox)?;
    Ok(recorded(confined, std::env::var_os(LAUNCH_LOG_VARIABLE)))
}

fn build_from(log: Option<OsString>) -> Arc<dyn Launcher> {
    recorded(Arc::new(HostLauncher), log)
}

/// `host` with each launch recorded in `log` when one is named.
fn recorded(host: Arc<dyn Launcher>, log: Option<OsString>) -> Arc<dyn Launcher> {
    match log.filter(|path| !path.is_empty()) {
        Some(path) => Arc::new(Recorded {
            inner: host,
            log: PathBuf::from(path),
            lock: Mutex::new(()),
        }),
        None => host,
    }
}

/// Another launcher, with each call it is given appended to a file first.
#[derive(Debug)]
struct Recorded {
    inner: Arc<dyn Launcher>,
    log: PathBuf,
    /// Review rounds launch from several threads: one line at a time.
    lock: Mutex<()>,
}

impl Launcher for Recorded {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    /// Records the call, then lets the inner launcher run it (a confining launcher also serves
    /// the call's network while it runs).
    fn launch(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
        watch: &peers_process::Watch,
        observer: &mut dyn peers_process::Observer,
    ) -> Result<peers_process::Observed, LaunchError> {
        self.command(spec.clone(), call)?;
        self.inner.launch(spec, call, watch, observer)
    }

    fn command(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
    ) -> Result<CommandSpec, LaunchError> {
        let spec = self.inner.command(spec, call)?;
        let line = serde_json::json!({
            "kind": call.kind.as_str(),
            "round": match call.kind {
                peers_agent::CallKind::ReviewRound { round } => Some(round),
                _ => None,
            },
            "peer": call.peer,
            "tool": call.tool.as_str(),
            "program": spec.program.to_string_lossy(),
            "repo": call.repo.display().to_string(),
        });
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.log)
            .and_then(|mut file| writeln!(file, "{line}"));
        // An audit that cannot be written stops the call: an unrecorded launch is not allowed.
        written.map_err(|err| LaunchError::Refused {
            launcher: "recording",
            reason: format!("cannot append to {}: {err}", self.log.display()),
            hint: format!("unset {LAUNCH_LOG_VARIABLE} or name a writable file"),
        })?;
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peers_agent::CallKind;
    use peers_core::config::ToolKind;

    #[test]
    fn without_the_variable_the_host_launcher_runs_calls_unchanged() {
        assert_eq!(build_from(None).name(), "host");
        assert_eq!(build_from(Some(OsString::new())).name(), "host");
    }

    #[test]
    fn each_launch_is_one_json_line_and_an_unwritable_log_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("launches.jsonl");
        let launcher = build_from(Some(log.clone().into_os_string()));
        let call = LaunchCall {
            kind: CallKind::ReviewRound { round: 2 },
            peer: "bob",
            tool: &ToolKind::Codex,
            repo: dir.path(),
        };
        let spec = CommandSpec::new("codex", dir.path());
        assert_eq!(
            launcher.command(spec.clone(), &call).unwrap().program,
            "codex"
        );
        let text = std::fs::read_to_string(&log).unwrap();
        let record: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(record["kind"], "review round");
        assert_eq!(record["round"], 2);
        assert_eq!(record["peer"], "bob");
        let blocked = build_from(Some(dir.path().join("no/such/dir/log").into_os_string()));
        assert!(matches!(
            blocked.command(spec, &call),
            Err(LaunchError::Refused { .. })
        ));
    }
}
