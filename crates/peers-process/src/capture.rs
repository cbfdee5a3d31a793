//! Bounded capture of one output stream: the first and the last half of the cap, whatever the volume.

use std::collections::VecDeque;
use std::fmt::Write as _;

/// What was kept of one stream. Memory is bounded by the cap however much the child wrote:
/// the first `cap / 2` bytes (the command line echo, the first error) and the last
/// `cap - cap / 2` bytes (the summary) are kept; the middle is counted, not stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Every byte the stream carried, kept or not.
    pub total_bytes: u64,
    /// True when bytes between head and tail were dropped.
    pub truncated: bool,
}

impl Captured {
    /// The first bytes kept (all of them when not truncated and they fit in the head).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// The last bytes kept; contiguous with `head` when not truncated.
    pub fn tail(&self) -> &[u8] {
        &self.tail
    }

    /// How many bytes are held in memory.
    pub fn kept_len(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// Bytes dropped between head and tail.
    pub fn omitted_bytes(&self) -> u64 {
        self.total_bytes.saturating_sub(self.kept_len() as u64)
    }

    /// The kept bytes as text; a truncated stream shows `… [N bytes omitted] …` where the middle was.
    /// Invalid UTF-8 becomes U+FFFD; a character cut by the head or tail boundary is dropped.
    pub fn to_string_lossy(&self) -> String {
        if !self.truncated {
            let mut bytes = Vec::with_capacity(self.kept_len());
            bytes.extend_from_slice(&self.head);
            bytes.extend_from_slice(&self.tail);
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        let head = without_cut_last_char(&self.head);
        let tail = without_cut_first_char(&self.tail);
        let mut text = String::from_utf8_lossy(head).into_owned();
        text.push_str(&self.omission_marker().unwrap_or_default());
        text.push_str(&String::from_utf8_lossy(tail));
        text
    }

    /// The line `to_string_lossy` puts where the middle was dropped, `None` when nothing was.
    pub fn omission_marker(&self) -> Option<String> {
        if !self.truncated {
            return None;
        }
        let kept =
            without_cut_last_char(&self.head).len() + without_cut_first_char(&self.tail).len();
        let omitted = self.total_bytes - kept as u64;
        let mut marker = String::new();
        let _ = write!(marker, "\n… [{omitted} bytes omitted] …\n");
        Some(marker)
    }

    /// The last `max_chars` characters of what was kept (from the tail when truncated).
    pub fn tail_lossy(&self, max_chars: usize) -> String {
        if max_chars == 0 {
            return String::new();
        }
        // A character is at most 4 bytes; 3 more cover a character cut at the start.
        let want = max_chars.saturating_mul(4).saturating_add(3);
        let from_tail = want.min(self.tail.len());
        let from_head = if self.truncated {
            0
        } else {
            (want - from_tail).min(self.head.len())
        };
        let mut bytes = Vec::with_capacity(from_head + from_tail);
        bytes.extend_from_slice(&self.head[self.head.len() - from_head..]);
        bytes.extend_from_slice(&self.tail[self.tail.len() - from_tail..]);
        let cut = from_head + from_tail < self.kept_len() || self.truncated;
        let bytes = if cut {
            without_cut_first_char(&bytes)
        } else {
            &bytes[..]
        };
        let text = String::from_utf8_lossy(bytes);
        match text.char_indices().rev().nth(max_chars - 1) {
            Some((start, _)) => text[start..].to_owned(),
            None => text.into_owned(),
        }
    }
}

/// Drops UTF-8 continuation bytes at the start (at most 3: one cut character).
fn without_cut_first_char(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .take(3)
        .take_while(|byte| (0x80..0xC0).contains(*byte))
        .count();
    &bytes[skip..]
}

/// Drops an incomplete UTF-8 sequence at the end, if the bytes are otherwise valid there.
fn without_cut_last_char(bytes: &[u8]) -> &[u8] {
    let start = bytes.len().saturating_sub(4);
    match std::str::from_utf8(&bytes[start..]) {
        Err(error) if error.error_len().is_none() => &bytes[..start + error.valid_up_to()],
        _ => bytes,
    }
}

/// Accumulates one stream into a [`Captured`] without ever holding more than the cap.
#[derive(Debug)]
pub(crate) struct CaptureBuffer {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    head_cap: usize,
    tail_cap: usize,
    total_bytes: u64,
}

impl CaptureBuffer {
    pub(crate) fn new(cap: usize) -> Self {
        let head_cap = cap / 2;
        Self {
            head: Vec::new(),
            tail: VecDeque::new(),
            head_cap,
            tail_cap: cap - head_cap,
            total_bytes: 0,
        }
    }

    pub(crate) fn push(&mut self, mut chunk: &[u8]) {
        self.total_bytes += chunk.len() as u64;
        let head_room = self.head_cap - self.head.len();
        if head_room > 0 {
            let taken = head_room.min(chunk.len());
            self.head.extend_from_slice(&chunk[..taken]);
            chunk = &chunk[taken..];
        }
        if chunk.len() >= self.tail_cap {
            self.tail.clear();
            self.tail.extend(&chunk[chunk.len() - self.tail_cap..]);
            return;
        }
        // Drop before extending so the ring never grows past its cap.
        let excess = (self.tail.len() + chunk.len()).saturating_sub(self.tail_cap);
        self.tail.drain(..excess);
        self.tail.extend(chunk);
    }

    pub(crate) fn finish(self) -> Captured {
        let kept = (self.head.len() + self.tail.len()) as u64;
        Captured {
            head: self.head,
            tail: Vec::from(self.tail),
            total_bytes: self.total_bytes,
            truncated: self.total_bytes > kept,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(cap: usize, chunks: &[&[u8]]) -> Captured {
        let mut buffer = CaptureBuffer::new(cap);
        for chunk in chunks {
            buffer.push(chunk);
        }
        buffer.finish()
    }

    #[test]
    fn small_output_is_kept_whole() {
        let captured = capture(10, &[b"abc", b"de"]);
        assert_eq!(captured.to_string_lossy(), "abcde");
        assert!(!captured.truncated);
        assert_eq!(captured.total_bytes, 5);
    }

    #[test]
    fn output_exactly_at_cap_is_not_truncated() {
        let captured = capture(6, &[b"abcdef"]);
        assert!(!captured.truncated);
        assert_eq!(captured.to_string_lossy(), "abcdef");
    }

    #[test]
    fn large_output_keeps_head_and_tail_and_counts_the_middle() {
        let captured = capture(6, &[b"abcd", b"efghij", b"kl"]);
        assert!(captured.truncated);
        assert_eq!(captured.head(), b"abc");
        assert_eq!(captured.tail(), b"jkl");
        assert_eq!(captured.total_bytes, 12);
        assert_eq!(captured.omitted_bytes(), 6);
        assert_eq!(
            captured.to_string_lossy(),
            "abc\n… [6 bytes omitted] …\njkl"
        );
    }

    #[test]
    fn odd_cap_gives_the_extra_byte_to_the_tail() {
        let captured = capture(5, &[b"0123456789"]);
        assert_eq!(captured.head(), b"01");
        assert_eq!(captured.tail(), b"789");
    }

    #[test]
    fn zero_cap_keeps_nothing_but_counts() {
        let captured = capture(0, &[b"abc"]);
        assert_eq!(captured.kept_len(), 0);
        assert!(captured.truncated);
        assert_eq!(captured.total_bytes, 3);
    }

    #[test]
    fn many_small_chunks_never_exceed_the_cap() {
        let mut buffer = CaptureBuffer::new(100);
        for index in 0..10_000u32 {
            buffer.push(index.to_string().as_bytes());
            assert!(buffer.head.len() + buffer.tail.len() <= 100);
        }
        let captured = buffer.finish();
        assert!(captured.to_string_lossy().ends_with("9999"));
    }

    #[test]
    fn invalid_utf8_is_kept_as_bytes_and_replaced_in_text() {
        let captured = capture(64, &[b"ok \xff\xfe end"]);
        assert_eq!(captured.head(), b"ok \xff\xfe end");
        assert_eq!(captured.to_string_lossy(), "ok \u{FFFD}\u{FFFD} end");
    }

    #[test]
    fn character_cut_by_the_boundaries_is_dropped_not_garbled() {
        // "é" is two bytes; cap 5 keeps head "a\xC3" and tail "\xA9zz": both cut an "é".
        let captured = capture(5, &["aé-é-ézz".as_bytes()]);
        assert_eq!(captured.to_string_lossy(), "a\n… [8 bytes omitted] …\nzz");
    }

    #[test]
    fn tail_lossy_takes_last_characters_across_head_and_tail() {
        let captured = capture(8, &[b"abcdefgh"]);
        assert_eq!(captured.tail_lossy(5), "defgh");
        assert_eq!(captured.tail_lossy(100), "abcdefgh");
        assert_eq!(captured.tail_lossy(0), "");
    }

    #[test]
    fn tail_lossy_counts_characters_not_bytes() {
        let captured = capture(1000, &["ééééé".as_bytes()]);
        assert_eq!(captured.tail_lossy(3), "ééé");
    }

    #[test]
    fn tail_lossy_of_truncated_stream_uses_the_tail_only() {
        let captured = capture(6, &[b"abcdefghijkl"]);
        assert_eq!(captured.tail_lossy(10), "jkl");
    }
}
