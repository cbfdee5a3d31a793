//! `.peers/log/runs.jsonl`: one JSON object per line, appended by the single run that holds
//! the run lock, never rewritten. Every record carries a `"v"` version field.

use std::io::{BufRead, BufReader};

use serde_json::{Map, Value};

use crate::error::StoreError;
use crate::heal::{self, TornTail};
use crate::layout::PeersDir;
use crate::safe_fs::{append_line, ensure_private_dir, open_control_file};

/// The record format version this build writes.
pub const RECORD_VERSION: u64 = 1;

/// Every readable record of the log, in order, and how many lines could not be decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunRecords {
    pub records: Vec<Value>,
    /// Lines that are not a JSON object (e.g. a line torn by a crash mid-write).
    pub malformed: usize,
}

/// Appends one record as one line, adding `"v": 1` first when the record has no `v`.
pub fn append_record(dir: &PeersDir, record: &Value) -> Result<(), StoreError> {
    let Value::Object(fields) = record else {
        return Err(StoreError::RecordNotObject {
            found: truncate_for_message(&record.to_string()),
        });
    };
    let mut versioned = Map::with_capacity(fields.len() + 1);
    if !fields.contains_key("v") {
        versioned.insert("v".to_owned(), Value::from(RECORD_VERSION));
    }
    versioned.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    let path = dir.runs_jsonl();
    let line = serde_json::to_vec(&Value::Object(versioned))
        .map_err(|e| StoreError::io("serialize a record for", &path, e.into()))?;
    ensure_private_dir(&dir.log_dir())?;
    repair_torn_tail(dir)?;
    append_line(&path, &line)
}

/// Moves a torn last line of the log to `runs.jsonl.torn` (see `heal::repair_torn_tail`) and
/// records that it did, so the next record starts a line of its own and the loss is visible.
pub fn repair_torn_tail(dir: &PeersDir) -> Result<Option<TornTail>, StoreError> {
    let path = dir.runs_jsonl();
    let Some(torn) = heal::repair_torn_tail(&path)? else {
        return Ok(None);
    };
    let record = serde_json::json!({
        "v": RECORD_VERSION,
        "event": "log_repaired",
        "ts": crate::timestamp::now_iso_utc(),
        "quarantined_bytes": torn.bytes,
        "quarantine": torn.quarantine.file_name().map(|n| n.to_string_lossy().into_owned()),
    });
    append_line(&path, record.to_string().as_bytes())?;
    Ok(Some(torn))
}

/// Reads the whole log; a missing log is empty.
pub fn read_records(dir: &PeersDir) -> Result<RunRecords, StoreError> {
    let path = dir.runs_jsonl();
    let file = match open_control_file(&path) {
        Ok((file, _)) => file,
        Err(err) if err.is_not_found() => return Ok(RunRecords::default()),
        Err(err) => return Err(err),
    };
    let mut reader = BufReader::new(file);
    let mut result = RunRecords::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| StoreError::io("read", &path, e))?;
        if read == 0 {
            return Ok(result);
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(&line) {
            Ok(record @ Value::Object(_)) => result.records.push(record),
            _ => result.malformed += 1,
        }
    }
}

fn truncate_for_message(text: &str) -> String {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn peers_dir() -> (tempfile::TempDir, PeersDir) {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir(temp.path().join(".peers")).unwrap();
        let dir = PeersDir::discover(temp.path()).unwrap();
        (temp, dir)
    }

    #[test]
    fn records_round_trip_with_a_version_first() {
        let (_temp, dir) = peers_dir();
        append_record(&dir, &json!({"event": "exit", "reason": "done"})).unwrap();
        append_record(&dir, &json!({"v": 7, "iteration": 1})).unwrap();
        let text = std::fs::read_to_string(dir.runs_jsonl()).unwrap();
        assert!(text.starts_with("{\"v\":1,\"event\":\"exit\""), "{text}");
        let read = read_records(&dir).unwrap();
        assert_eq!(read.malformed, 0);
        assert_eq!(read.records[1], json!({"v": 7, "iteration": 1}));
    }

    #[test]
    fn torn_and_foreign_lines_are_counted_not_fatal() {
        let (_temp, dir) = peers_dir();
        append_record(&dir, &json!({"iteration": 1})).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.runs_jsonl())
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"[1]\n\n{\"iteration\": 2, \"tr"))
            .unwrap();
        let read = read_records(&dir).unwrap();
        assert_eq!(read.records.len(), 1);
        assert_eq!(read.malformed, 2);
    }

    /// Regression: the next record was glued onto a torn last line and lost with it.
    #[test]
    fn a_record_after_a_torn_line_is_readable_and_the_repair_recorded() {
        let (_temp, dir) = peers_dir();
        append_record(&dir, &json!({"iteration": 1})).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.runs_jsonl())
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"iteration\": 2, \"tr"))
            .unwrap();
        append_record(&dir, &json!({"iteration": 3})).unwrap();
        let read = read_records(&dir).unwrap();
        assert_eq!(read.malformed, 0);
        let events: Vec<&Value> = read.records.iter().map(|r| &r["event"]).collect();
        assert_eq!(events, [&Value::Null, &json!("log_repaired"), &Value::Null]);
        assert_eq!(read.records[1]["quarantined_bytes"], 20);
        assert_eq!(read.records[2]["iteration"], 3);
        let quarantine = dir.log_dir().join("runs.jsonl.torn");
        assert_eq!(
            std::fs::read(quarantine).unwrap(),
            b"{\"iteration\": 2, \"tr\n"
        );
    }

    #[test]
    fn missing_log_reads_as_empty() {
        let (_temp, dir) = peers_dir();
        assert_eq!(read_records(&dir).unwrap(), RunRecords::default());
    }

    #[test]
    fn non_object_record_is_refused() {
        let (_temp, dir) = peers_dir();
        let err = append_record(&dir, &json!("text")).unwrap_err();
        assert!(matches!(err, StoreError::RecordNotObject { .. }));
    }

    #[test]
    fn log_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_temp, dir) = peers_dir();
        append_record(&dir, &json!({"iteration": 1})).unwrap();
        let mode = std::fs::metadata(dir.runs_jsonl())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(dir.log_dir())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
