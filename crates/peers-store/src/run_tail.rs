//! The newest record of `.peers/log/runs.jsonl`, read from the end of the log only: a window
//! that grows from [`TAIL_FIRST`] to at most [`TAIL_MAX`] bytes, so a glance at hundreds of
//! projects (peers-ctl's summary, peers-serve's fleet page) never reads a whole log.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use serde_json::Value;

use crate::error::StoreError;
use crate::layout::PeersDir;
use crate::safe_fs::open_control_file;

/// How much of the end of the log is read first; grown fourfold up to [`TAIL_MAX`] while the
/// window holds no whole record (a long tick record, or a torn line at the end).
pub const TAIL_FIRST: u64 = 16 * 1024;
/// The most of the end of the log read for its newest record.
pub const TAIL_MAX: u64 = 4 * 1024 * 1024;

/// The last complete record of the run log (a line ended by a newline that is JSON), reading at
/// most [`TAIL_MAX`] bytes from its end. A torn last line (a crash mid-write) is skipped; `None`
/// when there is no log or no whole record within the window.
pub fn last_record(dir: &PeersDir) -> Result<Option<Value>, StoreError> {
    let path = dir.runs_jsonl();
    let (mut file, meta) = match open_control_file(&path) {
        Ok(opened) => opened,
        Err(err) if err.is_not_found() => return Ok(None),
        Err(err) => return Err(err),
    };
    let len = meta.len();
    let mut window = TAIL_FIRST;
    loop {
        let tail = read_tail(&mut file, len, window)
            .map_err(|err| StoreError::io("read the end of", &path, err))?;
        if let Some(record) = newest_whole_record(&tail) {
            return Ok(Some(record));
        }
        if window >= len || window >= TAIL_MAX {
            return Ok(None);
        }
        window = (window * 4).min(TAIL_MAX);
    }
}

/// The newest newline-ended line of `tail` that is JSON. The text after the last newline is
/// torn (or still being written), and the first line may start mid-record: both never parse as
/// a whole record, so the search simply goes on backwards past them.
fn newest_whole_record(tail: &[u8]) -> Option<Value> {
    let end = tail.iter().rposition(|&byte| byte == b'\n')?;
    tail[..end]
        .split(|&byte| byte == b'\n')
        .rev()
        .find_map(|line| serde_json::from_slice::<Value>(line).ok())
}

/// The last `window` bytes of a file of `len` bytes (the whole file when shorter).
pub fn read_tail(file: &mut File, len: u64, window: u64) -> std::io::Result<Vec<u8>> {
    let start = len.saturating_sub(window);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.take(len - start).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(text: &[u8]) -> (tempfile::TempDir, PeersDir) {
        let temp = tempfile::tempdir().unwrap();
        let dir = PeersDir::at(temp.path());
        std::fs::create_dir_all(dir.runs_jsonl().parent().unwrap()).unwrap();
        std::fs::write(dir.runs_jsonl(), text).unwrap();
        (temp, dir)
    }

    #[test]
    fn the_newest_record_of_a_big_log_is_read_past_a_torn_last_line() {
        let mut text = Vec::new();
        for iteration in 0..20_000 {
            text.extend_from_slice(
                format!(
                    "{{\"event\":\"tick\",\"iteration\":{iteration},\"ts\":\"t{iteration}\"}}\n"
                )
                .as_bytes(),
            );
        }
        // The newest whole record is longer than the first window; a crash tore the line after.
        let pad = "x".repeat(100_000);
        text.extend_from_slice(format!("{{\"ts\":\"newest\",\"pad\":\"{pad}\"}}\n").as_bytes());
        text.extend_from_slice(b"{\"ts\":\"torn\",\"pad\":\"xxxx");
        assert!(text.len() as u64 > 4 * TAIL_FIRST);
        let (_temp, dir) = log_with(&text);
        let record = last_record(&dir).unwrap().unwrap();
        assert_eq!(record["ts"], "newest");
    }

    #[test]
    fn a_whole_last_line_is_the_newest_record() {
        let (_temp, dir) = log_with(b"{\"ts\":\"a\"}\n{\"ts\":\"b\"}\n");
        assert_eq!(last_record(&dir).unwrap().unwrap()["ts"], "b");
    }

    #[test]
    fn the_window_stops_growing_at_its_bound() {
        // One record bigger than the bound: not read whole, so nothing is found.
        let pad = "x".repeat(usize::try_from(TAIL_MAX).unwrap());
        let (_temp, dir) = log_with(format!("{{\"ts\":\"huge\",\"pad\":\"{pad}\"}}\n").as_bytes());
        assert_eq!(last_record(&dir).unwrap(), None);
    }

    #[test]
    fn no_log_or_only_a_torn_line_is_no_record() {
        let temp = tempfile::tempdir().unwrap();
        assert_eq!(last_record(&PeersDir::at(temp.path())).unwrap(), None);
        let (_temp, dir) = log_with(b"{\"ts\":\"torn\"");
        assert_eq!(last_record(&dir).unwrap(), None);
    }
}
