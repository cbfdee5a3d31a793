//! Bounded capture of one output stream: the first and the last half of the cap, whatever the volume.

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
    /// A whole stream that was never cut (for output that did not come through a pipe).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self {
            total_bytes: bytes.len() as u64,
            head: bytes,
            tail: Vec::new(),
            truncated: false,
        }
    }

    /// The kept bytes as a log file holds them: the head, `… [N bytes omitted] …` on a line
    /// of its own where the middle was dropped, the tail. Written piece by piece, so a
    /// full-cap capture is never copied whole (that copy once set a tick's peak memory).
    pub fn write_log(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(&self.head)?;
        if self.truncated {
            let marker = format!("\n… [{} bytes omitted] …\n", self.omitted_bytes());
            out.write_all(marker.as_bytes())?;
        }
        out.write_all(&self.tail)
    }

    /// [`Self::write_log`] into memory.
    pub fn log_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.kept_len() + 64);
        // Writing into a Vec cannot fail.
        let _ = self.write_log(&mut bytes);
        bytes
    }

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

/// The smallest ring: reads land in it, so it must hold a useful read even when the cap is tiny.
pub(crate) const MIN_RING: usize = 64 * 1024;
/// Largest head reserved up front; a larger head (a cap above 32 MiB) grows as it fills.
const MAX_HEAD_RESERVE: usize = 16 * 1024 * 1024;

/// Accumulates one stream into a [`Captured`] without ever holding more than the cap (or
/// [`MIN_RING`], whichever is larger).
///
/// Reads go straight into a ring of the last bytes ([`CaptureBuffer::spare`], then
/// [`CaptureBuffer::filled`]): every byte is copied once, by the kernel, and the middle of a
/// flood is simply overwritten. Only the first `cap / 2` bytes are copied again, into the head.
/// The ring is never zeroed: its first fill reads into unused capacity, so a command that
/// prints little touches little memory (zeroing a 1 MiB ring per gate once cost a tick more
/// than the gates' own work).
#[derive(Debug)]
pub(crate) struct CaptureBuffer {
    head: Vec<u8>,
    head_cap: usize,
    /// The last bytes of the stream: while `ring.len() < ring_len` it is still filling for the
    /// first time and the next byte is appended; after that it is full and the next byte goes
    /// to `ring[pos]`.
    ring: Vec<u8>,
    ring_len: usize,
    pos: usize,
    tail_cap: usize,
    total_bytes: u64,
}

