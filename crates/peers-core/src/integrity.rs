//! Integrity of a turn's diff: test-only turns (reverted unless justified), edits of the
//! control plane under `.peers/`, and another peer's agreement to a test change that turned a
//! red test green (`test_agreement`).
//!
//! The original alternated warn and revert, so every other test-only turn was accepted;
//! here an unjustified test-only turn is reverted every time, and the caller reports
//! `HealthEvent::CheatRevert` so two in a row degrade the peer.

mod assertions;
mod hiding_config;
mod test_agreement;
mod test_paths;

pub use assertions::weakened_assertions;
pub use hiding_config::{HidingChange, hiding_config_changes};
pub use test_agreement::{AuthoredCommit, TEST_CHANGE_AGREE, Unagreed, unagreed_test_changes};
pub use test_paths::is_test_path;

use crate::state::State;
use crate::trailer;

/// Characters of substance a justification needs.
pub const JUSTIFICATION_MIN_CHARS: usize = 20;
/// Distinct meaningful words a justification needs, so `aaaaaaaaaaaaaaaaaaaaaa` is not one.
pub const JUSTIFICATION_MIN_WORDS: usize = 3;

/// What a turn's changed paths touched (control paths under `.peers/` are not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffClass {
    Empty,
    TestOnly,
    Mixed,
    SourceOnly,
}

pub fn classify_paths<S: AsRef<str>>(paths: &[S]) -> DiffClass {
    let (mut tests, mut sources) = (0usize, 0usize);
    for path in paths.iter().map(AsRef::as_ref) {
        if is_control_path(path) {
            continue;
        }
        if is_test_path(path) {
            tests += 1;
        } else {
            sources += 1;
        }
    }
    match (tests, sources) {
        (0, 0) => DiffClass::Empty,
        (_, 0) => DiffClass::TestOnly,
        (0, _) => DiffClass::SourceOnly,
        _ => DiffClass::Mixed,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOnlyDecision {
    Accept,
    /// Test-only, with a justification of substance: accepted and logged.
    AcceptJustified(String),
    /// Revert the turn's commits; the text goes into the peer's next prompt.
    Revert(String),
}

/// Decides a turn's fate from its diff class and the justification its commits carry (see
/// [`justification`]). Unjustified test-only turns are reverted every time.
pub fn test_only_decision(
    class: DiffClass,
    justification: Option<&str>,
    state: &State,
    peer: &str,
) -> TestOnlyDecision {
    if class != DiffClass::TestOnly {
        return TestOnlyDecision::Accept;
    }
    if let Some(text) = justification.filter(|text| is_substantive(text)) {
        return TestOnlyDecision::AcceptJustified(text.trim().to_owned());
    }
    let mut reason = format!(
        "{peer}'s turn changed only test files and was reverted; change production code too, \
         or explain why a test-only change is right with a `Justified-Test-Only: <reason>` trailer"
    );
    if let Some(thin) = justification {
        reason.push_str(&format!(
            " (\"{}\" is not a reason: give at least {JUSTIFICATION_MIN_CHARS} characters and \
             {JUSTIFICATION_MIN_WORDS} words of substance)",
            thin.trim()
        ));
    }
    let previous = state
        .peers
        .get(peer)
        .map_or(0, |health| health.cheat_reverts_in_a_row);
    if previous + 1 >= crate::peer_health::DEGRADE_AT_CHEAT_REVERTS {
        reason.push_str(&format!(
            "; this is revert {} in a row, so {peer} is now degraded",
            previous + 1
        ));
    }
    TestOnlyDecision::Revert(reason)
}

/// The justification in a turn's commit messages: a `Justified-Test-Only:` trailer or the
/// original's `JUSTIFIED-TEST-ONLY:` line. A substantive one wins over a thin one.
pub fn justification<S: AsRef<str>>(messages: &[S]) -> Option<String> {
    let mut candidates = Vec::new();
    for message in messages.iter().map(AsRef::as_ref) {
        let trailers = trailer::parse_trailers(message);
        candidates.extend(trailer::values(&trailers, "Justified-Test-Only").map(str::to_owned));
        candidates.extend(message.lines().filter_map(|line| {
            line.trim()
                .strip_prefix("JUSTIFIED-TEST-ONLY:")
                .map(|rest| rest.trim().to_owned())
        }));
    }
    candidates.retain(|c| !c.is_empty());
    let best = candidates
        .iter()
        .position(|c| is_substantive(c))
        .unwrap_or(0);
    (!candidates.is_empty()).then(|| candidates.swap_remove(best))
}

/// Words that say nothing about why a test-only change is right.
const FILLER: &[&str] = &[
    "todo",
    "tbd",
    "fixme",
    "xxx",
    "wip",
    "na",
    "none",
    "nothing",
    "flaky",
    "flake",
    "flakes",
    "test",
    "tests",
    "testing",
    "only",
    "fix",
    "fixes",
    "update",
    "updates",
    "misc",
    "stuff",
    "placeholder",
    "justified",
    "justification",
    "the",
    "and",
    "for",
    "to",
    "of",
    "it",
    "is",
];

/// At least [`JUSTIFICATION_MIN_CHARS`] characters and [`JUSTIFICATION_MIN_WORDS`] distinct
/// words once filler (`todo`, `flaky`, `n/a`, …) is removed.
pub fn is_substantive(text: &str) -> bool {
    let lower = text.to_lowercase();
    let mut words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2 && !FILLER.contains(w))
        .collect();
    let chars: usize = words.iter().map(|w| w.chars().count() + 1).sum();
    words.sort_unstable();
    words.dedup();
    chars.saturating_sub(1) >= JUSTIFICATION_MIN_CHARS && words.len() >= JUSTIFICATION_MIN_WORDS
}

/// Changed paths under `.peers/` (the control plane: config, goals, state, logs, checks). A
/// peer's turn must never touch them.
pub fn tampered_control_paths<S: AsRef<str>>(paths: &[S]) -> Vec<String> {
    paths
        .iter()
        .map(AsRef::as_ref)
        .filter(|path| is_control_path(path))
        .map(str::to_owned)
        .collect()
}

fn is_control_path(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    path == ".peers" || path.starts_with(".peers/")
}

#[cfg(test)]
mod tests;
