//! Exit codes, stdin, environment, timeouts and spawn errors.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use peers_process::{CommandSpec, SpawnError, StdinSource, run};

use crate::support::{sh, stdout_of};

#[test]
fn echo_and_exit_code_are_reported() {
    let outcome = run(&sh("echo hello; echo oops >&2; exit 3")).unwrap();
    assert_eq!(stdout_of(&outcome), "hello\n");
    assert_eq!(outcome.stderr.to_string_lossy(), "oops\n");
    assert_eq!(outcome.exit.code, Some(3));
    assert_eq!(outcome.exit.signal, None);
    assert!(!outcome.timed_out && !outcome.success());
    assert!(!outcome.pipes_held_after_exit);
}

#[test]
fn zero_exit_is_success() {
    let outcome = run(&sh("true")).unwrap();
    assert!(outcome.success());
    assert_eq!(outcome.exit.to_string(), "exit code 0");
}

#[test]
fn death_by_signal_is_reported_as_signal() {
    let outcome = run(&sh("kill -9 $$")).unwrap();
    assert_eq!(outcome.exit.code, None);
    assert_eq!(outcome.exit.signal, Some(9));
    assert_eq!(outcome.exit.to_string(), "killed by signal 9");
}

#[test]
fn stdin_bytes_are_delivered_then_closed() {
    let mut spec = sh("cat");
    spec.stdin = StdinSource::Bytes(b"line one\nline two\n".to_vec());
    let outcome = run(&spec).unwrap();
    assert_eq!(stdout_of(&outcome), "line one\nline two\n");
}

#[test]
fn stdin_is_null_by_default_so_readers_get_eof() {
    let outcome = run(&sh("cat; echo done")).unwrap();
    assert_eq!(stdout_of(&outcome), "done\n");
}

#[test]
fn large_stdin_round_trips_while_output_is_drained() {
    // 4 MiB through cat: writing all of stdin before reading stdout would deadlock.
    let input: Vec<u8> = (0..4 * 1024 * 1024)
        .map(|index| (index % 251) as u8)
        .collect();
    let mut spec = sh("cat");
    spec.stdin = StdinSource::Bytes(input.clone());
    spec.capture_cap = 8 * 1024 * 1024;
    let outcome = run(&spec).unwrap();
    assert_eq!(
        outcome.stdout.head().len() + outcome.stdout.tail().len(),
        input.len()
    );
    assert_eq!(
        [outcome.stdout.head(), outcome.stdout.tail()].concat(),
        input
    );
}

#[test]
fn stdin_unread_by_the_child_does_not_block_return() {
    let mut spec = sh("exit 0");
    spec.stdin = StdinSource::Bytes(vec![b'x'; 4 * 1024 * 1024]);
    let outcome = run(&spec).unwrap();
    assert!(outcome.success());
    assert!(outcome.duration < Duration::from_secs(5));
}

#[test]
fn environment_is_exactly_the_given_one() {
    let mut spec = CommandSpec::new("/usr/bin/env", std::env::temp_dir());
    spec.env = vec![(OsString::from("ONLY_THIS"), OsString::from("1"))];
    // The test process has a PATH, so an inherited environment would show here.
    assert!(std::env::var_os("PATH").is_some());
    let outcome = run(&spec).unwrap();
    assert_eq!(stdout_of(&outcome), "ONLY_THIS=1\n");
}

#[test]
fn timeout_kills_a_sleeping_child_within_timeout_plus_grace() {
    let mut spec = sh("sleep 30");
    spec.timeout = Some(Duration::from_millis(300));
    spec.grace = Duration::from_millis(500);
    let started = Instant::now();
    let outcome = run(&spec).unwrap();
    assert!(outcome.timed_out);
    assert!(!outcome.success());
    assert!(
        started.elapsed() < Duration::from_millis(300 + 500 + 700),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn child_ignoring_sigterm_is_killed_after_grace() {
    let mut spec = sh("trap '' TERM; sleep 30; echo survived");
    spec.timeout = Some(Duration::from_millis(200));
    spec.grace = Duration::from_millis(400);
    let started = Instant::now();
    let outcome = run(&spec).unwrap();
    let elapsed = started.elapsed();
    assert!(outcome.timed_out);
    assert_eq!(outcome.exit.signal, Some(9));
    assert!(
        elapsed >= Duration::from_millis(600),
        "grace not honoured: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_millis(600 + 900), "{elapsed:?}");
    assert!(!stdout_of(&outcome).contains("survived"));
}

#[test]
fn missing_program_error_says_not_found_and_names_it() {
    let spec = CommandSpec::new("peers-no-such-program", std::env::temp_dir());
    let error = run(&spec).unwrap_err();
    assert!(matches!(error, SpawnError::NotFound { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("peers-no-such-program") && message.contains("not found"),
        "{message}"
    );
}

#[test]
fn missing_working_directory_is_named() {
    let spec = CommandSpec::new("/bin/sh", "/nonexistent/peers-dir");
    let error = run(&spec).unwrap_err();
    assert!(matches!(error, SpawnError::MissingCwd { .. }), "{error:?}");
    assert!(error.to_string().contains("/nonexistent/peers-dir"));
}

#[test]
fn non_executable_program_is_a_start_error() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let error = run(&CommandSpec::new(script.as_os_str(), dir.path())).unwrap_err();
    assert!(matches!(error, SpawnError::Start { .. }), "{error:?}");
}
