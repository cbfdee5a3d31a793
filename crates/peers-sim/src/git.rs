//! Git as a scripted peer runs it: the peer's own identity, global and system config ignored.
//!
//! peers-git's writer commits as the orchestrator does (hooks off, user config inherited, no
//! empty commits); a sim peer instead needs empty commits (handoffs, reviews) and must behave
//! the same on every machine, so its writes go through this small runner on top of
//! peers-git's `inert::isolated` command (which owns the environment rules).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use peers_git::Identity;

use crate::error::SimError;

const STDERR_TAIL_BYTES: usize = 1000;

/// What to stage before committing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Staging<'a> {
    /// Every change, deletions and untracked files included (`git add --all`).
    All,
    /// Just these paths, relative to the repository.
    Paths(&'a [&'a str]),
    /// Whatever is already staged (nothing, for a handoff or a review).
    AsIs,
}

/// The repository a sim peer works in, and who it is.
pub(crate) struct PeerGit<'a> {
    repo: &'a Path,
    peer: &'a str,
}

impl<'a> PeerGit<'a> {
    pub(crate) fn new(repo: &'a Path, peer: &'a str) -> Self {
        PeerGit { repo, peer }
    }

    /// The absolute `.git` directory (a worktree's own one, where `.git` is a file).
    pub(crate) fn git_dir(&self) -> Result<PathBuf, SimError> {
        let stdout = self.run(&["rev-parse", "--absolute-git-dir"], None)?;
        let text = String::from_utf8_lossy(&stdout);
        Ok(PathBuf::from(text.trim_end_matches('\n')))
    }

    /// Commit as `<peer> <peer@peers.local>`, staging first as `staging` says.
    pub(crate) fn commit(
        &self,
        message: &str,
        staging: Staging<'_>,
        allow_empty: bool,
    ) -> Result<(), SimError> {
        match staging {
            Staging::All => {
                self.run(&["add", "--all"], None)?;
            }
            Staging::Paths(paths) => {
                let mut args = vec!["add", "--"];
                args.extend_from_slice(paths);
                self.run(&args, None)?;
            }
            Staging::AsIs => {}
        }
        let mut args = vec![
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "--quiet",
            "--cleanup=whitespace",
            "--file=-",
        ];
        if allow_empty {
            args.push("--allow-empty");
        }
        self.run(&args, Some(message.as_bytes()))?;
        Ok(())
    }

    /// HEAD's sha abbreviated to 12 digits, or `None` on an unborn HEAD.
    pub(crate) fn head_short(&self) -> Option<String> {
        let stdout = self.run(&["rev-parse", "--short=12", "HEAD"], None).ok()?;
        Some(String::from_utf8_lossy(&stdout).trim().to_owned()).filter(|s| !s.is_empty())
    }

    /// `git reset --hard <rev>`.
    pub(crate) fn reset_hard(&self, rev: &str) -> Result<(), SimError> {
        if rev.starts_with('-') {
            return Err(SimError::GitFailed {
                command: format!("git reset --hard {rev}"),
                status: "not run".into(),
                stderr_tail: "a revision may not start with `-`".into(),
            });
        }
        self.run(&["reset", "--quiet", "--hard", rev], None)?;
        Ok(())
    }

    fn command(&self, args: &[&str]) -> Command {
        // peers-git's isolated command: inert (a scripted peer must not run programs another
        // peer planted in `.git/config` either), no global or system config, the peer's name.
        let identity = Identity {
            name: self.peer.to_owned(),
            email: format!("{}@peers.local", self.peer),
        };
        let mut command = peers_git::inert::isolated(self.repo, args, &identity);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    }

    /// Run git with `args`, feeding `stdin` if given; exit 0 required, stdout returned.
    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>, SimError> {
        let line = format!("git {}", args.join(" "));
        let mut command = self.command(args);
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let spawn_error = |source| SimError::Spawn {
            command: line.clone(),
            source,
        };
        let mut child = command.spawn().map_err(spawn_error)?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // Messages are small and git reads all of stdin before it writes anything, so
            // writing before draining cannot deadlock. A write error shows as git's status.
            let _ = pipe.write_all(bytes);
        }
        let output = child.wait_with_output().map_err(spawn_error)?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(failed(line, &output))
        }
    }
}

fn failed(command: String, output: &Output) -> SimError {
    let stream = if output.stderr.iter().all(u8::is_ascii_whitespace) {
        &output.stdout
    } else {
        &output.stderr
    };
    let text = String::from_utf8_lossy(stream);
    let trimmed = text.trim_end();
    let mut start = trimmed.len().saturating_sub(STDERR_TAIL_BYTES);
    while !trimmed.is_char_boundary(start) {
        start += 1;
    }
    SimError::GitFailed {
        command,
        status: output.status.to_string(),
        stderr_tail: trimmed[start..].to_owned(),
    }
}
