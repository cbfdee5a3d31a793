//! `peers status`: iteration, next peer, and the lock: absent, held by a live process, stale.

use crate::test_env::TestEnv;

#[test]
fn status_of_a_fresh_project() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let out = env.peers(&repo, &["status"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    insta::assert_snapshot!(out.combined());
}

#[test]
fn status_reports_a_lock_held_by_a_live_process() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let dir = peers_store::layout::PeersDir::at(&repo);
    let lock = peers_store::run_lock::RunLock::acquire(&dir).expect("lock");
    let out = env.peers(&repo, &["status", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["lock"]["state"], "held");
    assert_eq!(value["lock"]["pid"], std::process::id());
    drop(lock);
    let out = env.peers(&repo, &["status", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        value["lock"]["state"], "free",
        "a released lock file is stale, not held"
    );
    assert!(
        repo.join(".peers/run.lock").exists(),
        "run.lock is never unlinked"
    );
}

#[test]
fn status_json_has_iteration_and_next_peer() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let out = env.peers(&repo, &["status", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["iteration"], 0);
    assert_eq!(value["next_peer"], "claude");
    assert_eq!(value["lock"]["state"], "absent");
}
