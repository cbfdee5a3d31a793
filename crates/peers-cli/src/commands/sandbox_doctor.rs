//! The sandbox lines of `peers doctor`: whether the native sandbox can be built here and each
//! kernel feature it needs (user namespaces, Landlock, seccomp, cgroup delegation), with the fix.
//! Warnings only: a missing feature does not stop `peers run` unless it asks for that sandbox.

use peers_driver::preflight::{CheckLevel, PreflightFinding};
use peers_sandbox::{CgroupSupport, Probe};

const SUBJECT: &str = "sandbox";

/// Probes the kernel through this executable's hidden sandbox helper.
pub fn findings() -> Vec<PreflightFinding> {
    match std::env::current_exe() {
        Ok(exe) => {
            let probe = peers_sandbox::probe(&exe);
            let mut findings = from_probe(&probe);
            findings.extend(super::sandbox_doctor_podman::findings(probe.native_ready()));
            findings
        }
        Err(err) => vec![finding(
            "native",
            CheckLevel::Warning,
            format!("cannot locate the peers executable to probe the sandbox: {err}"),
            None,
        )],
    }
}

fn from_probe(probe: &Probe) -> Vec<PreflightFinding> {
    let mut findings = Vec::new();
    findings.push(match &probe.sandbox {
        Ok(()) => finding(
            "native",
            CheckLevel::Ok,
            "the native sandbox builds here (user, mount, pid, net, ipc, uts namespaces; \
             pivot_root; cap drop; seccomp)"
                .into(),
            None,
        ),
        Err(problem) => {
            let (error, hint) = split_hint(&problem.to_string());
            finding(
                "native",
                CheckLevel::Warning,
                format!("the native sandbox cannot be built: {error}"),
                hint,
            )
        }
    });
    let sysctls = probe
        .user_namespace_sysctls
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(", ");
    findings.push(if probe.sandbox.is_ok() {
        finding("user-ns", CheckLevel::Ok, format!("unprivileged user namespaces work ({sysctls})"), None)
    } else {
        finding(
            "user-ns",
            CheckLevel::Warning,
            format!("user namespace settings: {}", if sysctls.is_empty() { "none found".into() } else { sysctls }),
            Some("sysctl -w kernel.unprivileged_userns_clone=1; sysctl -w user.max_user_namespaces=15000".into()),
        )
    });
    findings.push(match probe.landlock_abi {
        Some(abi) if abi >= 6 => finding("landlock", CheckLevel::Ok, format!("Landlock ABI {abi} (file rules, signal and abstract-socket scopes)"), None),
        Some(abi) => finding(
            "landlock",
            CheckLevel::Warning,
            format!("Landlock ABI {abi}: file rules only, no signal/abstract-socket scopes (ABI 6, Linux 6.12)"),
            Some("upgrade the kernel to 6.12 or newer".into()),
        ),
        None => finding(
            "landlock",
            CheckLevel::Warning,
            "Landlock is not enabled: the namespaces still confine, without this second layer".into(),
            Some("boot with `lsm=landlock,...` (CONFIG_SECURITY_LANDLOCK=y)".into()),
        ),
    });
    findings.push(if probe.seccomp {
        finding(
            "seccomp",
            CheckLevel::Ok,
            "seccomp filters available".into(),
            None,
        )
    } else {
        finding(
            "seccomp",
            CheckLevel::Warning,
            "the kernel has no seccomp".into(),
            Some("a kernel with CONFIG_SECCOMP_FILTER=y".into()),
        )
    });
    findings.push(match &probe.cgroup {
        CgroupSupport::Delegated { path, controllers } => finding(
            "cgroup",
            CheckLevel::Ok,
            format!(
                "cgroup v2 {} is writable (controllers: {}): each native turn runs in its own cgroup, killed and removed at the end{}",
                path.display(),
                if controllers.is_empty() { "none".into() } else { controllers.join(" ") },
                if controllers.iter().any(|c| c == "pids" || c == "memory") {
                    ", with pids/memory limits (4096 processes, 8 GiB, no swap) for the controllers handed down"
                } else {
                    "; no pids/memory controller here, so no limits (the podman backend applies them)"
                }
            ),
            None,
        ),
        CgroupSupport::NotDelegated { reason } => finding(
            "cgroup",
            CheckLevel::Ok,
            format!("no delegated cgroup ({reason}); the pid namespace ends every process of a turn"),
            None,
        ),
    });
    findings
}

/// Splits the helper's `error: …\nhint: …` text into the message and the fix.
fn split_hint(message: &str) -> (String, Option<String>) {
    let error = message
        .lines()
        .filter(|line| !line.starts_with("hint: "))
        .map(|line| line.trim_start_matches("error: "))
        .collect::<Vec<_>>()
        .join(" ");
    let hint = message
        .lines()
        .find_map(|line| line.strip_prefix("hint: "))
        .map(str::to_owned);
    (error, hint)
}

fn finding(
    check: &'static str,
    severity: CheckLevel,
    message: String,
    fix: Option<String>,
) -> PreflightFinding {
    PreflightFinding {
        subject: SUBJECT.into(),
        check,
        severity,
        message,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peers_sandbox::ProbeError;

    #[test]
    fn a_failed_probe_is_a_warning_with_the_helpers_hint_as_fix() {
        let probe = Probe {
            sandbox: Err(ProbeError::Refused {
                stderr: "error: sandbox setup failed at creating a user namespace: Operation not permitted\nhint: enable them\n".into(),
            }),
            user_namespace_sysctls: vec![("kernel.unprivileged_userns_clone".into(), "0".into())],
            landlock_abi: None,
            seccomp: true,
            cgroup: CgroupSupport::NotDelegated { reason: "x".into() },
        };
        let findings = from_probe(&probe);
        let native = &findings[0];
        assert_eq!(native.severity, CheckLevel::Warning);
        assert!(
            native.message.contains("creating a user namespace"),
            "{}",
            native.message
        );
        assert_eq!(native.fix.as_deref(), Some("enable them"));
        assert!(
            findings
                .iter()
                .all(|finding| finding.severity != CheckLevel::Problem)
        );
        assert!(
            findings[1]
                .message
                .contains("kernel.unprivileged_userns_clone=0")
        );
    }
}
