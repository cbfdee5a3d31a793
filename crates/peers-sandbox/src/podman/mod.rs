//! The podman backend: [`confine_podman`] turns a prepared command into one that runs it in a
//! throwaway podman container (one per turn) with the same view as the native sandbox — the
//! repository read-write with `.git` pinned and its config and hooks read-only, a private
//! HOME and `/tmp`, loopback-only network — plus cap-drop ALL, `no-new-privileges`, a
//! read-only root, a seccomp profile, pids and memory limits and `--init`.
//!
//! The container is started in the foreground by `peers __podman-exec` ([`helper`]), which
//! supervises it and removes it at the end of the turn whatever happens, so nothing outlives
//! the turn. Inside, `peers __podman-init` ([`init`]) hands the container's listeners to peers
//! over the bind-mounted hand-over socket (the same host-side proxies as native serve them),
//! runs the command, and names and kills what it left running. The root is either a local directory whose `/usr`, `/etc` and `/opt` are the
//! host's, bound read-only (no image pull), or an image built from the project's Containerfile.

mod args;
mod helper;
mod init;
mod probe;
mod seccomp;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use peers_process::{CommandSpec, StdinSource};
use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::policy::Policy;

pub use helper::podman_helper_main;
pub use init::{PODMAN_INIT_SUBCOMMAND, podman_init_main};
pub use probe::{Drift, PodmanProbe, probe_podman, version_drift};

/// The hidden `peers` subcommand that runs and supervises one podman container.
pub const PODMAN_HELPER_SUBCOMMAND: &str = "__podman-exec";

/// The image label holding the `peers` version an image was built for.
pub const VERSION_LABEL: &str = "io.peers.version";

/// How podman is run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Podman {
    /// The podman executable (a path, or a name looked up in `PATH`).
    pub program: PathBuf,
    /// A containers.conf passed to podman through `CONTAINERS_CONF` (`None`: podman's own).
    pub containers_conf: Option<PathBuf>,
    pub root: Root,
    pub limits: PodmanLimits,
    /// The seccomp profile peers tightens (the containers-common default).
    pub base_seccomp: PathBuf,
}

/// The container's root file system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    /// A local directory used as `--rootfs`: peers fills it with the mount points and the
    /// `/bin -> usr/bin` style links; the host's system directories are bound read-only.
    Local(PathBuf),
    /// An image (e.g. built from the project's Containerfile); never pulled by peers.
    Image(String),
}

/// Resource limits of one container (cgroup pids and memory controllers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodmanLimits {
    pub pids: u32,
    pub memory_mib: u64,
}

impl Default for PodmanLimits {
    fn default() -> Self {
        Self {
            pids: 4096,
            memory_mib: 8192,
        }
    }
}

impl Podman {
    /// podman from `PATH`, the containers-common seccomp profile, default limits.
    pub fn new(root: Root) -> Self {
        Self {
            program: PathBuf::from("podman"),
            containers_conf: None,
            root,
            limits: PodmanLimits::default(),
            base_seccomp: PathBuf::from("/usr/share/containers/seccomp.json"),
        }
    }
}

/// What the podman helper receives besides the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PodmanRequest {
    pub policy: Policy,
    pub cwd: PathBuf,
    pub podman: Podman,
    /// The container's name: `peers-<pid>-<nanos>`, unique per turn.
    pub name: String,
    /// Names of the variables passed into the container (values come from the helper's own
    /// environment, so they never appear on a command line).
    pub env_keys: Vec<String>,
    /// conmon kills the container after this many seconds even if peers is gone.
    pub timeout_secs: Option<u64>,
    /// The peers executable, bound read-only into the container to run
    /// `peers __podman-init` there (the hand-over and the list of leftovers).
    pub peers_exe: PathBuf,
    /// Whether the command reads bytes on stdin (`StdinSource::Bytes`): podman then runs with
    /// `--interactive` and forwards the helper's stdin (the bytes, then EOF); otherwise the
    /// container's stdin stays closed, as under native.
    #[serde(default)]
    pub stdin: bool,
}

const REQUEST_FLAG: &str = "--request";

/// Returns a spec that runs `spec` in a podman container confined by `policy`, through
/// `peers_exe __podman-exec`. Pure: it reads nothing and starts nothing. The environment is
/// the original's plus `CONTAINERS_CONF`; only the original's variables enter the container.
pub fn confine_podman(
    spec: &CommandSpec,
    policy: &Policy,
    podman: &Podman,
    peers_exe: &Path,
) -> Result<CommandSpec, SandboxError> {
    policy.validate()?;
    if !spec.cwd.is_absolute() || !policy.shows(&spec.cwd) {
        return Err(SandboxError::CwdNotVisible {
            cwd: spec.cwd.clone(),
        });
    }
    let env_keys = spec
        .env
        .iter()
        .filter_map(|(key, _)| key.to_str().map(str::to_owned))
        .filter(|key| key != "CONTAINERS_CONF")
        .collect();
    let request = PodmanRequest {
        policy: policy.clone(),
        cwd: spec.cwd.clone(),
        podman: podman.clone(),
        name: container_name(),
        env_keys,
        // The turn's own timeout kills first; this is the backstop when peers itself is gone.
        timeout_secs: spec.timeout.map(|timeout| timeout.as_secs() + 60),
        peers_exe: peers_exe.to_path_buf(),
        stdin: matches!(spec.stdin, StdinSource::Bytes(_)),
    };
    let encoded = serde_json::to_string(&request).map_err(SandboxError::Encode)?;
    let mut confined = spec.clone();
    confined.program = peers_exe.as_os_str().to_owned();
    confined.args = [
        OsString::from(PODMAN_HELPER_SUBCOMMAND),
        OsString::from(REQUEST_FLAG),
        OsString::from(encoded),
        OsString::from("--"),
        spec.program.clone(),
    ]
    .into_iter()
    .chain(spec.args.iter().cloned())
    .collect();
    if let Some(conf) = &podman.containers_conf {
        confined
            .env
            .retain(|(key, _)| key.as_os_str() != "CONTAINERS_CONF");
        confined
            .env
            .push(("CONTAINERS_CONF".into(), conf.as_os_str().to_owned()));
    }
    // The helper needs time after SIGTERM to remove the container.
    confined.grace = confined.grace.max(Duration::from_secs(10));
    Ok(confined)
}

