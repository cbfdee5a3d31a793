//! The gates' scratch worktree: a linked worktree (`git worktree add --detach`) of the commit
//! under judgement, reused between evaluations, forced to that commit and cleaned of everything
//! the commit does not hold (except the build caches the caller names) before each one.
//!
//! Every call here goes through the inert command builder (`crate::inert`): checking out a
//! commit must never run a program the repository (or an agent) configured.

use std::path::{Path, PathBuf};

use crate::command::{GitCommand, not_an_option};
use crate::{Git, GitError};

/// `-c` settings on every scratch call, on top of the inert builder's (which already turns off
/// hooks, fsmonitor and every other configured program): no detached-HEAD advice on stderr, no
/// submodule recursion.
const INERT: &[&str] = &[
    "-c",
    "advice.detachedHead=false",
    "-c",
    "submodule.recurse=false",
];

impl Git {
    /// This worktree's own git directory (`git rev-parse --absolute-git-dir`): `.git` of a
    /// plain clone, `.git/worktrees/<name>` of a linked worktree.
    pub fn git_dir(&self) -> Result<PathBuf, GitError> {
        let command = self.command(&["rev-parse", "--absolute-git-dir"]);
        let stdout = command.run()?;
        let text = String::from_utf8_lossy(&stdout).trim_end().to_owned();
        if text.is_empty() {
            return Err(command.unexpected("empty git directory"));
        }
        Ok(PathBuf::from(text))
    }

    /// Removes every untracked and ignored file and directory (nested repositories too),
    /// except the root-level entries named in `keep` (e.g. `target`, `Cargo.lock`).
    pub fn clean_untracked(&self, keep: &[&str]) -> Result<(), GitError> {
        let mut args: Vec<String> = INERT.iter().map(|s| (*s).to_owned()).collect();
        args.extend(["clean", "-ffdxq"].map(str::to_owned));
        for name in keep {
            not_an_option("path to keep", name)?;
            args.push(format!("--exclude=/{name}"));
        }
        GitCommand::new(&self.root, &args).run()?;
        Ok(())
    }

    fn force_checkout(&self, commit: &str) -> Result<(), GitError> {
        let mut args = INERT.to_vec();
        args.extend(["checkout", "--quiet", "--force", "--detach", commit]);
        self.command(&args).run()?;
        Ok(())
    }

    fn common_dir(&self) -> Result<PathBuf, GitError> {
        let command = self.command(&["rev-parse", "--path-format=absolute", "--git-common-dir"]);
        let stdout = command.run()?;
        Ok(PathBuf::from(
            String::from_utf8_lossy(&stdout).trim_end().to_owned(),
        ))
    }
}

/// A scratch worktree of this repository at a fixed path; cheap to use once made (the
/// repository's common git directory is read once, here).
#[derive(Debug, Clone)]
pub struct ScratchWorktree {
    repo: Git,
    path: PathBuf,
    worktrees_dir: PathBuf,
}

