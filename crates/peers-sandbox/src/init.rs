//! The sandbox's init (pid 1 of the new pid namespace): build the view, fork the command,
//! reap every process until the command exits, then exit so the kernel kills the rest.

use std::io::Write as _;
use std::os::fd::{AsFd, OwnedFd};

use rustix::event::{PollFd, PollFlags};
use rustix::process::{Signal, WaitOptions};

use crate::confine::{Invocation, SETUP_FAILED_EXIT_CODE};
use crate::error::{SandboxError, SetupStep, format_error};
use crate::sys::{self, Forked, exit_code};

/// Runs init; returns its exit code (the command's). Setup errors go to `error_pipe`.
/// What the command left running is listed through `left_pipe` once it has exited.
pub(crate) fn run(
    invocation: Invocation,
    error_pipe: OwnedFd,
    left_pipe: OwnedFd,
    helper: &OwnedFd,
) -> i32 {
    match start(invocation, &error_pipe, helper) {
        Ok(None) => 0,
        Ok(Some(command)) => {
            // The command's copy closes at its execve: the helper then sees the end of the pipe.
            drop(error_pipe);
            let code = reap_until(command);
            crate::leftovers::send(left_pipe);
            code
        }
        Err(err) => {
            send_error(&error_pipe, &err);
            SETUP_FAILED_EXIT_CODE
        }
    }
}

/// Builds the sandbox; forks the command unless this is a probe (`Ok(None)`).
fn start(
    invocation: Invocation,
    error_pipe: &OwnedFd,
    helper: &OwnedFd,
) -> Result<Option<rustix::process::Pid>, SandboxError> {
    // The first link of the death chain: the helper dies (peers killed it, or peers died
    // and its own death signal killed the helper) → init is SIGKILLed → the namespace dies.
    rustix::process::set_parent_process_death_signal(Some(Signal::KILL))
        .map_err(|err| SandboxError::setup(SetupStep::Fork, err))?;
    if helper_is_gone(helper) {
        // The helper died before the death signal was armed: nobody waits for this sandbox.
        std::process::exit(SETUP_FAILED_EXIT_CODE);
    }
    let (request, command) = match invocation {
        Invocation::Run {
            request,
            program,
            args,
        } => (request, Some((program, args))),
        Invocation::Probe { request } => (request, None),
    };
    crate::mounts::build(&request.policy)?;
    sys::loopback_up().map_err(|err| SandboxError::setup(SetupStep::Loopback, err))?;
    let ruleset = crate::landlock_rules::ruleset(&request.policy)?;
    let filters = crate::seccomp_filter::filters()?;
    let Some((program, args)) = command else {
        // A probe also proves the command-side steps work, in a child that then exits.
        return probe_command_side(ruleset, &filters).map(|()| None);
    };
    match sys::fork().map_err(|err| SandboxError::setup(SetupStep::Fork, err))? {
        Forked::Child => {
            let err = crate::agent::exec(&request.cwd, &program, &args, ruleset, &filters);
            send_error(error_pipe, &err);
            std::process::exit(SETUP_FAILED_EXIT_CODE)
        }
        Forked::Parent(command) => {
            drop(ruleset);
            crate::agent::drop_privileges()?;
            Ok(Some(command))
        }
    }
}

fn probe_command_side(
    ruleset: Option<landlock::RulesetCreated>,
    filters: &[seccompiler::BpfProgram],
) -> Result<(), SandboxError> {
    match sys::fork().map_err(|err| SandboxError::setup(SetupStep::Fork, err))? {
        Forked::Child => {
            let code = match crate::agent::confine_self(ruleset, filters) {
                Ok(()) => 0,
                Err(err) => {
                    let mut stderr = std::io::stderr();
                    let _ = stderr.write_all(format_error(&err).as_bytes());
                    SETUP_FAILED_EXIT_CODE
                }
            };
            std::process::exit(code)
        }
        Forked::Parent(child) => match reap_until(child) {
            0 => Ok(()),
            code => Err(SandboxError::setup(
                SetupStep::Capabilities,
                std::io::Error::other(format!("the probe's command side exited with {code}")),
            )),
        },
    }
}

/// Whether the helper process has exited (its pidfd polls readable).
fn helper_is_gone(helper: &OwnedFd) -> bool {
    let mut fds = [PollFd::new(helper, PollFlags::IN)];
    let now = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    matches!(rustix::event::poll(&mut fds, Some(&now)), Ok(ready) if ready > 0)
}

/// Reaps every child (orphans re-parent to init) until `command` exits; returns its code.
fn reap_until(command: rustix::process::Pid) -> i32 {
    loop {
        match rustix::process::wait(WaitOptions::empty()) {
            Ok(Some((pid, status))) if pid == command => return exit_code(status),
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            // ECHILD cannot happen while the command lives; give up rather than spin.
            Err(_) => return SETUP_FAILED_EXIT_CODE,
        }
    }
}

fn send_error(pipe: &OwnedFd, err: &SandboxError) {
    let mut file = match pipe.as_fd().try_clone_to_owned() {
        Ok(fd) => std::fs::File::from(fd),
        Err(_) => return,
    };
    // The helper reads until EOF; if the pipe is broken the exit code still says it failed.
    let _ = file.write_all(format_error(err).as_bytes());
}
