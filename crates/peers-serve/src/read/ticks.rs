//! The run log `.peers/log/runs.jsonl` as the pages need it: every tick record and every exit
//! record, decoded as the typed records the loop writes (peers-store's `run_record`) and
//! streamed one line at a time by peers-store. A tick's output tails are dropped once read, so
//! a run of thousands of ticks stays small in memory. Fields absent from older records default.

use std::path::Path;

use peers_core::state::GoalState;
use peers_store::layout::PeersDir;
use peers_store::run_record::{ExitRecord, TickRecord};
use serde::Deserialize;

use crate::read::error::ReadError;

#[derive(Debug, Clone, Default)]
pub struct RunLog {
    /// Without their `stdout_tail` and `stderr_tail` (see [`read_tick`] for those).
    pub ticks: Vec<TickRecord>,
    pub exits: Vec<ExitRecord>,
    /// Lines that could not be read (torn, too long, not JSON).
    pub malformed: usize,
}

impl RunLog {
    /// Every gate id seen in any tick, sorted.
    pub fn gate_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .ticks
            .iter()
            .flat_map(|tick| tick.gates.hard.keys().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Hard gates that passed after `tick`.
pub fn gates_green(tick: &TickRecord) -> usize {
    tick.gates
        .hard
        .values()
        .filter(|state| **state == GoalState::Pass)
        .count()
}

/// Reads the whole log of the repository at `repo` (a missing log is empty).
pub fn read_run_log(repo: &Path) -> Result<RunLog, ReadError> {
    let dir = PeersDir::at(repo);
    let mut log = RunLog::default();
    let malformed = peers_store::run_log::scan_lines(&dir, |bytes| {
        let Ok(probe) = serde_json::from_slice::<Probe>(bytes) else {
            return false;
        };
        match probe.event.as_deref() {
            Some("exit") => match serde_json::from_slice::<ExitRecord>(bytes) {
                Ok(exit) => log.exits.push(exit),
                Err(_) => return false,
            },
            Some("tick") | None if probe.iteration.is_some() => {
                match serde_json::from_slice::<TickRecord>(bytes) {
                    Ok(mut tick) => {
                        tick.stdout_tail = String::new();
                        tick.stderr_tail = String::new();
                        log.ticks.push(tick);
                    }
                    Err(_) => return false,
                }
            }
            _ => {}
        }
        true
    })?;
    log.malformed = malformed;
    Ok(log)
}

/// The kind of a record, read without its body: `Record`'s `event` tag, where a record without
/// one but with an `iteration` is an original tick entry (as `Record::from_value` reads it).
/// Probing first keeps a tick that fails to decode countable as malformed, where
/// `Record::Other` would hide it among unknown events.
#[derive(Deserialize)]
struct Probe {
    event: Option<String>,
    iteration: Option<serde::de::IgnoredAny>,
}

/// One tick's full record (with output tails), found through the log's index.
pub fn read_tick(repo: &Path, iteration: u64) -> Result<Option<serde_json::Value>, ReadError> {
    Ok(peers_store::run_log::find_tick(
        &PeersDir::at(repo),
        iteration,
    )?)
}

/// The size of the log in bytes (0 when missing): a cheap change marker for live updates.
pub fn log_len(repo: &Path) -> u64 {
    std::fs::symlink_metadata(PeersDir::at(repo).runs_jsonl()).map_or(0, |meta| meta.len())
}

/// The timestamp of the newest whole record, reading only the end of the log (peers-store's
/// bounded tail reader, as `peers-ctl status` does).
pub fn last_ts(repo: &Path) -> Option<String> {
    let record = peers_store::run_tail::last_record(&PeersDir::at(repo)).ok()??;
    record.get("ts")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use peers_core::turn_class::TurnClass;

    use super::*;

    #[test]
    fn ticks_and_exits_read_typed_with_tails_dropped_and_broken_ticks_counted() {
        let temp = tempfile::tempdir().unwrap();
        let log_dir = temp.path().join(".peers/log");
        std::fs::create_dir_all(&log_dir).unwrap();
        let lines = [
            r#"{"v":1,"event":"tick","iteration":1,"peer":"a","classification":"process-fail","stdout_tail":"long output","gates":{"hard":{"tests":"pass","lint":"fail"}}}"#,
            r#"{"iteration":2,"peer":"b","classification":"timeout","success":true}"#,
            r#"{"v":1,"event":"tick","iteration":"three"}"#,
            r#"{"v":2,"event":"checkpoint","iteration":4}"#,
            r#"{"v":1,"event":"exit","reason":"complete","ticks_in_run":2,"iteration":2}"#,
        ];
        std::fs::write(log_dir.join("runs.jsonl"), lines.join("\n") + "\n").unwrap();

        let log = read_run_log(temp.path()).unwrap();
        assert_eq!(log.ticks.len(), 2);
        let first = &log.ticks[0];
        assert_eq!(first.classification, TurnClass::ProcessFail);
        assert!(first.stdout_tail.is_empty());
        assert_eq!(gates_green(first), 1);
        assert_eq!(log.gate_ids(), ["lint", "tests"]);
        assert_eq!(log.ticks[1].classification.as_str(), "timeout");
        assert_eq!(log.ticks[1].model, None);
        assert_eq!(log.exits.len(), 1);
        assert_eq!(log.exits[0].reason, "complete");
        assert_eq!(log.malformed, 1, "the tick with a text iteration");
    }
}
