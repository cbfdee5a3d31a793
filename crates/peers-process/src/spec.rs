//! What to run: program, arguments, directory, the complete environment, stdin, limits.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Everything needed to run one child; nothing is inherited from the parent implicitly.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// A path, or a bare name looked up in the `PATH` of `env` (as `execvp` does).
    pub program: OsString,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
    /// The COMPLETE environment: the child starts from an empty one.
    pub env: Vec<(OsString, OsString)>,
    pub stdin: StdinSource,
    /// Wall-clock limit from spawn; `None` waits for ever.
    pub timeout: Option<Duration>,
    /// Time between SIGTERM and SIGKILL to the process group on timeout.
    pub grace: Duration,
    /// Bytes kept per stream (half from the start, half from the end).
    pub capture_cap: usize,
    /// When peers is a subreaper, reap the zombies the group kill re-parented to it right
    /// after this command. Batch callers (the gate runner) turn it off and call
    /// [`crate::reap_orphans`] once for the batch: each sweep reads the process table.
    pub reap_orphans: bool,
}

impl CommandSpec {
    /// A spec with no arguments, an empty environment, stdin null, no timeout, 1 s grace, 2 MiB cap.
    pub fn new(program: impl Into<OsString>, cwd: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.into(),
            env: Vec::new(),
            stdin: StdinSource::Null,
            timeout: None,
            grace: Duration::from_secs(1),
            capture_cap: 2 * 1024 * 1024,
            reap_orphans: true,
        }
    }

    /// The `PATH` the child will see, empty when `env` has none.
    pub(crate) fn search_path(&self) -> OsString {
        self.env
            .iter()
            .rev()
            .find(|(key, _)| key == OsStr::new("PATH"))
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }

    /// The std command: cleared env, own process group, piped output, stdin per `self.stdin`.
    pub(crate) fn to_command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(&self.cwd)
            .env_clear()
            .envs(self.env.iter().map(|(key, value)| (key, value)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, so a timeout or cleanup can signal every descendant that stayed in it.
            .process_group(0);
        command.stdin(match self.stdin {
            StdinSource::Null => Stdio::null(),
            StdinSource::Bytes(_) => Stdio::piped(),
        });
        crate::death_signal::arm(&mut command);
        command
    }
}

/// What the child reads on stdin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StdinSource {
    /// `/dev/null`: a child that prompts gets EOF instead of hanging.
    #[default]
    Null,
    /// Written by the I/O thread while the child runs, then closed.
    Bytes(Vec<u8>),
}
