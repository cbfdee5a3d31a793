//! Splitting one output stream into lines across read boundaries, with bounded memory.

/// Longest line kept whole; the rest of a longer line is dropped (counted in `cut_lines`).
/// Large enough for a CLI's final JSON event, small enough that a newline-free flood of
/// gigabytes costs at most this much per stream.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Keeps the partial last line between reads, so a line (and a pattern in it) split across
/// two reads is seen whole.
#[derive(Debug)]
pub(crate) struct LineSplitter {
    partial: Vec<u8>,
    max_line: usize,
    /// The current line passed `max_line`; its remainder is being skipped.
    cutting: bool,
    pub(crate) cut_lines: u64,
}

impl LineSplitter {
    pub(crate) fn new(max_line: usize) -> Self {
        Self {
            partial: Vec::new(),
            max_line,
            cutting: false,
            cut_lines: 0,
        }
    }

    /// Feeds a chunk; calls `line` for every line it completes (without the `\n` or `\r\n`).
    /// UTF-8 is checked once for the chunk's complete lines, not line by line: a line lying
    /// whole in the chunk comes as [`OutputLine::Text`] when it is valid.
    pub(crate) fn push(&mut self, chunk: &[u8], line: &mut dyn FnMut(OutputLine<'_>)) {
        let complete = memchr::memrchr(b'\n', chunk).map_or(0, |last| last + 1);
        // A line continued from the last read (which may have cut a character) is checked on
        // its own; the text starts after it.
        let begin = if self.partial.is_empty() && !self.cutting {
            0
        } else {
            memchr::memchr(b'\n', &chunk[..complete]).map_or(complete, |first| first + 1)
        };
        let text = valid_prefix(&chunk[begin..complete]);
        let mut start = 0;
        while let Some(found) = memchr::memchr(b'\n', &chunk[start..complete]) {
            let end = start + found;
            if self.partial.is_empty() && !self.cutting {
                let kept = start + found.min(self.max_line);
                let checked =
                    (start.checked_sub(begin)).and_then(|from| text.get(from..kept - begin));
                line(match checked {
                    Some(text) => OutputLine::Text(text.strip_suffix('\r').unwrap_or(text)),
                    None => OutputLine::Bytes(trim_cr(&chunk[start..kept])),
                });
                self.cut_lines += u64::from(found > self.max_line);
            } else {
                self.keep(&chunk[start..end]);
                line(OutputLine::Bytes(trim_cr(&self.partial)));
                self.partial.clear();
                self.cutting = false;
            }
            start = end + 1;
        }
        self.keep(&chunk[start..]);
    }

    /// The last line when the stream ended without a newline.
    pub(crate) fn finish(&mut self, line: &mut dyn FnMut(OutputLine<'_>)) {
        if !self.partial.is_empty() {
            line(OutputLine::Bytes(trim_cr(&self.partial)));
        }
        self.partial.clear();
        self.cutting = false;
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = self.max_line.saturating_sub(self.partial.len());
        if bytes.len() > room {
            if !self.cutting {
                self.cut_lines += 1;
            }
            self.cutting = true;
        }
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

/// One line as the splitter found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputLine<'a> {
    /// Known to be valid UTF-8.
    Text(&'a str),
    /// Not checked yet (it spanned reads, was cut, or its chunk held invalid UTF-8).
    Bytes(&'a [u8]),
}

impl OutputLine<'_> {
    /// Appends the line to `text`; invalid UTF-8 becomes U+FFFD.
    pub(crate) fn append_to(self, text: &mut String) {
        match self {
            OutputLine::Text(line) => text.push_str(line),
            OutputLine::Bytes(bytes) => match std::str::from_utf8(bytes) {
                Ok(line) => text.push_str(line),
                Err(_) => text.push_str(&String::from_utf8_lossy(bytes)),
            },
        }
    }
}

/// The longest valid UTF-8 prefix of `bytes` (all of it in the usual case: one check).
fn valid_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default(),
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(max: usize, chunks: &[&[u8]]) -> (Vec<String>, u64) {
        let mut splitter = LineSplitter::new(max);
        let mut lines = Vec::new();
        let mut collect = |line: OutputLine<'_>| {
            let mut text = String::new();
            line.append_to(&mut text);
            lines.push(text);
        };
        for chunk in chunks {
            splitter.push(chunk, &mut collect);
        }
        splitter.finish(&mut collect);
        (lines, splitter.cut_lines)
    }

    #[test]
    fn lines_split_across_reads_come_out_whole() {
        let (lines, cut) = split(
            100,
            &[b"ERR", b"OR: auth", b"entication failed\nnext\r\n", b"last"],
        );
        assert_eq!(lines, ["ERROR: authentication failed", "next", "last"]);
        assert_eq!(cut, 0);
    }

    #[test]
    fn overlong_lines_are_cut_and_counted() {
        let (lines, cut) = split(4, &[b"abcdefgh\nxy", b"zwvu", b"t\n123456\n"]);
        assert_eq!(lines, ["abcd", "xyzw", "1234"]);
        assert_eq!(cut, 3);
    }

    #[test]
    fn newline_free_flood_keeps_memory_at_the_cap() {
        let mut splitter = LineSplitter::new(16);
        let mut count = 0;
        for _ in 0..1000 {
            splitter.push(&[0u8; 4096], &mut |_| count += 1);
            assert!(splitter.partial.len() <= 16);
        }
        assert_eq!(count, 0);
        assert_eq!(splitter.cut_lines, 1);
    }

    /// Each line and whether it came as checked text.
    fn kinds(max: usize, chunks: &[&[u8]]) -> Vec<(String, bool)> {
        let mut splitter = LineSplitter::new(max);
        let mut lines = Vec::new();
        let mut collect = |line: OutputLine<'_>| {
            let mut text = String::new();
            line.append_to(&mut text);
            lines.push((text, matches!(line, OutputLine::Text(_))));
        };
        for chunk in chunks {
            splitter.push(chunk, &mut collect);
        }
        splitter.finish(&mut collect);
        lines
    }

    fn line(text: &str, checked: bool) -> (String, bool) {
        (text.to_owned(), checked)
    }

    #[test]
    fn lines_whole_in_a_valid_chunk_come_as_text_others_as_bytes() {
        assert_eq!(
            kinds(100, &[b"one\r\ntwo\nthr", b"ee\nfour"]),
            [
                line("one", true),
                line("two", true),
                line("three", false),
                line("four", false)
            ]
        );
    }

    #[test]
    fn a_character_cut_by_the_read_comes_out_whole() {
        assert_eq!(
            kinds(100, &[b"abc\nd\xC3", b"\xA9f\ng\n"]),
            [line("abc", true), line("d\u{e9}f", false), line("g", true)]
        );
    }

    #[test]
    fn invalid_bytes_spoil_only_their_own_line() {
        assert_eq!(
            kinds(100, &[b"a\n\xFF\xFE\nb\n"]),
            [
                line("a", true),
                line("\u{FFFD}\u{FFFD}", false),
                line("b", false)
            ]
        );
    }

    #[test]
    fn a_line_cut_inside_a_character_shows_the_replacement() {
        // "abc\u{e9}" is five bytes; the cap of four cuts the character.
        assert_eq!(
            kinds(4, &["abc\u{e9}\nok\n".as_bytes()]),
            [line("abc\u{FFFD}", false), line("ok", true)]
        );
    }
}
