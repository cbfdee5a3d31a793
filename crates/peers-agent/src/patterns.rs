//! The configured error and halt patterns, matched line by line, ignoring halt matches on
//! lines that only echo repository content.

use std::sync::LazyLock;

use peers_core::config::HealthSettings;
use regex::{Regex, RegexSet};
use regex_syntax::hir::Look;
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::error::AgentError;

/// Compiled `health.error_patterns` (→ api-error) and `health.halt_patterns` (→ api-error
/// and the peer marked unavailable).
///
/// A line costs one cheap test in the common case: when every pattern is anchored at the
/// line start (as the defaults are), its first byte must be one a match can begin with; then
/// all patterns run at once as one [`RegexSet`]; only a line that matches the set is checked
/// pattern by pattern (which one, halt or error, echo or not).
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    error: Vec<Regex>,
    halt: Vec<Regex>,
    /// Set when every pattern is anchored at the line start with known first bytes.
    first: Option<FirstBytes>,
    together: Together,
}

/// All the patterns at once.
#[derive(Debug, Clone, Default)]
enum Together {
    /// No patterns: nothing can match.
    #[default]
    Nothing,
    /// One search for all of them.
    Set(RegexSet),
    /// The set would not compile within the regex size limit: each pattern is tried.
    Each,
}

/// The bytes a match anchored at the line start can begin with.
#[derive(Clone)]
struct FirstBytes([bool; 256]);

impl std::fmt::Debug for FirstBytes {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.0.iter().filter(|allowed| **allowed).count();
        write!(formatter, "FirstBytes({count} allowed)")
    }
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
        let error = compile("health.error_patterns", error_patterns)?;
        let halt = compile("health.halt_patterns", halt_patterns)?;
        let all: Vec<&str> = halt.iter().chain(&error).map(Regex::as_str).collect();
        let together = match RegexSet::new(&all) {
            _ if all.is_empty() => Together::Nothing,
            Ok(set) => Together::Set(set),
            Err(_) => Together::Each,
        };
        let first = first_bytes(&all);
        Ok(Self {
            error,
            halt,
            first,
            together,
        })
    }

    pub fn from_health(health: &HealthSettings) -> Result<Self, AgentError> {
        Self::new(&health.error_patterns, &health.halt_patterns)
    }

    /// No patterns at all: only exit codes and structured errors classify.
    pub fn none() -> Self {
        Self::default()
    }

    /// False when no pattern can match `line` (the per-line fast path of [`Self::check`]).
    #[inline]
    pub(crate) fn may_match(&self, line: &str) -> bool {
        if let Some(FirstBytes(bytes)) = &self.first
            && !line
                .as_bytes()
                .first()
                .is_some_and(|first| bytes[usize::from(*first)])
        {
            return false;
        }
        match &self.together {
            Together::Nothing => false,
            Together::Set(set) => set.is_match(line),
            Together::Each => true,
        }
    }

    /// The first pattern matching `line`: halt patterns first (skipped on echo lines), then
    /// error patterns (which act on any line, as in the original).
    pub(crate) fn check(&self, line: &str) -> Option<LineMatch> {
        if !self.may_match(line) {
            return None;
        }
        let found = |regex: &Regex, halt: bool| LineMatch {
            pattern: regex.as_str().to_owned(),
            line: line.to_owned(),
            halt,
        };
        if let Some(regex) = self.halt.iter().find(|regex| regex.is_match(line))
            && !is_echo(line)
        {
            return Some(found(regex, true));
        }
        self.error
            .iter()
            .find(|regex| regex.is_match(line))
            .map(|regex| found(regex, false))
    }
}

