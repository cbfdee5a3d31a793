//! New findings since the baseline, for `lint-clean` and `type-clean`: the checker runs once on
//! a checkout of `peers-baseline` (cached), each finding is reduced to a stable key — file,
//! enclosing function, message with its rule — that does not change when lines shift, and only
//! findings beyond the baseline's count of the same key fail the gate. `params: {mode: absolute}`
//! requires no finding at all, as before.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::GateContext;
use super::error::BuiltinError;
use super::runners::constant_regex;
use super::scope;

/// How a checker gate counts findings (`params.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountMode {
    /// Only findings the baseline did not have (the default: existing code starts green).
    NewSinceBaseline,
    /// Every finding.
    Absolute,
}

impl CountMode {
    pub fn from_params(ctx: &GateContext<'_>, gate: &str) -> Result<CountMode, BuiltinError> {
        match ctx.params.get("mode") {
            None => Ok(CountMode::NewSinceBaseline),
            Some(value) => match value.as_str() {
                Some("new-since-baseline") => Ok(CountMode::NewSinceBaseline),
                Some("absolute") => Ok(CountMode::Absolute),
                _ => Err(BuiltinError::CountMode {
                    gate: gate.to_owned(),
                    found: value.to_string(),
                }),
            },
        }
    }
}

/// `path:line[:col]: rest`, `path(line,col): rest` (tsc), `path:line:col - rest` (pyright).
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    constant_regex(r"^\s*(?:\./)?([^\s:(][^:(]*?)(?::(\d+)(?::\d+)?|\((\d+),\d+\))\s*[-:]?\s*(.*)$")
});
/// Line references inside a message (`defined on line 12`), which shift too.
static LINE_REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| constant_regex(r"(?i)\b(on )?line \d+\b|:\d+:\d+"));

/// The stable key of one finding; `project` is where its path is relative to.
pub fn key(finding: &str, project: &Path) -> String {
    let Some(caps) = LOCATION.captures(finding) else {
        return normalised(finding);
    };
    let path = caps.get(1).map_or("", |m| m.as_str()).trim();
    let line: u32 = caps
        .get(2)
        .or_else(|| caps.get(3))
        .and_then(|m| m.as_str().parse().ok())
        .unwrap_or(0);
    let rest = caps.get(4).map_or("", |m| m.as_str());
    let symbol = scope::language_of(path)
        .and_then(|language| {
            let text = std::fs::read_to_string(project.join(path)).ok()?;
            super::no_stubs::enclosing(path, language, &text, line)
        })
        .unwrap_or_else(|| "<top level>".to_owned());
    format!("{path} in {symbol}: {}", normalised(rest))
}

fn normalised(message: &str) -> String {
    let message = LINE_REFERENCE.replace_all(message, "");
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The keys of `findings` with their counts.
pub fn counted(findings: &[String], project: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(key(finding, project)).or_insert(0) += 1;
    }
    counts
}

/// The findings of `current` beyond what `baseline` counted for the same key.
pub fn new_findings(
    current: &[String],
    project: &Path,
    baseline: &BTreeMap<String, usize>,
) -> Vec<String> {
    let mut left = baseline.clone();
    current
        .iter()
        .filter(|finding| match left.get_mut(&key(finding, project)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_line_and_column_but_keep_file_function_and_rule() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("calc.py"),
            "import os\n\n\ndef add(a, b):\n    x = 1\n    return a + b\n",
        )
        .unwrap();
        let a = key(
            "calc.py:5:5: F841 Local variable `x` is assigned to but never used",
            dir.path(),
        );
        assert_eq!(
            a,
            "calc.py in add: F841 Local variable `x` is assigned to but never used"
        );
        let shifted = key(
            "./calc.py:6:9: F841 Local variable `x` is assigned to but never used",
            dir.path(),
        );
        assert_eq!(a, shifted);
        assert_eq!(
            key("calc.py:1:8: F401 [*] `os` imported but unused", dir.path()),
            "calc.py in <top level>: F401 [*] `os` imported but unused"
        );
        assert_eq!(
            key(
                "src/a.ts(3,5): error TS2322: Type 'string' is not assignable",
                dir.path()
            ),
            "src/a.ts in <top level>: error TS2322: Type 'string' is not assignable"
        );
        assert_eq!(
            key(
                "calc.py:4:1 - error: \"y\" is not defined, see line 12 (reportUndefinedVariable)",
                dir.path()
            ),
            "calc.py in add: error: \"y\" is not defined, see (reportUndefinedVariable)"
        );
    }

    #[test]
    fn only_findings_beyond_the_baseline_count_are_new() {
        let dir = tempfile::tempdir().unwrap();
        let baseline = counted(
            &["a.py:1:1: E1 one".to_owned(), "a.py:9:1: E2 two".to_owned()],
            dir.path(),
        );
        let current = [
            "a.py:3:1: E1 one".to_owned(),
            "a.py:4:1: E1 one".to_owned(),
            "a.py:12:1: E2 two".to_owned(),
            "b.py:1:1: E3 three".to_owned(),
        ];
        assert_eq!(
            new_findings(&current, dir.path(), &baseline),
            ["a.py:4:1: E1 one", "b.py:1:1: E3 three"]
        );
    }
}
