//! `--sandbox`: which launcher confines the agent processes of one `peers` invocation. `native`
//! wraps every call with `peers_sandbox::confine` (namespaces, a private root, Landlock,
//! seccomp; loopback-only network) after a probe proved the kernel can build the sandbox here;
//! `podman` runs each call in a throwaway container (`crate::sandbox_podman`); `none` runs
//! them on the host and says so. A sandbox that cannot be built refuses the run or
//! the call: nothing falls back to running unconfined.

use std::path::PathBuf;
use std::sync::Arc;

use peers_agent::{LaunchCall, LaunchError, Launcher};
use peers_process::{CommandSpec, Observed, Observer, Watch};

use crate::error::{CliError, CliResult};
use crate::sandbox_network::Egress;
use crate::sandbox_policy::{policy_for, resolve_dot_dot};

/// How agent processes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxChoice {
    /// Confined: user/mount/pid/net namespaces, a private root with the repository read-write
    /// (`.git/config`, `.git/hooks` and `.peers/` read-only), private HOME and /tmp, Landlock,
    /// seccomp, loopback-only network.
    Native,
    /// In a throwaway podman container per call (`--container` is the same): the same view
    /// as native, `--network=none`, cap-drop ALL, read-only root, seccomp, pids/memory limits.
    #[value(alias = "container")]
    Podman,
    /// On the host, unconfined, as the user (must be asked for; shown in the run's header).
    None,
}

impl SandboxChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Podman => "podman",
            Self::None => "none",
        }
    }
}

/// `peers info`'s line: what a run uses when `--sandbox` is not given, and whether it can.
pub fn default_line() -> (String, serde_json::Value) {
    let problem = match std::env::current_exe() {
        Ok(exe) => peers_sandbox::probe(&exe)
            .sandbox
            .err()
            .map(|problem| problem.to_string()),
        Err(err) => Some(format!("cannot find the peers executable: {err}")),
    };
    match problem {
        None => (
            "sandbox: native by default (it builds here); `--sandbox none` runs agents unconfined"
                .to_owned(),
            serde_json::json!({"default": "native", "available": true}),
        ),
        Some(problem) => {
            let first = problem.lines().next().unwrap_or_default().trim().to_owned();
            (
                format!(
                    "sandbox: native cannot be built here ({first}); runs refuse to start unless `--sandbox none` (see `peers doctor`)"
                ),
                serde_json::json!({"default": "native", "available": false, "problem": first}),
            )
        }
    }
}

/// The run header's line saying how agents run.
pub fn header(choice: SandboxChoice) -> String {
    match choice {
        SandboxChoice::Native => "sandbox: native (each agent turn confined; network only through peers' proxies)".to_owned(),
        SandboxChoice::Podman => "sandbox: podman (each agent turn in a throwaway container; loopback-only network)".to_owned(),
        SandboxChoice::None => "sandbox: none (agents run on the host as you, unconfined; `--sandbox native` confines them)".to_owned(),
    }
}

/// The launcher for `choice`, around `inner` (the host launcher, perhaps recording). `native`
/// first proves the sandbox can be built on this machine; the error names what is missing.
pub fn confining(
    choice: SandboxChoice,
    inner: Arc<dyn Launcher>,
    sandbox: &peers_core::config::SandboxSettings,
) -> CliResult<Arc<dyn Launcher>> {
    match choice {
        SandboxChoice::None => Ok(inner),
        SandboxChoice::Native => {
            let peers_exe = std::env::current_exe().map_err(|err| {
                CliError::failed(format!(
                    "cannot find the peers executable for the sandbox: {err}"
                ))
            })?;
            let probe = peers_sandbox::probe(&peers_exe);
            if let Err(problem) = probe.sandbox {
                return Err(CliError::usage(format!(
                    "--sandbox native cannot confine agents on this machine: {problem}"
                ))
                .hint("`peers doctor` lists each kernel feature the sandbox needs and how to enable it")
                .hint("`--sandbox none` runs the agents unconfined on the host (your choice to make)"));
            }
            let egress = Egress::from_settings(sandbox)?;
            Ok(Arc::new(Native {
                inner,
                peers_exe,
                egress,
            }))
        }
        SandboxChoice::Podman => {
            let peers_exe = std::env::current_exe().map_err(|err| {
                CliError::failed(format!(
                    "cannot find the peers executable for the podman helper: {err}"
                ))
            })?;
            let podman = crate::sandbox_podman::settings()?;
            crate::sandbox_podman::preflight(&podman, &peers_exe)?;
            let egress = Egress::from_settings(sandbox)?;
            Ok(Arc::new(crate::sandbox_podman::PodmanLauncher {
                inner,
                peers_exe,
                podman,
                egress,
            }))
        }
    }
}

/// Confines each call with the native backend, then hands it to the inner launcher.
#[derive(Debug)]
struct Native {
    inner: Arc<dyn Launcher>,
    peers_exe: PathBuf,
    /// Hosts the egress proxy tunnels to (`sandbox.allow_hosts`) and its caps.
    egress: Egress,
}

fn refused(reason: impl std::fmt::Display) -> LaunchError {
    let reason = reason.to_string();
    LaunchError::Refused {
        launcher: "native sandbox",
        reason,
        hint: "`peers doctor` checks the sandbox; `--sandbox none` runs agents unconfined"
            .to_owned(),
    }
}

impl Launcher for Native {
    fn name(&self) -> &'static str {
        "native sandbox"
    }

    fn command(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
    ) -> Result<CommandSpec, LaunchError> {
        let spec = resolve_dot_dot(spec);
        let policy = policy_for(&spec, call).map_err(refused)?;
        let confined = peers_sandbox::confine(&spec, &policy, &self.peers_exe).map_err(refused)?;
        self.inner.command(confined, call)
    }

    /// Runs the call confined with its network: the listeners its helper hands over are
    /// served (egress and model-API proxies) until the call ends.
    fn launch(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
        watch: &Watch,
        observer: &mut dyn Observer,
    ) -> Result<Observed, LaunchError> {
        crate::sandbox_network::launch_with_network(
            spec,
            call,
            watch,
            observer,
            &crate::sandbox_network::Networked {
                egress: &self.egress,
                inner: self.inner.as_ref(),
                refused: &|reason: String| refused(reason),
                confine: &|spec, policy| {
                    peers_sandbox::confine(spec, policy, &self.peers_exe).map_err(refused)
                },
            },
        )
    }
}
