//! What changed since the baseline, for coverage-holds: the lines added (from
//! `git diff -U0 <baseline>`), and added lines that exclude code from coverage — markers in
//! source (`pragma: no cover`, `c8 ignore`, …) and exclusions in the usual coverage
//! configuration files. (A fuller detector is gates-static's; this covers the obvious files.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::baseline_snapshot::git;
use super::error::BuiltinError;
use super::runners::Toolbox;

/// Added lines per file (repository-relative path → line number and text).
pub type AddedLines = BTreeMap<String, Vec<(u32, String)>>;

/// Lines added in the worktree since `sha`.
pub fn added_since(repo: &Path, sha: &str, tools: &Toolbox) -> Result<AddedLines, BuiltinError> {
    let diff = git(
        repo,
        tools,
        &[
            "diff",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            sha,
            "--",
        ],
    )?;
    Ok(parse_unified_zero(&diff))
}

/// Reads `git diff -U0`: the `+++ b/path` header and `@@ -a,b +c,d @@` hunks.
pub fn parse_unified_zero(diff: &str) -> AddedLines {
    let mut added = AddedLines::new();
    let mut file: Option<String> = None;
    let mut next_line = 0u32;
    let mut previous = "";
    for line in diff.lines() {
        let header = previous.starts_with("--- ");
        previous = line;
        if let (true, Some(path)) = (header, line.strip_prefix("+++ ")) {
            file = path.strip_prefix("b/").map(str::to_owned);
        } else if line.starts_with("@@ ") {
            next_line = hunk_start(line).unwrap_or(0);
        } else if let (Some(text), Some(path)) = (line.strip_prefix('+'), &file) {
            added
                .entry(path.clone())
                .or_default()
                .push((next_line, text.to_owned()));
            next_line += 1;
        }
    }
    added
}

/// `@@ -3,2 +5,4 @@` → 5.
fn hunk_start(header: &str) -> Option<u32> {
    let plus = header
        .split_whitespace()
        .find(|part| part.starts_with('+'))?;
    plus[1..].split(',').next()?.parse().ok()
}

/// The added line numbers of files under `project_prefix` (relative to the repository, `""`
/// for the root), keyed by path relative to the project, as coverage reports name files.
pub fn changed_lines_in(
    added: &AddedLines,
    project_prefix: &str,
) -> BTreeMap<String, BTreeSet<u32>> {
    added
        .iter()
        .filter_map(|(path, lines)| {
            let relative = if project_prefix.is_empty() {
                path.as_str()
            } else {
                path.strip_prefix(project_prefix)?.strip_prefix('/')?
            };
            Some((
                relative.to_owned(),
                lines.iter().map(|(number, _)| *number).collect(),
            ))
        })
        .collect()
}

/// Markers that tell a coverage tool to skip code.
const SOURCE_MARKERS: &[&str] = &[
    "pragma: no cover",
    "c8 ignore",
    "istanbul ignore",
    "v8 ignore",
    "coverage(off)",
    "no_coverage",
    "LCOV_EXCL",
    "coverage:ignore",
];

/// Added lines that hide code from coverage, as `path:line: text`. `read_file` gives the
/// current text of a file, to find the section an added INI/TOML line belongs to.
pub fn coverage_exclusions(
    added: &AddedLines,
    read_file: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut found = Vec::new();
    for (path, lines) in added {
        let name = path.rsplit('/').next().unwrap_or(path);
        let current = read_file(path);
        for (number, text) in lines {
            let hit = SOURCE_MARKERS.iter().any(|marker| text.contains(marker))
                || config_excludes(name, text, current.as_deref(), *number);
            if hit {
                found.push(format!("{path}:{number}: {}", text.trim()));
            }
        }
    }
    found
}

fn config_excludes(name: &str, text: &str, current: Option<&str>, number: u32) -> bool {
    let lower = text.to_ascii_lowercase();
    let excluding = ["omit", "exclude", "ignore"]
        .iter()
        .any(|word| lower.contains(word));
    match name {
        ".coveragerc" | ".c8rc" | ".c8rc.json" | ".nycrc" | ".nycrc.json" | "codecov.yml"
        | ".codecov.yml" => excluding,
        "pyproject.toml" | "setup.cfg" | "tox.ini" => {
            excluding
                && current
                    .and_then(|text| section_of(text, number))
                    .is_some_and(|section| section.contains("coverage"))
        }
        "package.json" => {
            lower.contains("coveragepathignorepatterns") || lower.contains("collectcoveragefrom")
        }
        _ if name.starts_with("jest.config.") => {
            lower.contains("coveragepathignorepatterns") || lower.contains("collectcoveragefrom")
        }
        _ if name.starts_with("vitest.config.") || name.starts_with("vite.config.") => {
            excluding && lower.contains("coverage")
        }
        "config.toml" | "Cargo.toml" => {
            lower.contains("ignore-filename-regex") || lower.contains("coverage(off)")
        }
        _ => false,
    }
}

/// The `[section]` header above line `number` (1-based) of an INI or TOML text.
fn section_of(text: &str, number: u32) -> Option<String> {
    text.lines()
        .take(number as usize)
        .filter(|line| line.trim_start().starts_with('['))
        .last()
        .map(|line| line.trim().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -2,0 +3,2 @@ fn a()\n+fn b() {}\n+fn c() {} // pragma: no cover\n@@ -10 +12 @@\n-old\n+new\ndiff --git a/gone.rs b/gone.rs\n--- a/gone.rs\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";

    #[test]
    fn unified_zero_hunks_give_added_line_numbers() {
        let added = parse_unified_zero(DIFF);
        let numbers: Vec<u32> = added["src/lib.rs"].iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, vec![3, 4, 12]);
        assert!(!added.contains_key("gone.rs"));
        let in_project = changed_lines_in(&added, "");
        assert_eq!(in_project["src/lib.rs"], BTreeSet::from([3, 4, 12]));
        assert!(changed_lines_in(&added, "web").is_empty());
    }

    #[test]
    fn exclusion_markers_and_coverage_config_are_found_by_file_and_line() {
        let mut added = parse_unified_zero(DIFF);
        added.insert(
            "pyproject.toml".to_owned(),
            vec![
                (2, "omit = [\"calc.py\"]".to_owned()),
                (5, "exclude = [\"x\"]".to_owned()),
            ],
        );
        added.insert(
            "package.json".to_owned(),
            vec![(3, "\"coveragePathIgnorePatterns\": [\"sum.js\"]".to_owned())],
        );
        let pyproject =
            "[tool.coverage.run]\nomit = [\"calc.py\"]\n\n[tool.ruff]\nexclude = [\"x\"]\n"
                .to_owned();
        let read = |path: &str| (path == "pyproject.toml").then(|| pyproject.clone());
        assert_eq!(
            coverage_exclusions(&added, &read),
            vec![
                "package.json:3: \"coveragePathIgnorePatterns\": [\"sum.js\"]",
                "pyproject.toml:2: omit = [\"calc.py\"]",
                "src/lib.rs:4: fn c() {} // pragma: no cover",
            ]
        );
    }
}
