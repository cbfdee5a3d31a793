//! Passes over a part of `.peers/log/runs.jsonl` by byte range, so one log can be read by
//! several threads at once (each from its own line start) or from where a cache left off.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt as _;

use crate::error::StoreError;
use crate::jsonl_lines::{Line, LineReader};
use crate::layout::PeersDir;
use crate::safe_fs::open_control_file;

/// An open run log and its length when opened.
pub struct OpenLog {
    pub file: File,
    pub len: u64,
}

/// Opens runs.jsonl without following a symlink; `None` when there is no log yet.
pub fn open_log(dir: &PeersDir) -> Result<Option<OpenLog>, StoreError> {
    match open_control_file(&dir.runs_jsonl()) {
        Ok((file, meta)) => Ok(Some(OpenLog {
            file,
            len: meta.len(),
        })),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// The last line of a pass, not ended by a newline (a record being written or torn by a crash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Torn {
    Line(Vec<u8>),
    /// Longer than the line cap; not kept.
    TooLong,
}

/// What a pass over a range found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// Terminated lines that were over the cap or that `visit` could not decode.
    pub malformed: usize,
    /// The offset just after the last terminated line read (where a later pass may resume).
    pub end: u64,
    pub torn: Option<Torn>,
}

/// Reads a file from a position with `pread`, leaving the file's own cursor alone.
struct ReadAt<'a> {
    file: &'a File,
    at: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.file.read_at(buf, self.at)?;
        self.at += read as u64;
        Ok(read)
    }
}

/// The first line start at or after `at` (the end of the file when no line starts there).
pub fn line_start_at_or_after(file: &File, at: u64) -> io::Result<u64> {
    if at == 0 {
        return Ok(0);
    }
    let mut reader = ReadAt { file, at: at - 1 };
    let mut chunk = vec![0u8; 64 * 1024];
    let mut position = at - 1;
    loop {
        let read = reader.read(&mut chunk)?;
        if read == 0 {
            return Ok(position);
        }
        if let Some(newline) = memchr::memchr(b'\n', &chunk[..read]) {
            return Ok(position + newline as u64 + 1);
        }
        position += read as u64;
    }
}

/// Calls `visit` with every non-blank terminated line that starts in `from..to` (`from` must
/// be a line start), in order; a line starting before `to` is read whole. An unterminated last
/// line is returned, not visited. `visit` says whether it could decode the line.
pub fn scan_range(
    file: &File,
    from: u64,
    to: u64,
    mut visit: impl FnMut(&[u8]) -> bool,
) -> io::Result<Scanned> {
    let mut reader = LineReader::new(ReadAt { file, at: from }, from);
    let mut scanned = Scanned {
        malformed: 0,
        end: from,
        torn: None,
    };
    while let Some(located) = reader.next_line()? {
        if located.offset >= to {
            break;
        }
        match located.line {
            Line::Complete(bytes) => {
                if !bytes.trim_ascii().is_empty() && !visit(bytes) {
                    scanned.malformed += 1;
                }
            }
            Line::TooLong { terminated: true } => scanned.malformed += 1,
            Line::Unterminated(bytes) => {
                scanned.torn = (!bytes.trim_ascii().is_empty()).then(|| Torn::Line(bytes.to_vec()));
                break;
            }
            Line::TooLong { terminated: false } => {
                scanned.torn = Some(Torn::TooLong);
                break;
            }
        }
        scanned.end = located.offset + located.len;
    }
    Ok(scanned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    fn lines_in(file: &File, from: u64, to: u64) -> (Vec<String>, Scanned) {
        let mut seen = Vec::new();
        let scanned = scan_range(file, from, to, |line| {
            seen.push(String::from_utf8_lossy(line).into_owned());
            line != b"bad"
        })
        .unwrap();
        (seen, scanned)
    }

    #[test]
    fn ranges_split_at_line_starts_visit_every_line_once() {
        let text = b"one\ntwo\n\nbad\nthree\nfour";
        let file = file_with(text);
        let len = text.len() as u64;
        let mut all = Vec::new();
        let mut malformed = 0;
        let mut torn = None;
        for cut in 0..=len {
            all.clear();
            malformed = 0;
            let middle = line_start_at_or_after(&file, cut).unwrap();
            let (first, a) = lines_in(&file, 0, middle);
            let (second, b) = lines_in(&file, middle, u64::MAX);
            if a.torn.is_none() {
                assert_eq!(
                    a.end, middle,
                    "the first pass ends where the second starts ({cut})"
                );
            } else {
                assert_eq!(middle, len, "only the last line is torn ({cut})");
            }
            all.extend(first);
            all.extend(second);
            malformed += a.malformed + b.malformed;
            torn = b.torn.or(a.torn);
        }
        assert_eq!(all, ["one", "two", "bad", "three"]);
        assert_eq!(malformed, 1);
        assert_eq!(torn, Some(Torn::Line(b"four".to_vec())));
    }

    #[test]
    fn a_line_start_is_found_from_any_byte() {
        let file = file_with(b"ab\ncd\n");
        let starts: Vec<u64> = (0..=6)
            .map(|at| line_start_at_or_after(&file, at).unwrap())
            .collect();
        assert_eq!(starts, [0, 3, 3, 3, 6, 6, 6]);
    }
}
