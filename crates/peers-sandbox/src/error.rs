//! The one error type of the sandbox: a bad policy, or a setup step the kernel refused.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a command could not be confined. The command never runs unconfined instead.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox policy `{field}` = {}: {reason}", path.display())]
    BadPolicy {
        field: &'static str,
        path: PathBuf,
        reason: &'static str,
    },
    #[error("the working directory {} is not inside the sandbox's view", cwd.display())]
    CwdNotVisible { cwd: PathBuf },
    #[error("the sandbox policy cannot be passed to the helper")]
    Encode(#[source] serde_json::Error),
    #[error("the sandbox helper's arguments are malformed: {reason}")]
    BadInvocation { reason: String },
    #[error("repository {}: {reason}", path.display())]
    Repository { path: PathBuf, reason: String },
    #[error("sandbox setup failed at {step}")]
    Setup {
        step: SetupStep,
        #[source]
        source: std::io::Error,
    },
}

/// Why a probe found a sandbox backend unusable here; `peers doctor` shows its Display.
/// Sources are shared so a finding can be copied.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot create a probe directory: {source}")]
    ProbeDir {
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The probe's own command could not be built.
    #[error(transparent)]
    Confine(Arc<SandboxError>),
    #[error(transparent)]
    Spawn(Arc<peers_process::SpawnError>),
    /// The native helper refused, or podman could not start the probe container: `stderr` is
    /// what it printed (the helper's `error: …` and `hint: …` lines).
    #[error("{stderr}")]
    Refused { stderr: String },
    #[error("the sandbox helper ended with {exit}")]
    HelperEnded { exit: peers_process::ExitInfo },
    #[error("the probe container ended with {exit}")]
    ContainerEnded { exit: peers_process::ExitInfo },
    #[error("cannot run `{}`: {source}", program.display())]
    NoPodman {
        program: PathBuf,
        #[source]
        source: Arc<peers_process::SpawnError>,
    },
    /// A podman command (`--version`, `image inspect`) that failed; `command` is its line.
    #[error("`{command}` failed ({exit}): {stderr}")]
    PodmanFailed {
        command: String,
        exit: peers_process::ExitInfo,
        stderr: String,
    },
}

/// One step of building the sandbox, named after the kernel feature it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupStep {
    /// The helper found more than one thread (unshare of a user namespace would fail).
    SingleThread,
    UserNamespace,
    /// Mount, pid, net, ipc and uts namespaces in one `unshare`.
    OtherNamespaces,
    IdMap,
    Fork,
    Mount(PathBuf),
    ProcMount,
    PivotRoot,
    Loopback,
    /// Creating the listeners inside the network namespace and handing them to peers.
    HandOver,
    Capabilities,
    NoNewPrivs,
    Landlock,
    Seccomp,
    Exec(String),
    /// Preparing or starting the podman container (the path or program involved).
    Podman(PathBuf),
}

impl fmt::Display for SetupStep {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SingleThread => formatter.write_str("the single-threaded check"),
            Self::UserNamespace => formatter.write_str("creating a user namespace"),
            Self::OtherNamespaces => {
                formatter.write_str("creating mount, pid, network, ipc and uts namespaces")
            }
            Self::IdMap => formatter.write_str("writing the uid/gid map of the user namespace"),
            Self::Fork => formatter.write_str("starting the sandbox's init process"),
            Self::Mount(target) => write!(formatter, "mounting {}", target.display()),
            Self::ProcMount => formatter.write_str("mounting /proc for the pid namespace"),
            Self::PivotRoot => formatter.write_str("pivot_root onto the sandbox root"),
            Self::Loopback => formatter.write_str("bringing up the loopback interface"),
            Self::HandOver => {
                formatter.write_str("handing the sandbox's proxy listeners over to peers")
            }
            Self::Capabilities => formatter.write_str("dropping capabilities"),
            Self::NoNewPrivs => formatter.write_str("setting no_new_privs"),
            Self::Landlock => formatter.write_str("applying the Landlock ruleset"),
            Self::Seccomp => formatter.write_str("applying the seccomp filter"),
            Self::Exec(program) => write!(formatter, "starting `{program}` inside the sandbox"),
            Self::Podman(path) => write!(
                formatter,
                "preparing the podman container ({})",
                path.display()
            ),
        }
    }
}

