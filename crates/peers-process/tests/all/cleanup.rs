//! Nothing the child starts outlives `run`, and nothing outside the group can stall it.

use std::time::Duration;

use peers_process::run;

use crate::support::{dies_within, is_dead, kill, printed_pids, sh};

#[test]
fn background_job_left_by_the_shell_is_killed_after_exit() {
    // Regression: a clean exit must not leave the group's background processes alive.
    let outcome = run(&sh("sleep 100 & echo $!")).unwrap();
    let pids = printed_pids(&outcome.stdout.to_string_lossy());
    assert_eq!(pids.len(), 1, "{outcome:?}");
    let dead = dies_within(pids[0], Duration::from_secs(2));
    kill(pids[0]);
    assert!(dead, "background sleep {} survived", pids[0]);
    assert!(!outcome.pipes_held_after_exit);
}

#[test]
fn background_job_is_killed_after_timeout_too() {
    let mut spec = sh("sleep 100 & echo $!; sleep 30");
    spec.timeout = Some(Duration::from_millis(300));
    spec.grace = Duration::from_millis(200);
    let outcome = run(&spec).unwrap();
    let pids = printed_pids(&outcome.stdout.to_string_lossy());
    assert_eq!(pids.len(), 1, "{outcome:?}");
    let dead = dies_within(pids[0], Duration::from_secs(2));
    kill(pids[0]);
    assert!(outcome.timed_out && dead);
}

#[test]
fn setsid_grandchild_holding_stdout_does_not_block_return() {
    // The grandchild leaves the group (setsid), so the group kill cannot reach it; it keeps
    // stdout open. `run` must return after its bounded pipe wait and say so.
    let mut spec = sh("setsid sh -c 'echo $$; exec sleep 30' & sleep 0.2; echo parent-done");
    spec.grace = Duration::from_millis(300);
    let outcome = run(&spec).unwrap();
    let text = outcome.stdout.to_string_lossy();
    let pids = printed_pids(&text);
    for pid in &pids {
        kill(*pid);
    }
    assert_eq!(pids.len(), 1, "{text:?}");
    assert!(text.contains("parent-done"), "{text:?}");
    assert!(outcome.pipes_held_after_exit);
    assert!(
        outcome.duration < Duration::from_secs(2),
        "{:?}",
        outcome.duration
    );
    assert!(dies_within(pids[0], Duration::from_secs(2)));
}

#[test]
fn is_dead_sees_a_live_process_as_alive() {
    // Guards the helper the cleanup tests rely on: it must not call every pid dead.
    let outcome = run(&sh(
        "setsid sh -c 'echo $$; exec sleep 30' >/dev/null 2>&1 & echo $!; sleep 0.2",
    ))
    .unwrap();
    let pids = printed_pids(&outcome.stdout.to_string_lossy());
    assert_eq!(pids.len(), 1);
    let alive = !is_dead(pids[0]);
    kill(pids[0]);
    assert!(alive);
    assert!(dies_within(pids[0], Duration::from_secs(2)));
}
