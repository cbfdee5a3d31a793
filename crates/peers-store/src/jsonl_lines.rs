//! Reading a JSONL file one line at a time in bounded memory: a line longer than the cap is
//! skipped (reported as too long, never held), and each line comes with its byte offset.

use std::io::{self, Read};

/// The longest line kept in memory; longer lines are skipped and counted as unreadable.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// One line of the file.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line with its newline (not included here).
    Complete(&'a [u8]),
    /// The last bytes of the file, not (yet) ended by a newline: a record being written, or
    /// one torn by a crash.
    Unterminated(&'a [u8]),
    /// A line longer than the cap, skipped; `terminated` as above.
    TooLong { terminated: bool },
}

/// A line and where it is: `offset` of its first byte, `len` including its newline.
#[derive(Debug, PartialEq, Eq)]
pub struct Located<'a> {
    pub offset: u64,
    pub len: u64,
    pub line: Line<'a>,
}

/// Bytes asked of the file per read.
const CHUNK: usize = 256 * 1024;

/// Reads lines from `inner`, which starts at byte `offset` of the file. A line is found with
/// one `memchr` pass and handed out as a slice of the read buffer (copied only when it spans
/// two reads).
pub struct LineReader<R> {
    inner: R,
    buffer: Vec<u8>,
    /// First byte of `buffer` not yet handed out.
    start: usize,
    /// End of the bytes read into `buffer`.
    end: usize,
    /// Offset in the file of `buffer[start]`.
    offset: u64,
    cap: usize,
    eof: bool,
}

