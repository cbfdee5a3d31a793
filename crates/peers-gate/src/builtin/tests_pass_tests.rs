//! tests-pass on the sample projects of each language, passing and failing.

use crate::verdict::Verdict;
use std::path::Path;

use super::*;
use crate::builtin::samples::{SampleRepo, path_with_only, tool_available};

fn check(repo: &SampleRepo, expect_pass: bool, expect: &[&str]) {
    let Verdict {
        pass,
        diagnostic: text,
    } = tests_pass(&repo.context());
    repo.assert_clean();
    assert_eq!(pass, expect_pass, "{text}");
    for needle in expect {
        assert!(text.contains(needle), "`{needle}` not in:\n{text}");
    }
}

#[test]
fn rust_sample_passes_and_its_broken_variant_names_the_test_and_the_panic() {
    if !tool_available("cargo") {
        return;
    }
    check(
        &SampleRepo::rust(false),
        true,
        &["rust: 3 passed, 0 failed"],
    );
    check(
        &SampleRepo::rust(true),
        false,
        &[
            "rust: 2 passed, 1 failed",
            "FAILED sample tests::adds",
            "panicked at src/lib.rs",
            "add is wrong",
        ],
    );
}

#[test]
fn rust_without_nextest_runs_cargo_test_and_reads_libtest_lines() {
    let Some(bin) = path_with_only(&["cargo", "rustc", "sh", "cc"]) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cargo must be on PATH in CI"
        );
        return;
    };
    let mut repo = SampleRepo::rust(true);
    repo.set_path(bin.path());
    check(
        &repo,
        false,
        &[
            "(`cargo test --workspace",
            "FAILED sample tests::adds",
            "add is wrong",
        ],
    );
    let Verdict {
        diagnostic: text, ..
    } = tests_pass(&repo.context());
    assert!(text.contains("rust: 2 passed, 1 failed"), "{text}");
}

#[test]
fn python_sample_passes_and_fails_by_test() {
    if !tool_available("pytest") {
        return;
    }
    check(
        &SampleRepo::python(false),
        true,
        &["python: 3 passed, 0 failed"],
    );
    check(
        &SampleRepo::python(true),
        false,
        &[
            "python: 2 passed, 1 failed",
            "FAILED tests.test_calc::test_adds",
            "AssertionError: add is wrong",
        ],
    );
}

#[test]
fn a_pytest_module_at_the_repository_root_cannot_stand_in_for_pytest() {
    if !tool_available("python3") && !tool_available("python") {
        return;
    }
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("shadow-ran");
    let repo = SampleRepo::python(false);
    let shadow = format!(
        "import sys\nopen({:?}, 'w').write('ran')\nsys.exit(0)\n",
        marker.display().to_string()
    );
    repo.write("pytest.py", &shadow);
    repo.write("runpy.py", &shadow);
    repo.commit("a module named like the tool");
    let Verdict {
        pass,
        diagnostic: text,
    } = tests_pass(&repo.context());
    assert!(!marker.exists(), "the repository's pytest.py ran: {text}");
    if tool_available("pytest") {
        assert!(pass, "{text}");
        assert!(text.contains("python: 3 passed, 0 failed"), "{text}");
    } else {
        assert!(!pass && text.contains("pytest is not installed"), "{text}");
    }
}

#[test]
fn js_sample_under_node_test_passes_and_fails_by_test() {
    if !tool_available("node") || !tool_available("npm") {
        return;
    }
    check(
        &SampleRepo::js_node(false),
        true,
        &["js: 3 passed, 0 failed"],
    );
    check(
        &SampleRepo::js_node(true),
        false,
        &["js: 2 passed, 1 failed", "FAILED adds", "-1 !== 3"],
    );
}

#[test]
fn js_sample_under_jest_passes_and_fails_by_test() {
    if !tool_available("jest") {
        return;
    }
    check(
        &SampleRepo::js_jest(false),
        true,
        &["js: 3 passed, 0 failed"],
    );
    check(
        &SampleRepo::js_jest(true),
        false,
        &["FAILED sum.test.js > adds", "Expected: 3"],
    );
}

#[test]
fn go_sample_passes_and_fails_by_test() {
    if !tool_available("go") {
        return;
    }
    check(&SampleRepo::go(false), true, &["go: 3 passed, 0 failed"]);
    check(
        &SampleRepo::go(true),
        false,
        &[
            "FAILED example.com/sample TestAdd",
            "sum_test.go:7: Add(1, 2) = -1, want 3",
        ],
    );
}

#[test]
fn a_missing_tool_fails_closed_with_its_install_command() {
    let mut repo = SampleRepo::go(false);
    repo.set_path(Path::new("/nonexistent"));
    check(
        &repo,
        false,
        &[
            "go: the tests could not be run: go is not on PATH: install Go (e.g. `apt-get install golang-go`)",
        ],
    );
}

#[test]
fn an_empty_repository_names_the_missing_language() {
    let repo = SampleRepo::new();
    repo.write("README.md", "nothing\n");
    repo.commit("docs");
    check(
        &repo,
        false,
        &["tests-pass: no language detected", "params.lang"],
    );
}

/// nextest skips doctests; the gate runs them after it, so a broken doctest fails.
#[test]
fn with_nextest_a_broken_doctest_still_fails_the_gate() {
    if !tool_available("cargo-nextest") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cargo-nextest must be on PATH in CI"
        );
        eprintln!("!!! SKIPPED: cargo-nextest is not on PATH");
        return;
    }
    let repo = SampleRepo::rust(false);
    let lib = std::fs::read_to_string(repo.path().join("src/lib.rs")).unwrap();
    let documented = |expected: i32| {
        format!("/// ```\n/// assert_eq!(sample::add(1, 2), {expected});\n/// ```\n{lib}")
    };
    repo.write("src/lib.rs", &documented(3));
    repo.commit("doctest");
    check(&repo, true, &["rust: 4 passed, 0 failed"]);
    repo.write("src/lib.rs", &documented(4));
    repo.commit("broken doctest");
    check(
        &repo,
        false,
        &["FAILED sample doc src/lib.rs - add (line 1)"],
    );
}
