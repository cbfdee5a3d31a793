//! `.peers/last-stop-reason.txt`: why the last run stopped, as `"<reason> <iso-utc>\n"`.
//! A run clears it at start, so a run killed with SIGKILL leaves no stale reason behind.

use std::time::SystemTime;

use rustix::fs::{self as rfs, AtFlags};
use rustix::io::Errno;

use crate::error::StoreError;
use crate::layout::{PeersDir, SMALL_FILE_CAP};
use crate::safe_fs::{open_dir_nofollow, read_control_file_if_exists, write_atomic};
use crate::timestamp::iso_utc;

const FILE_NAME: &str = "last-stop-reason.txt";

/// The recorded stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastStop {
    /// E.g. `budget:max_iterations`, `interrupted`, `all-goals-green`.
    pub reason: String,
    /// ISO-8601 UTC, as written.
    pub at: String,
}

/// Records `reason` with the current time.
pub fn write_last_stop(dir: &PeersDir, reason: &str) -> Result<(), StoreError> {
    write_last_stop_at(dir, reason, SystemTime::now())
}

/// Records `reason` with a given time.
pub fn write_last_stop_at(
    dir: &PeersDir,
    reason: &str,
    time: SystemTime,
) -> Result<(), StoreError> {
    // One line, one space before the time: flatten whitespace so the file stays parseable.
    let reason = reason.split_whitespace().collect::<Vec<_>>().join("_");
    let line = format!("{reason} {}\n", iso_utc(time));
    write_atomic(&dir.last_stop_reason(), line.as_bytes())
}

/// Removes the file; absent is fine. Unlinking never follows a symlink.
pub fn clear_last_stop(dir: &PeersDir) -> Result<(), StoreError> {
    let parent = open_dir_nofollow(dir.path())?;
    match rfs::unlinkat(&parent, FILE_NAME, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(StoreError::io("remove", dir.last_stop_reason(), e.into())),
    }
}

/// The recorded stop; `None` when the file is missing or has no reason on it.
pub fn read_last_stop(dir: &PeersDir) -> Result<Option<LastStop>, StoreError> {
    let Some(bytes) = read_control_file_if_exists(&dir.last_stop_reason(), SMALL_FILE_CAP)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let line = text.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return Ok(None);
    }
    let (reason, at) = match line.rsplit_once(' ') {
        Some((reason, at)) => (reason.trim(), at),
        None => (line, ""),
    };
    Ok(Some(LastStop {
        reason: reason.to_owned(),
        at: at.to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn peers_dir() -> (peers_testkit::TempPeersDir, PeersDir) {
        let temp = peers_testkit::TempPeersDir::new();
        let dir = PeersDir::discover(temp.root()).unwrap();
        (temp, dir)
    }

    #[test]
    fn write_read_clear() {
        let (_temp, dir) = peers_dir();
        assert_eq!(read_last_stop(&dir).unwrap(), None);
        let time = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        write_last_stop_at(&dir, "budget:max_iterations", time).unwrap();
        let text = std::fs::read_to_string(dir.last_stop_reason()).unwrap();
        assert_eq!(text, "budget:max_iterations 2024-02-29T12:34:56Z\n");
        let stop = read_last_stop(&dir).unwrap().unwrap();
        assert_eq!(stop.reason, "budget:max_iterations");
        assert_eq!(stop.at, "2024-02-29T12:34:56Z");
        clear_last_stop(&dir).unwrap();
        clear_last_stop(&dir).unwrap();
        assert_eq!(read_last_stop(&dir).unwrap(), None);
    }

    #[test]
    fn reason_with_spaces_stays_one_token() {
        let (_temp, dir) = peers_dir();
        write_last_stop(&dir, "error: boom\nagain").unwrap();
        let stop = read_last_stop(&dir).unwrap().unwrap();
        assert_eq!(stop.reason, "error:_boom_again");
    }
}