/// The bytes a match of any of `patterns` can start with, when every one of them is
/// anchored at the start of the line and its prefixes are a finite set of non-empty
/// literals (case-insensitive letters included: the extractor lists every case variant).
/// `None` when some pattern could start anywhere or with anything.
fn first_bytes(patterns: &[&str]) -> Option<FirstBytes> {
    let mut bytes = [false; 256];
    for pattern in patterns {
        let hir = regex_syntax::parse(pattern).ok()?;
        let prefix = hir.properties().look_set_prefix();
        // A line holds no `\n`, so a multi-line `^` also matches only at its start.
        if !(prefix.contains(Look::Start) || prefix.contains(Look::StartLF)) {
            return None;
        }
        let literals = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
        for literal in literals.literals()? {
            bytes[usize::from(*literal.as_bytes().first()?)] = true;
        }
    }
    Some(FirstBytes(bytes))
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

    /// What `check` answered before the prefilter: every pattern tried on every line.
    fn naive(patterns: &Patterns, line: &str) -> Option<(String, bool)> {
        if !is_echo(line)
            && let Some(regex) = patterns.halt.iter().find(|regex| regex.is_match(line))
        {
            return Some((regex.as_str().to_owned(), true));
        }
        patterns
            .error
            .iter()
            .find(|regex| regex.is_match(line))
            .map(|regex| (regex.as_str().to_owned(), false))
    }

    fn owned(patterns: &[&str]) -> Vec<String> {
        patterns
            .iter()
            .map(|pattern| (*pattern).to_owned())
            .collect()
    }

    #[test]
    fn anchored_patterns_get_the_first_byte_test_and_others_do_not() {
        let first = defaults().first.unwrap();
        let allowed: Vec<u8> = (0..=255u8)
            .filter(|byte| first.0[usize::from(*byte)])
            .collect();
        assert_eq!(allowed, b"EFef");
        for unanchored in ["rate limit", "(?m)x|^y", "(?mR)^z", "^(a|)b?"] {
            let patterns = Patterns::new(&owned(&[unanchored]), &[]).unwrap();
            assert!(patterns.first.is_none(), "{unanchored}");
        }
        let multi_line = Patterns::new(&owned(&["(?m)^oops"]), &[]).unwrap();
        assert!(multi_line.first.is_some());
    }

    #[test]
    fn case_folding_beyond_ascii_is_in_the_first_bytes() {
        // U+212A KELVIN SIGN folds to k: a line starting with it must reach the regex.
        let patterns = Patterns::new(&owned(&["(?i)^key expired"]), &[]).unwrap();
        assert!(patterns.check("\u{212A}ey expired").is_some());
        assert!(patterns.check("Key expired").is_some());
        assert!(patterns.check("a key expired").is_none());
    }

    #[test]
    fn no_patterns_match_nothing() {
        assert_eq!(Patterns::none().check("ERROR: authentication failed"), None);
        assert_eq!(Patterns::new(&[], &[]).unwrap().check(""), None);
    }

    proptest::proptest! {
        #[test]
        fn the_prefilter_never_changes_the_answer(
            start in proptest::sample::select(vec![
                "", "ERROR: ", "error ", "FATAL: ", "Error: ", "Error:", "+ERROR: ", "  ERROR ",
                "e", "\u{212A}", "src/a.rs:3: ", "\u{FFFD}", "f",
            ]),
            middle in proptest::sample::select(vec![
                "", "authentication failed", "rate limit", "rate-limit", "API error 503",
                "invalid api key", "quota exhausted", "usage limit reached", "hit your usage limit",
                "key expired", "ok",
            ]),
            end in "[ a-zA-Z0-9:\u{e9}]{0,12}",
            which in 0..4usize,
        ) {
            let line = format!("{start}{middle}{end}");
            let patterns = match which {
                0 => defaults(),
                1 => Patterns::new(&owned(&["(?i)^e.*limit", "quota"]), &owned(&["(?i)^key"])).unwrap(),
                2 => Patterns::new(&owned(&["(?m)^ok$"]), &owned(&["(?i)^(error|fatal)\\b"])).unwrap(),
                _ => Patterns::new(&[], &owned(&["authentication failed", "^src"])).unwrap(),
            };
            let expected = naive(&patterns, &line);
            let got = patterns.check(&line).map(|found| (found.pattern, found.halt));
            proptest::prop_assert_eq!(got, expected, "line {:?}", line);
        }
    }
}
