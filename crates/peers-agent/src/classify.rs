//! Turning a matched line or a CLI's structured error into a classification.

use std::sync::LazyLock;

use regex::Regex;

use crate::outcome::{Classification, PatternMatch};
use crate::patterns::LineMatch;

/// Longest snippet kept in a [`PatternMatch`].
const SNIPPET_CHARS: usize = 500;

/// A terminal API error as the CLI itself reported it (see `adapter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StructuredError {
    pub(crate) tool: &'static str,
    /// The HTTP status, when the CLI gave or implied one.
    pub(crate) status: Option<u16>,
    /// The provider's error type (`authentication_error`, `rate_limit_error`, …).
    pub(crate) kind: Option<String>,
    pub(crate) message: String,
}

/// The vocabulary regexes are literals; `vocabulary_compiles` checks every one of them.
fn regex(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn hit(regex: &Option<Regex>, text: &str) -> bool {
    regex.as_ref().is_some_and(|regex| regex.is_match(text))
}

static AUTH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(
        r"(?i)authenticat(ion|e)[ _-]?(failed|error)|authentication_failed|unauthori[sz]ed|invalid[ _-](x-)?api[ _-]?key|api[ _-]key (is )?(not valid|invalid|expired)|incorrect api key|(missing|expired|revoked) api[ _-]?key|not (logged|signed) in|run /login|invalid auth|permission_error",
    )
});
static QUOTA: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(
        r"(?i)quota (exhausted|exceeded)|exceeded (your )?(current )?quota|insufficient[_ ]quota|usage limit (reached|exceeded|exhausted)|hit your (usage )?limit|credit balance is too low",
    )
});
static RATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"(?i)rate[ _-]?limit|too many requests|\b429\b"));
static OVERLOADED: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"(?i)overloaded|\b529\b|\b503\b|service unavailable"));

/// True when `text` reads like an API failure (auth, quota, rate limit, overload, "API Error"):
/// used where a CLI's error flag also covers non-API failures (claude's max-turns stop).
pub(crate) fn mentions_api_failure(text: &str) -> bool {
    text.contains("API Error")
        || hit(&AUTH, text)
        || hit(&QUOTA, text)
        || hit(&RATE, text)
        || hit(&OVERLOADED, text)
}

/// A configured pattern matched: halt → api-error (halt); otherwise the text decides between
/// rate-limited, overloaded and api-error.
pub(crate) fn from_line(found: &LineMatch) -> (Classification, PatternMatch) {
    let classification = if found.halt {
        Classification::ApiError
    } else if hit(&RATE, &found.line) {
        Classification::RateLimited
    } else if hit(&OVERLOADED, &found.line) {
        Classification::Overloaded
    } else {
        Classification::ApiError
    };
    let matched = PatternMatch {
        pattern: found.pattern.clone(),
        snippet: snippet(&found.line),
        source: "line",
        halt: found.halt,
    };
    (classification, matched)
}

/// A structured error: auth and quota halt the peer; 429 and 529/503 are transient.
pub(crate) fn from_structured(error: &StructuredError) -> (Classification, PatternMatch) {
    let text = format!(
        "{} {}",
        error.kind.as_deref().unwrap_or_default(),
        error.message
    );
    let status = error.status.unwrap_or(0);
    let (classification, class, halt) = if matches!(status, 401 | 403) || hit(&AUTH, &text) {
        (Classification::ApiError, "auth", true)
    } else if hit(&QUOTA, &text) {
        (Classification::ApiError, "quota", true)
    } else if status == 429 || hit(&RATE, &text) {
        (Classification::RateLimited, "rate-limit", false)
    } else if matches!(status, 503 | 529) || hit(&OVERLOADED, &text) {
        (Classification::Overloaded, "overloaded", false)
    } else {
        (Classification::ApiError, "api-error", false)
    };
    let matched = PatternMatch {
        pattern: format!("structured:{}:{class}", error.tool),
        snippet: snippet(&error.message),
        source: "structured",
        halt,
    };
    (classification, matched)
}

