//! Process identity: a PID is trusted only together with its start time (`/proc/<pid>/stat`
//! field 22) and the boot it happened in. Every liveness answer and every signal checks both,
//! and signals go through a pidfd opened after the check, so a recycled PID — now another
//! program — is never signalled.

use std::os::fd::OwnedFd;

use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use crate::registry::RunRecord;

const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// What `/proc/<pid>/stat` says about a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcIdentity {
    pub start_ticks: u64,
    pub zombie: bool,
}

/// What the PID recorded for a run names now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// The same process (PID, start time and boot all match).
    Alive,
    /// No such process (or only its zombie).
    Gone,
    /// The PID belongs to another process now.
    Recycled,
}

pub fn boot_id() -> String {
    std::fs::read_to_string(BOOT_ID)
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

/// The start time of a live process `pid` (`None` when there is none).
pub fn identify(pid: u32) -> Option<ProcIdentity> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and ')'; the fields follow the last ')'.
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); field 22 is at index 19.
    let state = fields.first()?;
    let start_ticks = fields.get(19)?.parse().ok()?;
    Some(ProcIdentity {
        start_ticks,
        zombie: matches!(*state, "Z" | "X"),
    })
}

/// Whether the run's recorded process is still that process.
pub fn liveness(run: &RunRecord, boot: &str) -> Liveness {
    match identify(run.pid) {
        None => Liveness::Gone,
        Some(_) if !boot.is_empty() && !run.boot_id.is_empty() && boot != run.boot_id => {
            Liveness::Recycled
        }
        Some(now) if now.start_ticks != run.start_ticks => Liveness::Recycled,
        Some(now) if now.zombie => Liveness::Gone,
        Some(_) => Liveness::Alive,
    }
}

/// A handle on the run's process, opened only if it is still the recorded process. Holding the
/// pidfd pins the identity: signals through it cannot reach a later process with the same PID.
pub struct RunHandle {
    pidfd: OwnedFd,
}

impl RunHandle {
    pub fn open(run: &RunRecord) -> Option<Self> {
        let boot = boot_id();
        if liveness(run, &boot) != Liveness::Alive {
            return None;
        }
        let pid = Pid::from_raw(i32::try_from(run.pid).ok()?)?;
        let pidfd = pidfd_open(pid, PidfdFlags::empty()).ok()?;
        // The process may have exited and its PID been reused between the check and the open.
        if liveness(run, &boot) != Liveness::Alive {
            return None;
        }
        Some(Self { pidfd })
    }

    /// Sends `signal`; false when the process is already gone.
    pub fn signal(&self, signal: Signal) -> bool {
        pidfd_send_signal(&self.pidfd, signal).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_process_is_alive_and_a_wrong_start_time_is_recycled() {
        let pid = std::process::id();
        let me = identify(pid).unwrap();
        let mut run = RunRecord {
            pid,
            start_ticks: me.start_ticks,
            boot_id: boot_id(),
            started_at: String::new(),
            log: "/dev/null".into(),
        };
        assert_eq!(liveness(&run, &boot_id()), Liveness::Alive);
        run.start_ticks += 1;
        assert_eq!(liveness(&run, &boot_id()), Liveness::Recycled);
        assert!(RunHandle::open(&run).is_none());
        run.pid = u32::MAX - 1;
        assert_eq!(liveness(&run, &boot_id()), Liveness::Gone);
    }
}
