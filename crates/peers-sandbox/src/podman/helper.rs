//! `peers __podman-exec`: prepares the local root and the seccomp profile, runs `podman run`
//! in the foreground as its own process group, and removes the container when the turn ends
//! — normally, by a signal from peers (timeout, stop), or because peers died (parent-death
//! signal). conmon's `--timeout` is the last backstop should this helper be SIGKILLed.

use std::ffi::OsString;
use std::io::Write as _;
use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::process::{Signal, WaitOptions};

use crate::confine::SETUP_FAILED_EXIT_CODE;
use crate::error::{SandboxError, SetupStep};
use crate::policy::SYSTEM_DIRS;

use super::{PodmanRequest, Root, args, parse_request, seccomp};

/// Entry point of `peers __podman-exec <args>`: returns the process exit code (the command's,
/// 128 + N when it was killed by signal N, [`SETUP_FAILED_EXIT_CODE`] when the container
/// could not be started; podman's own errors are 125 as well).
pub fn podman_helper_main(args: &[OsString]) -> i32 {
    let result = parse_request(args).and_then(|(request, program, args)| {
        let stop = watch_signals()?;
        let dir = Private::create()?;
        let code = run(&request, &program, &args, &dir.0, &stop);
        drop(dir);
        code
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            let message = crate::error::format_error(&err);
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(message.as_bytes());
            SETUP_FAILED_EXIT_CODE
        }
    }
}

fn run(
    request: &PodmanRequest,
    program: &OsString,
    args: &[OsString],
    private: &Path,
    stop: &AtomicBool,
) -> Result<i32, SandboxError> {
    let profile = private.join("seccomp.json");
    let base = std::fs::read_to_string(&request.podman.base_seccomp).map_err(|err| {
        SandboxError::setup(SetupStep::Podman(request.podman.base_seccomp.clone()), err)
    })?;
    // io::Error::other keeps the reason's own cause as its source, so the helper's chain
    // prints `not JSON: <serde_json's message>` as before.
    let tightened = seccomp::tighten(&base).map_err(|reason| {
        SandboxError::setup(
            SetupStep::Podman(request.podman.base_seccomp.clone()),
            std::io::Error::other(reason),
        )
    })?;
    std::fs::write(&profile, tightened)
        .map_err(|err| SandboxError::setup(SetupStep::Podman(profile.clone()), err))?;
    if let Root::Local(dir) = &request.podman.root {
        prepare_rootfs(dir)?;
        // The local root shows host paths at the same place: a program missing here is
        // missing inside too, and is named now rather than by the container's init.
        if !findable(program) {
            return Err(SandboxError::setup(
                SetupStep::Exec(program.to_string_lossy().into_owned()),
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
    }
    // conmon double-forks away from podman; as the subreaper the helper inherits it (and the
    // cleanup it runs) and waits for it, so nothing of the turn is left when the helper ends.
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))
        .map_err(|err| SandboxError::setup(SetupStep::Podman("child subreaper".into()), err))?;
    let uid = rustix::process::getuid().as_raw();
    let gid = rustix::process::getgid().as_raw();
    // Rootless podman on cgroup v1 refuses resource limits (and with them the whole run).
    let with_limits = uid == 0 || Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    let argv = args::run_args(request, &profile, program, args, uid, gid, with_limits)?;
    // With `--interactive` podman reads the helper's own stdin (peers' pipe: the command's
    // bytes, then EOF) and forwards it; otherwise nothing is forwarded and it stays closed.
    let stdin = if request.stdin {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let mut child = Command::new(&request.podman.program)
        .args(argv)
        .process_group(0)
        .stdin(stdin)
        .spawn()
        .map_err(|err| {
            SandboxError::setup(SetupStep::Podman(request.podman.program.clone()), err)
        })?;
    let code = supervise(&mut child, request, stop);
    if stop.load(Ordering::SeqCst) || code >= SETUP_FAILED_EXIT_CODE {
        remove(request);
    }
    if !reap_orphans(Duration::from_secs(20)) {
        remove(request);
        kill_children();
        reap_orphans(Duration::from_secs(5));
    }
    Ok(code)
}

/// Waits for podman; on a stop signal removes the container (which ends `podman run`).
fn supervise(child: &mut Child, request: &PodmanRequest, stop: &AtomicBool) -> i32 {
    let pidfd = rustix::process::Pid::from_child(child);
    let pidfd = rustix::process::pidfd_open(pidfd, rustix::process::PidfdFlags::empty()).ok();
    let mut removed = false;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return code_of(status),
            Ok(None) => {}
            Err(_) => return SETUP_FAILED_EXIT_CODE,
        }
        if stop.load(Ordering::SeqCst) && !removed {
            remove(request);
            removed = true;
        }
        let wait = Timespec {
            tv_sec: 0,
            tv_nsec: 200_000_000,
        };
        match &pidfd {
            Some(fd) => {
                let mut fds = [PollFd::new(fd, PollFlags::IN)];
                // EINTR (a stop signal) and a timeout both lead back to the checks above.
                let _ = rustix::event::poll(&mut fds, Some(&wait));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Waits until every process re-parented to the helper (conmon, its cleanup) has exited;
/// false when some are still running at the deadline.
fn reap_orphans(limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        match rustix::process::wait(WaitOptions::NOHANG) {
            Ok(Some(_)) | Err(rustix::io::Errno::INTR) => {}
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => return false,
            Err(_) => return true,
        }
    }
}

/// SIGKILLs every remaining child of the helper (listed in /proc/self/task/*/children).
fn kill_children() {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return;
    };
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children
            .split_whitespace()
            .filter_map(|pid| pid.parse::<i32>().ok())
        {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, Signal::KILL);
            }
        }
    }
}

