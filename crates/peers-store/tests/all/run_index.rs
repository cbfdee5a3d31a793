//! `runs.jsonl.idx`: `find_tick` answers from the index and the log's tail, and stays right
//! when the index is missing, stale, or the log was written by a build without it.

use std::io::Write;

use peers_store::run_index::{ENTRY_BYTES, TAIL_LIMIT, index_path};
use peers_store::run_log::{append_record, find_tick, last_tick_iteration, scan_records};
use serde_json::json;

use crate::support::TempRepo;

fn tick(iteration: u64, note: &str) -> serde_json::Value {
    json!({"event": "tick", "iteration": iteration, "peer": "a", "note": note})
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure should abort the test"
)]
fn append_raw(repo: &TempRepo, bytes: &[u8]) {
    std::fs::create_dir_all(repo.dir.log_dir()).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(repo.dir.runs_jsonl())
        .and_then(|mut f| f.write_all(bytes))
        .unwrap();
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure should abort the test"
)]
fn found_note(repo: &TempRepo, iteration: u64) -> Option<String> {
    find_tick(&repo.dir, iteration)
        .unwrap()
        .map(|r| r["note"].as_str().unwrap_or_default().to_owned())
}

#[test]
fn each_appended_record_gets_one_entry_and_ticks_are_found() {
    let repo = TempRepo::new();
    for i in 1..=5 {
        append_record(&repo.dir, &tick(i, &format!("n{i}"))).unwrap();
    }
    append_record(&repo.dir, &json!({"event": "exit", "iteration": 5})).unwrap();
    let index = std::fs::metadata(index_path(&repo.dir)).unwrap().len();
    assert_eq!(index, 6 * ENTRY_BYTES);
    assert_eq!(found_note(&repo, 3).as_deref(), Some("n3"));
    assert_eq!(found_note(&repo, 9), None);
    assert_eq!(last_tick_iteration(&repo.dir).unwrap(), Some(5));
}

#[test]
fn the_newest_record_of_an_iteration_wins() {
    let repo = TempRepo::new();
    append_record(&repo.dir, &tick(1, "first")).unwrap();
    append_record(&repo.dir, &tick(1, "again")).unwrap();
    assert_eq!(found_note(&repo, 1).as_deref(), Some("again"));
}

#[test]
fn a_missing_index_is_rebuilt() {
    let repo = TempRepo::new();
    for i in 1..=3 {
        append_record(&repo.dir, &tick(i, &format!("n{i}"))).unwrap();
    }
    std::fs::remove_file(index_path(&repo.dir)).unwrap();
    // The writer does not recreate it behind the log; a reader rebuilds it.
    append_record(&repo.dir, &tick(4, "n4")).unwrap();
    assert!(!index_path(&repo.dir).exists());
    assert_eq!(found_note(&repo, 2).as_deref(), Some("n2"));
    assert_eq!(
        std::fs::metadata(index_path(&repo.dir)).unwrap().len(),
        4 * ENTRY_BYTES
    );
    append_record(&repo.dir, &tick(5, "n5")).unwrap();
    assert_eq!(
        std::fs::metadata(index_path(&repo.dir)).unwrap().len(),
        5 * ENTRY_BYTES
    );
}

#[test]
fn records_appended_without_the_index_are_found_in_the_tail_or_after_a_rebuild() {
    let repo = TempRepo::new();
    append_record(&repo.dir, &tick(1, "n1")).unwrap();
    // A build without the index appended these.
    append_raw(
        &repo,
        b"{\"event\":\"tick\",\"iteration\":2,\"note\":\"raw\"}\n",
    );
    assert_eq!(found_note(&repo, 2).as_deref(), Some("raw"));
    let filler = "x".repeat(1000);
    for i in 3..(3 + TAIL_LIMIT / 1000 + 10) {
        let line = format!("{}\n", tick(i, &filler));
        append_raw(&repo, line.as_bytes());
    }
    assert_eq!(found_note(&repo, 1).as_deref(), Some("n1"));
    assert_eq!(found_note(&repo, 2).as_deref(), Some("raw"));
    let entries = std::fs::metadata(index_path(&repo.dir)).unwrap().len() / ENTRY_BYTES;
    assert!(
        entries > 1000,
        "the index was rebuilt over the long tail: {entries}"
    );
}

