//! The configured error and halt patterns, matched line by line, ignoring halt matches on
//! lines that only echo repository content.

use std::sync::LazyLock;

use peers_core::config::HealthSettings;
use regex::Regex;

use crate::error::AgentError;

/// Compiled `health.error_patterns` (→ api-error) and `health.halt_patterns` (→ api-error
/// and the peer marked unavailable).
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    error: Vec<Regex>,
    halt: Vec<Regex>,
}

/// A configured pattern that matched one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineMatch {
    pub(crate) pattern: String,
    pub(crate) line: String,
    pub(crate) halt: bool,
}

impl Patterns {
    /// Compiles both lists; a bad regex names the key, its index and the parser's message.
    pub fn new(error_patterns: &[String], halt_patterns: &[String]) -> Result<Self, AgentError> {
        Ok(Self {
            error: compile("health.error_patterns", error_patterns)?,
            halt: compile("health.halt_patterns", halt_patterns)?,
        })
    }

    pub fn from_health(health: &HealthSettings) -> Result<Self, AgentError> {
        Self::new(&health.error_patterns, &health.halt_patterns)
    }

    /// No patterns at all: only exit codes and structured errors classify.
    pub fn none() -> Self {
        Self::default()
    }

    /// The first pattern matching `line`: halt patterns first (skipped on echo lines), then
    /// error patterns (which act on any line, as in the original).
    pub(crate) fn check(&self, line: &str) -> Option<LineMatch> {
        let found = |regex: &Regex, halt: bool| LineMatch {
            pattern: regex.as_str().to_owned(),
            line: line.to_owned(),
            halt,
        };
        if !self.halt.is_empty() && !is_echo(line) {
            if let Some(regex) = self.halt.iter().find(|regex| regex.is_match(line)) {
                return Some(found(regex, true));
            }
        }
        self.error
            .iter()
            .find(|regex| regex.is_match(line))
            .map(|regex| found(regex, false))
    }
}

fn compile(key: &str, patterns: &[String]) -> Result<Vec<Regex>, AgentError> {
    patterns
        .iter()
        .enumerate()
        .map(|(index, pattern)| {
            Regex::new(pattern).map_err(|source| AgentError::BadPattern {
                key: key.to_owned(),
                index,
                pattern: pattern.clone(),
                message: source.to_string(),
            })
        })
        .collect()
}

/// Shapes of a line that quotes the repository or a diff rather than reporting the agent's
/// own failure: a peer reading `tests/fixtures/auth_error.log` must not be marked unavailable.
static ECHO: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Diff lines: added/removed lines, hunk headers, file headers.
        r"^(\+|-|@@|diff --git |index [0-9a-f]+\.\.|\+\+\+ |--- )",
        // Markdown quote, heading, numbered item, tagged bullet.
        r"^(>|#{1,6}\s|\d+[.)]\s|[-*]\s+\[[^\]]*\])",
        // A git short hash and a space (`git log --oneline`, blame).
        r"^\^?[0-9a-f]{7,40}\s",
        // A `file.ext:N:` or `file.ext:N ` citation (grep -n, compiler output).
        r"^[\w./\\-]+\.[A-Za-z0-9]+:\d+[:\s]",
        // A JSON member line (`"key": …`) or a whole JSON event line: structured CLI output
        // is classified by the adapters, so prose quoted inside it must not halt the peer.
        r#"^("[^"]*"\s*:|\{\s*"|\[\s*\{)"#,
    ]
    .iter()
    .filter_map(|pattern| Regex::new(pattern).ok())
    .collect()
});

/// True when `line` (leading whitespace ignored) has one of the echo shapes.
pub(crate) fn is_echo(line: &str) -> bool {
    let line = line.trim_start();
    ECHO.iter().any(|regex| regex.is_match(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Patterns {
        Patterns::from_health(&HealthSettings::default()).unwrap()
    }

    #[test]
    fn default_halt_pattern_matches_a_real_failure() {
        let found = defaults()
            .check("ERROR: authentication failed for key")
            .unwrap();
        assert!(found.halt);
        assert_eq!(found.line, "ERROR: authentication failed for key");
    }

    #[test]
    fn default_error_pattern_is_not_a_halt() {
        let found = defaults().check("ERROR: upstream rate limit hit").unwrap();
        assert!(!found.halt);
    }

    #[test]
    fn echo_lines_never_halt() {
        let unanchored = Patterns::new(&[], &["authentication failed".to_owned()]).unwrap();
        for echo in [
            "+ERROR: authentication failed",
            "-ERROR: authentication failed",
            "@@ -1,3 +1,4 @@ authentication failed",
            "diff --git a/authentication failed b/x",
            "> ERROR: authentication failed",
            "a1b2c3d fix: authentication failed on retry",
            "src/auth.rs:42: authentication failed",
            "docs/errors.md:7:authentication failed",
            r#"  "message": "authentication failed","#,
            r#"{"type":"item.completed","text":"authentication failed"}"#,
            "## authentication failed",
            "1. authentication failed",
        ] {
            assert_eq!(unanchored.check(echo), None, "{echo}");
        }
        assert!(unanchored.check("Error: authentication failed").is_some());
    }

    #[test]
    fn error_patterns_act_even_on_echo_lines() {
        let patterns = Patterns::new(&["rate limit".to_owned()], &[]).unwrap();
        assert!(patterns.check("+ rate limit exceeded").is_some());
    }

    #[test]
    fn bad_pattern_names_key_and_index() {
        let error = Patterns::new(&["ok".to_owned()], &["ok".to_owned(), "(".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("health.halt_patterns[1]"), "{error}");
    }
}