fn code_of(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(SETUP_FAILED_EXIT_CODE)
}

/// `podman rm --force --time 0 <name>`: kills every process of the container and removes it.
fn remove(request: &PodmanRequest) {
    // Best effort: conmon's --timeout still ends a container this could not remove.
    let _ = Command::new(&request.podman.program)
        .args(["rm", "--force", "--ignore", "--time", "0", &request.name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// SIGTERM, SIGINT and SIGHUP set a flag instead of ending the helper; the parent-death
/// signal is SIGTERM, so peers dying ends the container too.
fn watch_signals() -> Result<Arc<AtomicBool>, SandboxError> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|err| SandboxError::setup(SetupStep::Podman("signal handlers".into()), err))?;
    }
    rustix::process::set_parent_process_death_signal(Some(Signal::TERM))
        .map_err(|err| SandboxError::setup(SetupStep::Podman("parent-death signal".into()), err))?;
    if rustix::process::getppid().is_none_or(|parent| parent.as_raw_nonzero().get() == 1) {
        stop.store(true, Ordering::SeqCst);
    }
    Ok(stop)
}

/// Whether `program` names an executable file, directly or through `PATH` (as execvp).
fn findable(program: &OsString) -> bool {
    let is_file = |path: &Path| path.metadata().is_ok_and(|meta| meta.is_file());
    let path = Path::new(program);
    if path.components().count() > 1 || path.is_absolute() {
        return is_file(path);
    }
    std::env::var_os("PATH")
        .is_some_and(|dirs| std::env::split_paths(&dirs).any(|dir| is_file(&dir.join(program))))
}

/// Fills a local root: the mount points of the host's system directories and the same
/// `/bin -> usr/bin` links the host has. Idempotent.
fn prepare_rootfs(dir: &Path) -> Result<(), SandboxError> {
    let step = |path: &Path| SetupStep::Podman(path.to_path_buf());
    std::fs::create_dir_all(dir).map_err(|err| SandboxError::setup(step(dir), err))?;
    for system in SYSTEM_DIRS.iter().map(Path::new) {
        let Ok(meta) = std::fs::symlink_metadata(system) else {
            continue;
        };
        let at = dir.join(system.strip_prefix("/").unwrap_or(system));
        if std::fs::symlink_metadata(&at).is_ok() {
            continue;
        }
        let made = if meta.file_type().is_symlink() {
            std::fs::read_link(system).and_then(|target| std::os::unix::fs::symlink(target, &at))
        } else {
            std::fs::create_dir_all(&at)
        };
        made.map_err(|err| SandboxError::setup(step(&at), err))?;
    }
    Ok(())
}

/// A private directory (0700) for the turn's seccomp profile, removed on drop. In the host's
/// `/tmp`, which no sandbox sees: the helper's temp directory is the agent's `TMPDIR`, bound
/// read-write into the container when it lies outside `/tmp`, where an agent of a concurrent
/// turn could rewrite the profile before podman reads it.
struct Private(PathBuf);

impl Private {
    fn create() -> Result<Self, SandboxError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        let path = Path::new("/tmp").join(format!("peers-podman-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|err| SandboxError::setup(SetupStep::Podman(path.clone()), err))?;
        Ok(Self(path))
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        // A leftover profile in the temp directory holds no secret.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
