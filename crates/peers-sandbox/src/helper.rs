//! The helper behind `peers __sandbox-exec`: unshare the namespaces, fork the pid namespace's
//! init, pass its exit status on, and report a setup failure instead of running anything.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::os::fd::OwnedFd;

use rustix::process::{Gid, Uid, WaitOptions, getgid, getuid};
use rustix::thread::UnshareFlags;

use crate::confine::{Invocation, SETUP_FAILED_EXIT_CODE, parse_invocation};
use crate::error::{SandboxError, SetupStep, format_error};
use crate::policy::Network;
use crate::sys::{self, Forked, exit_code};

/// Entry point of `peers __sandbox-exec <args>`: returns the process exit code.
///
/// The confined program's exit code is passed on; a program killed by signal N gives
/// 128 + N; a sandbox that could not be built gives [`SETUP_FAILED_EXIT_CODE`] after a message
/// on stderr (`error: …` and `hint: …`). Must be called before peers starts any thread.
pub fn helper_main(args: &[OsString]) -> i32 {
    match parse_invocation(args).and_then(run) {
        Ok(code) => code,
        Err(err) => {
            report(&format_error(&err));
            SETUP_FAILED_EXIT_CODE
        }
    }
}

fn run(invocation: Invocation) -> Result<i32, SandboxError> {
    check_single_thread()?;
    // Before unsharing, so init and every process of the turn start inside the cgroup.
    let cgroup = crate::cgroup::TurnCgroup::enter(&crate::probe::cgroup_support());
    let result = sandbox(invocation);
    if let Some(cgroup) = cgroup {
        cgroup.finish();
    }
    result
}

fn sandbox(invocation: Invocation) -> Result<i32, SandboxError> {
    let (uid, gid) = (getuid(), getgid());
    // Connected while still in the host's network namespace; used once the new one exists.
    let hand_over = match &invocation.request().policy.network {
        Network::HandOver(hand_over) => Some((
            crate::handover::connect(hand_over)?,
            hand_over.ports.clone(),
        )),
        Network::Loopback => None,
    };
    unshare(UnshareFlags::NEWUSER, SetupStep::UserNamespace)?;
    write_id_maps(uid, gid)?;
    unshare(
        UnshareFlags::NEWNS
            | UnshareFlags::NEWPID
            | UnshareFlags::NEWNET
            | UnshareFlags::NEWIPC
            | UnshareFlags::NEWUTS,
        SetupStep::OtherNamespaces,
    )?;
    if let Some((channel, ports)) = hand_over {
        sys::loopback_up().map_err(|err| SandboxError::setup(SetupStep::Loopback, err))?;
        crate::handover::send(&channel, &ports)?;
    }
    let (error_read, error_write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|err| SandboxError::setup(SetupStep::Fork, err))?;
    // Init lists what the command left running through this one, after the command exits.
    let (left_read, left_write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|err| SandboxError::setup(SetupStep::Fork, err))?;
    let helper = rustix::process::pidfd_open(
        rustix::process::getpid(),
        rustix::process::PidfdFlags::empty(),
    )
    .map_err(|err| SandboxError::setup(SetupStep::Fork, err))?;
    match sys::fork().map_err(|err| SandboxError::setup(SetupStep::Fork, err))? {
        Forked::Child => {
            drop(error_read);
            drop(left_read);
            let code = crate::init::run(invocation, error_write, left_write, &helper);
            std::process::exit(code)
        }
        Forked::Parent(init) => {
            drop(error_write);
            drop(left_write);
            drop(helper);
            let message = read_all(error_read);
            let status = wait_for(init);
            if !message.is_empty() {
                report(&message);
                return Ok(SETUP_FAILED_EXIT_CODE);
            }
            // Init and every process of the namespace are gone: this line is the last.
            if let Some(line) = crate::leftovers::line(&read_all(left_read)) {
                report(&line);
            }
            Ok(status)
        }
    }
}

/// `unshare` of a user namespace fails with EINVAL in a multi-threaded process, and `fork`
/// is only sound with one thread: refuse clearly instead.
fn check_single_thread() -> Result<(), SandboxError> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|err| SandboxError::setup(SetupStep::SingleThread, err))?;
    let threads = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .map(str::trim);
    if threads == Some("1") {
        Ok(())
    } else {
        Err(SandboxError::setup(
            SetupStep::SingleThread,
            std::io::Error::other(format!("{} threads", threads.unwrap_or("unknown"))),
        ))
    }
}

fn unshare(flags: UnshareFlags, step: SetupStep) -> Result<(), SandboxError> {
    #[expect(
        unsafe_code,
        reason = "rustix marks unshare unsafe only for UnshareFlags::FILES"
    )]
    // SAFETY: the flags never include FILES (the only flag that can invalidate descriptors
    // other threads hold), and the process is single-threaded (checked above).
    let result = unsafe { rustix::thread::unshare_unsafe(flags) };
    result.map_err(|err| SandboxError::setup(step, err))
}

/// Maps the caller's uid and gid to themselves, so files keep their owners and the
/// capabilities the user namespace grants vanish at the command's `execve` (when not root).
fn write_id_maps(uid: Uid, gid: Gid) -> Result<(), SandboxError> {
    let write = |path: &str, contents: String| {
        std::fs::write(path, contents).map_err(|err| SandboxError::setup(SetupStep::IdMap, err))
    };
    write("/proc/self/setgroups", "deny".to_owned())?;
    write("/proc/self/uid_map", format!("{0} {0} 1\n", uid.as_raw()))?;
    write("/proc/self/gid_map", format!("{0} {0} 1\n", gid.as_raw()))
}

fn read_all(fd: OwnedFd) -> String {
    let mut text = String::new();
    let mut file = std::fs::File::from(fd);
    // A read error leaves what was read; the exit status still tells the caller.
    let _ = file.read_to_string(&mut text);
    text
}

/// Waits for init and turns its wait status into an exit code.
fn wait_for(init: rustix::process::Pid) -> i32 {
    loop {
        match rustix::process::waitpid(Some(init), WaitOptions::empty()) {
            Ok(Some((_, status))) => return exit_code(status),
            Ok(None) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return SETUP_FAILED_EXIT_CODE,
        }
    }
}

fn report(message: &str) {
    let mut stderr = std::io::stderr().lock();
    // Nothing better can be done when stderr itself is gone.
    let _ = stderr.write_all(message.as_bytes());
    let _ = stderr.flush();
}
