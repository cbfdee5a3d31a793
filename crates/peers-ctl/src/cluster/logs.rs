//! Following pod logs across reconnects with no gap and no duplicate. Lines come with the
//! kubelet's RFC 3339 timestamp (`timestamps=true`); a reconnect asks from the last timestamp
//! seen (`sinceTime`, which the server rounds down to the second), so it gets again every line
//! of that second: the cursor drops those it already printed.

use std::collections::HashSet;

#[derive(Debug, Default, Clone)]
pub struct LogCursor {
    /// The last timestamp printed (full precision, as the kubelet wrote it).
    last: Option<String>,
    /// Lines printed within the last second, to drop when a reconnect repeats them.
    recent: HashSet<(String, String)>,
}

impl LogCursor {
    /// Where a reconnect resumes: the last timestamp seen, for `sinceTime`.
    pub fn since(&self) -> Option<&str> {
        self.last.as_deref()
    }

    /// The text of `line` (`<timestamp> <text>`) if it was not printed before, else `None`.
    pub fn accept(&mut self, line: &str) -> Option<String> {
        let (stamp, text) = line.split_once(' ').unwrap_or((line, ""));
        if !stamp.ends_with('Z') || !stamp.contains('T') {
            // Not a timestamped line (a server message); print it as is.
            return Some(line.to_owned());
        }
        let second = &stamp[..stamp.find('.').unwrap_or(stamp.len() - 1)];
        if let Some(last) = &self.last {
            // RFC 3339 UTC stamps of one width order as strings.
            if stamp < last.as_str() && !last.starts_with(second) {
                return None;
            }
            if !last.starts_with(second) {
                self.recent.clear();
            }
        }
        let key = (stamp.to_owned(), text.to_owned());
        if !self.recent.insert(key) {
            return None;
        }
        if self.last.as_deref().is_none_or(|last| stamp >= last) {
            self.last = Some(stamp.to_owned());
        }
        Some(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(cursor: &mut LogCursor, lines: &[&str]) -> Vec<String> {
        lines.iter().filter_map(|l| cursor.accept(l)).collect()
    }

    #[test]
    fn a_reconnect_from_the_last_second_prints_no_line_twice_and_skips_none() {
        let mut cursor = LogCursor::default();
        let first = feed(
            &mut cursor,
            &[
                "2026-12-07T10:00:00.100000000Z tick 1",
                "2026-12-07T10:00:01.200000000Z tick 2",
                "2026-12-07T10:00:01.300000000Z same second",
            ],
        );
        assert_eq!(first, ["tick 1", "tick 2", "same second"]);
        assert_eq!(cursor.since(), Some("2026-12-07T10:00:01.300000000Z"));
        // The server resends everything from 10:00:01 on, then new lines.
        let second = feed(
            &mut cursor,
            &[
                "2026-12-07T10:00:01.200000000Z tick 2",
                "2026-12-07T10:00:01.300000000Z same second",
                "2026-12-07T10:00:01.900000000Z written during the gap",
                "2026-12-07T10:00:02.000000000Z tick 3",
            ],
        );
        assert_eq!(second, ["written during the gap", "tick 3"]);
    }

    #[test]
    fn identical_text_at_different_times_is_kept() {
        let mut cursor = LogCursor::default();
        let lines = feed(
            &mut cursor,
            &[
                "2026-12-07T10:00:00.1Z same",
                "2026-12-07T10:00:00.2Z same",
                "2026-12-07T10:00:05.2Z same",
            ],
        );
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn lines_without_a_timestamp_pass_through() {
        let mut cursor = LogCursor::default();
        assert_eq!(
            cursor
                .accept("unable to retrieve container logs")
                .as_deref(),
            Some("unable to retrieve container logs")
        );
        assert_eq!(cursor.since(), None);
    }
}
