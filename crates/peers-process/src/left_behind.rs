//! What a turn left running when the process that supervised it died (`kill -9`, a crash): found
//! again from a [`TurnTrace`] recorded before the crash, then stopped (SIGTERM, grace, SIGKILL).
//!
//! A process is claimed when
//! - its environment carries the turn's marker (`NAME=value`, a random value given only to that
//!   turn's leader and inherited by everything it started, `setsid` jobs included), or
//! - the turn's leader is still alive with the recorded start time, and the process is in the
//!   leader's process group (or the leader's own session) and started after it.
//!
//! A pid is never enough on its own: a leader whose pid now names a process with another start
//! time is a recycled pid, and its group and session are then not ours. Signals go through a
//! pidfd after re-checking the start time (see `descendants`).

use std::fs;
use std::io::Read;
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Signal, getpid};

use crate::descendants::{
    Leftover, ProcStat, command_line, executable, read_stat, signal_exact, snapshot,
};

/// Longest `/proc/<pid>/environ` read; a marker is in the first entries of a normal process.
const ENVIRON_CAP: u64 = 1024 * 1024;
/// Poll step while waiting for SIGTERM to take effect.
const GRACE_STEP: Duration = Duration::from_millis(20);
/// SIGKILL rounds after the grace: a process may fork while we kill its parent.
const KILL_ROUNDS: usize = 20;

/// A turn's leader as seen right after it was spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaderIdentity {
    pub pid: u32,
    pub pgid: u32,
    pub sid: u32,
    /// `/proc/<pid>/stat` field 22: clock ticks after boot when it started.
    pub start: u64,
}

/// How to find one turn's processes after a crash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnTrace {
    pub leader: Option<LeaderIdentity>,
    /// An environment entry `NAME=value` only this turn's processes carry.
    pub marker: Option<String>,
}

/// The identity of a live process `pid` (`None` once it is gone).
pub fn leader_identity(pid: u32) -> Option<LeaderIdentity> {
    let stat = read_stat(i32::try_from(pid).ok()?)?;
    Some(LeaderIdentity {
        pid,
        pgid: u32::try_from(stat.pgid).ok()?,
        sid: u32::try_from(stat.sid).ok()?,
        start: stat.start,
    })
}

/// The processes `trace` claims that are running now, with their command lines.
pub fn find_left_behind(trace: &TurnTrace) -> Vec<Leftover> {
    claimed(&snapshot(), trace, getpid().as_raw_nonzero().get())
        .iter()
        .map(named)
        .collect()
}

/// Stops every process `trace` claims: SIGTERM, up to `grace` for them to exit, then SIGKILL
/// (to those and to anything claimed that appeared meanwhile). Returns what was running.
pub fn stop_left_behind(trace: &TurnTrace, grace: Duration) -> Vec<Leftover> {
    let me = getpid().as_raw_nonzero().get();
    let found = claimed(&snapshot(), trace, me);
    let report: Vec<Leftover> = found.iter().map(named).collect();
    if found.is_empty() {
        return report;
    }
    for stat in &found {
        signal_exact(stat, Signal::TERM);
    }
    let deadline = Instant::now() + grace;
    while found.iter().any(still_running) && Instant::now() < deadline {
        thread::sleep(GRACE_STEP);
    }
    for _ in 0..KILL_ROUNDS {
        let left = claimed(&snapshot(), trace, me);
        if left.is_empty() {
            break;
        }
        for stat in &left {
            signal_exact(stat, Signal::KILL);
        }
        thread::sleep(Duration::from_millis(5));
    }
    report
}

fn named(stat: &ProcStat) -> Leftover {
    Leftover {
        pid: u32::try_from(stat.pid).unwrap_or(0),
        command: command_line(stat.pid),
        program: executable(stat.pid),
    }
}

fn still_running(stat: &ProcStat) -> bool {
    read_stat(stat.pid).is_some_and(|now| now.start == stat.start && !now.zombie)
}

/// The running processes of `table` that `trace` claims (never `me`, never pid 1).
fn claimed(table: &[ProcStat], trace: &TurnTrace, me: i32) -> Vec<ProcStat> {
    claimed_with(table, trace, me, &|pid, marker| has_marker(pid, marker))
}

