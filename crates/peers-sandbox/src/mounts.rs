//! The sandbox's file-system view: a tmpfs root holding read-only system directories, the
//! repository read-write with `.git` pinned and its config and hooks read-only, the scratch
//! directory, a private HOME, `/tmp`, `/dev` and a fresh `/proc`; then `pivot_root` into it.
//!
//! Every host tree is captured first as a detached mount (`open_tree(OPEN_TREE_CLONE)`), so
//! the temporary root can sit on the host's `/tmp` even when the repository lives there.
//! Paths inside the repository are opened beneath it without following symlinks: a planted
//! `.git/hooks -> ~/.ssh` cannot pull a host directory into the sandbox.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::mount::{
    MountFlags, MountPropagationFlags, MoveMountFlags, OpenTreeFlags, UnmountFlags,
};

use crate::error::{SandboxError, SetupStep};
use crate::policy::{Policy, SYSTEM_DIRS};

/// Where the new root is assembled (a tmpfs over it, in the private mount namespace only).
const STAGING: &str = "/tmp";
/// Device nodes bound from the host into the private `/dev`.
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

const ATTR_RDONLY: u64 = libc::MOUNT_ATTR_RDONLY;
const ATTR_NOSUID: u64 = libc::MOUNT_ATTR_NOSUID;
const ATTR_NOSUID_NODEV: u64 = libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NODEV;

enum Kind {
    Bind {
        tree: OwnedFd,
        attributes: u64,
        file: bool,
    },
    Tmpfs {
        options: &'static str,
    },
    Symlink(PathBuf),
    Proc,
    Devpts,
}

struct Entry {
    target: PathBuf,
    kind: Kind,
}

/// Builds the view and pivots into it. On return `/` is the sandbox's read-only tmpfs root.
pub(crate) fn build(policy: &Policy) -> Result<(), SandboxError> {
    rustix::mount::mount_change(
        "/",
        MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
    )
    .map_err(|err| SandboxError::setup(SetupStep::Mount("/".into()), err))?;
    let mut entries = plan(policy)?;
    // Parents before children: /tmp and HOME before a repository inside them, the repository
    // before its .git, .git before .git/config. The sort is stable, so ties keep plan order.
    entries.sort_by_key(|entry| entry.target.components().count());
    rustix::mount::mount(
        "tmpfs",
        STAGING,
        "tmpfs",
        MountFlags::NOSUID | MountFlags::NODEV,
        c"mode=0755",
    )
    .map_err(|err| SandboxError::setup(SetupStep::Mount("/".into()), err))?;
    for entry in entries {
        place(entry)?;
    }
    pivot()
}

/// Every mount of the view, with host trees already captured as detached mounts.
fn plan(policy: &Policy) -> Result<Vec<Entry>, SandboxError> {
    let mut entries = Vec::new();
    for dir in SYSTEM_DIRS {
        let path = Path::new(dir);
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(path)
                    .map_err(|err| SandboxError::setup(SetupStep::Mount(path.into()), err))?;
                entries.push(Entry {
                    target: path.into(),
                    kind: Kind::Symlink(target),
                });
            }
            Ok(meta) if meta.is_dir() => entries.push(host_bind(path, true)?),
            _ => {}
        }
    }
    for path in &policy.read_only {
        if path.exists() {
            entries.push(host_bind(path, true)?);
        }
    }
    entries.push(Entry {
        target: "/tmp".into(),
        kind: Kind::Tmpfs {
            options: "mode=1777",
        },
    });
    entries.push(Entry {
        target: policy.home.clone(),
        kind: Kind::Tmpfs {
            options: "mode=0700",
        },
    });
    entries.extend(repository(policy)?);
    std::fs::create_dir_all(&policy.scratch)
        .map_err(|err| SandboxError::setup(SetupStep::Mount(policy.scratch.clone()), err))?;
    entries.push(host_bind(&policy.scratch, false)?);
    for path in &policy.writable {
        if path.exists() {
            entries.push(host_bind(path, false)?);
        }
    }
    entries.push(Entry {
        target: "/dev".into(),
        kind: Kind::Tmpfs {
            options: "mode=0755",
        },
    });
    for device in DEVICES {
        let path = Path::new("/dev").join(device);
        if path.exists() {
            let fd = rustix::fs::open(&path, OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
                .map_err(|err| SandboxError::setup(SetupStep::Mount(path.clone()), err))?;
            entries.push(tree_entry(path, &fd, ATTR_NOSUID)?);
        }
    }
    entries.push(Entry {
        target: "/dev/pts".into(),
        kind: Kind::Devpts,
    });
    entries.push(Entry {
        target: "/dev/shm".into(),
        kind: Kind::Tmpfs {
            options: "mode=1777",
        },
    });
    for (link, target) in [
        ("/dev/ptmx", "pts/ptmx"),
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ] {
        entries.push(Entry {
            target: link.into(),
            kind: Kind::Symlink(target.into()),
        });
    }
    entries.push(Entry {
        target: "/proc".into(),
        kind: Kind::Proc,
    });
    Ok(entries)
}

