//! The history operations the loop needs after a peer's turn: which paths a range changed,
//! putting history back when it was rewritten, and reverting a turn's commits.

use std::path::Path;

use crate::command::not_an_option;
use crate::{Git, GitError, Identity};

impl Git {
    /// Paths changed between `from` and `to` (both commits), as `git diff --name-only -z`.
    pub fn changed_paths(&self, from: &str, to: &str) -> Result<Vec<String>, GitError> {
        not_an_option("revision", from)?;
        not_an_option("revision", to)?;
        let command = self.command(&["diff", "--name-only", "-z", "--no-renames", from, to, "--"]);
        let stdout = command.run()?;
        Ok(stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }

    /// `git diff -U0 from to -- paths` as text (no renames), for line-level checks.
    pub fn diff_text(&self, from: &str, to: &str, paths: &[&str]) -> Result<String, GitError> {
        not_an_option("revision", from)?;
        not_an_option("revision", to)?;
        let mut args = vec!["diff", "-U0", "--no-renames", "--no-color", from, to, "--"];
        args.extend_from_slice(paths);
        let stdout = self.command(&args).run()?;
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    /// HEAD (None on an unborn branch) and whether the worktree has any change, untracked files
    /// included, from one `git status --porcelain=v2 --branch` (the hot path of every tick).
    pub fn head_and_dirty(&self) -> Result<(Option<String>, bool), GitError> {
        let stdout = self
            .command(&[
                "status",
                "--porcelain=v2",
                "--branch",
                "-z",
                "--untracked-files=all",
            ])
            .run()?;
        let mut head = None;
        let mut dirty = false;
        for record in stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            if let Some(oid) = record.strip_prefix(b"# branch.oid ") {
                let oid = String::from_utf8_lossy(oid).into_owned();
                head = (oid != "(initial)").then_some(oid);
            } else if !record.starts_with(b"#") {
                dirty = true;
            }
        }
        Ok((head, dirty))
    }

    /// Points `refname` (e.g. `refs/peers/rewritten/7`) at `rev`, so nothing is lost when the
    /// branch is moved back.
    pub fn update_ref(&self, refname: &str, rev: &str) -> Result<(), GitError> {
        not_an_option("ref name", refname)?;
        not_an_option("revision", rev)?;
        self.command(&["update-ref", refname, rev]).run()?;
        Ok(())
    }

    /// `git reset --hard rev`: the branch, index and worktree back to `rev`.
    pub fn reset_hard(&self, rev: &str) -> Result<(), GitError> {
        not_an_option("revision", rev)?;
        self.command(&["reset", "--hard", "--quiet", rev]).run()?;
        Ok(())
    }

    /// Reverts every commit of `from..HEAD` in one new commit authored by `identity`.
    pub fn revert_range(
        &self,
        from: &str,
        message: &str,
        identity: &Identity,
    ) -> Result<String, GitError> {
        not_an_option("revision", from)?;
        let range = format!("{from}..HEAD");
        self.command(&["revert", "--no-commit", "--no-edit", range.as_str()])
            .run()?;
        self.commit(message, identity)
    }

    /// Moves every uncommitted change, untracked files included, into a stash entry named
    /// `label`, leaving a clean tree and losing nothing (`git stash list` shows it). Returns
    /// the stash commit (stable, unlike `stash@{n}`), or `None` when there was nothing to stash.
    pub fn stash_all(&self, label: &str) -> Result<Option<String>, GitError> {
        not_an_option("stash message", label)?;
        let mut args: Vec<String> = [
            "-c",
            "user.name=peers-substrate",
            "-c",
            "user.email=peers-substrate@local",
            "stash",
            "push",
            "--include-untracked",
            "--quiet",
            "--message",
            label,
        ]
        .map(str::to_owned)
        .to_vec();
        // peers' own directory is never stashed, even when a rewritten .gitignore no longer
        // hides it: the run lock and the state must stay where the run reads them. Naming it
        // in an exclude pathspec fails while it *is* ignored, so the paths to stash are listed
        // explicitly, and only when `.peers/` shows up at all.
        let entries = self.status_porcelain()?;
        let peers_own = |path: &Path| path.starts_with(".peers");
        if entries.iter().any(|entry| peers_own(&entry.path)) {
            let paths: Vec<&Path> = entries
                .iter()
                .flat_map(|entry| {
                    std::iter::once(entry.path.as_path()).chain(entry.orig_path.as_deref())
                })
                .filter(|path| !peers_own(path))
                .collect();
            if paths.is_empty() {
                return Ok(None);
            }
            let list = self.dirs()?.git_dir.join("peers-stash-paths");
            let mut bytes = Vec::new();
            for path in &paths {
                bytes.extend_from_slice(path.as_os_str().as_encoded_bytes());
                bytes.push(0);
            }
            std::fs::write(&list, bytes).map_err(|source| GitError::ReadWorktree {
                path: list.clone(),
                source,
            })?;
            args.push(format!("--pathspec-from-file={}", list.display()));
            args.push("--pathspec-file-nul".to_owned());
            let stashed = self.command(&args).run();
            // Best effort: a leftover list is rewritten by the next stash and harms nothing.
            let _ = std::fs::remove_file(&list);
            stashed?;
        } else {
            self.command(&args).run()?;
        }
        let stash = self.rev_parse("refs/stash")?;
        let message = match &stash {
            Some(sha) => self
                .command(&["log", "-1", "--format=%s", sha.as_str()])
                .run()?,
            None => Vec::new(),
        };
        Ok(stash.filter(|_| String::from_utf8_lossy(&message).contains(label)))
    }

    /// Every tracked path (`git ls-files -z`).
    pub fn tracked_files(&self) -> Result<Vec<String>, GitError> {
        let stdout = self.command(&["ls-files", "-z"]).run()?;
        Ok(stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peers_testkit::git;

    fn repo() -> (tempfile::TempDir, Git) {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        std::fs::write(dir.path().join("a.txt"), "a\n").unwrap();
        git(dir.path(), &["add", "a.txt"]);
        git(dir.path(), &["commit", "-q", "-m", "a"]);
        let g = Git::discover(dir.path()).unwrap();
        (dir, g)
    }

    #[test]
    fn head_and_dirty_reads_head_and_any_change_in_one_call() {
        let (dir, git_repo) = repo();
        let head = git_repo.head().unwrap();
        assert_eq!(git_repo.head_and_dirty().unwrap(), (head.clone(), false));
        std::fs::write(dir.path().join("new.txt"), "x").unwrap();
        assert_eq!(git_repo.head_and_dirty().unwrap(), (head, true));
        let empty = tempfile::tempdir().unwrap();
        git(empty.path(), &["init", "-q", "-b", "main"]);
        let unborn = Git::discover(empty.path()).unwrap();
        assert_eq!(unborn.head_and_dirty().unwrap(), (None, false));
    }

    #[test]
    fn changed_paths_and_revert_range_undo_a_turn() {
        let (dir, git_repo) = repo();
        let before = git_repo.head().unwrap().unwrap();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(dir.path().join("tests/t.sh"), "true\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-q", "-m", "tests only"]);
        let head = git_repo.head().unwrap().unwrap();
        assert_eq!(
            git_repo.changed_paths(&before, &head).unwrap(),
            ["tests/t.sh"]
        );
        let identity = Identity {
            name: "peers-substrate".into(),
            email: "peers-substrate@local".into(),
        };
        git_repo
            .revert_range(
                &before,
                "Anti-cheating revert\n\nPeer: peers-substrate\n",
                &identity,
            )
            .unwrap();
        assert!(!dir.path().join("tests/t.sh").exists());
    }

    #[test]
    fn reset_hard_restores_history_and_update_ref_keeps_the_rewritten_head() {
        let (dir, git_repo) = repo();
        let before = git_repo.head().unwrap().unwrap();
        std::fs::write(dir.path().join("b.txt"), "b\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-q", "--amend", "-m", "rewritten"]);
        let rewritten = git_repo.head().unwrap().unwrap();
        assert!(!git_repo.is_ancestor(&before, &rewritten).unwrap());
        git_repo
            .update_ref("refs/peers/rewritten/1", &rewritten)
            .unwrap();
        git_repo.reset_hard(&before).unwrap();
        assert_eq!(git_repo.head().unwrap().unwrap(), before);
        assert_eq!(
            git_repo
                .rev_parse("refs/peers/rewritten/1")
                .unwrap()
                .unwrap(),
            rewritten
        );
    }
}
