//! `.peers/live.json`: the tick in progress as the run sees it (peer, phase, its last output
//! lines, tokens so far), written atomically at most once a second so `peers status` and `peers watch`
//! can show a turn while it runs. A display aid only: the durable in-flight marker is state.json's.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use peers_store::layout::PeersDir;
use serde::{Deserialize, Serialize};

/// The file name under `.peers/`.
pub const LIVE_FILE: &str = "live.json";
/// Longest last line kept, in bytes (cut on a char boundary).
pub const LAST_LINE_CAP: usize = 400;
/// The peer's last lines kept in `recent`, and the longest of each, in bytes.
pub const RECENT_LINES: usize = 10;
pub const RECENT_LINE_CAP: usize = 200;
/// Most bytes `read` accepts: the file is small (a line's control bytes escape to six
/// characters each), and a peer could have replaced it.
const READ_CAP: u64 = 64 * 1024;
/// Least time between two writes while the peer works.
const MIN_WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// What a tick is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LivePhase {
    /// The peer's process runs.
    Peer,
    /// The peer is done; its work is being judged (commits, gates).
    Judging,
}

impl LivePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Peer => "peer",
            Self::Judging => "judging",
        }
    }
}

/// The contents of `.peers/live.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveRecord {
    pub v: u32,
    /// The process running the loop.
    pub pid: u32,
    pub iteration: u64,
    pub peer: String,
    pub skeptic: bool,
    pub phase: LivePhase,
    pub started_at: String,
    /// `started_at` as Unix milliseconds, for the elapsed time without parsing dates.
    pub started_unix_ms: u64,
    pub updated_at: String,
    /// The peer's newest non-empty output line, raw (the reader sanitises it for display).
    pub last_line: String,
    /// Its last non-empty lines, oldest first (at most [`RECENT_LINES`], each cut to
    /// [`RECENT_LINE_CAP`]), raw; absent in files written before it existed.
    #[serde(default)]
    pub recent: Vec<String>,
    pub tokens: u64,
    pub usd: Option<f64>,
}

