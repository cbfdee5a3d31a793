//! Capture: concurrency of the two streams, bounded memory, invalid UTF-8.

use crate::support::sh;
use peers_process::run;

#[test]
fn two_hundred_megabytes_per_stream_keep_memory_at_the_cap() {
    // Both streams flood at once: a reader that blocked on one would deadlock the child.
    let bytes = 210_000_000u64;
    let cap = 1024 * 1024;
    let mut spec = sh(&format!(
        "head -c {bytes} /dev/zero >&2 & head -c {bytes} /dev/zero; wait"
    ));
    spec.capture_cap = cap;
    let outcome = run(&spec).unwrap();
    assert!(outcome.success());
    for captured in [&outcome.stdout, &outcome.stderr] {
        assert_eq!(captured.total_bytes, bytes);
        assert!(captured.truncated);
        assert_eq!(captured.kept_len(), cap);
        assert_eq!(captured.omitted_bytes(), bytes - cap as u64);
    }
    let text = outcome.stdout.to_string_lossy();
    assert!(text.contains(&format!("[{} bytes omitted]", bytes - cap as u64)));
}

#[test]
fn interleaved_streams_are_both_complete() {
    let outcome = run(&sh(
        "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done",
    ))
    .unwrap();
    assert_eq!(
        outcome.stdout.to_string_lossy(),
        "out1\nout2\nout3\nout4\nout5\n"
    );
    assert_eq!(
        outcome.stderr.to_string_lossy(),
        "err1\nerr2\nerr3\nerr4\nerr5\n"
    );
}

#[test]
fn invalid_utf8_is_kept_as_bytes() {
    let outcome = run(&sh(r"printf 'a\377\376b'")).unwrap();
    assert_eq!(outcome.stdout.head(), b"a\xff\xfeb");
    assert_eq!(outcome.stdout.to_string_lossy(), "a\u{FFFD}\u{FFFD}b");
    assert_eq!(outcome.stdout.tail_lossy(2), "\u{FFFD}b");
}

#[test]
fn small_cap_keeps_head_and_tail_of_real_output() {
    let mut spec = sh("seq 1 1000");
    spec.capture_cap = 10;
    let outcome = run(&spec).unwrap();
    assert!(outcome.stdout.truncated);
    assert_eq!(outcome.stdout.head(), b"1\n2\n3");
    assert_eq!(outcome.stdout.tail(), b"1000\n");
}
