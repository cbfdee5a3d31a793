//! Running the command behind a browser action (`peers-ctl stop|start`, `peers revive --all`)
//! under peers-process supervision and collecting what it printed, for both binaries' [`Actions`];
//! each binary only says which program, arguments and directory.
//!
//! [`Actions`]: crate::source::Actions

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use peers_process::CommandSpec;

use crate::source::ActionError;

/// What is kept of each of stdout and stderr (the page shows both, stdout first).
const OUTPUT_TAIL: usize = 8000;
/// What peers-process keeps of each stream while the command runs.
const CAPTURE_CAP: usize = 64 * 1024;

/// One action's command line.
#[derive(Debug, Clone)]
pub struct ActionCommand {
    pub program: PathBuf,
    /// How an error names the command (`peers revive`, or the program's path).
    pub label: String,
    pub cwd: PathBuf,
    pub args: Vec<OsString>,
    /// How long it may take before it is stopped.
    pub timeout: Duration,
}

impl ActionCommand {
    /// Runs it with this process's environment and stdin null; `Ok` with what it printed when it
    /// succeeded, [`ActionError::Failed`] with the same text when it did not.
    pub fn run(&self) -> Result<String, ActionError> {
        let mut spec = CommandSpec::new(&self.program, &self.cwd);
        spec.args.clone_from(&self.args);
        spec.env = std::env::vars_os().collect();
        spec.timeout = Some(self.timeout);
        spec.capture_cap = CAPTURE_CAP;
        let outcome = peers_process::run(&spec).map_err(|e| ActionError::Run {
            command: self.label.clone(),
            source: e.into(),
        })?;
        let text = format!(
            "{}{}",
            outcome.stdout.tail_lossy(OUTPUT_TAIL),
            outcome.stderr.tail_lossy(OUTPUT_TAIL)
        );
        if outcome.success() {
            Ok(text)
        } else {
            Err(ActionError::Failed { output: text })
        }
    }
}

/// The running binary, to run one of its own commands; `name` says which in the error
/// (`cannot find peers itself: …`).
pub fn this_binary(name: &str) -> Result<PathBuf, ActionError> {
    std::env::current_exe().map_err(|e| ActionError::Locate {
        program: format!("{name} itself"),
        source: e.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> ActionCommand {
        ActionCommand {
            program: PathBuf::from("/bin/sh"),
            label: "sh".to_owned(),
            cwd: std::env::temp_dir(),
            args: vec!["-c".into(), script.into()],
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn success_returns_stdout_then_stderr() {
        let text = sh("echo out; echo err >&2").run().unwrap();
        assert_eq!(text, "out\nerr\n");
    }

    #[test]
    fn a_failure_carries_what_the_command_printed() {
        let Err(ActionError::Failed { output }) = sh("echo nope >&2; exit 3").run() else {
            panic!("a failing command is ActionError::Failed");
        };
        assert_eq!(output, "nope\n");
    }

    #[test]
    fn a_program_that_cannot_start_is_named_by_its_label() {
        let mut command = sh("");
        command.program = PathBuf::from("/nonexistent/peers");
        command.label = "peers revive".to_owned();
        let err = command.run().unwrap_err();
        assert!(
            err.to_string().starts_with("cannot run peers revive: "),
            "{err}"
        );
    }
}
