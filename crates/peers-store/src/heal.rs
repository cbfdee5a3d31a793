//! Repairs after an interrupted write: a JSONL log whose last line was torn (a full disk, a
//! power cut) and temporary files left by atomic replaces that never reached their rename.
//!
//! Both run when the run lock is held, so no other writer of ours is active.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rustix::fs::OFlags;

use crate::error::StoreError;
use crate::safe_fs::{append_line, open_control_file};

/// Bytes read at a time while looking back for the last complete line.
const CHUNK: u64 = 64 * 1024;

/// A torn last line that was moved out of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// Where the fragment went: `<log>.torn`, next to the log, one fragment per line.
    pub quarantine: PathBuf,
    pub bytes: u64,
}

/// The file that receives the torn fragments of `log`.
pub fn quarantine_path(log: &Path) -> PathBuf {
    let mut name = log.file_name().unwrap_or_default().to_os_string();
    name.push(".torn");
    log.with_file_name(name)
}

/// If `log` does not end with a newline, moves the incomplete last line to the quarantine
/// file and truncates the log after its last complete line, so the next append starts a line
/// of its own instead of gluing a record onto the fragment. A missing log needs nothing.
pub fn repair_torn_tail(log: &Path) -> Result<Option<TornTail>, StoreError> {
    let (file, metadata) = match open_control_file(log) {
        Ok(opened) => opened,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(error),
    };
    let len = metadata.len();
    let mut last = [0u8; 1];
    if len == 0 {
        return Ok(None);
    }
    file.read_exact_at(&mut last, len - 1)
        .map_err(|e| StoreError::io("read the end of", log, e))?;
    if last[0] == b'\n' {
        return Ok(None);
    }
    let keep = end_of_last_line(&file, len).map_err(|e| StoreError::io("read", log, e))?;
    let mut fragment = Vec::new();
    let mut reader = &file;
    reader
        .seek(SeekFrom::Start(keep))
        .and_then(|_| reader.take(len - keep).read_to_end(&mut fragment))
        .map_err(|e| StoreError::io("read the torn line of", log, e))?;
    let quarantine = quarantine_path(log);
    append_line(&quarantine, &fragment)?;
    let writable = OpenOptions::new()
        .write(true)
        .custom_flags(OFlags::NOFOLLOW.bits() as i32)
        .open(log)
        .map_err(|e| StoreError::io("open for repair", log, e))?;
    writable
        .set_len(keep)
        .and_then(|()| writable.sync_all())
        .map_err(|e| StoreError::io("truncate the torn line of", log, e))?;
    Ok(Some(TornTail {
        quarantine,
        bytes: len - keep,
    }))
}

/// The offset just past the last newline of the first `len` bytes (0 when there is none).
fn end_of_last_line(file: &File, len: u64) -> std::io::Result<u64> {
    let mut end = len;
    let mut buffer = vec![0u8; CHUNK as usize];
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let chunk = &mut buffer[..(end - start) as usize];
        file.read_exact_at(chunk, start)?;
        if let Some(at) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + at as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Removes the temporary files of our own atomic writes in `dir` (named
/// `.<name>.<hex>.tmp`, see `safe_fs::write_atomic`) last modified before `older_than`: the
/// start of the run that holds the lock, so no writer of ours can still own them. Returns
/// their names. Anything else, symlinks and directories included, is left alone.
pub fn remove_stale_temp_files(
    dir: &Path,
    older_than: SystemTime,
) -> Result<Vec<String>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(StoreError::io("list", dir, error)),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_our_temp_name(&name) {
            continue;
        }
        let Ok(metadata) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        let stale = metadata
            .modified()
            .is_ok_and(|modified| modified < older_than);
        if metadata.file_type().is_file() && stale {
            std::fs::remove_file(entry.path())
                .map_err(|e| StoreError::io("remove the stale temporary file", entry.path(), e))?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(removed)
}

/// `.<name>.<hex>.tmp` with a non-empty name and hex part.
fn is_our_temp_name(name: &str) -> bool {
    let Some(inner) = name
        .strip_prefix('.')
        .and_then(|rest| rest.strip_suffix(".tmp"))
    else {
        return false;
    };
    inner.rsplit_once('.').is_some_and(|(target, unique)| {
        !target.is_empty() && !unique.is_empty() && unique.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_torn_last_line_is_quarantined_and_the_log_ends_after_its_last_line() {
        let temp = tempfile::tempdir().unwrap();
        let log = temp.path().join("runs.jsonl");
        std::fs::write(&log, b"{\"a\":1}\n{\"b\":2}\n{\"iteration\": 7, \"tr").unwrap();
        let torn = repair_torn_tail(&log).unwrap().unwrap();
        assert_eq!(torn.bytes, 20);
        assert_eq!(torn.quarantine, temp.path().join("runs.jsonl.torn"));
        assert_eq!(std::fs::read(&log).unwrap(), b"{\"a\":1}\n{\"b\":2}\n");
        assert_eq!(
            std::fs::read(&torn.quarantine).unwrap(),
            b"{\"iteration\": 7, \"tr\n"
        );
        assert_eq!(repair_torn_tail(&log).unwrap(), None);
    }

    #[test]
    fn a_log_that_is_one_fragment_longer_than_a_chunk_is_emptied() {
        let temp = tempfile::tempdir().unwrap();
        let log = temp.path().join("attest.jsonl");
        std::fs::write(&log, vec![b'x'; 3 * CHUNK as usize + 5]).unwrap();
        let torn = repair_torn_tail(&log).unwrap().unwrap();
        assert_eq!(torn.bytes, 3 * CHUNK + 5);
        assert_eq!(std::fs::metadata(&log).unwrap().len(), 0);
    }

    #[test]
    fn complete_empty_and_missing_logs_are_left_alone() {
        let temp = tempfile::tempdir().unwrap();
        let log = temp.path().join("runs.jsonl");
        assert_eq!(repair_torn_tail(&log).unwrap(), None);
        std::fs::write(&log, b"").unwrap();
        assert_eq!(repair_torn_tail(&log).unwrap(), None);
        std::fs::write(&log, b"{}\n").unwrap();
        assert_eq!(repair_torn_tail(&log).unwrap(), None);
        assert!(!temp.path().join("runs.jsonl.torn").exists());
    }

    #[test]
    fn only_our_own_stale_temp_files_are_removed() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        for name in [
            ".state.json.1a2b3c.tmp",
            ".goals.sha256.ff00.tmp",
            "notes.tmp",
            ".state.json.tmp",
            ".state.json.xyz.tmp",
            "state.json",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        std::os::unix::fs::symlink("/etc/passwd", dir.join(".link.abc.tmp")).unwrap();
        std::fs::create_dir(dir.join(".dir.abc.tmp")).unwrap();
        let none = remove_stale_temp_files(dir, SystemTime::now() - Duration::from_secs(3600));
        assert_eq!(none.unwrap(), Vec::<String>::new());
        let later = SystemTime::now() + Duration::from_secs(5);
        let removed = remove_stale_temp_files(dir, later).unwrap();
        assert_eq!(
            removed,
            vec![".goals.sha256.ff00.tmp", ".state.json.1a2b3c.tmp"]
        );
        for kept in [
            "notes.tmp",
            ".state.json.tmp",
            ".state.json.xyz.tmp",
            "state.json",
        ] {
            assert!(dir.join(kept).exists(), "{kept}");
        }
        assert!(dir.join(".link.abc.tmp").symlink_metadata().is_ok());
        assert!(dir.join(".dir.abc.tmp").is_dir());
    }
}
