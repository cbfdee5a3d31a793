//! `.peers/log/runs.jsonl.idx`: where each line of runs.jsonl starts, so one tick is found
//! without reading the log. A cache: appended with each record, checked before use (its last
//! entry must be a whole line of the log; the log may have grown past it by at most
//! [`TAIL_LIMIT`]), rebuilt in one streaming pass when missing or stale.
//!
//! Format: one fixed-width line per log line, in log order,
//! `{offset:016x} {len:08x} {iteration:016x} {high:016x} {sorted}\n`: len includes the
//! newline; the iteration is `ffffffffffffffff` for a line that is not a tick record; `high`
//! is the highest tick iteration so far and `sorted` (`1`/`0`) whether every tick so far came
//! in non-decreasing order, so a sorted log is searched by bisection.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::StoreError;
use crate::jsonl_lines::{Line, LineReader};
use crate::layout::PeersDir;
use crate::safe_fs::{append_line_unsynced, open_control_file, write_replacing_unsynced};

/// Bytes per entry, newline included.
pub const ENTRY_BYTES: u64 = 62;
const NOT_A_TICK: u64 = u64::MAX;
/// A log that grew more than this past its index (written by a build without the index) gets
/// the index rebuilt rather than scanned from the index's end.
pub const TAIL_LIMIT: u64 = 1024 * 1024;
/// Entries read per step when scanning the index from its end.
const ENTRIES_PER_READ: u64 = 1024;
/// Entries written per append while rebuilding.
const ENTRIES_PER_WRITE: usize = 4096;

/// One entry: a line of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub offset: u64,
    pub len: u64,
    /// `None` when the line is not a tick record.
    pub iteration: Option<u64>,
    /// The highest tick iteration up to this line (0 before any tick).
    pub high: u64,
    /// Every tick up to this line came in non-decreasing iteration order.
    pub sorted: bool,
}

impl Entry {
    /// The entry of the line after `previous` (`None` for the first line).
    pub fn after(previous: Option<&Entry>, offset: u64, len: u64, iteration: Option<u64>) -> Entry {
        let (high, sorted) = previous.map_or((0, true), |p| (p.high, p.sorted));
        Entry {
            offset,
            len,
            iteration,
            high: iteration.map_or(high, |i| i.max(high)),
            sorted: sorted && iteration.is_none_or(|i| i >= high),
        }
    }

    fn end(&self) -> u64 {
        self.offset + self.len
    }

    fn encode(&self) -> String {
        format!(
            "{:016x} {:08x} {:016x} {:016x} {}",
            self.offset,
            self.len,
            self.iteration.unwrap_or(NOT_A_TICK),
            self.high,
            u8::from(self.sorted)
        )
    }

    fn decode(bytes: &[u8]) -> Option<Entry> {
        let text = std::str::from_utf8(bytes.get(..ENTRY_BYTES as usize - 1)?).ok()?;
        let mut fields = text.split(' ');
        let offset = u64::from_str_radix(fields.next()?, 16).ok()?;
        let len = u64::from_str_radix(fields.next()?, 16).ok()?;
        let iteration = u64::from_str_radix(fields.next()?, 16).ok()?;
        let high = u64::from_str_radix(fields.next()?, 16).ok()?;
        let sorted = match fields.next()? {
            "1" => true,
            "0" => false,
            _ => return None,
        };
        Some(Entry {
            offset,
            len,
            iteration: (iteration != NOT_A_TICK).then_some(iteration),
            high,
            sorted,
        })
    }
}

/// The iteration of a tick record (`event: "tick"`, or no event as in the original's log).
pub fn tick_iteration(record: &Value) -> Option<u64> {
    let event = record.get("event");
    let tick = event.is_none() || event.and_then(Value::as_str) == Some("tick");
    tick.then(|| record.get("iteration").and_then(Value::as_u64))
        .flatten()
}

pub fn index_path(dir: &PeersDir) -> PathBuf {
    let mut path = dir.runs_jsonl().into_os_string();
    path.push(".idx");
    PathBuf::from(path)
}

/// Records that the line `offset..offset+len` was appended to the log. Keeps the index only
/// while it is contiguous with the log; otherwise removes it for a reader to rebuild.
pub fn note_append(dir: &PeersDir, offset: u64, len: u64, iteration: Option<u64>) {
    let path = index_path(dir);
    let last = match std::fs::symlink_metadata(&path) {
        Err(_) if offset == 0 => None,
        Err(_) => return,
        Ok(_) => match read_last(&path) {
            Some(last) => Some(last),
            None => {
                let _ = std::fs::remove_file(&path);
                return;
            }
        },
    };
    let contiguous = last.map_or(offset == 0, |l| l.end() == offset);
    let entry = Entry::after(last.as_ref(), offset, len, iteration);
    if !contiguous || append_line_unsynced(&path, entry.encode().as_bytes()).is_err() {
        let _ = std::fs::remove_file(&path);
    }
}

