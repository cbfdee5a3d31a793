//! Configured error/halt patterns against live output: lines split across reads, echo lines.

use std::time::Duration;

use peers_agent::{Classification, Patterns};
use peers_core::config::ToolKind;

use crate::support::{run, shell};

#[test]
fn halt_line_split_across_two_writes_is_matched_and_stops_the_peer() {
    // Regression: a match straddling two reads must not be missed.
    let inv = shell(
        ToolKind::Generic("x".into()),
        "printf 'ERR'; sleep 0.3; printf 'OR: authentication failed\\n'; sleep 30",
    );
    let (run, _) = run(&inv);
    assert_eq!(run.classification, Classification::ApiError);
    let matched = run.matched.unwrap();
    assert!(matched.halt && matched.source == "line", "{matched:?}");
    assert_eq!(matched.snippet, "ERROR: authentication failed");
    assert!(run.duration < Duration::from_secs(5), "{:?}", run.duration);
}

#[test]
fn echoed_repository_lines_do_not_halt() {
    // A peer grepping a fixture that contains the halt text must not be marked unavailable.
    let mut inv = shell(
        ToolKind::Generic("x".into()),
        "echo '+ERROR: authentication failed'; \
         echo '> authentication failed'; \
         echo 'tests/auth.rs:12: authentication failed'; \
         echo '1a2b3c4 fix authentication failed message'; \
         echo '  \"error\": \"authentication failed\",'; \
         echo done",
    );
    inv.patterns = Patterns::new(&[], &["authentication failed".to_owned()]).unwrap();
    let (run, _) = run(&inv);
    assert_eq!(
        run.classification,
        Classification::Success,
        "{:?}",
        run.matched
    );
}

#[test]
fn error_pattern_on_stderr_with_rate_limit_text_is_rate_limited() {
    let inv = shell(
        ToolKind::Generic("x".into()),
        "echo 'ERROR: upstream rate limit exceeded' >&2; sleep 30",
    );
    let (run, _) = run(&inv);
    assert_eq!(run.classification, Classification::RateLimited);
    assert!(!run.matched.unwrap().halt);
}

#[test]
fn last_line_without_newline_is_still_checked() {
    let inv = shell(
        ToolKind::Generic("x".into()),
        "printf 'FATAL: quota exhausted for today'",
    );
    let (run, _) = run(&inv);
    assert_eq!(run.classification, Classification::ApiError);
    assert!(run.matched.unwrap().halt);
}
