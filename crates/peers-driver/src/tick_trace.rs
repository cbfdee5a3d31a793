//! How an in-flight tick is found again after a crash: a random marker in the peer's
//! environment and the leader's identity (pid, group, session, start time), both kept in the
//! in-flight record; on resume, whatever the interrupted tick left running is stopped.

use std::io::Read;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The environment variable that marks every process of one tick.
pub const MARKER_VARIABLE: &str = "PEERS_TICK_ID";

/// The peer process of a tick, as seen right after it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderRecord {
    pub pid: u32,
    pub pgid: u32,
    pub sid: u32,
    /// `/proc/<pid>/stat` field 22 (clock ticks after boot): a recycled pid has another.
    pub start: u64,
}

impl From<peers_process::LeaderIdentity> for LeaderRecord {
    fn from(l: peers_process::LeaderIdentity) -> Self {
        Self {
            pid: l.pid,
            pgid: l.pgid,
            sid: l.sid,
            start: l.start,
        }
    }
}

/// A fresh marker value: 128 random bits from the kernel, in hex (time and pid as a fallback).
pub fn new_marker() -> String {
    let mut bytes = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !random {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mixed = nanos ^ (u128::from(std::process::id()) << 64);
        bytes = mixed.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The identity of the live process `pid`, for the in-flight record.
pub fn leader(pid: u32) -> Option<LeaderRecord> {
    peers_process::leader_identity(pid).map(LeaderRecord::from)
}

/// Stops what an interrupted tick left running (SIGTERM, `grace`, SIGKILL) and names it:
/// `pid N: command` per process.
pub fn stop_left_behind(
    marker: Option<&str>,
    leader: Option<LeaderRecord>,
    grace: Duration,
) -> Vec<String> {
    let trace = peers_process::TurnTrace {
        leader: leader.map(|l| peers_process::LeaderIdentity {
            pid: l.pid,
            pgid: l.pgid,
            sid: l.sid,
            start: l.start,
        }),
        marker: marker
            .filter(|m| !m.is_empty())
            .map(|m| format!("{MARKER_VARIABLE}={m}")),
    };
    if trace.leader.is_none() && trace.marker.is_none() {
        return Vec::new();
    }
    peers_process::stop_left_behind(&trace, grace)
        .into_iter()
        .map(|l| format!("pid {}: {}", l.pid, l.command))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_long_and_distinct() {
        let (a, b) = (new_marker(), new_marker());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn nothing_recorded_stops_nothing() {
        assert!(stop_left_behind(None, None, Duration::ZERO).is_empty());
        assert!(stop_left_behind(Some(""), None, Duration::ZERO).is_empty());
    }
}
