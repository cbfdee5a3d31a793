//! Changes to coverage and test-runner settings that can hide code from the gates: an
//! `omit` in `.coveragerc`, `--ignore` in pytest's `addopts`, jest's `testPathIgnorePatterns`,
//! `harness = false` in Cargo.toml, `# pragma: no cover`, `#[cfg(not(test))]`, a lowered
//! `fail_under`, a rewritten `"test"` script, … Pure: a parsed diff in, named findings out,
//! for the `no-hidden-code` gate, the coverage gate and the report.

use std::fmt;

use crate::unified_diff::FilePatch;

/// One suspicious line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidingChange {
    pub path: String,
    /// The line in the new file (added lines) or the old file (removed lines).
    pub line: u32,
    pub added: bool,
    /// What the line does, e.g. `pytest addopts/--ignore hides tests from the runner`.
    pub rule: &'static str,
    pub text: String,
}

impl fmt::Display for HidingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.added { "added" } else { "removed" };
        write!(
            f,
            "{}:{}: {verb} `{}` ({})",
            self.path,
            self.line,
            self.text.trim(),
            self.rule
        )
    }
}

/// Which files a rule reads.
enum Files {
    Names(&'static [&'static str]),
    /// File names starting with one of these (`jest.config.ts`, `.nycrc.json`).
    Prefixes(&'static [&'static str]),
    /// Source files of any language.
    Sources,
}

struct Rule {
    files: Files,
    /// Substrings of an added line that trigger the rule.
    added: &'static [&'static str],
    /// Substrings of a removed line that trigger it (a lowered bar).
    removed: &'static [&'static str],
    what: &'static str,
}

const PY_CONFIG: &[&str] = &[
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    ".coveragerc",
    "pytest.ini",
];
const THRESHOLDS: &[&str] = &[
    "fail_under",
    "fail-under",
    "coverageThreshold",
    "--cov-fail-under",
];

const RULES: &[Rule] = &[
    Rule {
        files: Files::Names(PY_CONFIG),
        added: &[
            "omit",
            "exclude_lines",
            "exclude_also",
            "fail_under",
            "partial_branches",
        ],
        removed: THRESHOLDS,
        what: "coverage.py settings can leave code out of the measurement",
    },
    Rule {
        files: Files::Names(PY_CONFIG),
        added: &[
            "--ignore",
            "--deselect",
            "testpaths",
            "norecursedirs",
            "python_files",
            "python_functions",
            "python_classes",
            "-p no:",
            "addopts",
        ],
        removed: &["--cov-fail-under"],
        what: "pytest settings can keep tests from being collected",
    },
    Rule {
        files: Files::Names(&["conftest.py"]),
        added: &[
            "collect_ignore",
            "pytest_ignore_collect",
            "pytest_collection_modifyitems",
            "pytest_deselected",
        ],
        removed: &[],
        what: "a conftest hook can drop tests from the run",
    },
    Rule {
        files: Files::Prefixes(&[
            "jest.config",
            "vitest.config",
            "vite.config",
            "vitest.workspace",
            ".nycrc",
            ".c8rc",
            "karma.conf",
            "package.json",
        ]),
        added: &[
            "coveragePathIgnorePatterns",
            "testPathIgnorePatterns",
            "modulePathIgnorePatterns",
            "collectCoverageFrom",
            "testMatch",
            "testRegex",
            "exclude",
            "passWithNoTests",
            "\"test\":",
        ],
        removed: &[
            "coverageThreshold",
            "thresholds",
            "\"test\":",
            "check-coverage",
        ],
        what: "JS test-runner or coverage settings can skip tests or files",
    },
    Rule {
        files: Files::Names(&["Cargo.toml"]),
        added: &[
            "[[test]]",
            "harness",
            "autotests",
            "test = false",
            "test=false",
            "doctest = false",
            "doctest=false",
        ],
        removed: &[],
        what: "Cargo target settings can stop tests from being built or run",
    },
    Rule {
        files: Files::Names(&[
            "tarpaulin.toml",
            ".tarpaulin.toml",
            "codecov.yml",
            ".codecov.yml",
            "codecov.yaml",
        ]),
        added: &["exclude", "ignore", "omit"],
        removed: &["target", "threshold"],
        what: "coverage service settings can leave code out",
    },
    Rule {
        files: Files::Sources,
        added: &[
            "pragma: no cover",
            "istanbul ignore",
            "c8 ignore",
            "v8 ignore",
            "coverage(off)",
            "cfg(not(test))",
            "cfg(not(coverage",
            "cfg(not(tarpaulin",
            "//go:build ignore",
            "// +build ignore",
            "//go:build !",
            "lcov-ignore",
        ],
        removed: &[],
        what: "an in-source marker hides this code from coverage or tests",
    },
];