/// The variable a CLI reported missing, as a halting match naming it. Lines that quote a diff
/// or a file (see `patterns::is_echo`) are not the CLI's own report.
pub(crate) fn missing_variable(text: &str) -> Option<PatternMatch> {
    static MISSING: LazyLock<Option<Regex>> = LazyLock::new(|| {
        regex(
            r#"(?i)(?:missing|not set|unset|undefined|required)[^\n`'"]{0,40}?environment variable[\s:]*[`'"]?(?-i:([A-Z_][A-Z0-9_]+))|environment variable[\s:]*[`'"]?(?-i:([A-Z_][A-Z0-9_]+))[`'"]?\s+(?:is\s+)?(?:not set|missing|unset|required|empty)"#,
        )
    });
    let regex = MISSING.as_ref()?;
    text.lines()
        .filter(|line| !crate::patterns::is_echo(line) || line.trim_start().starts_with('{'))
        .find_map(|line| {
            let caps = regex.captures(line)?;
            let name = caps.get(1).or_else(|| caps.get(2))?.as_str().to_owned();
            Some(PatternMatch {
                pattern: format!("missing-env:{name}"),
                snippet: format!(
                    "the CLI reports that environment variable {name} is missing; export it before `peers run` and, unless it is on peers' allowlist, name it in the peer's `env:` key in .peers/config.yaml"
                ),
                source: "environment",
                halt: true,
            })
        })
}

fn snippet(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn structured(
        status: Option<u16>,
        kind: Option<&str>,
        message: &str,
    ) -> (Classification, PatternMatch) {
        from_structured(&StructuredError {
            tool: "test",
            status,
            kind: kind.map(str::to_owned),
            message: message.to_owned(),
        })
    }

    #[test]
    fn a_missing_environment_variable_is_named() {
        for text in [
            "Error: Missing environment variable: `MY_PROVIDER_KEY`.",
            "{\"type\":\"error\",\"message\":\"Missing environment variable: `MY_PROVIDER_KEY`. Set it\"}",
            "error: required environment variable MY_PROVIDER_KEY is not set",
            "The environment variable 'MY_PROVIDER_KEY' is missing",
        ] {
            let found = missing_variable(text).unwrap_or_else(|| panic!("not found in {text}"));
            assert_eq!(found.pattern, "missing-env:MY_PROVIDER_KEY", "{text}");
            assert!(found.halt && found.snippet.contains("MY_PROVIDER_KEY"));
        }
        assert!(missing_variable("all good, PATH is set").is_none());
        assert!(missing_variable("+ panic!(\"missing environment variable FOO\")").is_none());
    }

    #[test]
    fn auth_and_quota_halt() {
        let (class, found) = structured(Some(401), None, "Invalid API key · Fix external API key");
        assert_eq!((class, found.halt), (Classification::ApiError, true));
        assert_eq!(found.pattern, "structured:test:auth");
        let (class, found) = structured(Some(429), None, "You exceeded your current quota");
        assert_eq!((class, found.halt), (Classification::ApiError, true));
        assert_eq!(found.pattern, "structured:test:quota");
        let (_, found) = structured(None, None, "Invalid auth method selected.");
        assert!(found.halt);
    }

    #[test]
    fn transient_statuses_do_not_halt() {
        let (class, found) = structured(
            Some(429),
            None,
            "Resource has been exhausted (e.g. check quota).",
        );
        assert_eq!((class, found.halt), (Classification::RateLimited, false));
        let (class, _) = structured(None, Some("overloaded_error"), "API Error: 529 Overloaded.");
        assert_eq!(class, Classification::Overloaded);
        let (class, _) = structured(Some(503), None, "The model is overloaded");
        assert_eq!(class, Classification::Overloaded);
        let (class, found) = structured(Some(500), None, "internal error");
        assert_eq!((class, found.halt), (Classification::ApiError, false));
    }

    #[test]
    fn error_pattern_text_picks_the_transient_class() {
        let line = |text: &str| LineMatch {
            pattern: "p".to_owned(),
            line: text.to_owned(),
            halt: false,
        };
        assert_eq!(
            from_line(&line("ERROR: rate limit")).0,
            Classification::RateLimited
        );
        assert_eq!(
            from_line(&line("ERROR: API error 529 overloaded")).0,
            Classification::Overloaded
        );
        assert_eq!(
            from_line(&line("ERROR: API error 500")).0,
            Classification::ApiError
        );
    }

    #[test]
    fn vocabulary_compiles() {
        for regex in [&AUTH, &QUOTA, &RATE, &OVERLOADED] {
            assert!(regex.is_some());
        }
    }

    #[test]
    fn long_snippets_are_cut() {
        let (_, found) = structured(None, None, &"x".repeat(2000));
        assert_eq!(found.snippet.chars().count(), SNIPPET_CHARS + 1);
    }
}
