//! Reading changes as text for the diff gates: a diff from a revision to the worktree, the
//! patch of every commit in a range, a file as it was at a revision, per-commit line counts.
//!
//! Every diff is asked for with fixed prefixes and no external diff or textconv driver, so a
//! user's (or an agent's) git config cannot change what the gates read.

use crate::command::not_an_option;
use crate::{Git, GitError};

/// Options that pin the diff format whatever the configuration says.
const DIFF_FORMAT: &[&str] = &[
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
];

/// One commit's patch from [`Git::commit_patches`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitPatch {
    pub sha: String,
    pub patch: String,
}

/// One path's line counts in a commit (`git diff-tree --numstat`); `None` for binary files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCounts {
    pub path: String,
    pub added: Option<u64>,
    pub deleted: Option<u64>,
}

impl Git {
    /// The unified diff from `rev` to the working tree (tracked files only), with `context`
    /// lines of context.
    pub fn diff_to_worktree(&self, rev: &str, context: u32) -> Result<String, GitError> {
        not_an_option("revision", rev)?;
        let unified = format!("--unified={context}");
        let mut args = vec!["-c", "core.quotePath=false", "diff"];
        args.extend_from_slice(DIFF_FORMAT);
        args.extend([unified.as_str(), rev, "--"]);
        let stdout = self.command(&args).run()?;
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    /// The unified diff from `from` to `to` (both revisions), with `context` lines of context.
    pub fn diff_between(&self, from: &str, to: &str, context: u32) -> Result<String, GitError> {
        not_an_option("revision", from)?;
        not_an_option("revision", to)?;
        let unified = format!("--unified={context}");
        let mut args = vec!["-c", "core.quotePath=false", "diff"];
        args.extend_from_slice(DIFF_FORMAT);
        args.extend([unified.as_str(), from, to, "--"]);
        let stdout = self.command(&args).run()?;
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    /// The patch (no context lines) of every non-merge commit in `range`, oldest first.
    pub fn commit_patches(&self, range: &str) -> Result<Vec<CommitPatch>, GitError> {
        not_an_option("revision range", range)?;
        let mut args = vec![
            "-c",
            "core.quotePath=false",
            "log",
            "--reverse",
            "--no-merges",
            "--patch",
            "--unified=0",
            "--format=%x00%H",
        ];
        args.extend_from_slice(DIFF_FORMAT);
        args.extend([range, "--"]);
        let stdout = self.command(&args).run()?;
        let text = String::from_utf8_lossy(&stdout);
        Ok(text
            .split('\0')
            .filter(|record| !record.trim().is_empty())
            .map(|record| {
                let (sha, patch) = record.split_once('\n').unwrap_or((record, ""));
                CommitPatch {
                    sha: sha.trim().to_owned(),
                    patch: patch.to_owned(),
                }
            })
            .collect())
    }

    /// The bytes of `path` at `rev`, or `None` when `rev` has no such file.
    pub fn file_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        not_an_option("revision", rev)?;
        let spec = format!("{rev}:{path}");
        let probe = self.command(&["cat-file", "-e", spec.as_str()]);
        let output = probe.output()?;
        if !output.status.success() {
            // `cat-file -e` answers "missing" with a non-zero exit; a missing revision is the
            // caller's concern and shows up as an error in `rev_parse`.
            if self.rev_parse(rev)?.is_none() {
                return Err(probe.failed(&output));
            }
            return Ok(None);
        }
        Ok(Some(
            self.command(&["cat-file", "blob", spec.as_str()]).run()?,
        ))
    }

    /// Lines added and deleted per path by commit `sha` (against its first parent; a root
    /// commit against the empty tree).
    pub fn commit_line_counts(&self, sha: &str) -> Result<Vec<LineCounts>, GitError> {
        not_an_option("revision", sha)?;
        let stdout = self
            .command(&[
                "diff-tree",
                "--numstat",
                "-r",
                "-z",
                "--root",
                "--no-commit-id",
                "--no-renames",
                sha,
            ])
            .run()?;
        let text = String::from_utf8_lossy(&stdout);
        Ok(text
            .split('\0')
            .filter(|record| !record.is_empty())
            .filter_map(|record| {
                let mut fields = record.splitn(3, '\t');
                let added = fields.next()?;
                let deleted = fields.next()?;
                let path = fields.next()?;
                Some(LineCounts {
                    path: path.to_owned(),
                    added: added.parse().ok(),
                    deleted: deleted.parse().ok(),
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use peers_testkit::git;

    use super::*;

    #[test]
    fn diffs_patches_files_and_counts_read_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join("a.txt"), "one\n").unwrap();
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "first"]);
        git(root, &["tag", "base"]);
        std::fs::write(root.join("a.txt"), "one\ntwo\nthree\n").unwrap();
        git(root, &["commit", "-q", "-am", "second"]);
        std::fs::write(root.join("a.txt"), "one\ntwo\n").unwrap();
        let repo = Git::discover(root).unwrap();

        let diff = repo.diff_to_worktree("base", 0).unwrap();
        assert!(
            diff.contains("+++ b/a.txt") && diff.contains("\n+two\n"),
            "{diff}"
        );
        assert!(!diff.contains("+three"));

        let patches = repo.commit_patches("base..HEAD").unwrap();
        assert_eq!(patches.len(), 1);
        assert_eq!(patches[0].sha, repo.head().unwrap().unwrap());
        assert!(
            patches[0].patch.contains("\n+three"),
            "{}",
            patches[0].patch
        );

        assert_eq!(repo.file_at("base", "a.txt").unwrap().unwrap(), b"one\n");
        assert_eq!(repo.file_at("base", "missing.txt").unwrap(), None);
        assert!(repo.file_at("no-such-rev", "a.txt").is_err());

        let counts = repo.commit_line_counts(&patches[0].sha).unwrap();
        assert_eq!(
            counts,
            [LineCounts {
                path: "a.txt".into(),
                added: Some(2),
                deleted: Some(0)
            }]
        );
    }
}
