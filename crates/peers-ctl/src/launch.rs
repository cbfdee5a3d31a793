//! Starting `peers`: finding the binary, running it to completion (`peers init`, `peers modes
//! list`), and launching `peers run` detached — its own session and process group, stdin
//! `/dev/null`, stdout and stderr appended to the controller log, no terminal — so it outlives
//! peers-ctl without any daemon.
//!
//! Detaching needs `setsid()` between fork and exec; std offers that only through `unsafe`
//! `pre_exec`. Instead peers-ctl starts itself as a tiny trampoline (`peers-ctl __detach`),
//! which is not a group leader, calls `setsid()` and then execs `peers`: same PID, same start
//! time, so the identity recorded for the trampoline is the identity of the run.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use rustix::fs::{self as rfs, Mode, OFlags};

use crate::error::{CtlError, CtlResult};

/// Environment variable naming the `peers` binary to run.
pub const PEERS_BIN_ENV: &str = "PEERS_CTL_PEERS_BIN";
/// The hidden trampoline subcommand.
pub const DETACH_VERB: &str = "__detach";
/// Marker variable given to every run peers-ctl starts (`<name>:<started_at>`).
pub const RUN_MARKER_ENV: &str = "PEERS_CTL_RUN";

/// The `peers` binary: `$PEERS_CTL_PEERS_BIN`, else the `peers` next to this executable, else
/// `peers` on PATH.
pub fn peers_binary() -> CtlResult<PathBuf> {
    if let Some(bin) = std::env::var_os(PEERS_BIN_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(bin));
    }
    if let Ok(me) = std::env::current_exe()
        && let Some(dir) = me.parent()
    {
        let sibling = dir.join("peers");
        if sibling.is_file() {
            return Ok(sibling);
        }
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("peers"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            CtlError::failed("cannot find the `peers` binary (not next to peers-ctl, not on PATH)")
                .hint("install it: cargo install --path crates/peers-cli")
                .hint(format!("or name it: export {PEERS_BIN_ENV}=/path/to/peers"))
        })
}

/// What a finished `peers` call printed.
pub struct Finished {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `peers <args>` in `cwd` to completion, output captured.
pub fn run_peers(cwd: &Path, args: &[OsString]) -> CtlResult<Finished> {
    let bin = peers_binary()?;
    let output = Command::new(&bin)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| CtlError::failed(format!("cannot run {}: {e}", bin.display())))?;
    Ok(Finished {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Opens the controller log for appending: created 0600, never through a symlink.
pub fn open_log(logs_dir: &Path, file_name: &str) -> CtlResult<File> {
    peers_store::safe_fs::ensure_private_dir(logs_dir)?;
    let dir = rfs::open(
        logs_dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| CtlError::failed(format!("cannot open {}: {e}", logs_dir.display())))?;
    let fd = rfs::openat(
        &dir,
        file_name,
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .map_err(|e| {
        CtlError::failed(format!(
            "cannot open the controller log {}: {e}",
            logs_dir.join(file_name).display()
        ))
        .hint("it must be a regular file, not a symlink")
    })?;
    let file = File::from(fd);
    let meta = file
        .metadata()
        .map_err(|e| CtlError::failed(format!("cannot inspect the controller log: {e}")))?;
    if !meta.is_file() {
        return Err(CtlError::failed(format!(
            "the controller log {} is not a regular file",
            logs_dir.join(file_name).display()
        )));
    }
    Ok(file)
}

/// Launches `peers <args>` detached in `cwd`, output appended to `log`. Returns the child (the
/// trampoline, which becomes `peers` at exec).
pub fn spawn_detached(cwd: &Path, args: &[OsString], log: &File, marker: &str) -> CtlResult<Child> {
    let bin = peers_binary()?;
    let me = std::env::current_exe()
        .map_err(|e| CtlError::failed(format!("cannot locate peers-ctl itself: {e}")))?;
    let stdout = log
        .try_clone()
        .map_err(|e| CtlError::failed(format!("cannot share the controller log: {e}")))?;
    let stderr = log
        .try_clone()
        .map_err(|e| CtlError::failed(format!("cannot share the controller log: {e}")))?;
    Command::new(&me)
        .arg(DETACH_VERB)
        .arg(&bin)
        .args(args)
        .current_dir(cwd)
        .env(RUN_MARKER_ENV, marker)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| CtlError::failed(format!("cannot start {}: {e}", bin.display())))
}

/// The trampoline: a new session (no controlling terminal, its own process group), then exec.
/// Returns only on failure.
pub fn detach_and_exec(argv: &[OsString]) -> u8 {
    let Some((program, args)) = argv.split_first() else {
        eprintln!("error: {DETACH_VERB} needs a program to run");
        return 2;
    };
    if let Err(err) = rustix::process::setsid() {
        eprintln!("error: cannot start a new session: {err}");
        return 1;
    }
    let err = Command::new(program).args(args).exec();
    eprintln!("error: cannot run {}: {err}", Path::new(program).display());
    1
}

/// Launches the notification watcher for a run, detached like the run (without its marker, so
/// stopping the run never stops the watcher), output appended to `log`.
pub fn spawn_watcher(
    config: &Path,
    name: &str,
    pid: u32,
    start_ticks: u64,
    log: &File,
) -> CtlResult<()> {
    let me = std::env::current_exe()
        .map_err(|e| CtlError::failed(format!("cannot locate peers-ctl itself: {e}")))?;
    let output = |log: &File| {
        log.try_clone()
            .map_err(|e| CtlError::failed(format!("cannot share the controller log: {e}")))
    };
    Command::new(&me)
        .arg(DETACH_VERB)
        .arg(&me)
        .arg(crate::notify::WATCH_VERB)
        .arg(config)
        .arg(name)
        .arg(pid.to_string())
        .arg(start_ticks.to_string())
        .current_dir(config)
        .env_remove(RUN_MARKER_ENV)
        .stdin(Stdio::null())
        .stdout(output(log)?)
        .stderr(output(log)?)
        .spawn()
        .map(drop)
        .map_err(|e| CtlError::failed(format!("cannot start the notification watcher: {e}")))
}
