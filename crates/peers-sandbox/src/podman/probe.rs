//! Whether the podman backend works here, for `peers doctor` and the launcher's preflight: podman's
//! version, a real probe container started with every hardening flag, whether podman runs
//! rootless, and the version drift between this `peers` and an image's `io.peers.version`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use peers_process::CommandSpec;

use crate::error::ProbeError;
use crate::policy::Policy;

use super::{Podman, Root, VERSION_LABEL, confine_podman};

/// The probe's findings.
#[derive(Debug, Clone)]
pub struct PodmanProbe {
    /// `podman --version`, or why it could not run.
    pub version: Result<String, ProbeError>,
    /// A probe container ran `true` with every flag a turn gets; `Err` holds podman's message
    /// (the version's error when podman could not run at all).
    pub container: Result<(), ProbeError>,
    /// podman runs as a non-root user (`--userns=keep-id`).
    pub rootless: bool,
    /// For an image root: the image's `io.peers.version` against this peers (`None` for a
    /// local root).
    pub drift: Option<Drift>,
}

impl PodmanProbe {
    pub fn ready(&self) -> bool {
        self.version.is_ok()
            && self.container.is_ok()
            && !matches!(self.drift, Some(Drift::Major { .. } | Drift::Unknown(_)))
    }
}

/// How an image's peers version compares with this peers'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Same,
    /// Same major version, other minor or patch: run, with a warning.
    Minor {
        image: String,
    },
    /// Another major version: refuse.
    Major {
        image: String,
    },
    /// The label is missing or unreadable: refuse (the image was not built for peers).
    Unknown(String),
}

/// Compares `host` and `image` (`MAJOR.MINOR.PATCH`); for 0.x the minor is the major.
pub fn version_drift(host: &str, image: &str) -> Drift {
    let parts = |text: &str| -> Option<(u64, u64)> {
        let mut numbers = text.trim().trim_start_matches('v').split('.');
        let major = numbers.next()?.parse().ok()?;
        let minor = numbers.next()?.parse().ok()?;
        Some((major, minor))
    };
    let (Some(ours), Some(theirs)) = (parts(host), parts(image)) else {
        return Drift::Unknown(format!("`{image}` is not a version"));
    };
    let breaking = |(major, minor): (u64, u64)| if major == 0 { (0, minor) } else { (major, 0) };
    if host.trim() == image.trim().trim_start_matches('v') {
        Drift::Same
    } else if breaking(ours) == breaking(theirs) {
        Drift::Minor {
            image: image.to_owned(),
        }
    } else {
        Drift::Major {
            image: image.to_owned(),
        }
    }
}

/// Probes podman as `podman` says; `peers_exe` is the binary holding the podman helper.
pub fn probe_podman(podman: &Podman, peers_exe: &Path) -> PodmanProbe {
    let rootless = !rustix::process::getuid().is_root();
    let version = podman_output(podman, &["--version"]);
    if let Err(problem) = &version {
        return PodmanProbe {
            version: version.clone(),
            container: Err(problem.clone()),
            rootless,
            drift: None,
        };
    }
    let drift = match &podman.root {
        Root::Local(_) => None,
        Root::Image(image) => Some(
            podman_output(
                podman,
                &[
                    "image",
                    "inspect",
                    "--format",
                    &format!("{{{{index .Config.Labels \"{VERSION_LABEL}\"}}}}"),
                    image,
                ],
            )
            .map_or_else(
                |error| Drift::Unknown(error.to_string()),
                |label| version_drift(env!("CARGO_PKG_VERSION"), &label),
            ),
        ),
    };
    PodmanProbe {
        version,
        container: probe_container(podman, peers_exe),
        rootless,
        drift,
    }
}

