//! The run's durable record off the machine: a snapshot commit of `.peers/` built in a scratch
//! index (the user's index, branch and working tree untouched), and a push of the branch and that
//! snapshot to a remote, as inert as every other git call: no hook (`pre-push` included), no
//! fsmonitor, no filter or credential helper from the repository's configuration, no prompt, no
//! remote helper (`ext::`); only the `file`, `http` and `https` transports.

use crate::command::not_an_option;
use crate::{Git, GitError, Identity};

/// What a push of the run's durable state sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatePush<'a> {
    /// A remote name (`origin`) or URL.
    pub remote: &'a str,
    /// The branch HEAD is pushed to (`refs/heads/<branch>`, never forced).
    pub branch: &'a str,
    /// The ref the `.peers/` snapshot is force-pushed to (`refs/peers/<run>/state`).
    pub state_ref: &'a str,
    /// The directory snapshotted (`.peers`), relative to the root.
    pub dir: &'a str,
    /// Paths under `dir` left out of the snapshot (caches, the lock file).
    pub exclude: &'a [&'a str],
    pub message: &'a str,
}

/// Transports a push may use: a remote helper (`ext::`, `fd::`) stays refused by the inert
/// `protocol.allow=never`. Ssh is not among them: the inert `core.sshCommand` is empty.
const PUSH_PROTOCOLS: &[&str] = &["file", "http", "https"];

impl Git {
    /// A commit whose tree is `dir` as it is on disk (ignored files included, `exclude` left
    /// out), with HEAD as parent, built in a scratch index: the index, the branch and the working
    /// tree are untouched. No ref points at it.
    pub fn snapshot_commit_excluding(
        &self,
        dir: &str,
        exclude: &[&str],
        message: &str,
        identity: &Identity,
    ) -> Result<String, GitError> {
        not_an_option("path", dir)?;
        for path in exclude {
            not_an_option("path", path)?;
        }
        let index = self
            .dirs()?
            .git_dir
            .join(format!("peers-snapshot-{}.index", std::process::id()));
        let index_env = index.to_string_lossy().into_owned();
        let mut pathspecs = vec![dir.to_owned()];
        pathspecs.extend(exclude.iter().map(|path| format!(":(exclude){path}")));
        let result = self.snapshot_in(&index_env, &pathspecs, message, identity);
        let _ = std::fs::remove_file(&index);
        result
    }

    /// Pushes `refspecs` to `remote` without running anything the repository names: hooks off
    /// (and `--no-verify`), no submodule recursion, no signing, only the file and http(s)
    /// transports. Git runs in its own process group, so a signal meant for the caller's group
    /// does not interrupt the push halfway. Fails with git's own message when the remote refuses.
    pub fn push(&self, remote: &str, refspecs: &[&str]) -> Result<(), GitError> {
        not_an_option("remote", remote)?;
        for refspec in refspecs {
            not_an_option("refspec", refspec)?;
        }
        let mut args: Vec<String> = Vec::new();
        for protocol in PUSH_PROTOCOLS {
            args.extend(["-c".to_owned(), format!("protocol.{protocol}.allow=always")]);
        }
        args.extend(["-c".to_owned(), "push.recurseSubmodules=no".to_owned()]);
        args.extend(
            [
                "push",
                "--quiet",
                "--no-verify",
                "--no-signed",
                "--recurse-submodules=no",
                remote,
            ]
            .map(str::to_owned),
        );
        args.extend(refspecs.iter().map(|r| (*r).to_owned()));
        let mut command = self.command(&args);
        // A stop signal to the run's group must not cut a push halfway: the run pushes again
        // itself on its way out.
        command.own_process_group = true;
        command.run()?;
        Ok(())
    }

    /// Snapshots `push.dir` and pushes HEAD to `push.branch` and the snapshot to
    /// `push.state_ref` in one push. Returns the snapshot's commit id.
    pub fn push_state(
        &self,
        push: &StatePush<'_>,
        identity: &Identity,
    ) -> Result<String, GitError> {
        not_an_option("branch", push.branch)?;
        not_an_option("ref", push.state_ref)?;
        let snapshot =
            self.snapshot_commit_excluding(push.dir, push.exclude, push.message, identity)?;
        let branch = format!("HEAD:refs/heads/{}", push.branch);
        let state = format!("+{snapshot}:{}", push.state_ref);
        self.push(push.remote, &[branch.as_str(), state.as_str()])?;
        Ok(snapshot)
    }
}
