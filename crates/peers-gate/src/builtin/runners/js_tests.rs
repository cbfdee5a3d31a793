//! Parsing recorded jest JSON and node TAP reports of the sample package, and choosing the
//! runner from package.json.

use super::*;

const JEST: &str = include_str!("../../../tests/fixtures/runners/jest-failing.json");
const TAP: &str = include_str!("../../../tests/fixtures/runners/node-test-failing.tap");

#[test]
fn jest_report_names_tests_by_relative_file_and_full_title() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, JEST).unwrap();
    let parsed = read_jest_json(&path, "", Path::new("/tmp/jsx")).unwrap();
    assert_eq!(parsed.passed, vec!["sum.test.js > sum adds"]);
    assert_eq!(parsed.skipped, 1);
    let names: Vec<&str> = parsed.failed.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["sum.test.js > sum fails", "broken.test.js"]);
    assert!(
        parsed.failed[0].excerpt.contains("Expected: 4"),
        "{}",
        parsed.failed[0].excerpt
    );
    assert!(
        parsed.failed[1]
            .excerpt
            .contains("SyntaxError: /tmp/jsx/broken.test.js: Missing semicolon. (1:6)"),
        "{}",
        parsed.failed[1].excerpt
    );
}

#[test]
fn a_missing_jest_report_is_an_infrastructure_error_with_the_output() {
    let error = read_jest_json(Path::new("/nonexistent.json"), "boom\n", Path::new("/"))
        .unwrap_err()
        .describe();
    assert!(
        error.contains("/nonexistent.json") && error.ends_with("boom"),
        "{error}"
    );
}

#[test]
fn tap_counts_leaves_only_and_joins_suite_names() {
    let parsed = parse_tap(TAP, Path::new("/tmp/nt"));
    assert_eq!(parsed.passed, vec!["other passes", "sum > adds", "top"]);
    assert_eq!(parsed.skipped, 1);
    assert_eq!(
        parsed.failed.len(),
        1,
        "the failing suite is not a second failure"
    );
    assert_eq!(parsed.failed[0].name, "sum > fails");
    assert_eq!(
        parsed.failed[0].excerpt,
        "Expected values to be strictly equal:\n3 !== 4\nat /tmp/nt/sum.test.js:4:3"
    );
}

fn project(manifest: &str, files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), manifest).unwrap();
    for file in files {
        std::fs::write(dir.path().join(file), "").unwrap();
    }
    dir
}

#[test]
fn the_runner_comes_from_the_test_script_then_from_configuration() {
    let cases: &[(&str, &[&str], (JsRunner, bool))] = &[
        (
            r#"{"scripts":{"test":"jest --coverage"}}"#,
            &[],
            (JsRunner::Jest, true),
        ),
        (
            r#"{"scripts":{"test":"vitest run"}}"#,
            &[],
            (JsRunner::Vitest, true),
        ),
        (
            r#"{"scripts":{"test":"node --test test/"}}"#,
            &[],
            (JsRunner::NodeTest, true),
        ),
        (
            r#"{"scripts":{"test":"make check"}}"#,
            &[],
            (JsRunner::Script, true),
        ),
        (r#"{"jest":{}}"#, &[], (JsRunner::Jest, false)),
        (r#"{}"#, &["vitest.config.ts"], (JsRunner::Vitest, false)),
    ];
    for (manifest, files, expected) in cases {
        let dir = project(manifest, files);
        assert_eq!(detect_runner(dir.path()).unwrap(), *expected, "{manifest}");
    }
    let dir = project("{}", &[]);
    let error = detect_runner(dir.path()).unwrap_err().describe();
    assert!(error.contains("no `test` script"), "{error}");
}