fn claimed_with(
    table: &[ProcStat],
    trace: &TurnTrace,
    me: i32,
    marked: &dyn Fn(i32, &str) -> bool,
) -> Vec<ProcStat> {
    let leader = trace.leader.and_then(|l| {
        let pid = i32::try_from(l.pid).ok()?;
        Some((l, pid))
    });
    // The leader's group and session are ours only while the leader is the same process.
    let leader_alive = leader.is_some_and(|(l, pid)| {
        table
            .iter()
            .any(|s| s.pid == pid && s.start == l.start && !s.zombie)
    });
    let since = trace.leader.map_or(0, |l| l.start);
    table
        .iter()
        .filter(|s| s.pid != me && s.pid > 1 && !s.zombie && s.start >= since)
        .filter(|s| {
            let in_lineage = leader_alive
                && leader.is_some_and(|(l, pid)| {
                    (l.pgid == l.pid && s.pgid == pid) || (l.sid == l.pid && s.sid == pid)
                });
            in_lineage
                || trace
                    .marker
                    .as_deref()
                    .is_some_and(|marker| marked(s.pid, marker))
        })
        .copied()
        .collect()
}

/// True when `/proc/<pid>/environ` holds exactly the entry `marker` (readable for our own uid).
fn has_marker(pid: i32, marker: &str) -> bool {
    let Ok(file) = fs::File::open(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let mut bytes = Vec::new();
    if file.take(ENVIRON_CAP).read_to_end(&mut bytes).is_err() {
        return false;
    }
    bytes
        .split(|b| *b == 0)
        .any(|entry| entry == marker.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(pid: i32, pgid: i32, sid: i32, start: u64) -> ProcStat {
        ProcStat {
            pid,
            ppid: 1,
            pgid,
            sid,
            start,
            zombie: false,
        }
    }

    fn trace(pid: u32, pgid: u32, sid: u32, start: u64) -> TurnTrace {
        TurnTrace {
            leader: Some(LeaderIdentity {
                pid,
                pgid,
                sid,
                start,
            }),
            marker: Some("PEERS_TICK_ID=abc".to_owned()),
        }
    }

    fn pids(found: &[ProcStat]) -> Vec<i32> {
        found.iter().map(|s| s.pid).collect()
    }

    #[test]
    fn a_live_leader_brings_its_group_but_not_its_parents_session() {
        let table = [
            stat(100, 100, 7, 50),
            stat(101, 100, 7, 51),
            // Same session as the leader (peers' terminal), not started by the turn.
            stat(200, 200, 7, 60),
        ];
        let found = claimed_with(&table, &trace(100, 100, 7, 50), 1, &|_, _| false);
        assert_eq!(pids(&found), vec![100, 101]);
    }

    #[test]
    fn a_recycled_leader_pid_claims_nothing_without_the_marker() {
        // Pid 100 now names a process started later, in its own group.
        let table = [stat(100, 100, 100, 90), stat(101, 100, 100, 91)];
        let found = claimed_with(&table, &trace(100, 100, 7, 50), 1, &|_, _| false);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn marked_processes_are_claimed_wherever_they_are() {
        // The leader is gone; a setsid job (own group and session) carries the marker.
        let table = [stat(300, 300, 300, 70), stat(301, 301, 301, 71)];
        let found = claimed_with(&table, &trace(100, 100, 7, 50), 1, &|pid, m| {
            pid == 300 && m == "PEERS_TICK_ID=abc"
        });
        assert_eq!(pids(&found), vec![300]);
    }

    #[test]
    fn processes_older_than_the_leader_ourselves_and_zombies_are_never_claimed() {
        let mut zombie = stat(102, 100, 7, 52);
        zombie.zombie = true;
        let table = [
            stat(100, 100, 7, 50),
            stat(90, 100, 7, 10),
            stat(5, 100, 7, 55),
            zombie,
        ];
        let found = claimed_with(&table, &trace(100, 100, 7, 50), 5, &|_, _| true);
        assert_eq!(pids(&found), vec![100]);
    }

    #[test]
    fn a_session_leader_brings_its_session() {
        let table = [stat(100, 100, 100, 50), stat(110, 110, 100, 51)];
        let found = claimed_with(&table, &trace(100, 100, 100, 50), 1, &|_, _| false);
        assert_eq!(pids(&found), vec![100, 110]);
    }

    #[test]
    fn our_own_environment_marker_is_found() {
        // Every test process has PATH; a made-up entry is absent.
        let me = getpid().as_raw_nonzero().get();
        let path = std::env::var("PATH").unwrap_or_default();
        assert!(has_marker(me, &format!("PATH={path}")));
        assert!(!has_marker(me, "PEERS_TICK_ID=not-set-anywhere"));
    }

    #[test]
    fn leader_identity_reads_our_own_stat() {
        let me = std::process::id();
        let identity = leader_identity(me).unwrap();
        assert_eq!(identity.pid, me);
        assert!(identity.start > 0);
    }
}
