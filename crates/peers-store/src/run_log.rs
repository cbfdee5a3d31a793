//! `.peers/log/runs.jsonl`: one JSON object per line, appended by the single run that holds
//! the run lock, never rewritten. Every record carries a `"v"` version field.

use std::io::{Seek, SeekFrom};

use serde_json::{Map, Value};

use crate::error::StoreError;
use crate::heal::{self, TornTail};
pub use crate::jsonl_lines::MAX_LINE_BYTES;
use crate::jsonl_lines::{Line, LineReader};
use crate::layout::PeersDir;
use crate::run_index;
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
    let record = Value::Object(versioned);
    let path = dir.runs_jsonl();
    let line = serde_json::to_vec(&record)
        .map_err(|e| StoreError::io("serialize a record for", &path, e.into()))?;
    ensure_private_dir(&dir.log_dir())?;
    repair_torn_tail(dir)?;
    // One writer (the run lock): the log's length now is where this line will start.
    let offset = std::fs::symlink_metadata(&path).map_or(0, |m| m.len());
    append_line(&path, &line)?;
    run_index::note_append(
        dir,
        offset,
        line.len() as u64 + 1,
        run_index::tick_iteration(&record),
    );
    Ok(())
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

/// Reads the whole log into memory; a missing log is empty. For a log of any size, use
/// [`scan_records`].
pub fn read_records(dir: &PeersDir) -> Result<RunRecords, StoreError> {
    let mut records = Vec::new();
    let malformed = scan_records(dir, |record| records.push(record))?;
    Ok(RunRecords { records, malformed })
}

/// Calls `visit` with every readable record, in order, holding one line at a time (lines over
/// [`MAX_LINE_BYTES`] are skipped); returns how many lines could not be decoded.
pub fn scan_records(dir: &PeersDir, mut visit: impl FnMut(Value)) -> Result<usize, StoreError> {
    scan_lines(dir, |bytes| match serde_json::from_slice::<Value>(bytes) {
        Ok(record @ Value::Object(_)) => {
            visit(record);
            true
        }
        _ => false,
    })
}

/// Calls `visit` with the bytes of every non-blank line, in order, one line at a time (lines
/// over [`MAX_LINE_BYTES`] are skipped); `visit` says whether it could decode the line.
/// Returns how many lines were skipped or not decoded.
pub fn scan_lines(
    dir: &PeersDir,
    mut visit: impl FnMut(&[u8]) -> bool,
) -> Result<usize, StoreError> {
    let path = dir.runs_jsonl();
    let file = match open_control_file(&path) {
        Ok((file, _)) => file,
        Err(err) if err.is_not_found() => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut reader = LineReader::new(file, 0);
    let mut malformed = 0;
    while let Some(located) = reader
        .next_line()
        .map_err(|e| StoreError::io("read", &path, e))?
    {
        match located.line {
            Line::Complete(bytes) | Line::Unterminated(bytes) => {
                if !bytes.trim_ascii().is_empty() && !visit(bytes) {
                    malformed += 1;
                }
            }
            Line::TooLong { .. } => malformed += 1,
        }
    }
    Ok(malformed)
}

enum Decoded {
    Record(Value),
    Blank,
    Malformed,
}

fn decode_line(line: &Line<'_>) -> Decoded {
    let bytes = match line {
        Line::Complete(bytes) | Line::Unterminated(bytes) => bytes,
        Line::TooLong { .. } => return Decoded::Malformed,
    };
    if bytes.trim_ascii().is_empty() {
        return Decoded::Blank;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(record @ Value::Object(_)) => Decoded::Record(record),
        _ => Decoded::Malformed,
    }
}

/// The last tick record of iteration `iteration`, found through the index
/// (`runs.jsonl.idx`, rebuilt when missing or stale) and the log's unindexed tail.
pub fn find_tick(dir: &PeersDir, iteration: u64) -> Result<Option<Value>, StoreError> {
    find_back(
        dir,
        Some(iteration),
        &|entry| entry.iteration == Some(iteration),
        &|record| run_index::tick_iteration(record) == Some(iteration),
    )
}

/// The iteration of the newest tick record in the log.
pub fn last_tick_iteration(dir: &PeersDir) -> Result<Option<u64>, StoreError> {
    let tick = |record: &Value| run_index::tick_iteration(record).is_some();
    Ok(
        find_back(dir, None, &|entry| entry.iteration.is_some(), &tick)?
            .as_ref()
            .and_then(run_index::tick_iteration),
    )
}

/// The newest record `wanted` accepts: the unindexed tail first, then the index backwards; a
/// wrong index entry (the log was edited) rebuilds the index once, then falls back to a scan.
/// `iteration`: the iteration sought, when a sorted index may be bisected for it.
fn find_back(
    dir: &PeersDir,
    iteration: Option<u64>,
    candidate: &dyn Fn(&run_index::Entry) -> bool,
    wanted: &dyn Fn(&Value) -> bool,
) -> Result<Option<Value>, StoreError> {
    let path = dir.runs_jsonl();
    let (mut log, metadata) = match open_control_file(&path) {
        Ok(opened) => opened,
        Err(err) if err.is_not_found() => return Ok(None),
        Err(err) => return Err(err),
    };
    for attempt in 0..2 {
        let mut index = run_index::Index::open(dir, &mut log, metadata.len())?;
        if let Some(found) = newest_in_tail(&path, &mut log, index.covered, wanted)? {
            return Ok(Some(found));
        }
        if index.covered == 0 {
            return Ok(None);
        }
        let mut stale = false;
        let end = iteration.and_then(|i| index.sorted_end(i));
        let bisected = end.is_some();
        let found = index.find_back_from(end.unwrap_or(u64::MAX), |entry| {
            // Sorted: the first tick back from the bisection point is the only candidate.
            if bisected && entry.iteration.is_some() && !candidate(entry) {
                return Some(None);
            }
            if !candidate(entry) {
                return None;
            }
            let line = run_index::read_line(&mut log, entry);
            let record = line.and_then(|l| serde_json::from_slice::<Value>(&l).ok());
            if record.as_ref().and_then(run_index::tick_iteration) != entry.iteration {
                stale = true;
                return Some(None);
            }
            record.filter(|r| wanted(r)).map(Some)
        });
        match found {
            Some(Some(record)) => return Ok(Some(record)),
            None | Some(None) if !stale => return Ok(None),
            _ if attempt == 0 => run_index::rebuild(dir)?,
            _ => {}
        }
    }
    let mut newest = None;
    scan_records(dir, |record| {
        if wanted(&record) {
            newest = Some(record);
        }
    })?;
    Ok(newest)
}

/// The newest record `wanted` accepts among the lines from `from` to the end of the log.
fn newest_in_tail(
    path: &std::path::Path,
    log: &mut std::fs::File,
    from: u64,
    wanted: &dyn Fn(&Value) -> bool,
) -> Result<Option<Value>, StoreError> {
    log.seek(SeekFrom::Start(from))
        .map_err(|e| StoreError::io("seek in", path, e))?;
    let mut reader = LineReader::new(&mut *log, from);
    let mut newest = None;
    while let Some(located) = reader
        .next_line()
        .map_err(|e| StoreError::io("read", path, e))?
    {
        if let Decoded::Record(record) = decode_line(&located.line)
            && wanted(&record)
        {
            newest = Some(record);
        }
    }
    Ok(newest)
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

    fn peers_dir() -> (peers_testkit::TempPeersDir, PeersDir) {
        let temp = peers_testkit::TempPeersDir::new();
        let dir = PeersDir::discover(temp.root()).unwrap();
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
