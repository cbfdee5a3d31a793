//! One running child and its process group: wait with a deadline, signal the group, reap; kill on drop.

use std::io;
use std::os::fd::OwnedFd;
use std::process::{Child, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions, kill_process_group, waitid};

/// Sleep between exit checks when pidfds are unavailable (old kernels, strict seccomp).
const FALLBACK_POLL: Duration = Duration::from_millis(10);

/// The child, leader of its own process group. Dropping it unreaped kills the whole group,
/// so an early return or a panic never leaves a gate or an agent running.
pub(crate) struct ChildGroup {
    child: Child,
    pid: Pid,
    /// Readable once the child has exited; lets us wait with a deadline without busy polling.
    pidfd: Option<OwnedFd>,
    reaped: bool,
}

impl ChildGroup {
    pub(crate) fn new(child: Child) -> Self {
        let pid = Pid::from_child(&child);
        Self {
            pidfd: open_pidfd(pid),
            child,
            pid,
            reaped: false,
        }
    }

    /// Readable once the child has exited (None on kernels without pidfds).
    pub(crate) fn pidfd(&self) -> Option<&OwnedFd> {
        self.pidfd.as_ref()
    }

    /// True once the child has exited (it stays an unreaped zombie).
    pub(crate) fn has_exited(&self) -> bool {
        self.wait_exited(Some(Instant::now()))
    }

    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the child has exited, without reaping it: while it is an unreaped zombie its
    /// pid, which is also the group id, cannot be reused, so signalling the group stays safe.
    /// Returns false when `deadline` passed first.
    pub(crate) fn wait_exited(&self, deadline: Option<Instant>) -> bool {
        if let Some(pidfd) = &self.pidfd
            && let Some(exited) = wait_pidfd(pidfd, deadline)
        {
            return exited;
        }
        self.wait_polling(deadline)
    }

    /// Waits until `deadline`; then SIGTERM to the group, `grace`, SIGKILL. True if it timed out.
    pub(crate) fn wait_or_stop(&self, deadline: Option<Instant>, grace: Duration) -> bool {
        if self.wait_exited(deadline) {
            return false;
        }
        self.signal_group(Signal::TERM);
        let grace_deadline = Instant::now().checked_add(grace);
        if !self.wait_exited(grace_deadline) {
            self.signal_group(Signal::KILL);
            self.wait_exited(None);
        }
        true
    }

    /// Signals every process still in the group; a group already empty is fine.
    pub(crate) fn signal_group(&self, signal: Signal) {
        if !self.reaped {
            let _ = kill_process_group(self.pid, signal);
        }
    }

    pub(crate) fn reap(&mut self) -> io::Result<ExitStatus> {
        let status = self.child.wait()?;
        self.reaped = true;
        crate::registry::forget(self.child.id());
        Ok(status)
    }

    fn wait_polling(&self, deadline: Option<Instant>) -> bool {
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG;
        loop {
            match waitid(WaitId::Pid(self.pid), options) {
                Ok(Some(_)) => return true,
                Ok(None) => {}
                Err(error) if error == Errno::INTR => continue,
                // ECHILD: nothing left to wait for.
                Err(_) => return true,
            }
            let now = Instant::now();
            match deadline {
                Some(deadline) if now >= deadline => return false,
                Some(deadline) => thread::sleep(FALLBACK_POLL.min(deadline - now)),
                None => thread::sleep(FALLBACK_POLL),
            }
        }
    }
}

impl Drop for ChildGroup {
    fn drop(&mut self) {
        if !self.reaped {
            self.signal_group(Signal::KILL);
            let _ = self.child.wait();
            crate::registry::forget(self.child.id());
        }
    }
}

#[cfg(target_os = "linux")]
fn open_pidfd(pid: Pid) -> Option<OwnedFd> {
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}

#[cfg(not(target_os = "linux"))]
fn open_pidfd(_pid: Pid) -> Option<OwnedFd> {
    None
}

/// `Some(exited)`, or `None` if poll itself failed and the caller should fall back.
fn wait_pidfd(pidfd: &OwnedFd, deadline: Option<Instant>) -> Option<bool> {
    loop {
        let timeout = match deadline {
            // An unrepresentable timeout is so far away that waiting for ever is the same.
            Some(deadline) => {
                Timespec::try_from(deadline.saturating_duration_since(Instant::now())).ok()
            }
            None => None,
        };
        let mut fds = [PollFd::new(pidfd, PollFlags::IN)];
        match poll(&mut fds, timeout.as_ref()) {
            Ok(0) if deadline.is_some_and(|deadline| Instant::now() >= deadline) => {
                return Some(false);
            }
            Ok(0) => {}
            Ok(_) => return Some(true),
            Err(error) if error == Errno::INTR => {}
            Err(_) => return None,
        }
    }
}