fn read_last(path: &Path) -> Option<Entry> {
    let (mut file, metadata) = open_control_file(path).ok()?;
    let len = metadata.len();
    if len == 0 || len % ENTRY_BYTES != 0 {
        return None;
    }
    let mut bytes = [0u8; ENTRY_BYTES as usize];
    file.seek(SeekFrom::Start(len - ENTRY_BYTES)).ok()?;
    file.read_exact(&mut bytes).ok()?;
    Entry::decode(&bytes)
}

/// A checked index: the log up to `covered` is described by `file`'s entries.
pub struct Index {
    file: Option<File>,
    entries: u64,
    pub covered: u64,
    /// Every tick in the index is in non-decreasing iteration order.
    pub sorted: bool,
}

impl Index {
    /// The index of the log (`log_len` bytes now), rebuilt first when missing or stale.
    pub fn open(dir: &PeersDir, log: &mut File, log_len: u64) -> Result<Index, StoreError> {
        if let Some(index) = Self::open_checked(dir, log, log_len) {
            return Ok(index);
        }
        rebuild(dir)?;
        Ok(Self::open_checked(dir, log, log_len).unwrap_or(Index {
            file: None,
            entries: 0,
            covered: 0,
            sorted: false,
        }))
    }

    fn open_checked(dir: &PeersDir, log: &mut File, log_len: u64) -> Option<Index> {
        let path = index_path(dir);
        let (file, metadata) = open_control_file(&path).ok()?;
        let entries = metadata.len() / ENTRY_BYTES;
        if metadata.len() % ENTRY_BYTES != 0 {
            return None;
        }
        if entries == 0 {
            return (log_len <= TAIL_LIMIT).then_some(Index {
                file: None,
                entries: 0,
                covered: 0,
                sorted: true,
            });
        }
        let last = read_last(&path)?;
        if last.end() > log_len || log_len - last.end() > TAIL_LIMIT {
            return None;
        }
        let line = read_line(log, &last)?;
        if !line.ends_with(b"\n") {
            return None;
        }
        if let Some(iteration) = last.iteration {
            let value: Value = serde_json::from_slice(&line).ok()?;
            (tick_iteration(&value) == Some(iteration)).then_some(())?;
        }
        Some(Index {
            file: Some(file),
            entries,
            covered: last.end(),
            sorted: last.sorted,
        })
    }

