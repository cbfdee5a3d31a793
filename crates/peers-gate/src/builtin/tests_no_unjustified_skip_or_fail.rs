//! `tests-no-unjustified-skip-or-fail`: every test marker that stops a test from running or
//! failing — `#[ignore]`, `@pytest.mark.skip/skipif/xfail`, `pytest.skip()`, `unittest.skip`,
//! `it.skip`/`test.skip`/`describe.skip`/`xit`/`xdescribe`, `t.Skip` — carries a reason of
//! substance: a reason string, or a comment right above or beside it. "flaky", "wip", "fix
//! later" are not reasons. `.only`/`fit`/`fdescribe` silence every other test in the file,
//! so no reason makes them acceptable.
//!
//! `params.scope`: `changed` (default: markers on lines added since the baseline) or `all`.

use crate::verdict::Verdict;
use peers_core::integrity::is_substantive;
use peers_core::language::Language;
use regex::Regex;

use super::GateContext;
use super::error::BuiltinError;
use super::finding::{self, Finding, Reach};
use super::scope::Filter;
use super::source_comments;

/// Lines followed from a marker to find the end of its call (a reason on a later line).
const MAX_CALL_LINES: usize = 8;

/// Words that do not explain a skip, on top of the integrity filler list.
const EXTRA_FILLER: &[&str] = &[
    "skip",
    "skipped",
    "skipping",
    "later",
    "broken",
    "temp",
    "temporary",
    "temporarily",
    "disabled",
    "disable",
    "xfail",
    "fail",
    "fails",
    "failing",
    "ignore",
    "ignored",
    "now",
];

#[derive(Clone, Copy)]
enum Kind {
    /// Needs a reason (string or comment).
    Skip(&'static str),
    /// Never acceptable.
    Only(&'static str),
}

struct Rule {
    language: Language,
    regex: Regex,
    kind: Kind,
    /// A string argument of the call is the reason (false: only comments count, e.g. a JS
    /// test's first string is its name).
    string_is_reason: bool,
}

pub(crate) fn tests_no_unjustified_skip_or_fail(ctx: &GateContext<'_>) -> Verdict {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!(
            "tests-no-unjustified-skip-or-fail: {}",
            error.describe()
        )),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let filter = Filter::from_params(ctx)?;
    let reach = match ctx.params.get("scope").and_then(|v| v.as_str()) {
        None if !ctx.params.contains_key("scope") => Reach::AddedLines,
        Some("changed") => Reach::AddedLines,
        Some("all") => Reach::WholeTree,
        _ => {
            let found = ctx
                .params
                .get("scope")
                .map_or_else(String::new, |v| v.to_string());
            return Err(BuiltinError::param(
                "scope",
                "\"changed\" or \"all\"",
                found,
            ));
        }
    };
    let rules = rules()?;
    let found = finding::scan_sources(ctx, &filter, reach, |_, language, text| {
        scan(&rules, language, text)
    })?;
    Ok(finding::verdict(
        &found,
        "tests-no-unjustified-skip-or-fail: every skip, ignore and xfail marker in scope gives a reason",
        "tests-no-unjustified-skip-or-fail: test markers without a reason of substance",
        "fix: make the test pass, or say why it cannot run here and what would re-enable it \
         (e.g. #[ignore = \"needs a running Postgres; run with --ignored in CI\"], \
         reason=\"...\" for pytest, a comment above it.skip/t.Skip); remove every .only",
    ))
}

fn rules() -> Result<Vec<Rule>, BuiltinError> {
    let table: &[(Language, &str, Kind, bool)] = &[
        (
            Language::Rust,
            // At the start of a line (after other attributes), so such text in a string is not one.
            r"^\s*(#\[[^\]]*\]\s*)*#\[\s*ignore\s*(=|\])",
            Kind::Skip("#[ignore]"),
            true,
        ),
        (
            Language::Python,
            r"\b(pytest\.mark\.(skip|skipif|xfail)|pytest\.(skip|xfail|importorskip)|unittest\.(skip|skipIf|skipUnless|expectedFailure)|skipTest)\b",
            Kind::Skip("skip/xfail marker"),
            true,
        ),
        (
            Language::Js,
            r"\b(it|test|describe|context|suite)\.(skip|skipIf|todo|fails)\b|(^|[^.\w])x(it|test|describe)\s*\(",
            Kind::Skip("skipped test"),
            false,
        ),
        (
            Language::Js,
            r"\b(it|test|describe|context|suite)\.only\b|(^|[^.\w])f(it|describe)\s*\(",
            Kind::Only(".only/fit/fdescribe"),
            false,
        ),
        (
            Language::Go,
            r"\b[A-Za-z_]\w*\.(Skip|Skipf|SkipNow)\s*\(",
            Kind::Skip("t.Skip"),
            true,
        ),
    ];
    table
        .iter()
        .map(|(language, pattern, kind, string_is_reason)| {
            Ok(Rule {
                language: *language,
                regex: Regex::new(pattern).map_err(|source| BuiltinError::Pattern {
                    pattern: (*pattern).to_owned(),
                    source,
                })?,
                kind: *kind,
                string_is_reason: *string_is_reason,
            })
        })
        .collect()
}

