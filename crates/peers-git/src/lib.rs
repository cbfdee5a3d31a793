//! Git for peers: the git CLI run with an explicit environment, and the reads peers needs.
//!
//! Every call runs the `git` binary (not libgit2) in the discovered worktree with variables
//! that could redirect git removed, prompts off, the C locale, and stdin closed.

mod command;
mod error;
mod fingerprint;
mod history;
pub mod inert;
mod log;
mod patch;
mod remote_state;
mod scratch;
mod status;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use command::{GitCommand, not_an_option};

pub use error::GitError;
pub use log::Commit;
pub use patch::{CommitPatch, LineCounts};
pub use remote_state::StatePush;
pub use scratch::ScratchWorktree;
pub use status::StatusEntry;

/// The author and committer a commit is made as. Passed explicitly so committing never
/// depends on the user's global git config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

/// A git worktree, found once by `discover`; every later call runs at its root.
#[derive(Debug, Clone)]
pub struct Git {
    root: PathBuf,
    dirs: std::sync::OnceLock<GitDirs>,
}

/// Where the repository's own files live: `git_dir` holds this worktree's HEAD, index and
/// `config.worktree`; `common_dir` the shared `config`, `hooks/` and `info/` (the same
/// directory outside linked worktrees). Both absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitDirs {
    pub git_dir: PathBuf,
    pub common_dir: PathBuf,
}

