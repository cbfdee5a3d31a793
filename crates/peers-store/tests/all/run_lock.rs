//! The run lock: held, free with a stale PID, absent; the file is never unlinked.

use std::process::Command;

use peers_store::StoreError;
use peers_store::run_lock::{LockState, RunLock, pid_is_alive, probe_lock};

use crate::support::TempRepo;

#[test]
fn lock_is_absent_held_then_free_and_the_file_stays() {
    let repo = TempRepo::new();
    assert_eq!(probe_lock(&repo.dir).unwrap(), LockState::Absent);
    let lock = RunLock::acquire(&repo.dir).unwrap();
    let pid = std::process::id();
    assert_eq!(
        std::fs::read_to_string(repo.dir.run_lock()).unwrap(),
        format!("{pid}\n")
    );
    assert_eq!(
        probe_lock(&repo.dir).unwrap(),
        LockState::Held { pid: Some(pid) }
    );
    drop(lock);
    assert!(
        repo.dir.run_lock().exists(),
        "run.lock must never be unlinked"
    );
    assert_eq!(
        probe_lock(&repo.dir).unwrap(),
        LockState::Free {
            stale_pid: Some(pid)
        }
    );
}

#[test]
fn second_acquire_reports_the_holder() {
    let repo = TempRepo::new();
    // flock treats each open file description as its own owner, so this contends like a
    // second process would.
    let _held = RunLock::acquire(&repo.dir).unwrap();
    match RunLock::acquire(&repo.dir) {
        Err(StoreError::LockHeld { pid, path }) => {
            assert_eq!(pid, Some(std::process::id()));
            assert_eq!(path, repo.dir.run_lock());
        }
        other => panic!("expected LockHeld, got {other:?}"),
    }
}

#[test]
fn stale_lock_file_is_taken_over_and_rewritten() {
    let repo = TempRepo::new();
    std::fs::write(repo.dir.run_lock(), "999999999\ntrailing junk\n").unwrap();
    assert_eq!(
        probe_lock(&repo.dir).unwrap(),
        LockState::Free {
            stale_pid: Some(999_999_999)
        }
    );
    let _lock = RunLock::acquire(&repo.dir).unwrap();
    assert_eq!(
        std::fs::read_to_string(repo.dir.run_lock()).unwrap(),
        format!("{}\n", std::process::id())
    );
}

#[test]
fn garbage_pid_reads_as_unknown() {
    let repo = TempRepo::new();
    std::fs::write(repo.dir.run_lock(), "not a pid").unwrap();
    assert_eq!(
        probe_lock(&repo.dir).unwrap(),
        LockState::Free { stale_pid: None }
    );
}

#[test]
fn symlinked_lock_file_is_refused() {
    let repo = TempRepo::new();
    let target = repo.root().join("elsewhere.lock");
    std::os::unix::fs::symlink(&target, repo.dir.run_lock()).unwrap();
    let err = RunLock::acquire(&repo.dir).unwrap_err();
    assert!(matches!(err, StoreError::Symlink { .. }), "{err:?}");
    assert!(!target.exists());
}

#[test]
fn pid_liveness() {
    assert!(pid_is_alive(std::process::id()));
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    assert!(!pid_is_alive(pid));
    assert!(!pid_is_alive(u32::MAX));
}
