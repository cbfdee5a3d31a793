//! `no-stubs`: no placeholder code among the lines added since the baseline — the `todo!`
//! and `unimplemented!` macros, work-left markers in comments, `raise NotImplementedError`,
//! Python functions whose body is only `pass`/`...`/a docstring, a thrown or panicked "not
//! implemented", and (comparing syntax trees of the baseline and now) a function whose logic
//! was replaced by returning constants or that stopped using its parameters (`replaced`).
//!
//! Markers count in comments only: in a string literal they are data (a template, a gate's
//! own description). Abstract methods, `@overload`s, `Protocol` members and `.pyi` stubs legitimately have empty
//! bodies; test doubles in test files often do too, so pass-only bodies in tests are allowed.

mod constant;
mod functions;
pub(crate) use functions::enclosing;
mod python;
mod replaced;

use crate::verdict::Verdict;
use peers_core::integrity::is_test_path;
use peers_core::language::Language;
use regex::Regex;

use super::GateContext;
use super::error::BuiltinError;
use super::finding::{self, Finding, Reach};
use super::scope::Filter;
use super::source_comments as comments;

/// Per-language patterns: `(regex, what the diagnostic calls it)`.
const RUST_RULES: &[(&str, &str)] = &[
    (r"(^|[^A-Za-z0-9_])todo!\s*[(\[{]", "todo! macro"),
    (
        r"(^|[^A-Za-z0-9_])unimplemented!\s*[(\[{]",
        "unimplemented! macro",
    ),
    (
        r#"(^|[^A-Za-z0-9_])panic!\s*\(\s*"(?i:todo|not (yet )?implemented|unimplemented)"#,
        "panic! with a not-implemented message",
    ),
];
const PYTHON_RULES: &[(&str, &str)] = &[(
    r"^\s*raise\s+NotImplementedError\b",
    "raise NotImplementedError outside an abstract method",
)];
const JS_RULES: &[(&str, &str)] = &[(
    r#"throw\s+new\s+Error\s*\(\s*["'`](?i:todo|not (yet )?implemented|unimplemented)"#,
    "throw of a not-implemented Error",
)];
const GO_RULES: &[(&str, &str)] = &[(
    r#"(^|[^A-Za-z0-9_.])panic\s*\(\s*"(?i:todo|not (yet )?implemented|unimplemented)"#,
    "panic with a not-implemented message",
)];
/// Work-left markers, matched as whole upper-case words in comments.
const MARKERS: &[&str] = &["TODO", "FIXME", "XXX"];

pub(crate) fn no_stubs(ctx: &GateContext<'_>) -> Verdict {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!("no-stubs: {}", error.describe())),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let filter = Filter::from_params(ctx)?;
    let scanner = Scanner::new()?;
    let mut found = finding::scan_sources(ctx, &filter, Reach::AddedLines, |path, lang, text| {
        scanner.scan(path, lang, text)
    })?;
    found.extend(replaced::replaced_bodies(ctx, &filter)?);
    found.sort_by(|a, b| (&a.path, a.finding.line).cmp(&(&b.path, b.finding.line)));
    Ok(finding::verdict(
        &found,
        "no-stubs: no placeholder code among the lines added since peers-baseline",
        "no-stubs: placeholder code added since peers-baseline",
        "fix: implement each one (or delete it); a marker for later work belongs in a Bug-Report \
         or Bug-Defer commit, not in the code; a function whose logic was replaced by the value \
         its tests expect gets its logic back",
    ))
}

/// The compiled rules of every language.
pub(crate) struct Scanner {
    rules: Vec<(Language, Regex, &'static str)>,
}

impl Scanner {
    pub(crate) fn new() -> Result<Scanner, BuiltinError> {
        let mut rules = Vec::new();
        for (language, table) in [
            (Language::Rust, RUST_RULES),
            (Language::Python, PYTHON_RULES),
            (Language::Js, JS_RULES),
            (Language::Go, GO_RULES),
        ] {
            for (pattern, what) in table {
                let regex = Regex::new(pattern).map_err(|source| BuiltinError::Pattern {
                    pattern: (*pattern).to_owned(),
                    source,
                })?;
                rules.push((language, regex, *what));
            }
        }
        Ok(Scanner { rules })
    }

    /// Every stub in `text` (the whole file), by line.
    pub(crate) fn scan(&self, path: &str, language: Language, text: &str) -> Vec<Finding> {
        let abstract_ranges = if language == Language::Python {
            python::abstract_bodies(text)
        } else {
            Vec::new()
        };
        let mut found = Vec::new();
        let mut in_block = false;
        for (index, line) in text.lines().enumerate() {
            let number = index as u32 + 1;
            let (code, comment) = comments::split(line, language, &mut in_block);
            let exempt = abstract_ranges.iter().any(|r| r.contains(&number));
            for (_, regex, what) in self.rules.iter().filter(|(lang, ..)| *lang == language) {
                if regex.is_match(&code) && !exempt {
                    found.push(Finding::new(number, *what));
                }
            }
            for marker in MARKERS {
                if contains_word(&comment, marker) {
                    found.push(Finding::new(number, format!("{marker} marker")));
                }
            }
        }
        if language == Language::Python && !path.ends_with(".pyi") && !is_test_path(path) {
            found.extend(python::empty_bodies(text));
        }
        found
    }
}

/// `word` with no letter, digit or `_` on either side.
fn contains_word(line: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests;
