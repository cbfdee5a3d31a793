//! `--sandbox podman`: how peers runs podman on this machine (which podman, containers.conf,
//! local root or image) and the launcher that wraps each agent call with
//! `peers_sandbox::confine_podman`, after a probe container proved podman works here.
//!
//! Settings come from the environment: `PEERS_PODMAN` (the podman program, default `podman`),
//! `PEERS_PODMAN_IMAGE` (an image built from `containers/Containerfile`; default: a local root
//! whose `/usr`, `/etc` and `/opt` are the host's, no pull), `CONTAINERS_CONF` (else peers
//! writes one under its cache directory: `default_ulimits = []`, runc when installed, cgroupfs
//! without systemd).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use peers_agent::{LaunchCall, LaunchError, Launcher};
use peers_process::{CommandSpec, Observed, Observer, Watch};
use peers_sandbox::{Drift, Podman, PodmanProbe, Root};

use crate::error::{CliError, CliResult};

/// The podman settings for this invocation; writes peers' containers.conf when needed.
pub fn settings() -> CliResult<Podman> {
    // No sandbox sees it (`sandbox_policy`): the root and containers.conf stay peers' own.
    let cache = crate::sandbox_policy::peers_cache_dir();
    let root = match std::env::var("PEERS_PODMAN_IMAGE") {
        Ok(image) if !image.trim().is_empty() => Root::Image(image.trim().to_owned()),
        _ => Root::Local(cache.join("podman-rootfs")),
    };
    let mut podman = Podman::new(root);
    if let Some(program) = std::env::var_os("PEERS_PODMAN").filter(|value| !value.is_empty()) {
        podman.program = PathBuf::from(program);
    }
    podman.containers_conf = Some(match std::env::var_os("CONTAINERS_CONF") {
        Some(conf) if !conf.is_empty() => PathBuf::from(conf),
        _ => write_containers_conf(&cache)?,
    });
    Ok(podman)
}