/// The repository read-write, its git directory bound onto itself (a mount point cannot be
/// renamed or removed, so it cannot be swapped for a forged one) with config and hooks — its
/// own, its submodules' and its worktrees' — read-only, and the policy's protected paths
/// read-only. A linked worktree's `.git` file is read-only and its common git directory is
/// shown the same way (see [`crate::gitdirs`]).
fn repository(policy: &Policy) -> Result<Vec<Entry>, SandboxError> {
    let root = &policy.repository;
    let repo_error = |reason: String| SandboxError::Repository {
        path: root.clone(),
        reason,
    };
    let repo_fd = rustix::fs::open(
        root,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|err| repo_error(format!("cannot open it: {err}")))?;
    let layout = crate::gitdirs::layout(root)?;
    let dot_git = beneath(&repo_fd, Path::new(".git"))
        .map_err(|err| {
            repo_error(format!(
                "`.git` cannot be opened without following symlinks: {err}"
            ))
        })?
        .ok_or_else(|| repo_error("has no `.git`".into()))?;
    let mut entries = vec![host_bind(root, false)?];
    let git_fd = match &layout.dot_git_file {
        None => dot_git,
        Some(file) => {
            entries.push(tree_entry(file.clone(), &dot_git, attributes(true))?);
            rustix::fs::open(
                &layout.git_dir,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|err| repo_error(format!("cannot open {}: {err}", layout.git_dir.display())))?
        }
    };
    entries.push(tree_entry(
        layout.git_dir.clone(),
        &git_fd,
        attributes(false),
    )?);
    let protected = layout
        .protected
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&layout.git_dir).ok()?;
            Some((
                &git_fd,
                layout.git_dir.join(relative),
                relative.to_path_buf(),
            ))
        })
        .chain(
            policy
                .protected
                .iter()
                .map(|relative| (&repo_fd, root.join(relative), relative.clone())),
        );
    for (dir, target, relative) in protected {
        match beneath(dir, &relative) {
            Ok(Some(fd)) => entries.push(tree_entry(target, &fd, attributes(true))?),
            Ok(None) => {}
            Err(err) => {
                return Err(repo_error(format!(
                    "`{}` cannot be opened without following symlinks: {err}",
                    target.display()
                )));
            }
        }
    }
    Ok(entries)
}

/// Opens `relative` under `dir` as an O_PATH fd, refusing symlinks and `..` anywhere in it.
fn beneath(dir: &OwnedFd, relative: &Path) -> Result<Option<OwnedFd>, rustix::io::Errno> {
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    match rustix::fs::openat2(
        dir,
        relative,
        OFlags::PATH | OFlags::CLOEXEC | OFlags::NOFOLLOW,
        Mode::empty(),
        resolve,
    ) {
        Ok(fd) => Ok(Some(fd)),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(err) => Err(err),
    }
}

