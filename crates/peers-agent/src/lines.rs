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
    pub(crate) fn push(&mut self, mut chunk: &[u8], line: &mut dyn FnMut(&[u8])) {
        while let Some(end) = chunk.iter().position(|&byte| byte == b'\n') {
            if self.partial.is_empty() && !self.cutting {
                line(trim_cr(&chunk[..end.min(self.max_line)]));
                self.cut_lines += u64::from(end > self.max_line);
            } else {
                self.keep(&chunk[..end]);
                line(trim_cr(&self.partial));
                self.partial.clear();
                self.cutting = false;
            }
            chunk = &chunk[end + 1..];
        }
        self.keep(chunk);
    }

    /// The last line when the stream ended without a newline.
    pub(crate) fn finish(&mut self, line: &mut dyn FnMut(&[u8])) {
        if !self.partial.is_empty() {
            line(trim_cr(&self.partial));
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

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(max: usize, chunks: &[&[u8]]) -> (Vec<String>, u64) {
        let mut splitter = LineSplitter::new(max);
        let mut lines = Vec::new();
        let mut collect = |line: &[u8]| lines.push(String::from_utf8_lossy(line).into_owned());
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
}