/// What the search for the next line found, as indices (the slice is borrowed afterwards).
enum Next {
    Complete { newline: usize },
    Unterminated,
    TooLong,
    End,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R, offset: u64) -> Self {
        Self::with_cap(inner, offset, MAX_LINE_BYTES)
    }

    pub fn with_cap(inner: R, offset: u64, cap: usize) -> Self {
        Self {
            inner,
            buffer: Vec::new(),
            start: 0,
            end: 0,
            offset,
            cap,
            eof: false,
        }
    }

    /// The offset just after the last line returned.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> io::Result<Option<Located<'_>>> {
        let next = self.find_next()?;
        let start = self.start;
        let offset = self.offset;
        let (len, line) = match next {
            Next::End => return Ok(None),
            Next::Complete { newline } => {
                self.start = newline + 1;
                let len = newline + 1 - start;
                if len - 1 > self.cap {
                    (len, Line::TooLong { terminated: true })
                } else {
                    (len, Line::Complete(&self.buffer[start..newline]))
                }
            }
            Next::Unterminated => {
                self.start = self.end;
                (
                    self.end - start,
                    Line::Unterminated(&self.buffer[start..self.end]),
                )
            }
            Next::TooLong => return self.skip_long_line().map(Some),
        };
        self.offset = offset + len as u64;
        Ok(Some(Located {
            offset,
            len: len as u64,
            line,
        }))
    }

    /// Searches the buffered bytes for a newline, reading more as needed.
    fn find_next(&mut self) -> io::Result<Next> {
        let mut scanned = self.start;
        loop {
            if let Some(at) = memchr::memchr(b'\n', &self.buffer[scanned..self.end]) {
                return Ok(Next::Complete {
                    newline: scanned + at,
                });
            }
            let pending = self.end - self.start;
            if pending > self.cap {
                return Ok(Next::TooLong);
            }
            if self.eof {
                return Ok(if pending == 0 {
                    Next::End
                } else {
                    Next::Unterminated
                });
            }
            // Keep the partial line at the front, grow only for a line longer than the buffer.
            if self.start > 0 {
                self.buffer.copy_within(self.start..self.end, 0);
                self.end = pending;
                self.start = 0;
            }
            scanned = self.end;
            if self.end == self.buffer.len() {
                let grown = (self.buffer.len() * 2).clamp(CHUNK, self.cap.saturating_add(CHUNK));
                self.buffer.resize(grown.max(self.end + 1), 0);
            }
            self.fill()?;
        }
    }

    /// One read into the free end of the buffer; sets `eof` on a read of 0 bytes.
    fn fill(&mut self) -> io::Result<()> {
        loop {
            match self.inner.read(&mut self.buffer[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.end += read;
                    return Ok(());
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// Drops a line already known to be over the cap, reading to its newline (or the end).
    fn skip_long_line(&mut self) -> io::Result<Located<'static>> {
        let offset = self.offset;
        let mut len = (self.end - self.start) as u64;
        self.start = 0;
        self.end = 0;
        let terminated = loop {
            if self.eof {
                break false;
            }
            self.fill()?;
            if let Some(at) = memchr::memchr(b'\n', &self.buffer[..self.end]) {
                self.start = at + 1;
                len += self.start as u64;
                break true;
            }
            len += self.end as u64;
            self.end = 0;
        };
        self.offset = offset + len;
        Ok(Located {
            offset,
            len,
            line: Line::TooLong { terminated },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], cap: usize) -> Vec<(u64, u64, String)> {
        let mut reader = LineReader::with_cap(text, 0, cap);
        let mut out = Vec::new();
        while let Some(located) = reader.next_line().unwrap() {
            let shown = match located.line {
                Line::Complete(l) => format!("c:{}", String::from_utf8_lossy(l)),
                Line::Unterminated(l) => format!("u:{}", String::from_utf8_lossy(l)),
                Line::TooLong { terminated } => format!("long:{terminated}"),
            };
            out.push((located.offset, located.len, shown));
        }
        out
    }

    #[test]
    fn lines_come_with_offsets_and_a_torn_tail_is_marked() {
        assert_eq!(
            lines(b"ab\n\ncd\nef", 100),
            vec![
                (0, 3, "c:ab".to_owned()),
                (3, 1, "c:".to_owned()),
                (4, 3, "c:cd".to_owned()),
                (7, 2, "u:ef".to_owned()),
            ]
        );
    }

    #[test]
    fn lines_over_the_cap_are_skipped_whole() {
        assert_eq!(
            lines(b"short\nmuch too long\nok\nlong tail", 5),
            vec![
                (0, 6, "c:short".to_owned()),
                (6, 14, "long:true".to_owned()),
                (20, 3, "c:ok".to_owned()),
                (23, 9, "long:false".to_owned()),
            ]
        );
    }

    #[test]
    fn a_line_longer_than_the_read_buffer_is_whole() {
        let long = vec![b'x'; 600 * 1024];
        let mut text = long.clone();
        text.push(b'\n');
        let mut reader = LineReader::new(&text[..], 10);
        let located = reader.next_line().unwrap().unwrap();
        assert_eq!(located.offset, 10);
        assert_eq!(located.line, Line::Complete(&long));
        assert!(reader.next_line().unwrap().is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Whatever the bytes: lines tile the input exactly, and a kept line is its bytes.
        #[test]
        fn lines_tile_the_input(
            text in proptest::collection::vec(
                proptest::prop_oneof![proptest::prelude::Just(b'\n'), proptest::prelude::any::<u8>()],
                0..400,
            ),
            cap in 0usize..40,
        ) {
            let mut reader = LineReader::with_cap(&text[..], 0, cap);
            let mut at = 0u64;
            while let Some(located) = reader.next_line().unwrap() {
                proptest::prop_assert_eq!(located.offset, at);
                let start = usize::try_from(at).unwrap();
                let end = start + usize::try_from(located.len).unwrap();
                let source = &text[start..end];
                match located.line {
                    Line::Complete(line) => {
                        proptest::prop_assert!(line.len() <= cap);
                        proptest::prop_assert_eq!([line, b"\n"].concat(), source.to_vec());
                    }
                    Line::Unterminated(line) => proptest::prop_assert_eq!(line, source),
                    Line::TooLong { terminated } => {
                        proptest::prop_assert!(source.len() > cap);
                        proptest::prop_assert_eq!(terminated, source.ends_with(b"\n"));
                    }
                }
                at += located.len;
            }
            proptest::prop_assert_eq!(at, text.len() as u64);
        }
    }
}
