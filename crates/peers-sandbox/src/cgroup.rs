//! cgroup v2 for the native sandbox where a delegated cgroup is writable: each turn gets its
//! own child cgroup with `pids.max`, `memory.max` and `memory.swap.max` (for the controllers
//! the parent hands down), the helper moves into it before it unshares (so the whole sandbox
//! is inside), and at the end everything left is killed with `cgroup.kill` and the cgroup is
//! removed. Best effort: the pid namespace already ends every process of a turn, so a step
//! the kernel refuses leaves the turn without limits rather than unconfined; `peers doctor`
//! says whether limits apply here.

use std::io::{Read as _, Write as _};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::fs::{AtFlags, Mode, OFlags};

use crate::probe::CgroupSupport;

/// Limits of one native turn, the same as the podman backend's defaults.
pub(crate) const PIDS_MAX: u32 = 4096;
pub(crate) const MEMORY_MAX_BYTES: u64 = 8 << 30;

/// One turn's cgroup; the helper is inside until [`TurnCgroup::finish`]. Held as directory
/// descriptors: init's `pivot_root` changes the helper's root too, after which the cgroup
/// paths no longer resolve.
#[derive(Debug)]
pub(crate) struct TurnCgroup {
    parent: OwnedFd,
    dir: OwnedFd,
    name: String,
}

impl TurnCgroup {
    /// Creates the turn's cgroup under the delegated one, applies the limits its controllers
    /// allow and moves this process into it. `None` when there is no delegated cgroup or a
    /// step fails (whatever was created is removed again).
    pub(crate) fn enter(support: &CgroupSupport) -> Option<Self> {
        let CgroupSupport::Delegated { path: parent, .. } = support else {
            return None;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        sweep(parent);
        let name = format!("peers-turn-{}-{nanos}", std::process::id());
        let path = parent.join(&name);
        std::fs::create_dir(&path).ok()?;
        let open = |path: &Path| {
            rustix::fs::open(path, OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).ok()
        };
        let (Some(parent), Some(dir)) = (open(parent), open(&path)) else {
            let _ = std::fs::remove_dir(&path);
            return None;
        };
        apply_limits(&path);
        if std::fs::write(path.join("cgroup.procs"), "0").is_err() {
            let _ = std::fs::remove_dir(&path);
            return None;
        }
        Some(Self { parent, dir, name })
    }

    /// Moves this process back out, kills whatever is left inside and removes the cgroup.
    pub(crate) fn finish(self) {
        // Best effort throughout: the pid namespace has already ended every process.
        let _ = write_at(&self.parent, "cgroup.procs", "0");
        let _ = write_at(&self.dir, "cgroup.kill", "1");
        let deadline = Instant::now() + Duration::from_secs(5);
        while populated(&self.dir) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = rustix::fs::unlinkat(&self.parent, self.name.as_str(), AtFlags::REMOVEDIR);
    }
}

/// Removes empty turn cgroups whose helper is gone (one SIGKILLed before it could clean up).
fn sweep(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix("peers-turn-"))
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            // rmdir of a populated cgroup fails: only empty leftovers go.
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

/// Writes the limits whose controllers the cgroup has; returns the files written.
pub(crate) fn apply_limits(path: &Path) -> Vec<&'static str> {
    let controllers = std::fs::read_to_string(path.join("cgroup.controllers")).unwrap_or_default();
    let has = |name: &str| controllers.split_whitespace().any(|item| item == name);
    let mut written = Vec::new();
    let mut write = |file: &'static str, value: String| {
        if std::fs::write(path.join(file), value).is_ok() {
            written.push(file);
        }
    };
    if has("pids") {
        write("pids.max", PIDS_MAX.to_string());
    }
    if has("memory") {
        write("memory.max", MEMORY_MAX_BYTES.to_string());
        write("memory.swap.max", "0".to_owned());
    }
    written
}

fn write_at(dir: &OwnedFd, file: &str, value: &str) -> std::io::Result<()> {
    let fd = rustix::fs::openat(dir, file, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
    std::fs::File::from(fd).write_all(value.as_bytes())
}

fn populated(dir: &OwnedFd) -> bool {
    let Ok(fd) = rustix::fs::openat(
        dir,
        "cgroup.events",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return false;
    };
    let mut events = String::new();
    std::fs::File::from(fd).read_to_string(&mut events).is_ok()
        && events.lines().any(|line| line == "populated 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_written_only_for_the_controllers_handed_down() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(temp.path().join("cgroup.controllers"), "cpu pids memory\n").unwrap();
        assert_eq!(
            apply_limits(temp.path()),
            ["pids.max", "memory.max", "memory.swap.max"]
        );
        assert_eq!(
            std::fs::read_to_string(temp.path().join("pids.max")).unwrap(),
            PIDS_MAX.to_string()
        );
        assert_eq!(
            std::fs::read_to_string(temp.path().join("memory.max")).unwrap(),
            MEMORY_MAX_BYTES.to_string()
        );
        let bare = tempfile::tempdir().unwrap();
        std::fs::write(bare.path().join("cgroup.controllers"), "hugetlb\n").unwrap();
        assert!(apply_limits(bare.path()).is_empty());
        assert!(!bare.path().join("pids.max").exists());
    }
}
