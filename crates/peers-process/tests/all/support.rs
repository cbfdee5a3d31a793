//! Shared helpers: a `/bin/sh -c` spec, and liveness checks for pids printed by children.

use std::ffi::OsString;
use std::time::Duration;

use peers_process::{CommandSpec, Outcome};
use rustix::process::{Pid, Signal, kill_process};

/// `/bin/sh -c script` in the temp dir, with only a PATH in the environment.
pub fn sh(script: &str) -> CommandSpec {
    let mut spec = CommandSpec::new("/bin/sh", std::env::temp_dir());
    spec.args = vec![OsString::from("-c"), OsString::from(script)];
    spec.env = vec![(OsString::from("PATH"), OsString::from("/usr/bin:/bin"))];
    spec.timeout = Some(Duration::from_secs(20));
    spec
}

pub fn stdout_of(outcome: &Outcome) -> String {
    outcome.stdout.to_string_lossy()
}

/// Pids the child printed, one per line.
pub fn printed_pids(text: &str) -> Vec<i32> {
    text.lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}

/// True once `pid` no longer runs (gone, or a zombie nobody reaped: our pid 1 may not reap).
pub fn is_dead(pid: i32) -> bool {
    u32::try_from(pid).map_or(true, |pid| !peers_testkit::pid_alive(pid))
}

/// Polls `is_dead` for up to `within` (SIGKILL delivery is asynchronous).
pub fn dies_within(pid: i32, within: Duration) -> bool {
    peers_testkit::wait_until(within, || is_dead(pid))
}

/// Test cleanup for processes deliberately left outside the child's group.
pub fn kill(pid: i32) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = kill_process(pid, Signal::KILL);
    }
}
