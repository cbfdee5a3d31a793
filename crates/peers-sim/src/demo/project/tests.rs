//! The sample project really fails on the planted bug and passes once fixed, under `sh`.

use super::*;
use std::process::Command;

fn run_tests(dir: &Path) -> (i32, String) {
    let output = Command::new("sh")
        .arg("tests/run.sh")
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap(), stdout)
}

#[test]
fn planted_bug_fails_the_suite_until_fixed() {
    let dir = tempfile::tempdir().unwrap();
    write_demo_repository(dir.path()).unwrap();
    let (code, stdout) = run_tests(dir.path());
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.ends_with("4 passed, 1 failed\n"), "{stdout}");
    assert!(stdout.contains("FAIL div by zero is an error"), "{stdout}");

    let state = calc_state(dir.path()).unwrap();
    assert!(!state.has_mul);
    assert_eq!(state.buggy_div_line, Some(14));

    add_mul(dir.path()).unwrap();
    let (code, stdout) = run_tests(dir.path());
    assert_eq!(
        (code, stdout.lines().last()),
        (1, Some("7 passed, 1 failed"))
    );

    fix_division(dir.path(), "BUG-001").unwrap();
    let (code, stdout) = run_tests(dir.path());
    assert_eq!((code, stdout.as_str()), (0, "11 passed, 0 failed\n"));
    let state = calc_state(dir.path()).unwrap();
    assert!(state.has_mul && state.buggy_div_line.is_none());
}

#[test]
fn fix_before_feature_also_works() {
    let dir = tempfile::tempdir().unwrap();
    write_demo_repository(dir.path()).unwrap();
    fix_division(dir.path(), "BUG-007").unwrap();
    add_mul(dir.path()).unwrap();
    let (code, stdout) = run_tests(dir.path());
    assert_eq!((code, stdout.as_str()), (0, "11 passed, 0 failed\n"));
}

#[test]
fn existing_files_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calc.sh"), "mine").unwrap();
    let error = write_demo_repository(dir.path()).unwrap_err();
    assert!(matches!(error, SimError::DemoFileExists { .. }));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("calc.sh")).unwrap(),
        "mine"
    );
}

#[test]
fn a_second_fix_reports_the_missing_anchor() {
    let dir = tempfile::tempdir().unwrap();
    write_demo_repository(dir.path()).unwrap();
    fix_division(dir.path(), "BUG-001").unwrap();
    let error = fix_division(dir.path(), "BUG-001").unwrap_err();
    assert!(matches!(error, SimError::DemoAnchorMissing { .. }));
}
