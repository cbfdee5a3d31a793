//! Parsing recorded cargo test and cargo nextest output of the sample crate (one passing, one
//! failing and one ignored unit test, one integration test).

use super::*;

const LIBTEST: &str = include_str!("../../../tests/fixtures/runners/libtest-failing.txt");
const NEXTEST: &str = include_str!("../../../tests/fixtures/runners/nextest-failing.txt");

#[test]
fn libtest_lines_name_each_test_by_binary_and_path() {
    let parsed = parse_libtest(LIBTEST);
    assert_eq!(
        parsed.passed,
        vec!["sample tests::adds", "it integration_adds"]
    );
    assert_eq!(parsed.skipped, 1);
    assert_eq!(parsed.failed.len(), 1);
    let failure = &parsed.failed[0];
    assert_eq!(failure.name, "sample tests::fails");
    assert!(
        failure.excerpt.starts_with("thread 'tests::fails'")
            && failure.excerpt.contains("panicked at src/lib.rs:5:26")
            && failure.excerpt.contains("add is wrong"),
        "{}",
        failure.excerpt
    );
    assert!(
        !failure.excerpt.contains("RUST_BACKTRACE"),
        "{}",
        failure.excerpt
    );
}

#[test]
fn nextest_lines_give_the_same_tests_and_the_failure_output() {
    let parsed = parse_nextest(NEXTEST);
    assert_eq!(
        parsed.passed,
        vec!["sample tests::adds", "sample::it integration_adds"]
    );
    assert_eq!(parsed.skipped, 1);
    assert_eq!(
        parsed.failed.len(),
        1,
        "the summary's repeat is not a second failure"
    );
    assert_eq!(parsed.failed[0].name, "sample tests::fails");
    assert!(
        parsed.failed[0]
            .excerpt
            .contains("panicked at src/lib.rs:5:26")
            && parsed.failed[0].excerpt.contains("left: 3"),
        "{}",
        parsed.failed[0].excerpt
    );
}

#[test]
fn binary_names_lose_their_hash_only() {
    assert_eq!(
        binary_name("/t/debug/deps/sample-e6daf73c296d6df0"),
        "sample"
    );
    assert_eq!(binary_name("/t/debug/deps/my-tool-0a1b"), "my-tool");
    assert_eq!(binary_name("/t/debug/deps/my_tool"), "my_tool");
    assert_eq!(binary_name("plain"), "plain");
}

#[test]
fn nextest_timeouts_and_signals_are_failures() {
    let output = "        TIMEOUT [  60.000s] (1/2) sample tests::hangs\n        SIGSEGV [   0.010s] (2/2) sample tests::crashes\n";
    let parsed = parse_nextest(output);
    let names: Vec<&str> = parsed.failed.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["sample tests::hangs", "sample tests::crashes"]);
}
