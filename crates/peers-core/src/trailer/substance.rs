//! How much a `## Self-Review` (or any `## <name>`) section actually says: the one substance
//! rule shared by the loop's handoff check and the `self-review-on-handoff` gate.
//!
//! The prompt prescribes a bulleted template (`- Checked: …`, `- Not verified: …`,
//! `- Risks: …`). Filled in honestly it must pass; left as the template, or filled with tokens
//! (`none`, `ok`, `n/a`), it must fail. So the rule counts what the peer wrote after each
//! label, never the labels, list markers, filler words or the template's own placeholder text,
//! and it ignores only the real trailer block (git's rule: the last paragraph), so `Key: value`
//! lines in the body are content.

use super::{is_heading, trailer_block};

/// A `## Self-Review` with fewer characters of substance than this (non-whitespace characters
/// after labels, list markers, filler and template text are set aside) is a token, not a
/// review.
pub const MIN_SELF_REVIEW_CHARS: usize = 20;

/// Label texts of at most this many words (`Not verified:`) are labels, not content.
const MAX_LABEL_WORDS: usize = 3;

/// Values that say nothing, compared lowercased with trailing `.`/`!` removed.
const FILLER: &[&str] = &[
    "",
    "-",
    "--",
    "?",
    "all good",
    "done",
    "fine",
    "good",
    "lgtm",
    "looks good",
    "looks fine",
    "n/a",
    "n.a",
    "na",
    "nil",
    "no",
    "none",
    "none known",
    "nothing",
    "nothing known",
    "null",
    "ok",
    "okay",
    "pass",
    "passed",
    "same",
    "see above",
    "see commit",
    "tbd",
    "todo",
    "yes",
];

/// The placeholder values of the prompt's Self-Review template (templates/self_review.md),
/// lowercased without the final period: copying the template verbatim is not a review. A test
/// checks that every bullet of the template is listed here.
const TEMPLATE_PLACEHOLDERS: &[&str] = &[
    "what you verified and how (commands run and their results)",
    "what you could not check",
    "what might still be wrong",
];

/// Non-whitespace characters of substance in the body of the `## <name>` section, up to the
/// next `##` heading. Lines of the message's trailer block are not counted; in every other
/// line a list marker and a short leading label (`Checked:`) are set aside, and a value that
/// is filler (`none`, `ok`, `n/a`, …) or the template's own placeholder text counts zero.
pub fn section_substance(message: &str, name: &str) -> usize {
    let lines: Vec<&str> = message.lines().collect();
    let trailers = trailer_block(&lines);
    let mut in_section = false;
    let mut count = 0;
    for (index, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("##") {
            in_section = is_heading(line, name);
            continue;
        }
        if in_section && !trailers.contains(&index) {
            count += line_substance(line);
        }
    }
    count
}

/// The substance of one line of a section: what follows its list marker and label, unless
/// that is filler.
fn line_substance(line: &str) -> usize {
    let value = strip_label(strip_list_marker(line.trim()));
    let normalized = value.trim_end_matches(['.', '!', ' ']).to_lowercase();
    if FILLER.contains(&normalized.as_str()) || TEMPLATE_PLACEHOLDERS.contains(&normalized.as_str())
    {
        return 0;
    }
    value.chars().filter(|c| !c.is_whitespace()).count()
}

/// `- x`, `* x`, `+ x`, `1. x`, `1) x` → `x`; anything else unchanged.
fn strip_list_marker(line: &str) -> &str {
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return rest.trim_start();
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return rest.trim_start();
        }
    }
    line
}

/// `Not verified: the network path` → `the network path`. A label is at most
/// [`MAX_LABEL_WORDS`] words of letters (and `-`, `_`, `/`, `'`), optionally bold
/// (`**Checked**:`), followed by a colon and a blank or the end of the line. A path before a
/// colon (`src/a.rs: …`) is not a label: its `.` is not a label character.
fn strip_label(text: &str) -> &str {
    let Some((label, value)) = text.split_once(':') else {
        return text;
    };
    if !(value.is_empty() || value.starts_with([' ', '\t'])) {
        return text;
    }
    let label = label.trim().trim_matches('*').trim();
    let words: Vec<&str> = label.split_whitespace().collect();
    let is_label = !words.is_empty()
        && words.len() <= MAX_LABEL_WORDS
        && words.iter().all(|word| {
            word.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '_' | '/' | '\''))
        });
    if is_label {
        value.trim_start_matches('*').trim()
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
