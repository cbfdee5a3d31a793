//! The tests a commit adds, per language (Rust `#[test]` functions, Python `test_*`
//! functions in test files, JS/TS `it(…)`/`test(…)` calls, Go `TestX` functions in
//! `_test.go` files), and the class each name or `kind:` marker says it covers.

use std::sync::LazyLock;

use peers_core::language::Language;
use peers_core::unified_diff::FilePatch;
use regex::Regex;

use super::scope::language_of;

/// What a test exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TestClass {
    Happy,
    Edge,
    Sad,
}

impl TestClass {
    pub(crate) const ALL: [TestClass; 3] = [TestClass::Happy, TestClass::Edge, TestClass::Sad];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Happy => "happy-path",
            Self::Edge => "edge-case",
            Self::Sad => "failure (sad-path)",
        }
    }

    fn words(self) -> &'static [&'static str] {
        match self {
            Self::Happy => &[
                "happy",
                "basic",
                "simple",
                "valid",
                "works",
                "success",
                "succeeds",
                "returns",
                "default",
                "normal",
                "typical",
                "roundtrip",
                "round",
                "ok",
                "correct",
                "counts",
                "parses",
                "prints",
                "matches",
                "finds",
                "accepts",
                "example",
            ],
            Self::Edge => &[
                "edge",
                "empty",
                "zero",
                "single",
                "boundary",
                "limit",
                "max",
                "min",
                "maximum",
                "minimum",
                "large",
                "huge",
                "long",
                "unicode",
                "utf8",
                "whitespace",
                "nested",
                "overflow",
                "corner",
                "many",
                "blank",
                "tiny",
                "duplicate",
                "duplicates",
            ],
            Self::Sad => &[
                "sad",
                "error",
                "errors",
                "err",
                "fail",
                "fails",
                "failure",
                "invalid",
                "bad",
                "reject",
                "rejects",
                "rejected",
                "refuse",
                "refuses",
                "refused",
                "missing",
                "malformed",
                "panic",
                "panics",
                "wrong",
                "denied",
                "nonexistent",
                "raises",
                "throws",
                "unreadable",
                "corrupt",
            ],
        }
    }
}

/// One test a commit adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddedTest {
    pub name: String,
    pub classes: Vec<TestClass>,
}

fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

static RUST_FN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)")
});
static RUST_TEST_ATTR: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*#\[(?:[A-Za-z_:]*::)?(?:test|rstest|test_case)\b"));
static PY_TEST: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*(?:async\s+)?def\s+(test[A-Za-z0-9_]*)\s*\("));
static JS_TEST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r#"\b(?:it|test)(?:\.(?:each\([^)]*\)|concurrent))?\s*\(\s*(?:'([^']+)'|"([^"]+)"|`([^`]+)`)"#,
    )
});
static GO_TEST: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*func\s+(Test[A-Za-z0-9_]*)\s*\(\s*\w+\s+\*testing\.T"));
static KIND: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?i)\bkind:\s*(happy|edge|sad)\b"));

/// Tests added by the files of one commit.
pub(crate) fn tests_added(files: &[FilePatch]) -> Vec<AddedTest> {
    let mut tests = Vec::new();
    for file in files.iter().filter(|f| !f.deleted) {
        let Some(language) = language_of(&file.path) else {
            continue;
        };
        let lines: Vec<&str> = file.added.iter().map(|(_, l)| l.as_str()).collect();
        let mut names = match language {
            Language::Rust => rust_tests(&lines),
            Language::Python if is_python_test_file(&file.path) => capture_all(&PY_TEST, &lines),
            Language::Js => js_tests(&lines),
            Language::Go if file.path.ends_with("_test.go") => capture_all(&GO_TEST, &lines),
            _ => Vec::new(),
        };
        let kinds = marked_kinds(&lines);
        for name in names.drain(..) {
            let mut classes = classify(&name);
            // A `kind:` marker in the same file counts for that file's tests.
            for kind in &kinds {
                if !classes.contains(kind) {
                    classes.push(*kind);
                }
            }
            tests.push(AddedTest { name, classes });
        }
    }
    tests
}

fn is_python_test_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || path.starts_with("tests/")
        || path.contains("/tests/")
}

