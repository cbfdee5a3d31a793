//! Reading a JSONL file one line at a time in bounded memory: a line longer than the cap is
//! skipped (reported as too long, never held), and each line comes with its byte offset.

use std::io::{self, BufRead, BufReader, Read};

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

/// Reads lines from `inner`, which starts at byte `offset` of the file.
pub struct LineReader<R> {
    inner: BufReader<R>,
    buffer: Vec<u8>,
    offset: u64,
    cap: usize,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R, offset: u64) -> Self {
        Self::with_cap(inner, offset, MAX_LINE_BYTES)
    }

    pub fn with_cap(inner: R, offset: u64, cap: usize) -> Self {
        Self {
            inner: BufReader::with_capacity(256 * 1024, inner),
            buffer: Vec::new(),
            offset,
            cap,
        }
    }

    /// The offset just after the last line returned.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> io::Result<Option<Located<'_>>> {
        self.buffer.clear();
        let start = self.offset;
        let mut len: u64 = 0;
        let mut too_long = false;
        let terminated = loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                break false;
            }
            let (take, found) = match available.iter().position(|b| *b == b'\n') {
                Some(end) => (end, true),
                None => (available.len(), false),
            };
            if !too_long {
                if self.buffer.len() + take > self.cap {
                    too_long = true;
                    self.buffer = Vec::new();
                } else {
                    self.buffer.extend_from_slice(&available[..take]);
                }
            }
            let consumed = take + usize::from(found);
            self.inner.consume(consumed);
            len += consumed as u64;
            if found {
                break true;
            }
        };
        if len == 0 {
            return Ok(None);
        }
        self.offset = start + len;
        let line = match (too_long, terminated) {
            (true, _) => Line::TooLong { terminated },
            (false, true) => Line::Complete(&self.buffer),
            (false, false) => Line::Unterminated(&self.buffer),
        };
        Ok(Some(Located {
            offset: start,
            len,
            line,
        }))
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
