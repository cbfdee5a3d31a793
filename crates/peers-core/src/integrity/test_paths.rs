//! Which paths are tests, per language. A path is a test when a directory on it is a test
//! directory, or its file name follows a test naming convention.

/// Directory names (case-insensitive) whose whole subtree is tests: `tests/` and `test/`
/// (Rust, Python, Java's `src/test/`), `__tests__/` (JS), `spec/` (Ruby, JS), `benches/`
/// (Rust), `testdata/` (Go), and snapshot directories (insta, Jest), because accepting new
/// snapshots is how a test-only turn bends expected output.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "benches",
    "testdata",
    "snapshots",
    "__snapshots__",
];

pub fn is_test_path(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let mut components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let Some(file) = components.pop() else {
        return false;
    };
    let in_test_dir = components
        .iter()
        .any(|dir| TEST_DIRS.iter().any(|t| dir.eq_ignore_ascii_case(t)));
    in_test_dir || is_test_file_name(file)
}

fn is_test_file_name(file: &str) -> bool {
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return false;
    };
    match ext {
        "py" => stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest",
        "go" => stem.ends_with("_test"),
        "rb" => stem.ends_with("_spec") || stem.ends_with("_test"),
        // `mod tests;` lives in `tests.rs`; some crates use `foo_test.rs`.
        "rs" => stem == "tests" || stem.ends_with("_test") || stem.ends_with("_tests"),
        "java" | "kt" | "cs" | "scala" => stem.ends_with("Test") || stem.ends_with("Tests"),
        "snap" => true,
        // `foo.test.ts`, `foo.spec.jsx`, `foo.test.mjs`, …
        _ => stem
            .rsplit_once('.')
            .is_some_and(|(_, marker)| marker == "test" || marker == "spec"),
    }
}