fn rust_tests(lines: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    let mut attributed = false;
    for line in lines {
        let trimmed = line.trim();
        if RUST_TEST_ATTR.as_ref().is_some_and(|r| r.is_match(line)) {
            attributed = true;
            continue;
        }
        if trimmed.starts_with("#[") || trimmed.starts_with("//") || trimmed.is_empty() {
            continue;
        }
        if attributed && let Some(captures) = RUST_FN.as_ref().and_then(|r| r.captures(line)) {
            names.push(captures[1].to_owned());
        }
        attributed = false;
    }
    names
}

fn js_tests(lines: &[&str]) -> Vec<String> {
    let Some(regex) = JS_TEST.as_ref() else {
        return Vec::new();
    };
    lines
        .iter()
        .flat_map(|line| regex.captures_iter(line))
        .filter_map(|c| {
            c.get(1)
                .or(c.get(2))
                .or(c.get(3))
                .map(|m| m.as_str().to_owned())
        })
        .collect()
}

fn capture_all(regex: &LazyLock<Option<Regex>>, lines: &[&str]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|line| regex.as_ref()?.captures(line).map(|c| c[1].to_owned()))
        .collect()
}

fn marked_kinds(lines: &[&str]) -> Vec<TestClass> {
    let mut kinds = Vec::new();
    for line in lines {
        if let Some(captures) = KIND.as_ref().and_then(|r| r.captures(line)) {
            let kind = match captures[1].to_ascii_lowercase().as_str() {
                "happy" => TestClass::Happy,
                "edge" => TestClass::Edge,
                _ => TestClass::Sad,
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    kinds
}

/// The words of a test name (snake_case, camelCase, spaces) → the classes they name.
pub(crate) fn classify(name: &str) -> Vec<TestClass> {
    let mut spaced = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && previous_lower {
            spaced.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        spaced.push(if c.is_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            ' '
        });
    }
    let words: Vec<&str> = spaced.split_whitespace().collect();
    TestClass::ALL
        .into_iter()
        .filter(|class| words.iter().any(|w| class.words().contains(w)))
        .collect()
}

/// The classes none of `tests` covers.
pub(crate) fn classes_missing(tests: &[AddedTest]) -> Vec<TestClass> {
    TestClass::ALL
        .into_iter()
        .filter(|class| !tests.iter().any(|t| t.classes.contains(class)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(path: &str, text: &str) -> FilePatch {
        FilePatch::whole_file(path, text)
    }

    fn names_and_missing(files: &[FilePatch]) -> (Vec<String>, Vec<TestClass>) {
        let tests = tests_added(files);
        let missing = classes_missing(&tests);
        (tests.into_iter().map(|t| t.name).collect(), missing)
    }

    #[test]
    fn rust_python_js_and_go_tests_are_found_and_classified() {
        let files = [
            patch(
                "src/count.rs",
                "#[test]\nfn counts_words() {}\nfn helper_not_a_test() {}\n",
            ),
            patch("tests/test_count.py", "def test_empty_input():\n    pass\n"),
            patch(
                "web/count.test.ts",
                "it('rejects a missing file', () => {});\n",
            ),
            patch("count_test.go", "func TestHugeFile(t *testing.T) {}\n"),
        ];
        let (names, missing) = names_and_missing(&files);
        assert_eq!(
            names,
            vec![
                "counts_words",
                "test_empty_input",
                "rejects a missing file",
                "TestHugeFile"
            ]
        );
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn a_commit_with_only_happy_tests_misses_edge_and_sad() {
        let files = [patch("tests/cli.rs", "#[test]\nfn prints_the_count() {}\n")];
        let (_, missing) = names_and_missing(&files);
        assert_eq!(missing, vec![TestClass::Edge, TestClass::Sad]);
    }

    #[test]
    fn python_helpers_outside_test_files_and_non_test_go_are_not_tests() {
        let files = [
            patch("src/util.py", "def test_mode():\n    return 1\n"),
            patch("main.go", "func TestLike(t *testing.T) {}\n"),
        ];
        assert!(tests_added(&files).is_empty());
    }

    #[test]
    fn kind_markers_count_for_the_file_and_camel_case_splits() {
        let files = [patch(
            "tests/test_x.py",
            "# kind: edge\ndef test_it():\n    assert f()\n",
        )];
        assert_eq!(tests_added(&files)[0].classes, vec![TestClass::Edge]);
        assert_eq!(classify("TestRejectsBadInput"), vec![TestClass::Sad]);
        assert_eq!(classify("test_zero"), vec![TestClass::Edge]);
    }
}
