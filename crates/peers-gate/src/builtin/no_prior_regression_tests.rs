//! no-prior-regression on sample repositories: a regression, a deleted test file, a flaky
//! test, a missing baseline; plus the pure comparison.

use super::*;
use crate::builtin::runners::TestFailure;
use crate::builtin::samples::{SampleRepo, python_lib, rust_lib, tool_available};
use crate::verdict::Verdict;

fn run(passed: &[&str], failed: &[&str]) -> TestRun {
    TestRun {
        command: "t".to_owned(),
        passed: passed.iter().map(|s| (*s).to_owned()).collect(),
        failed: failed
            .iter()
            .map(|name| TestFailure {
                name: (*name).to_owned(),
                excerpt: "boom".to_owned(),
            })
            .collect(),
        skipped: 0,
        total: passed.len() + failed.len(),
        infrastructure_error: None,
    }
}

#[test]
fn a_test_that_passed_then_and_fails_now_regressed_and_an_old_failure_did_not() {
    let baseline = run(&["a", "b"], &["c"]);
    let current = run(&["a"], &["b", "c"]);
    assert_eq!(regressions(&baseline, &current), vec!["b"]);
}

#[test]
fn a_drop_in_the_test_count_fails_and_names_what_is_gone() {
    let baseline = run(&["a", "b", "c"], &[]);
    let current = run(&["a", "b"], &[]);
    let Verdict {
        pass,
        diagnostic: text,
    } = judge(
        Language::Python,
        "0123456789",
        &baseline,
        &current,
        &[],
        &[],
    );
    assert!(!pass);
    assert!(
        text.contains("the number of tests dropped from 3 to 2; gone: c"),
        "{text}"
    );
}

#[test]
fn flaky_failures_are_reported_but_not_blamed() {
    let baseline = run(&["a"], &[]);
    let current = run(&[], &["a"]);
    let Verdict {
        pass,
        diagnostic: text,
    } = judge(
        Language::Go,
        "0123456789",
        &baseline,
        &current,
        &[],
        &["a".to_owned()],
    );
    assert!(pass, "{text}");
    assert!(text.contains("flaky, not blamed"), "{text}");
}

#[test]
fn a_missing_baseline_tag_fails_closed() {
    let repo = SampleRepo::python(false).with_param("lang", serde_json::json!(["python"]));
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(!pass);
    assert!(text.contains("no `peers-baseline` tag"), "{text}");
}

#[test]
fn python_regression_after_the_baseline_fails_with_the_test_name() {
    if !tool_available("pytest") {
        return;
    }
    let repo = SampleRepo::python(false);
    repo.tag_baseline();
    repo.write("calc.py", &python_lib(true));
    repo.commit("break add");
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(!pass, "{text}");
    assert!(
        text.contains("REGRESSED tests.test_calc::test_adds"),
        "{text}"
    );
    assert!(text.contains("add is wrong"), "{text}");
    // The baseline is measured once: its result is in the cache and reused.
    let cached = std::fs::read_dir(repo.cache.path().join("baseline"))
        .unwrap()
        .count();
    assert_eq!(cached, 1);
    let Verdict { pass: again, .. } = no_prior_regression(&repo.context());
    assert!(!again);
}

#[test]
fn deleting_a_test_file_fails_by_path_and_by_count() {
    if !tool_available("pytest") {
        return;
    }
    let repo = SampleRepo::python(false);
    repo.write("tests/test_more.py", "def test_more():\n    assert True\n");
    repo.commit("more tests");
    repo.tag_baseline();
    repo.remove("tests/test_more.py");
    repo.commit("drop a test file");
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(!pass, "{text}");
    assert!(
        text.contains("test files deleted since the baseline"),
        "{text}"
    );
    assert!(text.contains("tests/test_more.py"), "{text}");
    assert!(text.contains("dropped from 4 to 3"), "{text}");
}

#[test]
fn a_flaky_test_is_rerun_before_it_is_blamed() {
    if !tool_available("pytest") {
        return;
    }
    let repo = SampleRepo::python(false);
    // Fails on its first run only: the current run (0), then the baseline (1), the re-run (2).
    let counter = repo.cache.path().join("flaky-counter");
    repo.write(
        "tests/test_flaky.py",
        &format!(
            "import pathlib\n\ndef test_flaky():\n    counter = pathlib.Path({:?})\n    n = int(counter.read_text()) if counter.exists() else 0\n    counter.write_text(str(n + 1))\n    assert n != 0, 'first run fails'\n",
            counter.to_string_lossy()
        ),
    );
    repo.commit("flaky test");
    repo.tag_baseline();
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(pass, "{text}");
    assert!(
        text.contains(
            "flaky, not blamed (failed, then passed on the re-run): tests.test_flaky::test_flaky"
        ),
        "{text}"
    );
}

#[test]
fn rust_regression_is_found_by_libtest_or_nextest_names() {
    if !tool_available("cargo") {
        return;
    }
    let repo = SampleRepo::rust(false);
    repo.tag_baseline();
    repo.write("src/lib.rs", &rust_lib(true));
    repo.commit("break add");
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(!pass, "{text}");
    assert!(text.contains("REGRESSED sample tests::adds"), "{text}");
    assert!(text.contains("3 tests at the baseline"), "{text}");
}

#[test]
fn an_unchanged_go_module_holds() {
    if !tool_available("go") {
        return;
    }
    let repo = SampleRepo::go(false);
    repo.tag_baseline();
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(pass, "{text}");
    assert!(text.contains("go: 3 tests at the baseline"), "{text}");
}

#[test]
fn a_js_regression_under_node_test_fails() {
    if !tool_available("node") {
        return;
    }
    let repo = SampleRepo::js_node(false);
    repo.tag_baseline();
    repo.write("sum.js", &crate::builtin::samples::js_lib(true));
    repo.commit("break add");
    let Verdict {
        pass,
        diagnostic: text,
    } = no_prior_regression(&repo.context());
    assert!(!pass, "{text}");
    assert!(text.contains("REGRESSED adds"), "{text}");
}