impl LiveRecord {
    /// Milliseconds since the tick started, by the wall clock (0 if the clock went back).
    pub fn elapsed_ms(&self) -> u64 {
        unix_ms().saturating_sub(self.started_unix_ms)
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub fn live_path(dir: &PeersDir) -> PathBuf {
    dir.path().join(LIVE_FILE)
}

/// The current live record, if the file exists and decodes. Never an error: a missing, torn or
/// planted file only means nothing is shown.
pub fn read(dir: &PeersDir) -> Option<LiveRecord> {
    let bytes =
        peers_store::safe_fs::read_control_file_if_exists(&live_path(dir), READ_CAP).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// Removes the file (best effort: a leftover is ignored by readers unless a run holds the lock).
pub fn remove(dir: &PeersDir) {
    let _ = std::fs::remove_file(live_path(dir));
}

/// Keeps the record of one tick and writes it when something changed, throttled.
pub struct LiveWriter {
    path: PathBuf,
    record: LiveRecord,
    last_write: Option<Instant>,
    dirty: bool,
}

impl LiveWriter {
    /// Starts the record of a tick and writes it at once.
    pub fn start(dir: &PeersDir, iteration: u64, peer: &str, skeptic: bool) -> LiveWriter {
        let now = peers_store::timestamp::now_iso_utc();
        let mut writer = LiveWriter {
            path: live_path(dir),
            record: LiveRecord {
                v: 1,
                pid: std::process::id(),
                iteration,
                peer: peer.to_owned(),
                skeptic,
                phase: LivePhase::Peer,
                started_at: now.clone(),
                started_unix_ms: unix_ms(),
                updated_at: now,
                last_line: String::new(),
                recent: Vec::new(),
                tokens: 0,
                usd: None,
            },
            last_write: None,
            dirty: true,
        };
        writer.write();
        writer
    }

    /// One output line: kept if it has text; written when the last write is a second old.
    pub fn line(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        self.record.last_line.clear();
        self.record.last_line.push_str(cut(line, LAST_LINE_CAP));
        self.dirty = true;
        self.flush_due();
    }

    /// The peer's last lines, oldest first (taken with the newest, on the clock).
    pub fn recent<'a>(&mut self, lines: impl Iterator<Item = &'a str>) {
        self.record.recent.clear();
        self.record
            .recent
            .extend(lines.map(|line| cut(line, RECENT_LINE_CAP).to_owned()));
        self.dirty = true;
    }

    pub fn usage(&mut self, tokens: u64, usd: Option<f64>) {
        self.record.tokens = tokens;
        self.record.usd = usd;
        self.dirty = true;
        self.flush_due();
    }

    /// The supervisor's clock: writes what changed once the interval has passed.
    pub fn flush_due(&mut self) {
        let due = self
            .last_write
            .is_none_or(|at| at.elapsed() >= MIN_WRITE_INTERVAL);
        if self.dirty && due {
            self.write();
        }
    }

    /// The peer is done; the tick is being judged. Written at once.
    pub fn judging(&mut self) {
        self.record.phase = LivePhase::Judging;
        self.write();
    }

    fn write(&mut self) {
        self.record.updated_at = peers_store::timestamp::now_iso_utc();
        if let Ok(bytes) = serde_json::to_vec(&self.record) {
            // Unsynced: a display aid, worthless after a crash; a failed write only hides it.
            let _ = peers_store::safe_fs::write_replacing_unsynced(&self.path, &bytes);
        }
        self.last_write = Some(Instant::now());
        self.dirty = false;
    }
}

/// The peer's last non-empty output lines (a ring of [`RECENT_LINES`]), kept between two
/// supervisor ticks: the live file and the terminal take the newest on the clock (about every
/// 100 ms), not per line, so a flood of lines costs one bounded copy each into a reused slot
/// and no lock, clock or write.
#[derive(Debug)]
pub struct NewestLine {
    slots: Vec<String>,
    /// The slot the next line goes to.
    next: usize,
    /// Slots holding a line (at most `RECENT_LINES`).
    filled: usize,
    fresh: bool,
}

impl Default for NewestLine {
    fn default() -> Self {
        Self {
            slots: vec![String::new(); RECENT_LINES],
            next: 0,
            filled: 0,
            fresh: false,
        }
    }
}

/// Longest line kept: what the terminal's live line keeps (the live file keeps less).
const NEWEST_LINE_CAP: usize = 4096;

impl NewestLine {
    /// Keeps `line` (trimmed, cut) unless it is blank.
    pub fn keep(&mut self, line: &str) {
        // A visible ASCII first byte proves the line is not blank: no trim per line.
        let line = match line.as_bytes().first() {
            Some(first) if first.is_ascii_graphic() => line,
            _ => line.trim_start(),
        };
        if line.is_empty() {
            return;
        }
        let slot = &mut self.slots[self.next];
        slot.clear();
        slot.push_str(cut(line, NEWEST_LINE_CAP));
        self.next = (self.next + 1) % RECENT_LINES;
        self.filled = (self.filled + 1).min(RECENT_LINES);
        self.fresh = true;
    }

    /// The line kept since the last call, if any, trimmed.
    pub fn take_fresh(&mut self) -> Option<&str> {
        let newest = (self.next + RECENT_LINES - 1) % RECENT_LINES;
        std::mem::take(&mut self.fresh).then_some(self.slots[newest].trim_end())
    }

    /// The lines kept, oldest first, trimmed.
    pub fn recent(&self) -> impl Iterator<Item = &str> {
        let start = (self.next + RECENT_LINES - self.filled) % RECENT_LINES;
        (0..self.filled).map(move |i| self.slots[(start + i) % RECENT_LINES].trim_end())
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a char boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_line_keeps_the_last_non_blank_line_once() {
        let mut newest = NewestLine::default();
        assert_eq!(newest.take_fresh(), None);
        newest.keep("  first  ");
        newest.keep("second\r");
        assert_eq!(newest.take_fresh(), Some("second"));
        newest.keep("\u{3000}third ");
        assert_eq!(newest.take_fresh(), Some("third"));
        newest.keep("second\r");
        newest.keep("   ");
        assert_eq!(newest.take_fresh(), Some("second"));
        assert_eq!(newest.take_fresh(), None);
        newest.keep(&"é".repeat(3000));
        assert_eq!(newest.take_fresh().map(str::len), Some(4096));
    }

    #[test]
    fn the_last_lines_are_kept_oldest_first_and_only_the_last_ten() {
        let mut newest = NewestLine::default();
        assert_eq!(newest.recent().count(), 0);
        newest.keep("one");
        newest.keep("  ");
        newest.keep("two\r");
        assert_eq!(newest.recent().collect::<Vec<_>>(), ["one", "two"]);
        for n in 3..=25 {
            newest.keep(&format!("line {n}"));
        }
        let kept: Vec<&str> = newest.recent().collect();
        assert_eq!(kept.len(), RECENT_LINES);
        assert_eq!(kept.first(), Some(&"line 16"));
        assert_eq!(kept.last(), Some(&"line 25"));
        assert_eq!(newest.take_fresh(), Some("line 25"));
    }

    #[test]
    fn cut_never_splits_a_character() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn writes_are_throttled_and_the_record_round_trips() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(temp.path().join(".peers")).unwrap();
        let dir = PeersDir::at(temp.path());
        let mut writer = LiveWriter::start(&dir, 7, "alice", false);
        let first = read(&dir).unwrap();
        assert!(first.recent.is_empty());
        assert_eq!((first.iteration, first.peer.as_str()), (7, "alice"));
        assert_eq!(first.phase, LivePhase::Peer);
        writer.line("working on it");
        writer.recent(["compiling", "working on it"].into_iter());
        assert_eq!(read(&dir).unwrap().last_line, "", "a second has not passed");
        writer.last_write = Some(Instant::now() - MIN_WRITE_INTERVAL);
        writer.flush_due();
        let written = read(&dir).unwrap();
        assert_eq!(written.last_line, "working on it");
        assert_eq!(written.recent, ["compiling", "working on it"]);
        writer.usage(1234, Some(0.5));
        writer.judging();
        let last = read(&dir).unwrap();
        assert_eq!((last.tokens, last.phase), (1234, LivePhase::Judging));
        remove(&dir);
        assert!(read(&dir).is_none());
    }
}