/// Where the next read may write.
pub(crate) enum Spare<'a> {
    /// The ring's first fill: its unused capacity (read with `rustix::buffer::spare_capacity`,
    /// which extends the vector by what arrived).
    Fresh(&'a mut Vec<u8>),
    /// The full ring from the current position to its end.
    Ring(&'a mut [u8]),
}

impl CaptureBuffer {
    pub(crate) fn new(cap: usize) -> Self {
        let head_cap = cap / 2;
        let tail_cap = cap - head_cap;
        let ring = Vec::with_capacity(tail_cap.max(MIN_RING));
        Self {
            // Reserved once: grown by doubling, a full head would leave its outgrown smaller
            // copies behind in the heap (about as much again, resident until exit). Pages of
            // the reservation count only once bytes land in them.
            head: Vec::with_capacity(head_cap.min(MAX_HEAD_RESERVE)),
            head_cap,
            ring_len: ring.capacity(),
            ring,
            pos: 0,
            tail_cap,
            total_bytes: 0,
        }
    }

    /// Where the next read may write; report what it wrote with [`Self::filled`].
    pub(crate) fn spare(&mut self) -> Spare<'_> {
        if self.ring.len() < self.ring_len {
            Spare::Fresh(&mut self.ring)
        } else {
            Spare::Ring(&mut self.ring[self.pos..])
        }
    }

    /// Records that `count` bytes were written where [`Self::spare`] pointed; returns them.
    pub(crate) fn filled(&mut self, count: usize) -> &[u8] {
        let start = self.pos;
        // A fresh read already extended the ring by `count`.
        let end = (start + count).min(self.ring.len());
        self.total_bytes += (end - start) as u64;
        let head_room = self.head_cap - self.head.len();
        if head_room > 0 {
            let taken = head_room.min(end - start);
            self.head
                .extend_from_slice(&self.ring[start..start + taken]);
        }
        self.pos = if end == self.ring_len { 0 } else { end };
        &self.ring[start..end]
    }

    /// Keeps `chunk` as if it had been read (for bytes that did not come from a read).
    #[cfg(test)]
    pub(crate) fn push(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() {
            let count = self.land(chunk, usize::MAX);
            self.filled(count);
            chunk = &chunk[count..];
        }
    }

    /// Writes up to `limit` bytes of `chunk` where [`Self::spare`] points, as a read would;
    /// returns how many.
    #[cfg(test)]
    fn land(&mut self, chunk: &[u8], limit: usize) -> usize {
        let ring_len = self.ring_len;
        match self.spare() {
            Spare::Fresh(ring) => {
                let count = (ring_len - ring.len()).min(chunk.len()).min(limit);
                ring.extend_from_slice(&chunk[..count]);
                count
            }
            Spare::Ring(spare) => {
                let count = spare.len().min(chunk.len()).min(limit);
                spare[..count].copy_from_slice(&chunk[..count]);
                count
            }
        }
    }

    pub(crate) fn finish(self) -> Captured {
        let Self {
            head,
            mut ring,
            pos,
            tail_cap,
            total_bytes,
            ..
        } = self;
        // The tail is what came after the head, at most `tail_cap` bytes of it.
        let after_head = total_bytes - head.len() as u64;
        let keep = usize::try_from(after_head).map_or(tail_cap, |after| after.min(tail_cap));
        let wrapped = total_bytes > pos as u64;
        if wrapped {
            ring.rotate_left(pos);
        } else {
            ring.truncate(pos);
        }
        ring.drain(..ring.len() - keep);
        if ring.capacity() > 2 * ring.len() {
            ring.shrink_to_fit();
        }
        let kept = (head.len() + ring.len()) as u64;
        Captured {
            head,
            tail: ring,
            total_bytes,
            truncated: total_bytes > kept,
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
    fn the_log_keeps_raw_bytes_with_the_marker_where_the_middle_was() {
        // A character cut at the head's end stays in the log as raw bytes, unlike the text.
        let captured = capture(6, &[b"ab\xc3", b"\xa9efghij", b"kl"]);
        assert_eq!(
            captured.log_bytes(),
            b"ab\xc3\n\xe2\x80\xa6 [6 bytes omitted] \xe2\x80\xa6\njkl"
        );
        let whole = capture(64, &[b"ab", b"\xffc"]);
        assert_eq!(whole.log_bytes(), b"ab\xffc");
        let mut file = Vec::new();
        whole.write_log(&mut file).unwrap();
        assert_eq!(file, whole.log_bytes());
    }

    #[test]
    fn bytes_given_whole_are_one_untruncated_capture() {
        let captured = Captured::from_bytes(b"spawn failed".to_vec());
        assert!(!captured.truncated);
        assert_eq!(captured.total_bytes, 12);
        assert_eq!(captured.log_bytes(), b"spawn failed");
        assert_eq!(captured.tail_lossy(5), "ailed");
        assert_eq!(Captured::from_bytes(Vec::new()).kept_len(), 0);
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
            assert!(buffer.head.len() <= 50);
            assert_eq!(buffer.ring_len, MIN_RING);
            assert!(buffer.ring.len() <= MIN_RING);
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

    /// Naive model: the head is the first `cap / 2` bytes, the tail the last bytes after it.
    fn expected(cap: usize, stream: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let head = stream[..stream.len().min(cap / 2)].to_vec();
        let rest = &stream[head.len()..];
        let tail = rest[rest.len() - rest.len().min(cap - cap / 2)..].to_vec();
        (head, tail)
    }

    #[test]
    fn reads_into_the_ring_keep_exactly_head_and_tail_across_wraps() {
        let stream: Vec<u8> = (0..600_000u32).map(|index| (index % 251) as u8).collect();
        for cap in [0, 1, 7, 4096, 2 * MIN_RING, 3 * MIN_RING + 5, 2 << 20] {
            for read in [1, 1000, 65_536, 200_000] {
                let mut buffer = CaptureBuffer::new(cap);
                let mut offset = 0;
                while offset < stream.len() {
                    let count = buffer.land(&stream[offset..], read);
                    assert_eq!(buffer.filled(count), &stream[offset..offset + count]);
                    offset += count;
                }
                let captured = buffer.finish();
                let (head, tail) = expected(cap, &stream);
                assert_eq!(captured.head(), &head[..], "cap {cap} read {read}");
                assert_eq!(captured.tail(), &tail[..], "cap {cap} read {read}");
                assert_eq!(captured.total_bytes, stream.len() as u64);
                assert_eq!(captured.truncated, head.len() + tail.len() < stream.len());
            }
        }
    }
}
