//! Where a repository's git metadata lives and which of it must be read-only inside a sandbox:
//! `config`, `config.worktree` and `hooks` of its git directory and of every submodule
//! (`.git/modules/…`, nested) and linked worktree (`.git/worktrees/…`) below it. A repository
//! whose `.git` is a file (a linked worktree) has its common git directory elsewhere; that
//! directory is shown read-write (commits need its objects and refs) and the `.git` file
//! read-only. No symlink is followed inside the repository or the git directory.

use std::path::{Component, Path, PathBuf};

use crate::error::SandboxError;

/// Read-only names inside one git directory.
const PROTECTED_NAMES: &[&str] = &["config", "config.worktree", "hooks"];
/// At most this many nested git directories are looked at (a hostile tree could hold more).
const MAX_GIT_DIRS: usize = 512;

/// A repository's git metadata as the sandboxes mount it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitLayout {
    /// `<repo>/.git` when it is a file (read-only); `None` when it is the git directory.
    pub dot_git_file: Option<PathBuf>,
    /// The git directory bound read-write and pinned: `<repo>/.git` or the common directory.
    pub git_dir: PathBuf,
    /// Existing paths under `git_dir` to bind read-only, parents before children.
    pub protected: Vec<PathBuf>,
}

/// Finds the layout; creates `hooks` in the git directory when it is missing (a hooks
/// directory created inside the sandbox would otherwise run on the host).
pub(crate) fn layout(repo: &Path) -> Result<GitLayout, SandboxError> {
    let bad = |reason: String| SandboxError::Repository {
        path: repo.to_path_buf(),
        reason,
    };
    let dot_git = inside(repo, Path::new(".git"))?.ok_or_else(|| bad("has no `.git`".into()))?;
    let (dot_git_file, git_dir) = if dot_git.is_dir() {
        (None, dot_git)
    } else {
        let common = linked_common_dir(repo, &dot_git)?;
        (Some(dot_git), common)
    };
    let hooks = git_dir.join("hooks");
    if std::fs::symlink_metadata(&hooks).is_err() {
        std::fs::create_dir_all(&hooks)
            .map_err(|err| bad(format!("cannot create {}: {err}", hooks.display())))?;
    }
    let mut protected = Vec::new();
    for dir in git_dirs_below(&git_dir)? {
        for name in PROTECTED_NAMES {
            if let Some(path) = inside(&git_dir, &dir.join(name))? {
                protected.push(path);
            }
        }
    }
    if inside(&git_dir, Path::new("config"))?.is_none() {
        return Err(bad(format!("{} has no `config`", git_dir.display())));
    }
    protected.sort_by_key(|path| path.components().count());
    Ok(GitLayout {
        dot_git_file,
        git_dir,
        protected,
    })
}

/// The git directory itself (empty path) and every submodule and worktree git directory
/// below it, relative to it (submodules nest: `modules/a/modules/b`).
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
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) && found.len() < MAX_GIT_DIRS {
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
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("gitdir:"))
        .map(|dir| repo.join(dir.trim()))
        .ok_or_else(|| bad("its `.git` file has no `gitdir:` line".into()))?;
    let common = match std::fs::read_to_string(gitdir.join("commondir")) {
        Ok(relative) => gitdir.join(relative.trim()),
        Err(_) => gitdir,
    };
    let common = common.canonicalize().map_err(|err| {
        bad(format!(
            "its git directory {} is unusable: {err}",
            common.display()
        ))
    })?;
    if repo.starts_with(&common) || common.parent().is_none() {
        return Err(bad(format!(
            "its `.git` file points at {}, which contains the repository",
            common.display()
        )));
    }
    Ok(common)
}

/// `root/relative` if it exists and no component of `relative` is a symlink or `..`.
pub(crate) fn inside(root: &Path, relative: &Path) -> Result<Option<PathBuf>, SandboxError> {
    let mut path = root.to_path_buf();
    for component in relative.components() {
        let Component::Normal(name) = component else {
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
