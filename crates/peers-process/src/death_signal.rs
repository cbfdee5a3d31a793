//! The Linux parent-death signal: a child is SIGKILLed if peers itself dies without cleaning up.
//!
//! The process-group kill in [`crate::run`] covers every normal path, including panics (the
//! group guard kills on drop). It cannot cover peers being SIGKILLed or OOM-killed overnight;
//! then an agent CLI or a test suite would run on unowned. `PR_SET_PDEATHSIG` closes that gap
//! for the direct child (it survives `execve`, so `sh -c 'exec cargo test'` is covered too).
//! It must be set in the child between fork and exec, which std only offers through the
//! `unsafe` `pre_exec` hook; this file holds the one such use in the crate.
//!
//! Caveat: the signal fires when the *thread* that forked exits. [`crate::run`] blocks the
//! calling thread until the child is reaped, so that thread always outlives the child.

use std::process::Command;

/// Arranges for the child to receive SIGKILL when the spawning thread dies.
#[cfg(target_os = "linux")]
#[expect(
    unsafe_code,
    reason = "pre_exec is the only hook between fork and exec; see the SAFETY note"
)]
pub(crate) fn arm(command: &mut Command) {
    use rustix::io::Errno;
    use rustix::process::{Signal, getpid, getppid, set_parent_process_death_signal};
    use std::os::unix::process::CommandExt as _;

    let parent = getpid();
    // SAFETY: the closure runs in the forked child, where only async-signal-safe work is
    // allowed. It makes two raw syscalls through rustix's linux_raw backend (prctl, getppid),
    // takes no lock, allocates nothing (an `io::Error` built from an errno is a plain integer),
    // and touches no state shared with other threads. `parent` is a `Copy` pid captured by value.
    unsafe {
        command.pre_exec(move || {
            set_parent_process_death_signal(Some(Signal::KILL))?;
            // The parent may have died between fork and prctl; then no signal would ever come.
            if getppid() != Some(parent) {
                return Err(Errno::SRCH.into());
            }
            Ok(())
        });
    }
}

/// Other platforms rely on the process-group kill alone.
#[cfg(not(target_os = "linux"))]
pub(crate) fn arm(_command: &mut Command) {}