#[test]
fn a_log_edited_under_the_index_still_answers_right() {
    let repo = TempRepo::new();
    for i in 1..=4 {
        append_record(&repo.dir, &tick(i, &format!("n{i}"))).unwrap();
    }
    // Rewritten by hand: same length per line would fool offsets; shift everything instead.
    let text = std::fs::read_to_string(repo.dir.runs_jsonl()).unwrap();
    let edited = format!("\n\n{}", text.replace("\"n2\"", "\"edited-two\""));
    std::fs::write(repo.dir.runs_jsonl(), edited).unwrap();
    assert_eq!(found_note(&repo, 2).as_deref(), Some("edited-two"));
    assert_eq!(found_note(&repo, 4).as_deref(), Some("n4"));
}

#[test]
fn a_torn_last_line_is_neither_indexed_nor_fatal() {
    let repo = TempRepo::new();
    append_record(&repo.dir, &tick(1, "n1")).unwrap();
    append_raw(&repo, b"{\"event\":\"tick\",\"iteration\":2,\"no");
    std::fs::remove_file(index_path(&repo.dir)).unwrap();
    assert_eq!(found_note(&repo, 2), None);
    assert_eq!(found_note(&repo, 1).as_deref(), Some("n1"));
    let mut seen = 0;
    let malformed = scan_records(&repo.dir, |_| seen += 1).unwrap();
    assert_eq!((seen, malformed), (1, 1));
}

#[test]
fn an_oversized_line_is_skipped_and_counted() {
    let repo = TempRepo::new();
    let huge = format!(
        "{{\"event\":\"tick\",\"iteration\":1,\"note\":\"{}\"}}\n",
        "y".repeat(peers_store::run_log::MAX_LINE_BYTES + 10)
    );
    append_raw(&repo, huge.as_bytes());
    append_record(&repo.dir, &tick(2, "n2")).unwrap();
    let mut seen = Vec::new();
    let malformed = scan_records(&repo.dir, |r| seen.push(r["iteration"].clone())).unwrap();
    assert_eq!((seen, malformed), (vec![json!(2)], 1));
    assert_eq!(found_note(&repo, 1), None);
    assert_eq!(found_note(&repo, 2).as_deref(), Some("n2"));
}

#[test]
fn a_log_that_restarts_its_iterations_is_still_searched_right() {
    let repo = TempRepo::new();
    for (i, note) in [(1, "a1"), (2, "a2"), (3, "a3"), (1, "b1"), (2, "b2")] {
        append_record(&repo.dir, &tick(i, note)).unwrap();
        append_record(&repo.dir, &json!({"event": "exit", "iteration": i})).unwrap();
    }
    assert_eq!(found_note(&repo, 1).as_deref(), Some("b1"));
    assert_eq!(found_note(&repo, 3).as_deref(), Some("a3"));
    assert_eq!(found_note(&repo, 4), None);
}

#[test]
fn a_sorted_log_is_bisected_to_every_tick() {
    let repo = TempRepo::new();
    for i in 1..=200 {
        append_record(&repo.dir, &tick(i, &format!("n{i}"))).unwrap();
        if i % 7 == 0 {
            append_record(&repo.dir, &json!({"event": "exit", "iteration": i})).unwrap();
        }
    }
    for i in 1..=200 {
        assert_eq!(found_note(&repo, i), Some(format!("n{i}")), "tick {i}");
    }
    assert_eq!(found_note(&repo, 0), None);
    assert_eq!(found_note(&repo, 201), None);
}