/// peers' containers.conf: podman's default rlimits can exceed the hard limits of a CI
/// machine, crun refuses hybrid cgroup layouts (runc does not), and without systemd podman
/// must manage cgroups itself.
fn write_containers_conf(cache: &Path) -> CliResult<PathBuf> {
    let mut text = String::from(
        "# Written by peers for `--sandbox podman`; set CONTAINERS_CONF to use your own.\n\
         [containers]\ndefault_ulimits = []\n\n[engine]\n",
    );
    if ["/usr/sbin/runc", "/usr/bin/runc"]
        .iter()
        .any(|path| Path::new(path).exists())
    {
        text.push_str("runtime = \"runc\"\n");
    }
    if !Path::new("/run/systemd/system").exists() {
        text.push_str("cgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
    }
    let path = cache.join("containers.conf");
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() != Some(text.as_str()) {
        std::fs::create_dir_all(cache)
            .and_then(|()| std::fs::write(&path, &text))
            .map_err(|err| {
                CliError::failed(format!("cannot write {}: {err}", path.display()))
                    .hint("set CONTAINERS_CONF to a containers.conf of your own")
            })?;
    }
    Ok(path)
}

/// Checks that podman runs a confined container here; the error says what is missing.
pub fn preflight(podman: &Podman, peers_exe: &Path) -> CliResult<()> {
    let probe = peers_sandbox::probe_podman(podman, peers_exe);
    match refusal(&probe) {
        None => {
            if let Some(Drift::Minor { image }) = &probe.drift {
                eprintln!(
                    "warning: the podman image was built for peers {image}, this is peers {}: \
                     rebuild it from containers/Containerfile",
                    env!("CARGO_PKG_VERSION")
                );
            }
            Ok(())
        }
        Some(problem) => Err(CliError::usage(format!(
            "--sandbox podman cannot confine agents on this machine: {problem}"
        ))
        .hint("`peers doctor` shows podman's state; the README's \"Sandbox\" section lists what to install")
        .hint("`--sandbox none` runs the agents unconfined on the host (your choice to make)")),
    }
}

/// Why the probe forbids the podman backend, if it does.
pub fn refusal(probe: &PodmanProbe) -> Option<String> {
    if let Err(problem) = &probe.version {
        return Some(problem.to_string());
    }
    match &probe.drift {
        Some(Drift::Major { image }) => {
            return Some(format!(
                "the image was built for peers {image}, this is peers {} (another major \
                 version): rebuild it from containers/Containerfile",
                env!("CARGO_PKG_VERSION")
            ));
        }
        Some(Drift::Unknown(why)) => {
            return Some(format!(
                "the image has no usable `{}` label ({why}): build it from containers/Containerfile",
                peers_sandbox::VERSION_LABEL
            ));
        }
        _ => {}
    }
    probe.container.as_ref().err().map(ToString::to_string)
}

/// Runs each call in a podman container, then hands it to the inner launcher.
#[derive(Debug)]
pub struct PodmanLauncher {
    pub inner: Arc<dyn Launcher>,
    pub peers_exe: PathBuf,
    pub podman: Podman,
    /// Hosts the egress proxy tunnels to (`sandbox.allow_hosts`) and its caps.
    pub egress: crate::sandbox_network::Egress,
}

fn refused(reason: String) -> LaunchError {
    LaunchError::Refused {
        launcher: "podman sandbox",
        reason,
        hint: "`peers doctor` checks podman; `--sandbox none` runs agents unconfined".to_owned(),
    }
}

impl Launcher for PodmanLauncher {
    fn name(&self) -> &'static str {
        "podman sandbox"
    }

    fn command(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
    ) -> Result<CommandSpec, LaunchError> {
        let spec = crate::sandbox_policy::resolve_dot_dot(spec);
        let policy = crate::sandbox_policy::policy_for(&spec, call)
            .map_err(|err| refused(err.to_string()))?;
        let confined = peers_sandbox::confine_podman(&spec, &policy, &self.podman, &self.peers_exe)
            .map_err(|err| refused(err.to_string()))?;
        self.inner.command(confined, call)
    }

    /// Runs the call in its container with its network: the container's init hands its
    /// listeners over through the bind-mounted socket and peers serves them (egress and
    /// model-API proxies, the real keys staying in peers) until the call ends.
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
                refused: &refused,
                confine: &|spec, policy| {
                    peers_sandbox::confine_podman(spec, policy, &self.podman, &self.peers_exe)
                        .map_err(|err| refused(err.to_string()))
                },
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(drift: Option<Drift>) -> PodmanProbe {
        PodmanProbe {
            version: Ok("podman version 4.3.1".into()),
            container: Ok(()),
            rootless: false,
            drift,
        }
    }

    #[test]
    fn a_major_drift_or_missing_label_refuses_and_a_minor_one_runs() {
        assert_eq!(refusal(&probe(None)), None);
        assert_eq!(
            refusal(&probe(Some(Drift::Minor {
                image: "0.1.9".into()
            }))),
            None
        );
        let major = refusal(&probe(Some(Drift::Major {
            image: "1.0.0".into(),
        })))
        .unwrap();
        assert!(major.contains("another major version"), "{major}");
        let unknown = refusal(&probe(Some(Drift::Unknown("no label".into())))).unwrap();
        assert!(unknown.contains("io.peers.version"), "{unknown}");
        let broken = PodmanProbe {
            container: Err(peers_sandbox::ProbeError::Refused {
                stderr: "runc: permission denied".into(),
            }),
            ..probe(None)
        };
        assert_eq!(refusal(&broken).as_deref(), Some("runc: permission denied"));
    }

    #[test]
    fn peers_writes_a_containers_conf_without_default_ulimits() {
        let temp = tempfile::tempdir().unwrap();
        let path = write_containers_conf(temp.path()).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains("default_ulimits = []"), "{text}");
    }
}