const SOURCE_EXTENSIONS: &[&str] = &[
    "rs", "py", "js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts", "go",
];

impl Files {
    fn matches(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        match self {
            Files::Names(names) => names.contains(&name),
            Files::Prefixes(prefixes) => prefixes.iter().any(|p| name.starts_with(p)),
            Files::Sources => name
                .rsplit_once('.')
                .is_some_and(|(_, ext)| SOURCE_EXTENSIONS.contains(&ext)),
        }
    }
}

/// Every added or removed line in `files` that matches a hiding rule, in diff order. A line
/// is reported once, under the first rule it matches.
pub fn hiding_config_changes(files: &[FilePatch]) -> Vec<HidingChange> {
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.binary) {
        let rules: Vec<&Rule> = RULES
            .iter()
            .filter(|r| r.files.matches(&file.path))
            .collect();
        if rules.is_empty() {
            continue;
        }
        let lines = file
            .added
            .iter()
            .map(|(n, t)| (true, *n, t))
            .chain(file.removed.iter().map(|(n, t)| (false, *n, t)));
        for (added, line, text) in lines {
            let hit = rules.iter().find(|rule| {
                let needles = if added { rule.added } else { rule.removed };
                needles.iter().any(|needle| text.contains(needle))
            });
            if let Some(rule) = hit {
                found.push(HidingChange {
                    path: file.path.clone(),
                    line,
                    added,
                    rule: rule.what,
                    text: text.chars().take(160).collect(),
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unified_diff::parse;

    fn changes(diff: &str) -> Vec<String> {
        hiding_config_changes(&parse(diff))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn coverage_and_runner_settings_that_hide_code_are_named() {
        let diff = "diff --git a/.coveragerc b/.coveragerc\n--- a/.coveragerc\n+++ b/.coveragerc\n@@ -1,2 +1,3 @@\n [run]\n+omit = src/hard.py\n-fail_under = 90\n+fail_under = 10\n\
diff --git a/pytest.ini b/pytest.ini\n--- a/pytest.ini\n+++ b/pytest.ini\n@@ -1 +1 @@\n-addopts = -q\n+addopts = -q --ignore=tests/test_hard.py\n\
diff --git a/jest.config.js b/jest.config.js\n--- a/jest.config.js\n+++ b/jest.config.js\n@@ -1 +1,2 @@\n module.exports = {\n+  testPathIgnorePatterns: ['/slow/'],\n\
diff --git a/Cargo.toml b/Cargo.toml\n--- a/Cargo.toml\n+++ b/Cargo.toml\n@@ -5 +5,3 @@\n [package]\n+[[test]]\n+harness = false\n\
diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -9 +9 @@\n-fn hard() {}\n+#[cfg(not(test))] fn hard() {}\n";
        let found = changes(diff);
        assert_eq!(
            found,
            [
                ".coveragerc:2: added `omit = src/hard.py` (coverage.py settings can leave code out of the measurement)",
                ".coveragerc:3: added `fail_under = 10` (coverage.py settings can leave code out of the measurement)",
                ".coveragerc:2: removed `fail_under = 90` (coverage.py settings can leave code out of the measurement)",
                "pytest.ini:1: added `addopts = -q --ignore=tests/test_hard.py` (pytest settings can keep tests from being collected)",
                "jest.config.js:2: added `testPathIgnorePatterns: ['/slow/'],` (JS test-runner or coverage settings can skip tests or files)",
                "Cargo.toml:6: added `[[test]]` (Cargo target settings can stop tests from being built or run)",
                "Cargo.toml:7: added `harness = false` (Cargo target settings can stop tests from being built or run)",
                "src/lib.rs:9: added `#[cfg(not(test))] fn hard() {}` (an in-source marker hides this code from coverage or tests)",
            ]
        );
    }

    #[test]
    fn ordinary_edits_are_not_reported() {
        let diff = "diff --git a/pyproject.toml b/pyproject.toml\n--- a/pyproject.toml\n+++ b/pyproject.toml\n@@ -1 +1 @@\n-version = \"1\"\n+version = \"2\"\n\
diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2  # no coverage change here\n";
        assert!(changes(diff).is_empty());
    }
}