fn podman_output(podman: &Podman, args: &[&str]) -> Result<String, ProbeError> {
    let mut spec = CommandSpec::new(&podman.program, std::env::temp_dir());
    spec.args = args.iter().map(Into::into).collect();
    spec.env = host_env(podman);
    spec.timeout = Some(Duration::from_secs(30));
    let outcome = peers_process::run(&spec).map_err(|source| ProbeError::NoPodman {
        program: podman.program.clone(),
        source: Arc::new(source),
    })?;
    if outcome.success() {
        Ok(outcome.stdout.to_string_lossy().trim().to_owned())
    } else {
        Err(ProbeError::PodmanFailed {
            command: format!("{} {}", podman.program.display(), args.join(" ")),
            exit: outcome.exit,
            stderr: outcome.stderr.to_string_lossy().trim().to_owned(),
        })
    }
}

/// What podman needs from the host environment to find its runtime and its storage.
fn host_env(podman: &Podman) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    let mut env: Vec<_> = ["PATH", "HOME", "XDG_RUNTIME_DIR", "TMPDIR"]
        .into_iter()
        .filter_map(|key| Some((key.into(), std::env::var_os(key)?)))
        .collect();
    if let Some(conf) = &podman.containers_conf {
        env.push(("CONTAINERS_CONF".into(), conf.as_os_str().to_owned()));
    }
    env
}

fn probe_container(podman: &Podman, peers_exe: &Path) -> Result<(), ProbeError> {
    let root = ProbeDir::create().map_err(|source| ProbeError::ProbeDir {
        source: Arc::new(source),
    })?;
    let repository = root.0.join("repo");
    let policy = Policy::new(&repository, root.0.join("scratch"), root.0.join("home"));
    let mut spec = CommandSpec::new("true", &repository);
    spec.env = host_env(podman);
    spec.env.retain(|(key, _)| key != "CONTAINERS_CONF");
    spec.timeout = Some(Duration::from_secs(120));
    let confined = confine_podman(&spec, &policy, podman, peers_exe)
        .map_err(|err| ProbeError::Confine(Arc::new(err)))?;
    let outcome = peers_process::run(&confined).map_err(|err| ProbeError::Spawn(Arc::new(err)))?;
    if outcome.success() {
        Ok(())
    } else {
        let stderr = outcome.stderr.to_string_lossy().trim().to_owned();
        Err(if stderr.is_empty() {
            ProbeError::ContainerEnded { exit: outcome.exit }
        } else {
            ProbeError::Refused { stderr }
        })
    }
}

/// A throwaway repository skeleton for the probe, removed on drop.
struct ProbeDir(PathBuf);

impl ProbeDir {
    fn create() -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        let dir = Self(
            std::env::temp_dir().join(format!("peers-podman-probe-{}-{nanos}", std::process::id())),
        );
        std::fs::create_dir_all(dir.0.join("repo/.git/hooks"))?;
        std::fs::write(dir.0.join("repo/.git/config"), "")?;
        Ok(dir)
    }
}

impl Drop for ProbeDir {
    fn drop(&mut self) {
        // A leftover empty skeleton in the temp directory is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_warns_on_minor_and_refuses_on_major() {
        assert_eq!(version_drift("1.4.2", "1.4.2"), Drift::Same);
        assert!(matches!(
            version_drift("1.4.2", "1.5.0"),
            Drift::Minor { .. }
        ));
        assert!(matches!(
            version_drift("1.4.2", "2.0.0"),
            Drift::Major { .. }
        ));
        // Before 1.0 a minor release may break: 0.1 → 0.2 is major.
        assert!(matches!(
            version_drift("0.1.0", "0.1.3"),
            Drift::Minor { .. }
        ));
        assert!(matches!(
            version_drift("0.1.0", "0.2.0"),
            Drift::Major { .. }
        ));
        assert!(matches!(version_drift("0.1.0", ""), Drift::Unknown(_)));
        assert!(matches!(
            version_drift("0.1.0", "<no value>"),
            Drift::Unknown(_)
        ));
    }
}
