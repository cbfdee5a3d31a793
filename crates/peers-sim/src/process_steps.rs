//! Steps that play tricks with processes: hanging, ignoring SIGTERM, leaving children behind.
//! No unsafe code: signal dispositions are set by `sh`, sessions by `setsid(1)`.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::error::SimError;

/// Sleep for ever; the default SIGTERM action still ends the process.
pub(crate) fn hang() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Become (same pid, via exec) a shell that ignores SIGTERM and then `sleep`, which inherits
/// the ignored disposition. Prints `ignoring SIGTERM` once the trap is set, so a test knows
/// when TERM will be ignored. Returns only if the exec failed.
pub(crate) fn ignore_sigterm() -> SimError {
    let script = "trap '' TERM; echo 'ignoring SIGTERM'; exec sleep 1000000";
    let source = Command::new("/bin/sh").args(["-c", script]).exec();
    SimError::Spawn {
        command: format!("/bin/sh -c \"{script}\""),
        source,
    }
}

/// Start `sh -c command` in its own session with no stdio, and leave it running.
pub(crate) fn spawn_background(command: &str, cwd: &Path) -> Result<(), SimError> {
    spawn_detached(&["sh", "-c", command], cwd, false)
}

/// Start a new-session `sleep seconds` that inherits our stdout, so the pipe stays open after
/// we exit.
pub(crate) fn grandchild_holds_stdout(seconds: u64, cwd: &Path) -> Result<(), SimError> {
    let seconds = seconds.to_string();
    spawn_detached(&["sleep", seconds.as_str()], cwd, true)
}

/// Spawn `argv` under `setsid(1)`; where that tool is missing, in a new process group, which
/// escapes a group kill just the same.
fn spawn_detached(argv: &[&str], cwd: &Path, keep_stdout: bool) -> Result<(), SimError> {
    let configure = |command: &mut Command| {
        command
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        command.stdout(if keep_stdout {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    };
    let mut with_setsid = Command::new("setsid");
    with_setsid.args(argv);
    configure(&mut with_setsid);
    let spawned = match with_setsid.spawn() {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let (program, args) = argv.split_first().unwrap_or((&"sh", &[]));
            let mut grouped = Command::new(program);
            grouped.args(args).process_group(0);
            configure(&mut grouped);
            grouped.spawn()
        }
        other => other,
    };
    // The child is deliberately not waited for: it is meant to outlive this turn.
    spawned.map(drop).map_err(|source| SimError::Spawn {
        command: argv.join(" "),
        source,
    })
}
