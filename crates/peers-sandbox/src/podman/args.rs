//! The `podman run` command line for one turn: the mounts mirroring the native view and the
//! hardening flags. Paths inside the repository are checked first without following
//! symlinks, because podman resolves a bind source's symlinks on the host: a planted
//! `.git/hooks -> ~/.ssh` would otherwise bring the user's keys into the container.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::SandboxError;
use crate::policy::{PROTECTED_GIT_PATHS, SYSTEM_DIRS};

use super::{PodmanRequest, Root};

/// Read-only paths inside one git directory (the repository's, a submodule's, a worktree's).
const GIT_DIR_PROTECTED: &[&str] = &["config", "config.worktree", "hooks"];

/// Builds `podman run …` (everything after the podman program itself).
pub(crate) fn run_args(
    request: &PodmanRequest,
    seccomp_profile: &Path,
    program: &OsString,
    args: &[OsString],
    uid: u32,
    gid: u32,
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
    let mut push = |flag: &str, value: String| {
        out.push(flag.into());
        out.push(value.into());
    };
    push(
        "--security-opt",
        format!("seccomp={}", seccomp_profile.display()),
    );
    push("--pids-limit", limits.pids.to_string());
    push("--memory", format!("{}m", limits.memory_mib));
    push("--memory-swap", format!("{}m", limits.memory_mib));
    if let Some(secs) = request.timeout_secs {
        push("--timeout", secs.to_string());
    }
    let owner = if uid == 0 {
        String::new()
    } else {
        // Rootless: the caller's uid is the same inside (keep-id), so files keep their owner.
        push("--userns", "keep-id".into());
        push("--user", format!("{uid}:{gid}"));
        format!(",uid={uid},gid={gid}")
    };
    push("--tmpfs", "/tmp:rw,nosuid,nodev,mode=1777,size=2g".into());
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
            format!("{}:{}:{mode}", source.display(), target.display()),
        );
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
    out.push(program.clone());
    out.extend(args.iter().cloned());
    Ok(out)
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
        .map_err(|err| SandboxError::setup(crate::Step::Mount(policy.scratch.clone()), err))?;
    same(&policy.scratch, "rw");
    for path in policy.writable.iter().filter(|path| path.exists()) {
        same(path, "rw");
    }
    mounts.sort_by_key(|(_, target, _)| target.components().count());
    Ok(mounts)
}

/// The git directories of the repository: `.git` bound onto itself (a mount point cannot be
/// renamed or replaced), its config and hooks read-only, and the same for every submodule
/// under `.git/modules` and every linked worktree under `.git/worktrees`. A repository whose
/// `.git` is a file (a linked worktree) gets its common git directory the same way and its
/// `.git` file read-only.
fn git_mounts(repo: &Path) -> Result<Vec<(PathBuf, &'static str)>, SandboxError> {
    let dot_git = inside(repo, Path::new(".git"))?.ok_or_else(|| SandboxError::Repository {
        path: repo.to_path_buf(),
        reason: "has no `.git`".into(),
    })?;
    let mut out = Vec::new();
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        out.push((dot_git.clone(), "ro"));
        linked_common_dir(repo, &dot_git)?
    };
    let hooks = git_dir.join("hooks");
    if !hooks.exists() {
        // A missing hooks directory could be created inside and then run by host git.
        std::fs::create_dir_all(&hooks).map_err(|err| SandboxError::Repository {
            path: repo.to_path_buf(),
            reason: format!("cannot create {}: {err}", hooks.display()),
        })?;
    }
    out.push((git_dir.clone(), "rw"));
    for dir in git_dirs_below(&git_dir)? {
        for name in GIT_DIR_PROTECTED {
            if let Some(path) = inside(&git_dir, &dir.join(name))? {
                out.push((path, "ro"));
            }
        }
    }
    for name in PROTECTED_GIT_PATHS {
        let relative = Path::new(name)
            .strip_prefix(".git")
            .unwrap_or(Path::new(name));
        if inside(&git_dir, relative)?.is_none() {
            return Err(SandboxError::Repository {
                path: repo.to_path_buf(),
                reason: format!("`{name}` is missing"),
            });
        }
    }
    Ok(out)
}

/// The git directory itself (empty path) and every submodule and worktree git directory
/// below it, as paths relative to it (submodules nest: `modules/a/modules/b`).
fn git_dirs_below(git_dir: &Path) -> Result<Vec<PathBuf>, SandboxError> {
    let mut found = vec![PathBuf::new()];
    let mut index = 0;
    while index < found.len() {
        let relative = found[index].clone();
        index += 1;
        for group in ["modules", "worktrees"] {
            let Some(dir) = inside(git_dir, &relative.join(group))? else {
                continue;
            };
            let entries = std::fs::read_dir(&dir).map_err(|err| SandboxError::Repository {
                path: dir.clone(),
                reason: format!("cannot list it: {err}"),
            })?;
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) && found.len() < 512 {
                    found.push(relative.join(group).join(entry.file_name()));
                }
            }
        }
    }
    Ok(found)
}

/// The common git directory of a linked worktree whose `.git` file says `gitdir: <path>`.
fn linked_common_dir(repo: &Path, dot_git: &Path) -> Result<PathBuf, SandboxError> {
    let bad = |reason: String| SandboxError::Repository {
        path: repo.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(dot_git)
        .map_err(|err| bad(format!("cannot read its `.git` file: {err}")))?;
    let gitdir = text
        .trim()
        .strip_prefix("gitdir:")
        .map(|dir| repo.join(dir.trim()))
        .ok_or_else(|| bad("its `.git` file has no `gitdir:` line".into()))?;
    let common = match std::fs::read_to_string(gitdir.join("commondir")) {
        Ok(relative) => gitdir.join(relative.trim()),
        Err(_) => gitdir,
    };
    common.canonicalize().map_err(|err| {
        bad(format!(
            "its git directory {} is unusable: {err}",
            common.display()
        ))
    })
}

/// `root/relative` if it exists and no component of `relative` is a symlink or `..`.
fn inside(root: &Path, relative: &Path) -> Result<Option<PathBuf>, SandboxError> {
    let mut path = root.to_path_buf();
    for component in relative.components() {
        let std::path::Component::Normal(name) = component else {
            return Err(SandboxError::Repository {
                path: root.to_path_buf(),
                reason: format!("`{}` leaves the repository", relative.display()),
            });
        };
        path.push(name);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(SandboxError::Repository {
                    path: root.to_path_buf(),
                    reason: format!(
                        "`{}` is a symlink: a protected path must be a real file or directory",
                        path.display()
                    ),
                });
            }
            Ok(_) => {}
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(path))
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
