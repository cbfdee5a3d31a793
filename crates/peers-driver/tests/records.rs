//! runs.jsonl is a contract: `fixtures/runs-v1.jsonl` holds records exactly as record version 1
//! wrote them (a `peers demo` run's first tick and exit, and a failed tick). They must read back
//! as typed records, and writing them again must give the same JSON.
#![allow(
    clippy::expect_used,
    reason = "integration test helpers: a failed step must stop the test with its message"
)]

use peers_core::state::{GoalState, PeerState};
use peers_driver::record::{Record, TurnClass};

fn fixture() -> Vec<serde_json::Value> {
    include_str!("fixtures/runs-v1.jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a fixture line is JSON"))
        .collect()
}

#[test]
fn version_1_records_read_back_typed_and_write_back_unchanged() {
    let lines = fixture();
    assert_eq!(lines.len(), 3);
    let records: Vec<Record> = lines.iter().cloned().map(Record::from_value).collect();

    let Record::Tick(first) = &records[0] else {
        panic!("not a tick: {:?}", records[0]);
    };
    assert_eq!(first.iteration, 1);
    assert_eq!(first.classification, TurnClass::Success);
    assert_eq!(first.peer_state_after, PeerState::Healthy);
    assert_eq!(first.gates.hard["bug-hunt-clean"], GoalState::Pass);
    assert_eq!(first.gates.hard["tests-pass"], GoalState::Fail);

    let Record::Tick(failed) = &records[1] else {
        panic!("not a tick: {:?}", records[1]);
    };
    assert_eq!(failed.classification, TurnClass::ProcessFail);
    assert_eq!(failed.classification.as_str(), "process-fail");
    assert_eq!(failed.peer_state_after, PeerState::Degraded);
    assert!(!failed.success);

    let Record::Exit(exit) = &records[2] else {
        panic!("not an exit: {:?}", records[2]);
    };
    assert_eq!((exit.reason.as_str(), exit.ticks_in_run), ("complete", 6));

    for (record, line) in records.iter().zip(&lines) {
        let written = match record {
            Record::Tick(tick) => tick.to_value(),
            Record::Exit(exit) => exit.to_value(),
            Record::Other(other) => panic!("read as unknown: {other}"),
        };
        assert_eq!(&written, line, "the JSON on disk changed");
    }
}

#[test]
fn records_of_other_shapes_are_kept_not_dropped() {
    // The original tool's entries have no `event`; a class it knew and we do not stays text.
    let original = serde_json::json!({
        "ts": "2026-01-01T00:00:00Z", "iteration": 4, "peer": "codex",
        "classification": "timeout", "success": false
    });
    let Record::Tick(tick) = Record::from_value(original) else {
        panic!("the original's entry is a tick");
    };
    assert_eq!(tick.classification, TurnClass::Other("timeout".to_owned()));
    assert_eq!(tick.classification.to_string(), "timeout");

    // A newer version's event, and a tick whose field has the wrong type, are kept whole.
    let future = serde_json::json!({"v": 2, "event": "checkpoint", "iteration": 9});
    assert!(matches!(Record::from_value(future.clone()), Record::Other(v) if v == future));
    let broken = serde_json::json!({"v": 1, "event": "tick", "iteration": "nine"});
    assert!(matches!(Record::from_value(broken.clone()), Record::Other(v) if v == broken));
}