/// A container name unique on this machine for this turn.
fn container_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("peers-{}-{nanos}", std::process::id())
}

/// Parses the helper's arguments (after the subcommand): the request, `--`, the command.
pub(crate) fn parse_request(
    args: &[OsString],
) -> Result<(PodmanRequest, OsString, Vec<OsString>), SandboxError> {
    let bad = |reason: &str| SandboxError::BadInvocation {
        reason: reason.to_owned(),
    };
    let [flag, encoded, separator, program, rest @ ..] = args else {
        return Err(bad("expected --request <json> -- <program> [args...]"));
    };
    if flag != REQUEST_FLAG || separator != "--" {
        return Err(bad("expected --request <json> -- <program> [args...]"));
    }
    let encoded = encoded
        .to_str()
        .ok_or_else(|| bad("the request is not UTF-8"))?;
    let request: PodmanRequest = serde_json::from_str(encoded)
        .map_err(|err| bad(&format!("the request is not valid: {err}")))?;
    request.policy.validate()?;
    Ok((request, program.clone(), rest.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_podman_wraps_the_command_and_names_only_its_variables() {
        let mut spec = CommandSpec::new("git", "/work/repo");
        spec.args = vec!["status".into()];
        spec.env = vec![
            ("PATH".into(), "/usr/bin".into()),
            ("API_KEY".into(), "dummy".into()),
        ];
        spec.timeout = Some(Duration::from_secs(30));
        let policy = Policy::new("/work/repo", "/work/scratch", "/home/u");
        let mut podman = Podman::new(Root::Local("/var/cache/rootfs".into()));
        podman.containers_conf = Some("/etc/peers/containers.conf".into());
        let confined = confine_podman(&spec, &policy, &podman, Path::new("/opt/peers")).unwrap();
        assert_eq!(confined.program, OsString::from("/opt/peers"));
        assert_eq!(confined.args[0], OsString::from(PODMAN_HELPER_SUBCOMMAND));
        assert!(
            !confined.args.iter().any(|arg| arg == "dummy"),
            "values never reach argv"
        );
        assert!(confined.env.contains(&(
            "CONTAINERS_CONF".into(),
            "/etc/peers/containers.conf".into()
        )));
        let (request, program, args) = parse_request(&confined.args[1..]).unwrap();
        assert_eq!(request.env_keys, vec!["PATH", "API_KEY"]);
        assert_eq!(request.timeout_secs, Some(90));
        assert_eq!(program, OsString::from("git"));
        assert_eq!(args, spec.args);
        assert!(confined.grace >= Duration::from_secs(10));
        assert!(!request.stdin, "stdin null: nothing to forward");
        assert_eq!(confined.stdin, StdinSource::Null);
    }

    #[test]
    fn confine_podman_forwards_stdin_bytes_to_the_helper_and_asks_for_them_inside() {
        let mut spec = CommandSpec::new("cat", "/work/repo");
        spec.stdin = StdinSource::Bytes(b"the prompt\n".to_vec());
        let policy = Policy::new("/work/repo", "/work/scratch", "/home/u");
        let podman = Podman::new(Root::Image("peers-agent:1".into()));
        let confined = confine_podman(&spec, &policy, &podman, Path::new("/opt/peers")).unwrap();
        assert_eq!(
            confined.stdin, spec.stdin,
            "the helper gets the bytes, then EOF"
        );
        let (request, _, _) = parse_request(&confined.args[1..]).unwrap();
        assert!(request.stdin);
    }

    #[test]
    fn confine_podman_refuses_a_cwd_outside_the_view() {
        let spec = CommandSpec::new("true", "/root");
        let policy = Policy::new("/work/repo", "/work/scratch", "/home/u");
        let podman = Podman::new(Root::Image("peers-agent:1".into()));
        assert!(matches!(
            confine_podman(&spec, &policy, &podman, Path::new("/opt/peers")),
            Err(SandboxError::CwdNotVisible { .. })
        ));
    }

    #[test]
    fn malformed_helper_arguments_are_refused() {
        for args in [
            vec![],
            vec!["--request".into(), "{}".into()],
            vec!["--request".into(), "{}".into(), "--".into(), "x".into()],
        ] {
            assert!(parse_request(&args).is_err(), "{args:?}");
        }
    }
}
