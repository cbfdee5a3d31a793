//! Running one language tool for a gate: finding the program (project-local first), the
//! environment a gate run gets, and turning a spawn failure or a timeout into a reason.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use peers_process::{CommandSpec, Outcome};

use crate::budget::GateBudget;
use crate::builtin::error::BuiltinError;

/// Output kept per stream: enough for the result lines of a large suite; a truncated stream
/// is reported, never silently compared.
const CAPTURE_CAP: usize = 16 * 1024 * 1024;

/// What every tool run of one gate evaluation shares.
#[derive(Debug, Clone)]
pub struct Toolbox {
    /// The complete environment for tools (the gate env with peers' overrides).
    pub env: Vec<(OsString, OsString)>,
    pub timeout: Duration,
    /// A private directory for report files (JUnit XML, JSON, LCOV); removed with the evaluation.
    pub scratch: PathBuf,
    /// The gate attempt's budget: each tool runs until its deadline at most, and is recorded
    /// as the gate's activity.
    pub budget: Option<GateBudget>,
}

impl Toolbox {
    /// The gate environment plus settings that keep tool output parseable and the worktree
    /// clean (no colour, no backtraces in failure excerpts, no bytecode or cache files).
    pub fn new(env: &[(OsString, OsString)], timeout: Duration, scratch: PathBuf) -> Toolbox {
        const OVERRIDES: &[(&str, &str)] = &[
            ("CARGO_TERM_COLOR", "never"),
            ("NO_COLOR", "1"),
            ("FORCE_COLOR", "0"),
            ("RUST_BACKTRACE", "0"),
            ("PYTHONDONTWRITEBYTECODE", "1"),
            ("CI", "true"),
        ];
        let mut env: Vec<(OsString, OsString)> = env
            .iter()
            .filter(|(key, _)| !OVERRIDES.iter().any(|(name, _)| key == OsStr::new(name)))
            .cloned()
            .collect();
        env.extend(
            OVERRIDES
                .iter()
                .map(|(key, value)| (OsString::from(key), OsString::from(value))),
        );
        Toolbox {
            env,
            timeout,
            scratch,
            budget: None,
        }
    }

    /// The value of `key` in the tool environment.
    pub fn var(&self, key: &str) -> Option<&OsStr> {
        self.env
            .iter()
            .rev()
            .find(|(name, _)| name == OsStr::new(key))
            .map(|(_, value)| value.as_os_str())
    }

    /// This toolbox with `key=value` set (replacing an earlier value).
    pub fn with_var(&self, key: &str, value: impl Into<OsString>) -> Toolbox {
        let mut next = self.clone();
        next.env.retain(|(name, _)| name != OsStr::new(key));
        next.env.push((OsString::from(key), value.into()));
        next
    }

    /// `name` in the project's own tool directories (`node_modules/.bin`, `.venv/bin`),
    /// then on the tool `PATH`. In the gates' scratch tree those directories exist only when
    /// `gates.outside_git` declares them.
    pub fn find_program(&self, project: &Path, name: &str) -> Option<PathBuf> {
        let local = [
            project.join("node_modules/.bin"),
            project.join(".venv/bin"),
            project.join("venv/bin"),
        ];
        let path = self.var("PATH").unwrap_or_default().to_owned();
        local
            .into_iter()
            .chain(std::env::split_paths(&path))
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }

    /// `name` on the toolbox's PATH only, never from the project's own directories.
    pub fn find_on_path(&self, name: &str) -> Option<PathBuf> {
        let path = self.var("PATH").unwrap_or_default().to_owned();
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }

    /// Runs `program args` in `cwd` with this toolbox's environment and timeout. `Err` is a
    /// reason the tool could not run at all (not found, timed out), for an infrastructure error.
    pub fn run(
        &self,
        program: &Path,
        args: &[String],
        cwd: &Path,
    ) -> Result<Outcome, BuiltinError> {
        let mut spec = CommandSpec::new(program.as_os_str(), cwd);
        spec.args = args.iter().map(OsString::from).collect();
        spec.env = self.env.clone();
        let command = command_line(program, args);
        let timeout = match &self.budget {
            Some(budget) => {
                budget.doing(format!("running `{command}`"));
                self.timeout.min(budget.remaining())
            }
            None => self.timeout,
        };
        let timeout_s = self.timeout.as_secs();
        if timeout.is_zero() {
            return Err(BuiltinError::BudgetSpent { command, timeout_s });
        }
        spec.timeout = Some(timeout);
        spec.capture_cap = CAPTURE_CAP;
        let cancel = self.budget.as_ref().and_then(GateBudget::cancel_flag);
        let ran = match cancel {
            Some(cancel) => peers_process::run_cancellable(&spec, cancel),
            None => peers_process::run(&spec).map(Some),
        };
        let outcome = match ran {
            Ok(outcome) => outcome,
            Err(source) => return Err(BuiltinError::Spawn { command, source }),
        };
        let Some(outcome) = outcome else {
            return Err(BuiltinError::Interrupted { command });
        };
        if outcome.timed_out {
            return Err(BuiltinError::TimedOut { command, timeout_s });
        }
        Ok(outcome)
    }
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// `program args…` for messages, with the program by its file name.
pub fn command_line(program: &Path, args: &[String]) -> String {
    let name = program
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.display().to_string());
    std::iter::once(name)
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Both streams as text, stdout first (tools split results and progress differently).
pub fn all_output(outcome: &Outcome) -> String {
    let mut text = outcome.stdout.to_string_lossy();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&outcome.stderr.to_string_lossy());
    text
}

