//! The commit-trailer protocol: parsing `Key: value` trailers, body sections, handoff detection.
//!
//! Commits are the message bus between peers, so these rules decide what a peer said. They
//! follow the original (`comm_layer.py`, `bug_hunt.py`) with one deliberate change: the
//! subject line is never a trailer, so a one-line commit `Peer-Status: handoff` says nothing.

mod json_objects;
mod substance;

pub use json_objects::json_objects;
pub use substance::{MIN_SELF_REVIEW_CHARS, section_substance};

/// URL schemes that look like trailer keys (`https://…` parses as key `https`); a line with
/// one ends the trailer block, as in the original.
const URL_SCHEMES: &[&str] = &["http", "https", "ftp", "ftps", "ssh", "file", "ws", "wss"];

/// The trailers at the bottom of `message`, in message order, repeated keys kept.
///
/// The trailer block follows git's rule: it is the last paragraph of the message. Walking up
/// from the last non-blank line, it ends at the first blank line, the first line that is not
/// `Key: value`, or a URL-looking line. `(cherry picked from commit <hex>)` footers are
/// skipped. The subject (first line) is never a trailer. `Key: value` lines anywhere else in
/// the message are content, not trailers.
pub fn parse_trailers(message: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = message.lines().collect();
    lines[trailer_block(&lines)]
        .iter()
        .map(|line| line.trim())
        .filter(|line| !is_cherry_pick_footer(line))
        .filter_map(split_trailer)
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

/// The indices of `lines` (a whole message, subject first) that form its trailer block; empty
/// when the message has none. See [`parse_trailers`] for the rule.
pub(crate) fn trailer_block(lines: &[&str]) -> std::ops::Range<usize> {
    let mut end = lines.len();
    while end > 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut start = end;
    while start > 1 {
        let line = lines[start - 1].trim();
        if line.is_empty() {
            break;
        }
        if !is_cherry_pick_footer(line) {
            let Some((key, value)) = split_trailer(line) else {
                break;
            };
            if URL_SCHEMES.iter().any(|s| key.eq_ignore_ascii_case(s)) || value.starts_with("//") {
                break;
            }
        }
        start -= 1;
    }
    start..end
}

/// `Key: value` with key `^[A-Za-z][A-Za-z0-9-]+`; the value is trimmed and may be empty.
fn split_trailer(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let mut chars = key.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = key.len() >= 2 && chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
    (first_is_letter && rest_ok).then(|| (key, value.trim()))
}

fn is_cherry_pick_footer(line: &str) -> bool {
    line.strip_prefix("(cherry picked from commit ")
        .and_then(|rest| rest.strip_suffix(')'))
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The value of the bottom-most trailer named `key` (compared case-insensitively).
pub fn last_value<'a>(trailers: &'a [(String, String)], key: &str) -> Option<&'a str> {
    trailers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// Every value of trailers named `key` (case-insensitive), in message order.
pub fn values<'a>(trailers: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
    trailers
        .iter()
        .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// Whether the message has a `## <name>` heading line (`^##\s+<name>\b`), e.g. the
/// `## Self-Review` section a handoff must carry.
pub fn has_section(message: &str, name: &str) -> bool {
    message.lines().any(|line| is_heading(line, name))
}

/// Whether `line` is the heading `## <name>` (exactly two `#`, at least one blank, then the
/// name as a whole word).
pub(crate) fn is_heading(line: &str, name: &str) -> bool {
    let Some(rest) = line.strip_prefix("##") else {
        return false;
    };
    let title = rest.trim_start_matches([' ', '\t']);
    if title.len() == rest.len() {
        return false;
    }
    title.strip_prefix(name).is_some_and(|after| {
        !after
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// A turn ends with a handoff: trailers `Peer-Status: handoff` and `Self-Review: pass`
/// (exact values; the bottom-most of each wins).
pub fn is_handoff(message: &str) -> bool {
    let trailers = parse_trailers(message);
    last_value(&trailers, "Peer-Status") == Some("handoff")
        && last_value(&trailers, "Self-Review") == Some("pass")
}

/// The peer a message says wrote it (`Peer:` trailer). Free text: callers that have an
/// attestation note for the commit should prefer it.
pub fn peer(message: &str) -> Option<String> {
    let trailers = parse_trailers(message);
    last_value(&trailers, "Peer")
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests;
