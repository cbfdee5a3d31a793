//! The podman lines of `peers doctor`: whether `--sandbox podman` works here (podman's version,
//! a probe container with every hardening flag, rootless or not, the image's version drift)
//! and which backend `peers run` will use and why. Warnings only, like the native lines.

use peers_driver::preflight::{CheckLevel, PreflightFinding};
use peers_sandbox::{Drift, PodmanProbe};

use crate::sandbox_launcher::SandboxChoice;

/// The `podman` and `backend` findings; `native_ready` is the native probe's verdict.
pub fn findings(native_ready: bool) -> Vec<PreflightFinding> {
    let probe = crate::sandbox_podman::settings().map(|podman| {
        let exe = std::env::current_exe().unwrap_or_default();
        (peers_sandbox::probe_podman(&podman, &exe), podman)
    });
    match probe {
        Ok((probe, podman)) => from_probe(&probe, &podman, native_ready),
        Err(err) => vec![finding(
            "podman",
            CheckLevel::Warning,
            format!("cannot prepare podman's settings: {}", err.message),
            None,
        )],
    }
}

fn from_probe(
    probe: &PodmanProbe,
    podman: &peers_sandbox::Podman,
    native_ready: bool,
) -> Vec<PreflightFinding> {
    let root = match &podman.root {
        peers_sandbox::Root::Local(dir) => {
            format!("local root {} (host /usr, no pull)", dir.display())
        }
        peers_sandbox::Root::Image(image) => format!("image {image}"),
    };
    let cgroup_v2 = std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    let mode = match (probe.rootless, cgroup_v2) {
        (false, _) => "as root, pids/memory limits",
        (true, true) => "rootless, keep-id, pids/memory limits",
        (true, false) => {
            "rootless, keep-id, no pids/memory limits (rootless podman needs cgroup v2 for them)"
        }
    };
    let podman_line = match (&probe.version, crate::sandbox_podman::refusal(probe)) {
        (Err(absent), _) => finding(
            "podman",
            CheckLevel::Ok,
            format!("--sandbox podman is unavailable: {absent}"),
            Some("Debian/Ubuntu: `apt-get install podman runc catatonit` (see README \"Sandbox\")".into()),
        ),
        (Ok(version), None) => {
            let drift = match &probe.drift {
                Some(Drift::Minor { image }) => format!("; warning: the image was built for peers {image}"),
                _ => String::new(),
            };
            finding(
                "podman",
                CheckLevel::Ok,
                format!("--sandbox podman works: {version}, {mode}, {root}{drift}"),
                None,
            )
        }
        (Ok(version), Some(problem)) => finding(
            "podman",
            CheckLevel::Warning,
            format!("--sandbox podman cannot run here ({version}, {mode}, {root}): {problem}"),
            Some("install runc (`apt-get install runc`); set CONTAINERS_CONF to a containers.conf with \
                  `default_ulimits = []`; or rebuild the image from containers/Containerfile".into()),
        ),
    };
    let podman_ready = probe.ready();
    let (choice, why) = match (native_ready, podman_ready) {
        (true, _) => (SandboxChoice::Native, "the native sandbox builds here"),
        (false, true) => (
            SandboxChoice::Podman,
            "the native sandbox cannot be built here but podman works",
        ),
        (false, false) => (
            SandboxChoice::None,
            "neither the native sandbox nor podman works here: runs refuse unless `--sandbox none` is given",
        ),
    };
    let backend = finding(
        "backend",
        if matches!(choice, SandboxChoice::None) {
            CheckLevel::Warning
        } else {
            CheckLevel::Ok
        },
        format!("best backend here: {} ({why})", choice.as_str()),
        matches!(choice, SandboxChoice::None)
            .then(|| "fix one of the native or podman lines above".to_owned()),
    );
    vec![podman_line, backend]
}

fn finding(
    check: &'static str,
    severity: CheckLevel,
    message: String,
    fix: Option<String>,
) -> PreflightFinding {
    PreflightFinding {
        subject: "sandbox".into(),
        check,
        severity,
        message,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn podman() -> peers_sandbox::Podman {
        peers_sandbox::Podman::new(peers_sandbox::Root::Local("/cache/rootfs".into()))
    }

    #[test]
    fn the_backend_line_names_the_choice_and_why() {
        let works = PodmanProbe {
            version: Ok("podman version 4.3.1".into()),
            container: Ok(()),
            rootless: false,
            drift: None,
        };
        let lines = from_probe(&works, &podman(), false);
        assert!(
            lines[0].message.contains("--sandbox podman works"),
            "{}",
            lines[0].message
        );
        assert!(
            lines[1].message.contains("best backend here: podman"),
            "{}",
            lines[1].message
        );
        let lines = from_probe(&works, &podman(), true);
        assert!(
            lines[1].message.contains("best backend here: native"),
            "{}",
            lines[1].message
        );
        let not_found = peers_sandbox::ProbeError::PodmanFailed {
            command: "podman --version".into(),
            exit: peers_process::ExitInfo {
                code: Some(127),
                signal: None,
            },
            stderr: "podman: not found".into(),
        };
        let absent = PodmanProbe {
            version: Err(not_found.clone()),
            container: Err(not_found),
            ..works
        };
        let lines = from_probe(&absent, &podman(), false);
        assert_eq!(lines[0].severity, CheckLevel::Ok);
        assert!(
            lines[0]
                .fix
                .as_deref()
                .is_some_and(|fix| fix.contains("apt-get install podman"))
        );
        assert_eq!(lines[1].severity, CheckLevel::Warning);
        assert!(
            lines[1].message.contains("best backend here: none"),
            "{}",
            lines[1].message
        );
    }
}
