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

/// Ten-byte filler lines up to byte `offset`, then `line`: puts `line` at that offset.
fn at_offset(offset: u64, line: &str) -> String {
    assert_eq!(offset % 10, 0);
    format!("yes xxxxxxxxx | head -c {offset}; printf '{line}\\n'; echo after")
}

#[test]
fn a_match_across_read_buffer_boundaries_is_found() {
    // Reads land in a ring of half the capture cap (at least 64 KiB) and stop at its end, so
    // a line crossing a multiple of the ring size is split across two reads.
    for (cap, offset) in [
        (2 * 1024 * 1024, 1_048_570),
        (2 * 1024 * 1024, 3_145_720),
        (4096, 65_530),
        (4096, 196_600),
    ] {
        let mut inv = shell(
            ToolKind::Generic("x".into()),
            &at_offset(offset, "ERROR: authentication failed"),
        );
        inv.limits.buf_cap = cap;
        let (run, _) = run(&inv);
        assert_eq!(run.classification, Classification::ApiError, "cap {cap}");
        let matched = run.matched.unwrap();
        assert!(matched.halt, "{matched:?}");
        assert_eq!(matched.snippet, "ERROR: authentication failed");
    }
}

#[test]
fn a_character_across_read_buffer_boundaries_comes_through_whole() {
    // "é" is two bytes; the ring's end falls between them.
    let inv = shell(
        ToolKind::Generic("x".into()),
        &format!(
            "{}; printf 'xxxxxxxxx\\n'",
            at_offset(1_048_570, "abcde\\303\\251fgh")
        ),
    );
    let (run, events) = run(&inv);
    assert_eq!(run.classification, Classification::Success);
    let lines: Vec<&str> = events
        .iter()
        .filter_map(|event| match event {
            peers_agent::LiveEvent::Output { line, .. } => Some(line.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        lines.contains(&"abcdeéfgh"),
        "{:?}",
        &lines[lines.len() - 4..]
    );
    assert!(!lines.iter().any(|line| line.contains('\u{FFFD}')));
}

#[test]
fn crlf_lines_match_without_their_carriage_return() {
    let mut inv = shell(
        ToolKind::Generic("x".into()),
        "printf 'working\\r\\nERROR: token expired\\r\\n'; sleep 30",
    );
    inv.patterns = Patterns::new(&[], &["(?i)^ERROR: token expired$".to_owned()]).unwrap();
    let (run, _) = run(&inv);
    assert_eq!(run.classification, Classification::ApiError);
    assert_eq!(run.matched.unwrap().snippet, "ERROR: token expired");
}

#[test]
fn a_match_in_a_line_with_invalid_utf8_is_found() {
    let inv = shell(
        ToolKind::Generic("x".into()),
        "printf 'ok\\nERROR: \\377 authentication failed\\n'; sleep 30",
    );
    let (run, _) = run(&inv);
    assert_eq!(run.classification, Classification::ApiError);
    let matched = run.matched.unwrap();
    assert!(matched.halt);
    assert_eq!(matched.snippet, "ERROR: \u{FFFD} authentication failed");
}

#[test]
fn a_100_mib_line_is_cut_checked_and_followed_by_lines_still_checked() {
    // The giant line (no match in its kept part) ends; the next line is a halt.
    let inv = shell(
        ToolKind::Generic("x".into()),
        "head -c 104857600 /dev/zero | tr '\\0' x; echo; echo 'FATAL: quota exhausted'; sleep 30",
    );
    let (run, events) = run(&inv);
    assert_eq!(run.classification, Classification::ApiError);
    assert_eq!(run.matched.unwrap().snippet, "FATAL: quota exhausted");
    let longest = events
        .iter()
        .filter_map(|event| match event {
            peers_agent::LiveEvent::Output { line, .. } => Some(line.len()),
            _ => None,
        })
        .max();
    assert_eq!(longest, Some(peers_agent::MAX_LINE_BYTES));
    assert!(run.truncated);
}

#[test]
fn a_100_mib_last_line_without_newline_is_checked_at_its_start() {
    let inv = shell(
        ToolKind::Generic("x".into()),
        "printf 'ERROR: authentication failed '; head -c 104857600 /dev/zero | tr '\\0' x",
    );
    let (run, _) = run(&inv);
    assert_eq!(run.classification, Classification::ApiError);
    let matched = run.matched.unwrap();
    assert!(matched.halt);
    assert!(
        matched
            .snippet
            .starts_with("ERROR: authentication failed x")
    );
}