fn host_bind(path: &Path, read_only: bool) -> Result<Entry, SandboxError> {
    let fd = rustix::fs::open(path, OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
        .map_err(|err| SandboxError::setup(SetupStep::Mount(path.into()), err))?;
    tree_entry(path.to_path_buf(), &fd, attributes(read_only))
}

/// Mount attributes of a bind: never set-uid or device files; read-only when asked.
fn attributes(read_only: bool) -> u64 {
    if read_only {
        ATTR_RDONLY | ATTR_NOSUID_NODEV
    } else {
        ATTR_NOSUID_NODEV
    }
}

/// Clones the mount tree at `fd` as a detached mount to be placed at `target`.
fn tree_entry(target: PathBuf, fd: &OwnedFd, attributes: u64) -> Result<Entry, SandboxError> {
    let step = || SetupStep::Mount(target.clone());
    let file = !rustix::fs::fstat(fd)
        .map_err(|err| SandboxError::setup(step(), err))
        .map(|stat| rustix::fs::FileType::from_raw_mode(stat.st_mode).is_dir())?;
    let tree = rustix::mount::open_tree(
        fd,
        "",
        OpenTreeFlags::OPEN_TREE_CLONE
            | OpenTreeFlags::OPEN_TREE_CLOEXEC
            | OpenTreeFlags::AT_EMPTY_PATH
            | OpenTreeFlags::AT_RECURSIVE,
    )
    .map_err(|err| SandboxError::setup(step(), err))?;
    Ok(Entry {
        target,
        kind: Kind::Bind {
            tree,
            attributes,
            file,
        },
    })
}

/// Mounts one entry at its path under the staging root.
fn place(entry: Entry) -> Result<(), SandboxError> {
    let step = || SetupStep::Mount(entry.target.clone());
    let relative = entry.target.strip_prefix("/").unwrap_or(&entry.target);
    let at = Path::new(STAGING).join(relative);
    let parent = at.parent().unwrap_or(Path::new(STAGING));
    std::fs::create_dir_all(parent).map_err(|err| SandboxError::setup(step(), err))?;
    let result = match entry.kind {
        Kind::Symlink(target) => std::os::unix::fs::symlink(target, &at),
        Kind::Bind {
            tree,
            attributes,
            file,
        } => {
            mount_point(&at, file).map_err(|err| SandboxError::setup(step(), err))?;
            crate::sys::mount_setattr(&tree, true, attributes).and_then(|()| {
                rustix::mount::move_mount(
                    &tree,
                    "",
                    rustix::fs::CWD,
                    &at,
                    MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
                )
                .map_err(Into::into)
            })
        }
        Kind::Tmpfs { options } => mount_point(&at, false).and_then(|()| {
            let data = std::ffi::CString::new(options).map_err(std::io::Error::other)?;
            rustix::mount::mount(
                "tmpfs",
                &at,
                "tmpfs",
                MountFlags::NOSUID | MountFlags::NODEV,
                data.as_c_str(),
            )
            .map_err(Into::into)
        }),
        Kind::Devpts => mount_point(&at, false).and_then(|()| {
            rustix::mount::mount(
                "devpts",
                &at,
                "devpts",
                MountFlags::NOSUID | MountFlags::NOEXEC,
                c"newinstance,ptmxmode=0666,mode=0620",
            )
            .map_err(Into::into)
        }),
        Kind::Proc => {
            return mount_point(&at, false)
                .and_then(|()| {
                    rustix::mount::mount(
                        "proc",
                        &at,
                        "proc",
                        MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
                        None,
                    )
                    .map_err(Into::into)
                })
                .map_err(|err| SandboxError::setup(SetupStep::ProcMount, err));
        }
    };
    result.map_err(|err| SandboxError::setup(step(), err))
}

/// Creates the directory or empty file a mount lands on (no-op when it exists).
fn mount_point(at: &Path, file: bool) -> std::io::Result<()> {
    if file {
        if !at.exists() {
            std::fs::File::create(at)?;
        }
        Ok(())
    } else {
        std::fs::create_dir_all(at)
    }
}

/// Makes the staging tmpfs the root, drops the host's root, and makes `/` read-only.
fn pivot() -> Result<(), SandboxError> {
    let step = || SetupStep::PivotRoot;
    rustix::process::chdir(STAGING).map_err(|err| SandboxError::setup(step(), err))?;
    rustix::process::pivot_root(".", ".").map_err(|err| SandboxError::setup(step(), err))?;
    rustix::mount::unmount(".", UnmountFlags::DETACH)
        .map_err(|err| SandboxError::setup(step(), err))?;
    rustix::process::chdir("/").map_err(|err| SandboxError::setup(step(), err))?;
    let root = rustix::fs::open(
        "/",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|err| SandboxError::setup(step(), err))?;
    crate::sys::mount_setattr(&root, false, ATTR_RDONLY)
        .map_err(|err| SandboxError::setup(SetupStep::Mount("/".into()), err))
}
