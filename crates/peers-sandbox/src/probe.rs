//! What this machine's kernel offers the native sandbox, for `peers doctor`: a real sandbox
//! built around nothing by the helper, plus the Landlock ABI, seccomp and cgroup delegation.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use peers_process::CommandSpec;

use crate::confine::{Request, probe_args};
use crate::error::ProbeError;
use crate::policy::Policy;

/// The probe's findings.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The whole native sandbox (namespaces, mounts, pivot_root, /proc, lo, caps, seccomp,
    /// Landlock) was built around nothing: `Err` says why not (the helper's message with its
    /// hint, when the helper ran).
    pub sandbox: Result<(), ProbeError>,
    /// The kernel's sysctls about unprivileged user namespaces, as found.
    pub user_namespace_sysctls: Vec<(String, String)>,
    /// Landlock ABI version; `None` when Landlock is not built in or not enabled at boot.
    pub landlock_abi: Option<u32>,
    /// The kernel has seccomp filters (`Seccomp:` in /proc/self/status).
    pub seccomp: bool,
    pub cgroup: CgroupSupport,
}

/// Whether peers could place a turn in a cgroup v2 subtree of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupSupport {
    /// Our cgroup v2 directory is writable; `controllers` are those it offers.
    Delegated {
        path: PathBuf,
        controllers: Vec<String>,
    },
    NotDelegated {
        reason: String,
    },
}

impl Probe {
    /// The native backend can run commands confined here.
    pub fn native_ready(&self) -> bool {
        self.sandbox.is_ok()
    }
}

/// Probes the kernel; `peers_exe` is the `peers` binary whose hidden helper builds the sandbox.
pub fn probe(peers_exe: &Path) -> Probe {
    Probe {
        sandbox: probe_sandbox(peers_exe),
        user_namespace_sysctls: user_namespace_sysctls(),
        landlock_abi: crate::sys::landlock_abi(),
        seccomp: std::fs::read_to_string("/proc/self/status")
            .is_ok_and(|status| status.lines().any(|line| line.starts_with("Seccomp:"))),
        cgroup: cgroup_support(),
    }
}

fn probe_sandbox(peers_exe: &Path) -> Result<(), ProbeError> {
    let root = ProbeDir::create().map_err(|source| ProbeError::ProbeDir {
        source: Arc::new(source),
    })?;
    let repository = root.0.join("repo");
    let policy = Policy::new(&repository, root.0.join("scratch"), root.0.join("home"));
    let request = Request {
        policy,
        cwd: repository,
    };
    let mut spec = CommandSpec::new(peers_exe, &root.0);
    spec.args = probe_args(&request).map_err(|err| ProbeError::Confine(Arc::new(err)))?;
    spec.timeout = Some(Duration::from_secs(20));
    let outcome = peers_process::run(&spec).map_err(|err| ProbeError::Spawn(Arc::new(err)))?;
    if outcome.success() {
        Ok(())
    } else {
        let stderr = outcome.stderr.to_string_lossy().trim().to_owned();
        Err(if stderr.is_empty() {
            ProbeError::HelperEnded { exit: outcome.exit }
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
        let root = std::env::temp_dir().join(format!(
            "peers-sandbox-probe-{}-{nanos}",
            std::process::id()
        ));
        let dir = Self(root);
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

fn user_namespace_sysctls() -> Vec<(String, String)> {
    [
        "/proc/sys/kernel/unprivileged_userns_clone",
        "/proc/sys/user/max_user_namespaces",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    ]
    .into_iter()
    .filter_map(|path| {
        let value = std::fs::read_to_string(path).ok()?;
        let name = path.trim_start_matches("/proc/sys/").replace('/', ".");
        Some((name, value.trim().to_owned()))
    })
    .collect()
}

pub(crate) fn cgroup_support() -> CgroupSupport {
    let not = |reason: &str| CgroupSupport::NotDelegated {
        reason: reason.to_owned(),
    };
    let Ok(membership) = std::fs::read_to_string("/proc/self/cgroup") else {
        return not("/proc/self/cgroup is unreadable");
    };
    let Some(relative) = membership.lines().find_map(|line| line.strip_prefix("0::")) else {
        return not("this process is in no cgroup v2 hierarchy");
    };
    let Some(mount) = cgroup2_mount() else {
        return not("no cgroup2 file system is mounted");
    };
    let path = mount.join(relative.trim_start_matches('/'));
    let writable = |file: &Path| rustix::fs::access(file, rustix::fs::Access::WRITE_OK).is_ok();
    if !writable(&path) || !writable(&path.join("cgroup.procs")) {
        return not(&format!(
            "{} is not writable by this user (no delegated subtree)",
            path.display()
        ));
    }
    let controllers = std::fs::read_to_string(path.join("cgroup.controllers"))
        .map(|text| text.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    CgroupSupport::Delegated { path, controllers }
}

/// The first cgroup2 mount point in /proc/self/mountinfo.
fn cgroup2_mount() -> Option<PathBuf> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    mountinfo.lines().find_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        let fs_type = after.split_whitespace().next()?;
        (fs_type == "cgroup2").then(|| before.split_whitespace().nth(4).map(PathBuf::from))?
    })
}
