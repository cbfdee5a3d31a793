//! `peers goals check|accept`: the goal-mutation lock.

use crate::test_env::TestEnv;

#[test]
fn accept_relocks_a_deliberate_edit() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    assert_eq!(env.peers(&repo, &["goals", "check"]).code, 0);
    std::fs::write(
        repo.join(".peers/goals.yaml"),
        "goals:\n  - {id: t, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n",
    )
    .unwrap();
    let out = env.peers(&repo, &["goals", "check"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let out = env.peers(&repo, &["goals", "accept"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    insta::assert_snapshot!(out.combined());
    assert_eq!(env.peers(&repo, &["goals", "check"]).code, 0);
}

#[test]
fn accept_refuses_goals_that_do_not_load_and_keeps_the_old_hash() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let before = std::fs::read_to_string(repo.join(".peers/goals.sha256")).unwrap();
    std::fs::write(
        repo.join(".peers/goals.yaml"),
        "goals:\n  - {id: t, type: hard, cmd: 'true', pass_when: 'exit_code =='}\n",
    )
    .unwrap();
    let out = env.peers(&repo, &["goals", "accept"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert_eq!(
        std::fs::read_to_string(repo.join(".peers/goals.sha256")).unwrap(),
        before
    );
}

#[test]
fn deleted_goals_file_is_reported() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::remove_file(repo.join(".peers/goals.yaml")).unwrap();
    let out = env.peers(&repo, &["goals", "check"]);
    assert_ne!(out.code, 0, "{}", out.combined());
}