fn scan(rules: &[Rule], language: Language, text: &str) -> Vec<Finding> {
    let lines: Vec<&str> = text.lines().collect();
    let mut split = Vec::with_capacity(lines.len());
    let mut in_block = false;
    for line in &lines {
        split.push(source_comments::split(line, language, &mut in_block));
    }
    let mut found = Vec::new();
    for (index, (code, comment)) in split.iter().enumerate() {
        for rule in rules.iter().filter(|r| r.language == language) {
            if !rule.regex.is_match(code) {
                continue;
            }
            let number = index as u32 + 1;
            match rule.kind {
                Kind::Only(name) => found.push(Finding::new(
                    number,
                    format!(
                        "{name} runs only this test and silences the rest of the file; remove it"
                    ),
                )),
                Kind::Skip(name) => {
                    let mut reasons = vec![comment.clone(), comments_above(&split, index)];
                    if rule.string_is_reason {
                        reasons.push(call_reason(&split, index));
                    }
                    if !reasons.iter().any(|reason| substantive(reason)) {
                        found.push(Finding::new(number, unjustified(name, &reasons)));
                    }
                }
            }
            break;
        }
    }
    found
}

fn unjustified(name: &str, reasons: &[String]) -> String {
    let given: Vec<&str> = reasons
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    if given.is_empty() {
        format!("{name} without a reason")
    } else {
        format!(
            "{name} with a reason that explains nothing: \"{}\"",
            given.join(" / ")
        )
    }
}

/// The contiguous comments above line `index`, across attribute and decorator lines.
fn comments_above(split: &[(String, String)], index: usize) -> String {
    let mut text = Vec::new();
    for (code, comment) in split[..index].iter().rev() {
        let code = code.trim();
        let is_annotation = code.starts_with("#[") || code.starts_with('@');
        if !comment.trim().is_empty() && code.is_empty() {
            text.push(comment.trim().to_owned());
        } else if is_annotation {
            continue;
        } else {
            break;
        }
    }
    text.reverse();
    text.join(" ")
}

/// The reason inside the marker's call: a `reason=`/`= "…"` value, else the last string
/// literal of the call (for `skipif(cond, "why")`), followed over up to a few lines.
fn call_reason(split: &[(String, String)], index: usize) -> String {
    let mut call = String::new();
    let mut depth = 0i32;
    for (code, _) in split.iter().skip(index).take(MAX_CALL_LINES) {
        call.push_str(code);
        call.push(' ');
        depth += code.matches(['(', '[']).count() as i32 - code.matches([')', ']']).count() as i32;
        if depth <= 0 {
            break;
        }
    }
    let literals = string_literals(&call);
    if let Some(at) = call.find("reason") {
        if let Some(value) = string_literals(&call[at..]).into_iter().next() {
            return value;
        }
    }
    literals.into_iter().last().unwrap_or_default()
}

fn string_literals(text: &str) -> Vec<String> {
    let mut literals = Vec::new();
    let mut current: Option<(char, String)> = None;
    let mut escaped = false;
    for c in text.chars() {
        match &mut current {
            Some((quote, body)) => {
                if escaped {
                    body.push(c);
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == *quote {
                    literals.push(std::mem::take(body));
                    current = None;
                } else {
                    body.push(c);
                }
            }
            None if matches!(c, '"' | '\'' | '`') => current = Some((c, String::new())),
            None => {}
        }
    }
    literals
}

fn substantive(reason: &str) -> bool {
    let cleaned: Vec<&str> = reason
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !EXTRA_FILLER.contains(&word.to_lowercase().as_str()))
        .collect();
    is_substantive(&cleaned.join(" "))
}

#[cfg(test)]
mod tests;
