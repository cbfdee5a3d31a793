//! Running the `git` binary: an explicit environment, stdin closed, output captured.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::error::GitError;

/// How much of stderr an error keeps: enough for git's `fatal:`/`hint:` lines.
const STDERR_TAIL_BYTES: usize = 2000;

/// One git invocation. `args` go after `git`; `extra_env` is set on top of the cleaned
/// inherited environment.
pub(crate) struct GitCommand<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) args: Vec<String>,
    pub(crate) extra_env: Vec<(&'static str, String)>,
    pub(crate) stdin: Option<&'a [u8]>,
    /// Run in a process group of its own, so a signal to the caller's group (Ctrl-C, a
    /// container's stop) does not cut it off halfway (a push leaving a lock on the remote).
    pub(crate) own_process_group: bool,
}

impl<'a> GitCommand<'a> {
    pub(crate) fn new<S: AsRef<str>>(dir: &'a Path, args: &[S]) -> Self {
        GitCommand {
            dir,
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            extra_env: Vec::new(),
            stdin: None,
            own_process_group: false,
        }
    }

    pub(crate) fn command_line(&self) -> String {
        let mut line = String::from("git");
        for arg in &self.args {
            line.push(' ');
            if arg.is_empty() || arg.contains(char::is_whitespace) {
                line.push_str(&format!("{arg:?}"));
            } else {
                line.push_str(arg);
            }
        }
        line
    }

    /// Run to completion. Only a failure to start is an error here; the caller judges the
    /// exit status, because several git commands use exit 1 as an answer, not a failure.
    /// The `Command` with its environment decided: inherited, minus anything that could
    /// redirect git, plus our fixed settings and this call's extras.
    fn build(&self) -> Command {
        let mut command = crate::inert::command(self.dir, &self.args);
        // Status and diff would otherwise refresh the index under a lock, racing an agent
        // that is running git in the same worktree.
        command.env("GIT_OPTIONAL_LOCKS", "0");
        for (name, value) in &self.extra_env {
            command.env(name, value);
        }
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        if self.own_process_group {
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
        }
        command.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command
    }

    /// Run to completion. Only a failure to start is an error here; the caller judges the
    /// exit status, because several git commands use exit 1 as an answer, not a failure.
    pub(crate) fn output(&self) -> Result<Output, GitError> {
        let mut command = self.build();
        let mut child = command.spawn().map_err(|source| self.spawn_error(source))?;
        let input = self.stdin.zip(child.stdin.take());
        // Stdin is written from a second thread while this one drains stdout and stderr, so
        // neither side can block the other on a full pipe. A write error (git exited early)
        // surfaces as git's own exit status.
        std::thread::scope(|scope| {
            if let Some((bytes, mut pipe)) = input {
                scope.spawn(move || {
                    let _ = pipe.write_all(bytes);
                });
            }
            child.wait_with_output()
        })
        .map_err(|source| self.spawn_error(source))
    }

    /// Run and require exit 0; return stdout.
    pub(crate) fn run(&self) -> Result<Vec<u8>, GitError> {
        let output = self.output()?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(self.failed(&output))
        }
    }

    pub(crate) fn failed(&self, output: &Output) -> GitError {
        // Some failures explain themselves only on stdout (`commit` with nothing staged).
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
        GitError::Failed {
            command: self.command_line(),
            status: output.status.to_string(),
            stderr_tail: trimmed[start..].to_owned(),
        }
    }

    pub(crate) fn unexpected(&self, detail: impl Into<String>) -> GitError {
        GitError::UnexpectedOutput {
            command: self.command_line(),
            detail: detail.into(),
        }
    }

    fn spawn_error(&self, source: std::io::Error) -> GitError {
        if source.kind() == std::io::ErrorKind::NotFound && !self.dir.is_dir() {
            GitError::NoSuchDirectory {
                path: self.dir.to_path_buf(),
            }
        } else if source.kind() == std::io::ErrorKind::NotFound {
            GitError::GitNotFound { source }
        } else {
            GitError::Spawn {
                command: self.command_line(),
                source,
            }
        }
    }
}

/// Reject a user-supplied name or revision that git would parse as an option.
pub(crate) fn not_an_option(what: &'static str, value: &str) -> Result<(), GitError> {
    if value.is_empty() || value.starts_with('-') {
        return Err(GitError::LooksLikeOption {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn redirecting_variables_are_removed_and_prompts_disabled() {
        let command = GitCommand::new(Path::new("/"), &["status"]).build();
        let envs: Vec<(&OsStr, Option<&OsStr>)> = command.get_envs().collect();
        for name in crate::inert::SCRUBBED_VARIABLES {
            assert!(
                envs.contains(&(OsStr::new(name), None)),
                "{name} not removed"
            );
        }
        assert!(envs.contains(&(OsStr::new("GIT_TERMINAL_PROMPT"), Some(OsStr::new("0")))));
        assert!(envs.contains(&(OsStr::new("LC_ALL"), Some(OsStr::new("C")))));
    }

    #[test]
    fn command_line_quotes_arguments_with_spaces() {
        let command = GitCommand::new(Path::new("/"), &["log", "a b"]);
        assert_eq!(command.command_line(), "git log \"a b\"");
    }

    #[test]
    fn option_like_values_are_refused() {
        assert!(not_an_option("revision", "--output=/etc/passwd").is_err());
        assert!(not_an_option("revision", "").is_err());
        assert!(not_an_option("revision", "HEAD~1..HEAD").is_ok());
    }
}