impl ScratchWorktree {
    pub fn new(repo: &Git, path: PathBuf) -> Result<Self, GitError> {
        let worktrees_dir = repo.common_dir()?.join("worktrees");
        Ok(Self {
            repo: repo.clone(),
            path,
            worktrees_dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The scratch worktree with `commit` checked out: tracked files forced to the commit's
    /// content, the index matching it. Added on first use (or when what is at the path is not
    /// a worktree of this repository); reused otherwise, so untracked build caches survive
    /// until [`Git::clean_untracked`] decides. Returns a `Git` rooted at the scratch tree.
    pub fn checkout(&self, commit: &str) -> Result<Git, GitError> {
        not_an_option("revision", commit)?;
        let scratch = Git::at(self.path.clone());
        if self.is_own_worktree() && scratch.force_checkout(commit).is_ok() {
            return Ok(scratch);
        }
        self.add(commit)?;
        Ok(scratch)
    }

    /// Removes the scratch worktree (its files and git's record of it).
    pub fn remove(&self) -> Result<(), GitError> {
        remove_tree(&self.path)?;
        self.repo.command(&["worktree", "prune"]).run()?;
        Ok(())
    }

    fn add(&self, commit: &str) -> Result<(), GitError> {
        self.remove()?;
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::ReadWorktree {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let target = self.path.to_string_lossy().into_owned();
        let mut args = INERT.to_vec();
        // `--force`: a record left by a scratch tree deleted behind git's back is replaced.
        args.extend([
            "worktree",
            "add",
            "--quiet",
            "--force",
            "--detach",
            "--no-checkout",
        ]);
        args.extend([target.as_str(), commit]);
        self.repo.command(&args).run()?;
        Git::at(self.path.clone()).force_checkout(commit)
    }

    /// Whether the path holds a worktree whose `.git` file points into this repository's
    /// worktree records; anything else there (a planted `.git` pointing at another
    /// repository, a plain directory) is replaced rather than trusted.
    fn is_own_worktree(&self) -> bool {
        let Ok(text) = std::fs::read_to_string(self.path.join(".git")) else {
            return false;
        };
        let Some(pointer) = text.strip_prefix("gitdir: ") else {
            return false;
        };
        let pointer = Path::new(pointer.trim_end());
        pointer.starts_with(&self.worktrees_dir) && pointer.is_dir()
    }
}

/// Deletes `path` and everything under it without following symlinks; missing is fine.
fn remove_tree(path: &Path) -> Result<(), GitError> {
    match std::fs::symlink_metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(GitError::ReadWorktree {
            path: path.to_path_buf(),
            source,
        }),
        Ok(meta) if meta.is_dir() => {
            std::fs::remove_dir_all(path).map_err(|source| GitError::ReadWorktree {
                path: path.to_path_buf(),
                source,
            })
        }
        Ok(_) => std::fs::remove_file(path).map_err(|source| GitError::ReadWorktree {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peers_testkit::git;

    #[test]
    fn scratch_holds_the_commit_only_and_keeps_named_caches() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join(".gitignore"), "marker\n").unwrap();
        std::fs::write(root.join("a.txt"), "one\n").unwrap();
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "one"]);
        let repo = Git::discover(root).unwrap();
        let first = repo.head().unwrap().unwrap();
        std::fs::write(root.join("a.txt"), "live edit\n").unwrap();
        std::fs::write(root.join("marker"), "ignored\n").unwrap();
        let path = repo.git_dir().unwrap().join("peers-scratch/peers-gates");

        let worktree = ScratchWorktree::new(&repo, path.clone()).unwrap();
        let scratch = worktree.checkout(&first).unwrap();
        scratch.clean_untracked(&["target"]).unwrap();
        assert_eq!(
            std::fs::read_to_string(path.join("a.txt")).unwrap(),
            "one\n"
        );
        assert!(!path.join("marker").exists(), "ignored files stay out");
        assert_eq!(scratch.head().unwrap().as_deref(), Some(first.as_str()));

        // Build output and a tampered tracked file between evaluations.
        std::fs::create_dir_all(path.join("target")).unwrap();
        std::fs::write(path.join("target/cache"), "warm").unwrap();
        std::fs::write(path.join("junk"), "x").unwrap();
        std::fs::write(path.join("a.txt"), "tampered\n").unwrap();
        git(root, &["commit", "-q", "-am", "two"]);
        let second = repo.head().unwrap().unwrap();
        let again = worktree.checkout(&second).unwrap();
        again.clean_untracked(&["target"]).unwrap();
        assert_eq!(
            std::fs::read_to_string(path.join("a.txt")).unwrap(),
            "live edit\n"
        );
        assert!(!path.join("junk").exists());
        assert!(path.join("target/cache").exists(), "kept cache survives");
        again.clean_untracked(&[]).unwrap();
        assert!(!path.join("target").exists());

        // The user's own status never shows the scratch tree.
        assert!(repo.status_porcelain().unwrap().is_empty());
    }

    #[test]
    fn a_planted_git_file_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join("a.txt"), "one\n").unwrap();
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "one"]);
        let repo = Git::discover(root).unwrap();
        let head = repo.head().unwrap().unwrap();
        let path = repo.git_dir().unwrap().join("peers-scratch/peers-gates");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join(".git"), "gitdir: /elsewhere\n").unwrap();
        std::fs::write(path.join("planted"), "x").unwrap();
        ScratchWorktree::new(&repo, path.clone())
            .unwrap()
            .checkout(&head)
            .unwrap();
        assert!(!path.join("planted").exists());
        assert!(path.join("a.txt").exists());
    }
}