impl SetupStep {
    /// How to fix a failure of this step.
    pub fn hint(&self) -> String {
        match self {
            Self::SingleThread => {
                "this is a bug in peers: the sandbox helper must start single-threaded".into()
            }
            Self::UserNamespace => "unprivileged user namespaces are disabled: enable them with \
                `sysctl -w kernel.unprivileged_userns_clone=1` (Debian) and \
                `sysctl -w user.max_user_namespaces=15000`; on Ubuntu 24.04+ also \
                `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (or an AppArmor profile \
                for peers); inside a container, run it with nested namespaces allowed"
                .into(),
            Self::OtherNamespaces | Self::IdMap => {
                "the kernel refused a namespace (CONFIG_PID_NS, CONFIG_NET_NS, \
                CONFIG_IPC_NS, CONFIG_UTS_NS are needed); inside a container, allow nested \
                namespaces (e.g. podman/docker with a seccomp profile that permits unshare)"
                    .into()
            }
            Self::Fork => "the process limit may be reached (ulimit -u)".into(),
            Self::Mount(_) | Self::PivotRoot => {
                "the kernel refused a mount inside the user namespace; inside a \
                container this needs nested mounts allowed; check that the path exists on the host"
                    .into()
            }
            Self::ProcMount => {
                "procfs cannot be mounted in a new pid namespace here (a container with a \
                masked /proc); run peers on the host or in a VM"
                    .into()
            }
            Self::Loopback => "the network namespace's `lo` could not be brought up".into(),
            Self::HandOver => "the helper could not reach peers' hand-over socket or bind \
                127.0.0.1 inside the sandbox; check that the run's directory is writable"
                .into(),
            Self::Capabilities | Self::NoNewPrivs => {
                "the kernel refused prctl/capset inside the user namespace".into()
            }
            Self::Landlock => {
                "Landlock is enabled but refused the ruleset; boot with `lsm=...,landlock` \
                or report this as a bug"
                    .into()
            }
            Self::Seccomp => {
                "the kernel lacks seccomp filters (CONFIG_SECCOMP_FILTER=y is needed)".into()
            }
            Self::Podman(_) => "install podman and runc (Debian: `apt-get install podman runc \
                catatonit`); the seccomp profile is /usr/share/containers/seccomp.json from \
                containers-common; `peers doctor` runs a probe container and shows podman's error"
                .into(),
            Self::Exec(_) => {
                "the program must be installed under a system directory (/usr, /bin, /opt) or in a \
                directory the policy lists as read_only or writable"
                    .into()
            }
        }
    }
}

impl SandboxError {
    /// How to fix it, for the `hint:` line.
    pub fn hint(&self) -> String {
        match self {
            Self::BadPolicy { field: "mount", .. } => {
                "rename or move the directory so its path has no `:` or `,`, or use \
                 `--sandbox native`"
                    .into()
            }
            Self::BadPolicy { .. } => {
                "this is a bug in the caller that builds the policy: paths must be absolute".into()
            }
            Self::CwdNotVisible { .. } => {
                "run the command in the repository or the scratch directory".into()
            }
            Self::Encode(_) => "paths in the sandbox policy must be valid UTF-8".into(),
            Self::BadInvocation { .. } => {
                "`peers __sandbox-exec` is internal: call it through peers_sandbox::confine".into()
            }
            Self::Repository { .. } => "the repository needs a real `.git` directory (or a linked \
                worktree's `.git` file) with a `config` file, and no symlink where git keeps \
                config or hooks; restore it with `git init` in the repository"
                .into(),
            Self::Setup { step, .. } => step.hint(),
        }
    }

    pub(crate) fn setup(step: SetupStep, source: impl Into<std::io::Error>) -> Self {
        Self::Setup {
            step,
            source: source.into(),
        }
    }
}

/// The text sent through the error pipe and printed by the helper.
pub(crate) fn format_error(err: &SandboxError) -> String {
    let mut text = format!("error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text.push_str(&format!("\nhint: {}\n", err.hint()));
    text
}
