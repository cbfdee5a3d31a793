//! The `podman run` command line for one turn: the mounts mirroring the native view and the
//! hardening flags. Paths inside the repository are checked first without following
//! symlinks, because podman resolves a bind source's symlinks on the host: a planted
//! `.git/hooks -> ~/.ssh` would otherwise bring the user's keys into the container.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::SandboxError;
use crate::gitdirs::inside;
use crate::policy::{Network, SYSTEM_DIRS};

use super::init::{HANDOVER_DIR, INIT_PATH, InitArgs, PODMAN_INIT_SUBCOMMAND};
use super::{PodmanRequest, Root};

/// Builds `podman run …` (everything after the podman program itself). `with_limits` is false
/// where podman cannot apply them (rootless on cgroup v1, where it refuses the whole run).
pub(crate) fn run_args(
    request: &PodmanRequest,
    seccomp_profile: &Path,
    program: &OsString,
    args: &[OsString],
    uid: u32,
    gid: u32,
    with_limits: bool,
) -> Result<Vec<OsString>, SandboxError> {
    let policy = &request.policy;
    let limits = request.podman.limits;
    let mut out: Vec<OsString> = [
        "run",
        "--rm",
        "--name",
        &request.name,
        "--log-driver=none",
        "--network=none",
        "--no-hosts",
        "--passwd=false",
        "--cap-drop=all",
        "--security-opt=no-new-privileges",
        "--read-only",
        "--init",
        "--ipc=private",
        "--shm-size=256m",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    if request.stdin {
        // Keeps stdin attached (no tty): podman forwards the helper's stdin, the prompt's
        // bytes and then EOF. Without it the container's stdin is closed.
        out.push("--interactive".into());
    }
    let mut push = |flag: &str, value: String| {
        out.push(flag.into());
        out.push(value.into());
    };
    push(
        "--security-opt",
        format!("seccomp={}", seccomp_profile.display()),
    );
    if with_limits {
        push("--pids-limit", limits.pids.to_string());
        push("--memory", format!("{}m", limits.memory_mib));
        push("--memory-swap", format!("{}m", limits.memory_mib));
    }
    if let Some(secs) = request.timeout_secs {
        push("--timeout", secs.to_string());
    }
    let owner = if uid == 0 {
        String::new()
    } else {
        // Rootless: the caller's uid is the same inside (keep-id), so files keep their owner.
        push("--userns", "keep-id".into());
        push("--user", format!("{uid}:{gid}"));
        // `U` chowns the tmpfs to the container user: podman 4.3 has no `uid=`/`gid=`
        // options for --tmpfs (it refuses the whole run on them) and leaves /tmp 0755 and
        // root's whatever `mode=` says, so rootless, /tmp too must be the user's.
        ",U".to_owned()
    };
    push(
        "--tmpfs",
        format!("/tmp:rw,nosuid,nodev,mode=1777,size=2g{owner}"),
    );
    push(
        "--tmpfs",
        format!(
            "{}:rw,nosuid,nodev,mode=0700,size=1g{owner}",
            policy.home.display()
        ),
    );
    push("--workdir", request.cwd.display().to_string());
    for key in &request.env_keys {
        push("--env", key.clone());
    }
    for (source, target, mode) in mounts(request)? {
        push(
            "--volume",
            format!(
                "{}:{}:{mode}",
                checked(&source)?.display(),
                checked(&target)?.display()
            ),
        );
    }
    // The init: the peers executable, read-only, and the hand-over socket's directory.
    push(
        "--volume",
        format!("{}:{INIT_PATH}:ro", checked(&request.peers_exe)?.display()),
    );
    let mut init = InitArgs {
        socket: None,
        ports: Vec::new(),
        program: program.clone(),
        args: args.to_vec(),
    };
    if let Network::HandOver(hand_over) = &policy.network {
        let (dir, file) = match (hand_over.socket.parent(), hand_over.socket.file_name()) {
            (Some(dir), Some(file)) => (dir, file),
            _ => {
                return Err(SandboxError::BadPolicy {
                    field: "network.socket",
                    path: hand_over.socket.clone(),
                    reason: "the hand-over socket must be a file in a directory",
                });
            }
        };
        push(
            "--volume",
            format!("{}:{HANDOVER_DIR}:rw", checked(dir)?.display()),
        );
        init.socket = Some(Path::new(HANDOVER_DIR).join(file));
        init.ports.clone_from(&hand_over.ports);
    }
    match &request.podman.root {
        Root::Local(dir) => {
            out.push("--rootfs".into());
            out.push(dir.into());
        }
        Root::Image(image) => {
            out.push("--pull=never".into());
            out.push(image.into());
        }
    }
    out.push(INIT_PATH.into());
    out.push(PODMAN_INIT_SUBCOMMAND.into());
    out.extend(init.to_args());
    Ok(out)
}

/// `path`, unless `--volume` would misread it (it separates fields with `:`, options with `,`).
fn checked(path: &Path) -> Result<&Path, SandboxError> {
    if path.to_string_lossy().contains([':', ',']) {
        return Err(SandboxError::BadPolicy {
            field: "mount",
            path: path.to_path_buf(),
            reason: "a path with `:` or `,` cannot be given to podman --volume; \
                     move it or use --sandbox native",
        });
    }
    Ok(path)
}

/// Every bind mount as (host source, target inside, mode), parents before children.
fn mounts(request: &PodmanRequest) -> Result<Vec<(PathBuf, PathBuf, &'static str)>, SandboxError> {
    let policy = &request.policy;
    let mut mounts = Vec::new();
    let mut same = |path: &Path, mode: &'static str| {
        mounts.push((path.to_path_buf(), path.to_path_buf(), mode));
    };
    if matches!(request.podman.root, Root::Local(_)) {
        for dir in SYSTEM_DIRS.iter().map(Path::new) {
            if std::fs::symlink_metadata(dir).is_ok_and(|meta| meta.is_dir()) {
                same(dir, "ro,nosuid");
            }
        }
    }
    for path in policy.read_only.iter().filter(|path| path.exists()) {
        same(path, "ro");
    }
    same(&policy.repository, "rw");
    for (path, mode) in git_mounts(&policy.repository)? {
        same(&path, mode);
    }
    for relative in &policy.protected {
        if let Some(path) = inside(&policy.repository, relative)? {
            same(&path, "ro");
        }
    }
    std::fs::create_dir_all(&policy.scratch)
        .map_err(|err| SandboxError::setup(crate::SetupStep::Mount(policy.scratch.clone()), err))?;
    same(&policy.scratch, "rw");
    for path in policy.writable.iter().filter(|path| path.exists()) {
        same(path, "rw");
    }
    mounts.sort_by_key(|(_, target, _)| target.components().count());
    Ok(mounts)
}

/// The git metadata mounts (see [`crate::gitdirs`]): `.git` bound onto itself (a mount
/// point cannot be renamed or replaced) with its protected paths read-only; a linked
/// worktree's `.git` file read-only and its common git directory the same way.
fn git_mounts(repo: &Path) -> Result<Vec<(PathBuf, &'static str)>, SandboxError> {
    let layout = crate::gitdirs::layout(repo)?;
    let mut out = Vec::new();
    if let Some(file) = layout.dot_git_file {
        out.push((file, "ro"));
    }
    out.push((layout.git_dir, "rw"));
    out.extend(layout.protected.into_iter().map(|path| (path, "ro")));
    Ok(out)
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