impl Git {
    /// Find the worktree containing `dir` (`git rev-parse --show-toplevel`).
    pub fn discover(dir: &Path) -> Result<Git, GitError> {
        if !dir.is_dir() {
            return Err(GitError::NoSuchDirectory {
                path: dir.to_path_buf(),
            });
        }
        let command = GitCommand::new(dir, &["rev-parse", "--show-toplevel"]);
        let output = command.output()?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            if stderr.contains("not a git repository") {
                return Err(GitError::NotARepository {
                    path: dir.to_path_buf(),
                });
            }
            return Err(command.failed(&output));
        }
        let stdout = output.stdout.strip_suffix(b"\n").unwrap_or(&output.stdout);
        if stdout.is_empty() {
            return Err(command.unexpected("empty top-level path"));
        }
        Ok(Git {
            root: PathBuf::from(OsStr::from_bytes(stdout)),
            dirs: std::sync::OnceLock::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The repository's git directory and common directory, asked once and then remembered.
    pub fn dirs(&self) -> Result<GitDirs, GitError> {
        if let Some(dirs) = self.dirs.get() {
            return Ok(dirs.clone());
        }
        let command = self.command(&["rev-parse", "--absolute-git-dir", "--git-common-dir"]);
        let stdout = command.run()?;
        let text = String::from_utf8_lossy(&stdout);
        let mut lines = text.lines();
        let (Some(git_dir), Some(common)) = (lines.next(), lines.next()) else {
            return Err(command.unexpected("expected two lines: git dir and common dir"));
        };
        let dirs = GitDirs {
            git_dir: PathBuf::from(git_dir),
            common_dir: self.root.join(common),
        };
        Ok(self.dirs.get_or_init(|| dirs).clone())
    }

    /// A `Git` rooted at `root`, known to be a worktree (the gates' scratch tree).
    pub(crate) fn at(root: PathBuf) -> Git {
        Git {
            root,
            dirs: std::sync::OnceLock::new(),
        }
    }

    fn command<S: AsRef<str>>(&self, args: &[S]) -> GitCommand<'_> {
        GitCommand::new(&self.root, args)
    }

    /// The commit HEAD points at; `None` on an unborn branch (no commits yet).
    pub fn head(&self) -> Result<Option<String>, GitError> {
        self.rev_parse("HEAD")
    }

    /// The commit `rev` names (tags and other refs peeled to their commit), or `None` when
    /// it names nothing.
    pub fn rev_parse(&self, rev: &str) -> Result<Option<String>, GitError> {
        self.resolve(rev, "commit")
    }

    fn resolve(&self, rev: &str, kind: &str) -> Result<Option<String>, GitError> {
        not_an_option("revision", rev)?;
        let spec = format!("{rev}^{{{kind}}}");
        let command = self.command(&["rev-parse", "--verify", "--quiet", spec.as_str()]);
        let output = command.output()?;
        match output.status.code() {
            Some(0) => {
                let sha = String::from_utf8_lossy(&output.stdout).trim().to_owned();
                Ok(Some(sha))
            }
            Some(1) => Ok(None),
            _ => Err(command.failed(&output)),
        }
    }

    /// The branch HEAD is on (`main`), or `None` when HEAD is detached.
    pub fn current_branch(&self) -> Result<Option<String>, GitError> {
        let command = self.command(&["symbolic-ref", "--quiet", "--short", "HEAD"]);
        let output = command.output()?;
        match output.status.code() {
            Some(0) => Ok(Some(
                String::from_utf8_lossy(&output.stdout).trim().to_owned(),
            )),
            Some(1) => Ok(None),
            _ => Err(command.failed(&output)),
        }
    }

    /// The URL of remote `name`, or `None` when there is no such remote.
    pub fn remote_url(&self, name: &str) -> Result<Option<String>, GitError> {
        not_an_option("remote name", name)?;
        let key = format!("remote.{name}.url");
        let command = self.command(&["config", "--get", key.as_str()]);
        let output = command.output()?;
        match output.status.code() {
            Some(0) => Ok(Some(
                String::from_utf8_lossy(&output.stdout).trim().to_owned(),
            )),
            Some(1) => Ok(None),
            _ => Err(command.failed(&output)),
        }
    }

    /// Point tag `name` at `rev`, moving it if it exists.
    pub fn tag_force(&self, name: &str, rev: &str) -> Result<(), GitError> {
        not_an_option("tag name", name)?;
        not_an_option("revision", rev)?;
        self.command(&["tag", "--force", name, rev]).run()?;
        Ok(())
    }

    /// Stage `paths` (relative to the root). No paths is a no-op.
    pub fn add(&self, paths: &[&str]) -> Result<(), GitError> {
        if paths.is_empty() {
            return Ok(());
        }
        let mut args = vec!["add", "--"];
        args.extend_from_slice(paths);
        self.command(&args).run()?;
        Ok(())
    }

    /// Commit what is staged as `identity` and return the new commit's id. Works on an
    /// unborn branch. Hooks and signing are off: these are peers' own bookkeeping commits.
    pub fn commit(&self, message: &str, identity: &Identity) -> Result<String, GitError> {
        self.commit_with(message, identity, &[])
    }

    /// Commit only `paths` (staged first with [`Git::add`]), leaving whatever else the user
    /// has staged out of the commit and still staged.
    pub fn commit_paths(
        &self,
        message: &str,
        identity: &Identity,
        paths: &[&str],
    ) -> Result<String, GitError> {
        self.commit_with(message, identity, paths)
    }

    fn commit_with(
        &self,
        message: &str,
        identity: &Identity,
        paths: &[&str],
    ) -> Result<String, GitError> {
        let name = format!("user.name={}", identity.name);
        let email = format!("user.email={}", identity.email);
        let mut args = vec![
            "-c",
            name.as_str(),
            "-c",
            email.as_str(),
            "-c",
            "commit.gpgsign=false",
            // `--no-verify` skips only pre-commit and commit-msg; this skips the rest.
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "--quiet",
            "--no-verify",
            "--cleanup=whitespace",
            "--file=-",
        ];
        if !paths.is_empty() {
            args.extend(["--only", "--"]);
            args.extend_from_slice(paths);
        }
        let mut command = self.command(&args);
        // The user's GIT_AUTHOR_*/GIT_COMMITTER_* would beat `-c user.*`; the identity wins.
        for (variable, value) in [
            ("GIT_AUTHOR_NAME", &identity.name),
            ("GIT_AUTHOR_EMAIL", &identity.email),
            ("GIT_COMMITTER_NAME", &identity.name),
            ("GIT_COMMITTER_EMAIL", &identity.email),
        ] {
            command.extra_env.push((variable, value.clone()));
        }
        command.stdin = Some(message.as_bytes());
        command.run()?;
        self.head()?
            .ok_or_else(|| command.unexpected("HEAD is still unborn after committing"))
    }

    /// A commit whose tree is `dir` (relative to the root) exactly as it is on disk, ignored
    /// files included, with HEAD as parent; built in a scratch index, so the user's index,
    /// branch and working tree are untouched. Returns the commit id (no ref points at it).
    pub fn snapshot_commit(
        &self,
        dir: &str,
        message: &str,
        identity: &Identity,
    ) -> Result<String, GitError> {
        self.snapshot_commit_excluding(dir, &[], message, identity)
    }

    fn snapshot_in(
        &self,
        index: &str,
        pathspecs: &[String],
        message: &str,
        identity: &Identity,
    ) -> Result<String, GitError> {
        let mut args = vec!["add".to_owned(), "--force".to_owned(), "--".to_owned()];
        args.extend(pathspecs.iter().cloned());
        let mut add = self.command(&args);
        add.extra_env.push(("GIT_INDEX_FILE", index.to_owned()));
        add.run()?;
        let mut tree = self.command(&["write-tree"]);
        tree.extra_env.push(("GIT_INDEX_FILE", index.to_owned()));
        let tree = String::from_utf8_lossy(&tree.run()?).trim().to_owned();
        let mut args = vec!["commit-tree".to_owned(), tree];
        if let Some(head) = self.head()? {
            args.extend(["-p".to_owned(), head]);
        }
        let mut commit = self.command(&args);
        for (variable, value) in [
            ("GIT_AUTHOR_NAME", &identity.name),
            ("GIT_AUTHOR_EMAIL", &identity.email),
            ("GIT_COMMITTER_NAME", &identity.name),
            ("GIT_COMMITTER_EMAIL", &identity.email),
        ] {
            commit.extra_env.push((variable, value.clone()));
        }
        commit.stdin = Some(message.as_bytes());
        Ok(String::from_utf8_lossy(&commit.run()?).trim().to_owned())
    }

    /// Commits in `range` (e.g. `HEAD`, `a..b`), oldest first. An unborn HEAD has none.
    pub fn commits(&self, range: &str) -> Result<Vec<Commit>, GitError> {
        self.log(range, None)
    }

    /// The newest `max_count` commits of `range`, returned oldest first.
    pub fn recent_commits(&self, range: &str, max_count: usize) -> Result<Vec<Commit>, GitError> {
        self.log(range, Some(max_count))
    }

    /// Commits of `range` (oldest first) whose message has a line matching the extended regex
    /// `pattern` (case-insensitive): git filters, so a long history costs little.
    pub fn commits_matching(&self, range: &str, pattern: &str) -> Result<Vec<Commit>, GitError> {
        self.log_filtered(range, None, Some(pattern))
    }

    fn log(&self, range: &str, max_count: Option<usize>) -> Result<Vec<Commit>, GitError> {
        self.log_filtered(range, max_count, None)
    }

    fn log_filtered(
        &self,
        range: &str,
        max_count: Option<usize>,
        grep: Option<&str>,
    ) -> Result<Vec<Commit>, GitError> {
        not_an_option("revision range", range)?;
        let mut args = vec!["log".to_owned(), "-z".to_owned(), "--reverse".to_owned()];
        if let Some(count) = max_count {
            args.push(format!("--max-count={count}"));
        }
        if let Some(pattern) = grep {
            args.extend([
                "--extended-regexp".to_owned(),
                "--regexp-ignore-case".to_owned(),
                format!("--grep={pattern}"),
            ]);
        }
        args.extend([
            log::LOG_FORMAT.to_owned(),
            range.to_owned(),
            "--".to_owned(),
        ]);
        let command = self.command(&args);
        let output = command.output()?;
        if !output.status.success() {
            if self.head()?.is_none() {
                return Ok(Vec::new());
            }
            return Err(command.failed(&output));
        }
        log::parse_log(&command, &output.stdout)
    }

    /// Whether `ancestor` is reachable from `descendant` (`git merge-base --is-ancestor`).
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        not_an_option("revision", ancestor)?;
        not_an_option("revision", descendant)?;
        let command = self.command(&["merge-base", "--is-ancestor", ancestor, descendant]);
        let output = command.output()?;
        match output.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(command.failed(&output)),
        }
    }

    /// Changed, staged and untracked paths (every untracked file, not just its directory).
    pub fn status_porcelain(&self) -> Result<Vec<StatusEntry>, GitError> {
        let command = self.command(&[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignore-submodules=none",
        ]);
        let stdout = command.run()?;
        status::parse_status(&command, &stdout)
    }

    /// A key that changes whenever a gate could see a different worktree: HEAD's tree plus
    /// the content of every changed or untracked, non-ignored path. Two git calls.
    pub fn worktree_fingerprint(&self) -> Result<String, GitError> {
        let tree = self.resolve("HEAD", "tree")?;
        let entries = self.status_porcelain()?;
        fingerprint::fingerprint(&self.root, tree.as_deref(), &entries)
    }

    /// Whether `path` (relative to the root) is ignored by `.gitignore` and friends.
    /// Tracked files are never ignored.
    pub fn is_ignored(&self, path: &str) -> Result<bool, GitError> {
        let command = self.command(&["check-ignore", "--quiet", "--", path]);
        let output = command.output()?;
        match output.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(command.failed(&output)),
        }
    }
}