/// Up to `max_lines` lines of `text` that say what went wrong: from a `panicked at` or
/// `Error`/`error` line when there is one, else the last non-empty lines. Stack frames and
/// backtrace notes are dropped: the failing peer needs the assertion, not the runtime.
pub fn excerpt(text: &str, max_lines: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty() && !is_noise(line))
        .collect();
    let start = lines
        .iter()
        .position(|line| {
            line.contains("panicked at")
                || line.trim_start().starts_with("error")
                || line.trim_start().starts_with("Error")
                || line.trim_start().starts_with("E ")
        })
        .unwrap_or_else(|| lines.len().saturating_sub(max_lines));
    lines[start..]
        .iter()
        .take(max_lines)
        .map(|line| truncate_line(line.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_noise(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("at ")
        || trimmed.starts_with("stack backtrace:")
        || trimmed.starts_with("note: run with `RUST_BACKTRACE")
        || trimmed.starts_with("note: Some details are omitted")
}

fn truncate_line(line: &str) -> String {
    const MAX: usize = 200;
    if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toolbox(budget: GateBudget) -> Toolbox {
        let env = [(OsString::from("PATH"), OsString::from("/usr/bin:/bin"))];
        let mut tools = Toolbox::new(&env, Duration::from_secs(60), std::env::temp_dir());
        tools.budget = Some(budget);
        tools
    }

    /// Ctrl-C (the budget's cancel flag) stops a running tool's whole group at once.
    #[test]
    fn a_cancelled_tool_stops_at_once_with_its_group() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("tool.pid");
        let cancel = Arc::new(AtomicBool::new(false));
        let tools = toolbox(
            GateBudget::new(Duration::from_secs(120)).with_cancel(Some(Arc::clone(&cancel))),
        );
        let script = format!("echo $$ > {}; sleep 60", pid_file.display());
        let started = std::time::Instant::now();
        let result = std::thread::scope(|scope| {
            let run = scope
                .spawn(|| tools.run(Path::new("/bin/sh"), &["-c".to_owned(), script], dir.path()));
            while !pid_file.exists() && started.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(10));
            }
            cancel.store(true, Ordering::SeqCst);
            run.join().unwrap()
        });
        let error = result.unwrap_err().describe();
        assert!(error.contains("interrupted"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the tool ran to its end"
        );
        let pgid = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .to_owned();
        assert!(
            live_members(&pgid).is_empty(),
            "the tool's process group survived"
        );
    }

    /// Processes of group `pgid` still running (a zombie waiting for its reaper is dead).
    fn live_members(pgid: &str) -> Vec<String> {
        let mut live = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let Some((_, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if fields.get(2) == Some(&pgid) && fields.first() != Some(&"Z") {
                live.push(stat);
            }
        }
        live
    }

    /// Tools of one gate share its budget: a second tool gets what the first left, not a
    /// fresh `timeout_s`.
    #[test]
    fn a_tool_runs_only_until_the_gate_deadline() {
        let budget = GateBudget::new(Duration::from_millis(400));
        let tools = toolbox(budget.clone());
        let started = std::time::Instant::now();
        let error = tools
            .run(Path::new("/bin/sleep"), &["30".to_owned()], Path::new("/"))
            .unwrap_err()
            .describe();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(error.contains("did not finish"), "{error}");
        assert_eq!(budget.activity(), "running `sleep 30`");
        let error = tools
            .run(Path::new("/bin/true"), &[], Path::new("/"))
            .unwrap_err()
            .describe();
        assert!(error.contains("ran out before `true` could run"), "{error}");
    }

    #[test]
    fn excerpt_starts_at_the_panic_and_drops_the_backtrace() {
        let text = "running 1 test\nthread 'x' panicked at src/lib.rs:5:26:\nassertion failed\nstack backtrace:\n   at core::panicking\nnote: Some details are omitted\n";
        assert_eq!(
            excerpt(text, 5),
            "thread 'x' panicked at src/lib.rs:5:26:\nassertion failed"
        );
    }

    #[test]
    fn excerpt_without_a_marker_keeps_the_last_lines() {
        assert_eq!(excerpt("a\nb\nc\nd\n", 2), "c\nd");
    }

    #[test]
    fn overrides_replace_the_user_values() {
        let env = vec![(OsString::from("RUST_BACKTRACE"), OsString::from("1"))];
        let tools = Toolbox::new(&env, Duration::from_secs(1), PathBuf::from("/tmp"));
        assert_eq!(tools.var("RUST_BACKTRACE"), Some(OsStr::new("0")));
        let tools = tools.with_var("RUST_BACKTRACE", "full");
        assert_eq!(tools.var("RUST_BACKTRACE"), Some(OsStr::new("full")));
    }
}
