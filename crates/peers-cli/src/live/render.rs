//! The text of the live display: the line redrawn on a terminal, the heartbeat line written
//! elsewhere, and what of a peer's raw output line is shown (never its control characters).

use std::time::Duration;

use super::color::{Style, Terminal};

/// The tick in progress as the display knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveTick {
    pub iteration: u64,
    pub peer: String,
    pub skeptic: bool,
    /// The peer is done; its work is being judged.
    pub judging: bool,
    /// The newest non-empty output line, raw, cut to [`RAW_LINE_CAP`] bytes.
    pub last_line: String,
    pub tokens: u64,
}

/// Bytes of the raw last line kept between redraws.
pub const RAW_LINE_CAP: usize = 4096;
/// Characters of output shown on a heartbeat line.
const HEARTBEAT_TEXT_CHARS: usize = 160;

/// `45s`, `3m05s`, `2h07m`.
pub fn elapsed_text(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// What the heartbeat and the live line say about the tick, without the output line.
fn head(tick: &LiveTick, elapsed: Duration) -> String {
    let what = if tick.judging {
        "judging its work"
    } else if tick.skeptic {
        "working (skeptic re-audit)"
    } else {
        "working"
    };
    let mut text = format!(
        "tick {} {} {what} {}",
        tick.iteration,
        tick.peer,
        elapsed_text(elapsed)
    );
    if tick.tokens > 0 {
        text.push_str(&format!(" · tokens {}", tick.tokens));
    }
    text
}

/// The plain line written every heartbeat interval when the output is not a terminal.
pub fn heartbeat_line(tick: &LiveTick, elapsed: Duration) -> String {
    let mut line = format!("peers: {}", head(tick, elapsed));
    let shown = shown_text(&tick.last_line);
    if !shown.is_empty() && !tick.judging {
        line.push_str(" · last: ");
        line.push_str(&fit(&shown, HEARTBEAT_TEXT_CHARS));
    }
    line
}

/// The line redrawn in place on a terminal: at most `width - 1` characters (the last column
/// stays free so no terminal wraps), coloured when `term.color`.
pub fn live_line(tick: &LiveTick, elapsed: Duration, term: Terminal, width: usize) -> String {
    let room = width.saturating_sub(1).max(10);
    let head = fit(&format!("peers: {}", head(tick, elapsed)), room);
    let used = head.chars().count();
    let shown = shown_text(&tick.last_line);
    let tail = if shown.is_empty() || tick.judging || used + 4 >= room {
        String::new()
    } else {
        fit(&shown, room - used - 3)
    };
    let mut line = term.paint(Style::Bold, &head);
    if !tail.is_empty() {
        line.push_str(&term.paint(Style::Dim, &format!(" · {tail}")));
    }
    line
}

/// At most `max` characters of `text`, the last one `…` when cut; never splits a character.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What is shown of a raw output line: for a JSON event (the streaming CLIs print one per
/// line) its text, command or type; then every control or bidi-override character replaced,
/// so a peer's output can never move the cursor, recolour or reorder the terminal.
pub fn shown_text(raw: &str) -> String {
    let raw = raw.trim();
    let text = if raw.starts_with('{') {
        json_text(raw).unwrap_or_else(|| raw.to_owned())
    } else {
        raw.to_owned()
    };
    let cleaned: String = without_escapes(&text)
        .chars()
        .map(|c| if is_unsafe(c) { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` without its terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`,
/// and two-character escapes), so a coloured line reads as its words.
fn without_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The human part of a JSON event line; for a line cut short, its `"type"`.
fn json_text(raw: &str) -> Option<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(raw) else {
        return event_type(raw).map(|kind| format!("({kind})"));
    };
    for key in ["text", "command", "result", "message", "content", "name"] {
        if let Some(found) = find_string(&value, key, 0) {
            return Some(found.to_owned());
        }
    }
    value
        .get("type")
        .and_then(|t| t.as_str())
        .map(|kind| format!("({kind})"))
}

fn find_string<'a>(value: &'a serde_json::Value, key: &str, depth: u32) -> Option<&'a str> {
    if depth > 8 {
        return None;
    }
    match value {
        serde_json::Value::Object(map) => {
            if let Some(text) = map.get(key).and_then(|v| v.as_str()).map(str::trim) {
                if !text.is_empty() {
                    return Some(text);
                }
            }
            map.values().find_map(|v| find_string(v, key, depth + 1))
        }
        serde_json::Value::Array(items) => {
            items.iter().find_map(|v| find_string(v, key, depth + 1))
        }
        _ => None,
    }
}

/// `"type":"…"` of a JSON line too long to have been kept whole.
fn event_type(raw: &str) -> Option<&str> {
    let start = raw.find("\"type\":\"")? + "\"type\":\"".len();
    let rest = &raw[start..];
    let end = rest.find('"')?;
    Some(&rest[..end]).filter(|kind| kind.len() <= 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(line: &str) -> LiveTick {
        LiveTick {
            iteration: 3,
            peer: "alice".into(),
            last_line: line.into(),
            tokens: 1200,
            ..LiveTick::default()
        }
    }

    #[test]
    fn elapsed_reads_naturally() {
        assert_eq!(elapsed_text(Duration::from_secs(45)), "45s");
        assert_eq!(elapsed_text(Duration::from_secs(185)), "3m05s");
        assert_eq!(elapsed_text(Duration::from_secs(7620)), "2h07m");
    }

    #[test]
    fn the_live_line_fits_the_width_and_never_splits_a_character() {
        let tick = tick("écrit les tests 日本語 et vérifie tout le reste du module");
        for width in [12, 30, 45, 60, 200] {
            let line = live_line(&tick, Duration::from_secs(75), Terminal::PLAIN, width);
            assert!(line.chars().count() < width.max(11), "{width}: {line}");
            if width >= 30 {
                assert!(line.starts_with("peers: tick 3 alice"), "{line}");
            }
        }
        let wide = live_line(&tick, Duration::from_secs(75), Terminal::PLAIN, 200);
        assert_eq!(
            wide,
            "peers: tick 3 alice working 1m15s · tokens 1200 · écrit les tests 日本語 et vérifie tout le reste du module"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let tick = tick("hello");
        let on = Terminal {
            color: true,
            live: true,
        };
        assert!(live_line(&tick, Duration::ZERO, on, 80).contains('\x1b'));
        assert!(!live_line(&tick, Duration::ZERO, Terminal::PLAIN, 80).contains('\x1b'));
    }

    #[test]
    fn peer_output_cannot_inject_terminal_controls() {
        let shown = shown_text("\x1b[2J\x1b]0;title\x07evil\r\u{202E}text\tok\x1b");
        assert_eq!(shown, "evil text ok");
        assert_eq!(shown_text("\x1b[1;31mred\x1b[0m words"), "red words");
        assert_eq!(
            shown_text("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ b"),
            "alink b"
        );
    }

    #[test]
    fn json_events_show_their_text() {
        let claude = r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Running the tests now"}]}}"#;
        assert_eq!(shown_text(claude), "Running the tests now");
        let tool =
            r#"{"type":"item.started","item":{"type":"command_execution","command":"cargo test"}}"#;
        assert_eq!(shown_text(tool), "cargo test");
        let cut = r#"{"type":"user","message":{"content":[{"tool_use_id":"x","content":"aaaa"#;
        assert_eq!(shown_text(cut), "(user)");
        assert_eq!(shown_text(r#"{"type":"ping"}"#), "(ping)");
    }

    #[test]
    fn heartbeat_names_the_tick_and_the_last_line() {
        let line = heartbeat_line(&tick("compiling crate x"), Duration::from_secs(31));
        assert_eq!(
            line,
            "peers: tick 3 alice working 31s · tokens 1200 · last: compiling crate x"
        );
        let mut judging = tick("x");
        judging.judging = true;
        assert_eq!(
            heartbeat_line(&judging, Duration::from_secs(2)),
            "peers: tick 3 alice judging its work 2s · tokens 1200"
        );
    }
}
