//! Shared helpers: an invocation of `/bin/sh -c`, the fixtures, and process liveness checks.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use peers_agent::{
    CallKind, Flow, HostLauncher, Invocation, Limits, LiveEvent, Patterns, PeerRun,
    PreparedCommand, PromptDelivery, invoke,
};
use peers_core::config::{HealthSettings, ToolKind};
use rustix::process::{Pid, Signal, kill_process};

pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(path.is_file(), "missing fixture {}", path.display());
    path.display().to_string()
}

/// `/bin/sh -c script` as peer `test` of `tool`, PATH only, generous timers, default patterns.
pub fn shell(tool: ToolKind, script: &str) -> Invocation {
    Invocation {
        peer: "test".to_owned(),
        kind: CallKind::LoopTurn,
        tool,
        command: PreparedCommand {
            argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
            stdin: None,
            prompt_file: None,
            delivery: PromptDelivery::Argv,
        },
        cwd: std::env::temp_dir(),
        env: vec![(OsString::from("PATH"), OsString::from("/usr/bin:/bin"))],
        limits: Limits {
            idle: Duration::from_secs(10),
            absolute: Duration::from_secs(20),
            grace: Duration::from_millis(500),
            buf_cap: 2 * 1024 * 1024,
        },
        patterns: Patterns::from_health(&HealthSettings::default()).unwrap(),
    }
}

/// Runs `inv` and collects every live event but the clock's.
pub fn run(inv: &Invocation) -> (PeerRun, Vec<LiveEvent>) {
    let mut events = Vec::new();
    let run = invoke(inv, &HostLauncher, &AtomicBool::new(false), &mut |event| {
        if *event != LiveEvent::Tick {
            events.push(event.clone());
        }
        Flow::Continue
    })
    .unwrap();
    (run, events)
}

/// A script that replays recorded stdout (and stderr) and exits with `code`.
pub fn replay(stdout: Option<&str>, stderr: Option<&str>, code: i32) -> String {
    let mut script = String::new();
    if let Some(name) = stdout {
        script.push_str(&format!("cat '{}'; ", fixture(name)));
    }
    if let Some(name) = stderr {
        script.push_str(&format!("cat '{}' >&2; ", fixture(name)));
    }
    script.push_str(&format!("exit {code}"));
    script
}

/// Pids the child printed, one per line.
pub fn printed_pids(text: &str) -> Vec<i32> {
    text.lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}

/// True once `pid` no longer runs (gone, or a zombie).
pub fn is_dead(pid: i32) -> bool {
    u32::try_from(pid).map_or(true, |pid| !peers_testkit::pid_alive(pid))
}

/// Polls `is_dead` for up to `within` (SIGKILL delivery is asynchronous).
pub fn dies_within(pid: i32, within: Duration) -> bool {
    peers_testkit::wait_until(within, || is_dead(pid))
}

/// Test cleanup: whatever the assertions say, the process must not outlive the test.
pub fn kill(pid: i32) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = kill_process(pid, Signal::KILL);
    }
}