    /// In a sorted index: how many entries precede the first whose highest iteration so far
    /// exceeds `iteration` (the newest record of `iteration`, if any, is just before).
    pub fn sorted_end(&mut self, iteration: u64) -> Option<u64> {
        if !self.sorted {
            return None;
        }
        let (mut low, mut high) = (0, self.entries);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.entry(middle)?.high <= iteration {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        Some(low)
    }

    fn entry(&mut self, position: u64) -> Option<Entry> {
        let file = self.file.as_mut()?;
        let mut bytes = [0u8; ENTRY_BYTES as usize];
        file.seek(SeekFrom::Start(position * ENTRY_BYTES)).ok()?;
        file.read_exact(&mut bytes).ok()?;
        Entry::decode(&bytes)
    }

    /// Entries from the newest back, until `visit` returns something.
    pub fn find_back<T>(&mut self, visit: impl FnMut(&Entry) -> Option<T>) -> Option<T> {
        self.find_back_from(self.entries, visit)
    }

    /// Entries before position `end`, newest first, until `visit` returns something.
    pub fn find_back_from<T>(
        &mut self,
        end: u64,
        mut visit: impl FnMut(&Entry) -> Option<T>,
    ) -> Option<T> {
        let file = self.file.as_mut()?;
        let mut end = end.min(self.entries);
        let mut chunk = Vec::new();
        while end > 0 {
            let start = end.saturating_sub(ENTRIES_PER_READ);
            chunk.resize(((end - start) * ENTRY_BYTES) as usize, 0);
            file.seek(SeekFrom::Start(start * ENTRY_BYTES)).ok()?;
            file.read_exact(&mut chunk).ok()?;
            for bytes in chunk.chunks(ENTRY_BYTES as usize).rev() {
                if let Some(found) = Entry::decode(bytes).and_then(|e| visit(&e)) {
                    return Some(found);
                }
            }
            end = start;
        }
        None
    }
}

/// The bytes of the line `entry` names (at most its recorded length).
pub fn read_line(log: &mut File, entry: &Entry) -> Option<Vec<u8>> {
    if entry.len > crate::jsonl_lines::MAX_LINE_BYTES as u64 + 1 {
        return None;
    }
    let mut line = vec![0u8; usize::try_from(entry.len).ok()?];
    log.seek(SeekFrom::Start(entry.offset)).ok()?;
    log.read_exact(&mut line).ok()?;
    Some(line)
}

/// Writes a fresh index from one pass over the log (a temp file renamed over the old one).
pub fn rebuild(dir: &PeersDir) -> Result<(), StoreError> {
    let log_path = dir.runs_jsonl();
    let (log, _) = open_control_file(&log_path)?;
    let path = index_path(dir);
    let mut temp = path.clone().into_os_string();
    temp.push(format!(".{}.tmp", std::process::id()));
    let temp = PathBuf::from(temp);
    let _ = std::fs::remove_file(&temp);
    let result = write_entries(log, &log_path, &temp).and_then(|()| {
        std::fs::rename(&temp, &path).map_err(|e| StoreError::io("rename over", &path, e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn write_entries(log: File, log_path: &Path, temp: &Path) -> Result<(), StoreError> {
    let mut reader = LineReader::new(log, 0);
    let mut batch = String::new();
    let mut batched = 0;
    let mut previous: Option<Entry> = None;
    // An empty file still marks the index as built (for an empty log).
    write_replacing_unsynced(temp, b"")?;
    loop {
        let located = reader
            .next_line()
            .map_err(|e| StoreError::io("read", log_path, e))?;
        let Some(located) = located else { break };
        let iteration = match located.line {
            Line::Complete(bytes) => serde_json::from_slice::<Value>(bytes)
                .ok()
                .as_ref()
                .and_then(tick_iteration),
            Line::TooLong { terminated: true } => None,
            // Not yet a whole line: it stays in the tail the readers scan.
            Line::Unterminated(_) | Line::TooLong { terminated: false } => break,
        };
        let entry = Entry::after(previous.as_ref(), located.offset, located.len, iteration);
        previous = Some(entry);
        batch.push_str(&entry.encode());
        batch.push('\n');
        batched += 1;
        if batched == ENTRIES_PER_WRITE {
            append_line_unsynced(temp, batch.as_bytes())?;
            batch.clear();
            batched = 0;
        }
    }
    if batched > 0 {
        append_line_unsynced(temp, batch.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_at_fixed_width() {
        for iteration in [Some(0), Some(7), Some(u64::MAX - 1), None] {
            let entry = Entry::after(None, 123_456, 789, iteration);
            let text = entry.encode();
            assert_eq!(text.len() as u64 + 1, ENTRY_BYTES);
            assert_eq!(Entry::decode(text.as_bytes()), Some(entry));
        }
        assert_eq!(Entry::decode(b"not an entry"), None);
    }

    #[test]
    fn order_is_tracked_from_entry_to_entry() {
        let first = Entry::after(None, 0, 10, Some(1));
        let exit = Entry::after(Some(&first), 10, 5, None);
        let second = Entry::after(Some(&exit), 15, 10, Some(2));
        assert!(second.sorted && second.high == 2);
        let restart = Entry::after(Some(&second), 25, 10, Some(1));
        assert!(!restart.sorted && restart.high == 2);
        let later = Entry::after(Some(&restart), 35, 10, Some(3));
        assert!(
            !later.sorted,
            "once out of order, the index is searched backwards"
        );
    }

    #[test]
    fn tick_records_are_told_from_others() {
        let tick = serde_json::json!({"event": "tick", "iteration": 3});
        let original = serde_json::json!({"iteration": 4});
        let exit = serde_json::json!({"event": "exit", "iteration": 5});
        assert_eq!(tick_iteration(&tick), Some(3));
        assert_eq!(tick_iteration(&original), Some(4));
        assert_eq!(tick_iteration(&exit), None);
    }

    proptest::proptest! {
        #[test]
        fn any_entry_round_trips(offset: u64, len in 0u64..=u64::from(u32::MAX), iteration: Option<u64>) {
            let iteration = iteration.filter(|i| *i != NOT_A_TICK);
            let entry = Entry { offset, len, iteration, high: iteration.unwrap_or(0), sorted: len % 2 == 0 };
            proptest::prop_assert_eq!(Entry::decode(entry.encode().as_bytes()), Some(entry));
        }

        #[test]
        fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..60)) {
            let _ = Entry::decode(&bytes);
        }
    }
}
