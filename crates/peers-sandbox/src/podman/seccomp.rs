//! The container's seccomp profile: the containers-common default (an allow-list) with the
//! calls peers also denies in the native sandbox taken out of it — io_uring, keyrings,
//! userfaultfd, perf and bpf, ptrace, new namespaces — and `socket(AF_VSOCK)`, which no
//! network namespace confines, refused.

use serde_json::{Value, json};

/// System calls removed from every allow rule (they then fail with the profile's default).
pub(crate) const DENIED: &[&str] = &[
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "userfaultfd",
    "perf_event_open",
    "bpf",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsmount",
];

const AF_VSOCK: u64 = 40;

/// Why the base profile cannot be tightened. The helper reports it as the cause of a failed
/// podman step, followed by its own cause (so `NotJson` does not repeat serde_json's message).
#[derive(Debug, thiserror::Error)]
pub(crate) enum SeccompError {
    #[error("not JSON")]
    NotJson(#[source] serde_json::Error),
    #[error("it has no `syscalls` list")]
    NoSyscalls,
    #[error(transparent)]
    Encode(serde_json::Error),
}

/// Tightens `base` (the default profile's JSON). Errors when it is not a seccomp profile.
pub(crate) fn tighten(base: &str) -> Result<String, SeccompError> {
    let mut profile: Value = serde_json::from_str(base).map_err(SeccompError::NotJson)?;
    let rules = profile
        .get_mut("syscalls")
        .and_then(Value::as_array_mut)
        .ok_or(SeccompError::NoSyscalls)?;
    for rule in rules.iter_mut() {
        if let Some(names) = rule.get_mut("names").and_then(Value::as_array_mut) {
            names.retain(|name| {
                name.as_str()
                    .is_none_or(|name| !DENIED.contains(&name) && name != "socket")
            });
        }
    }
    rules.retain(|rule| {
        rule.get("names")
            .and_then(Value::as_array)
            .is_none_or(|names| !names.is_empty())
    });
    // Denied explicitly with EPERM, as in the native sandbox (the default action is ENOSYS).
    rules.push(json!({"names": DENIED, "action": "SCMP_ACT_ERRNO", "errnoRet": 1}));
    rules.push(json!({
        "names": ["socket"],
        "action": "SCMP_ACT_ALLOW",
        "args": [{"index": 0, "value": AF_VSOCK, "valueTwo": 0, "op": "SCMP_CMP_NE"}],
    }));
    serde_json::to_string_pretty(&profile).map_err(SeccompError::Encode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_calls_leave_every_allow_rule_and_vsock_is_refused() {
        let base = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["read", "keyctl", "ptrace"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["io_uring_setup"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": []}
        ]}"#;
        let tightened: Value = serde_json::from_str(&tighten(base).unwrap()).unwrap();
        let rules = tightened["syscalls"].as_array().unwrap();
        let allowed: Vec<&str> = rules
            .iter()
            .filter(|rule| rule["action"] == "SCMP_ACT_ALLOW")
            .flat_map(|rule| rule["names"].as_array().unwrap())
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(allowed, vec!["read", "socket"]);
        let denied = &rules[rules.len() - 2];
        assert_eq!(denied["action"], "SCMP_ACT_ERRNO");
        assert_eq!(denied["errnoRet"], 1);
        assert_eq!(denied["names"].as_array().unwrap().len(), DENIED.len());
        let socket = rules.last().unwrap();
        assert_eq!(socket["args"][0]["value"], AF_VSOCK);
        assert_eq!(socket["args"][0]["op"], "SCMP_CMP_NE");
        assert!(tighten("[]").is_err());
    }

    /// Regression guard: the helper prints serde_json's reason for a bad base profile once.
    #[test]
    fn a_base_that_is_not_json_names_serdes_reason_once() {
        let reason = tighten("{").unwrap_err();
        let err = crate::error::SandboxError::setup(
            crate::error::SetupStep::Podman("/base.json".into()),
            std::io::Error::other(reason),
        );
        let text = crate::error::format_error(&err);
        assert!(
            text.starts_with(
                "error: sandbox setup failed at preparing the podman container (/base.json): \
                 not JSON: EOF while parsing"
            ),
            "{text}"
        );
        assert_eq!(text.matches("EOF while parsing").count(), 1, "{text}");
        assert_eq!(
            tighten("[]").unwrap_err().to_string(),
            "it has no `syscalls` list"
        );
    }
}
