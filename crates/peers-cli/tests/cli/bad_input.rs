//! Bad input: each case is a clear error naming the file, line, column, key and fix; exit 2;
//! nothing written. The messages are snapshot-tested because they are the user interface.

use std::path::Path;

use crate::test_env::{Output, TestEnv, tree_snapshot};

/// Runs `peers verify` and asserts it refused with exit 2 and wrote nothing.
fn refused(env: &TestEnv, repo: &Path) -> Output {
    let before = tree_snapshot(repo);
    let out = env.peers(repo, &["verify"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert_eq!(tree_snapshot(repo), before, "nothing may be written");
    out
}

fn with_config(env: &TestEnv, yaml: &str) -> std::path::PathBuf {
    let repo = env.initialised_repo("app");
    std::fs::write(repo.join(".peers/config.yaml"), yaml).unwrap();
    repo
}

fn with_goals(env: &TestEnv, yaml: &str) -> std::path::PathBuf {
    let repo = env.initialised_repo("app");
    std::fs::write(repo.join(".peers/goals.yaml"), yaml).unwrap();
    // Lock the bad file in, so the error is about its content, not the hash.
    let digest = {
        use sha2::Digest;
        let hash = sha2::Sha256::digest(yaml.as_bytes());
        hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    std::fs::write(repo.join(".peers/goals.sha256"), format!("{digest}\n")).unwrap();
    repo
}

const TWO_PEERS: &str = "peers:\n  - {name: a, tool: claude}\n  - {name: b, tool: codex}\n";

#[test]
fn missing_peers_directory() {
    let env = TestEnv::new();
    let repo = env.repo("app", true);
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn malformed_yaml() {
    let env = TestEnv::new();
    let repo = with_config(&env, "peers:\n  - name: a\n    tool: [claude\n");
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn fewer_than_two_peers() {
    let env = TestEnv::new();
    let repo = with_config(&env, "peers:\n  - {name: solo, tool: claude}\n");
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn duplicate_peer_names() {
    let env = TestEnv::new();
    let repo = with_config(
        &env,
        "peers:\n  - {name: a, tool: claude}\n  - {name: a, tool: codex}\n",
    );
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn reserved_peer_name() {
    let env = TestEnv::new();
    let repo = with_config(
        &env,
        "peers:\n  - {name: peers-substrate, tool: claude}\n  - {name: b, tool: codex}\n",
    );
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn unknown_key_with_did_you_mean() {
    let env = TestEnv::new();
    let repo = with_config(&env, &format!("{TWO_PEERS}budget:\n  max_usd_mod: hard\n"));
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn bad_halt_pattern_regex() {
    let env = TestEnv::new();
    let repo = with_config(
        &env,
        &format!("{TWO_PEERS}health:\n  halt_patterns:\n    - 'quota (exhausted'\n"),
    );
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn pass_when_that_does_not_parse() {
    let env = TestEnv::new();
    let repo = with_goals(
        &env,
        "goals:\n  - id: t\n    type: hard\n    cmd: 'true'\n    pass_when: \"exitcode == 0\"\n",
    );
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn goals_hash_mismatch() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::write(
        repo.join(".peers/goals.yaml"),
        "goals:\n  - {id: other, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n",
    )
    .unwrap();
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn symlinked_control_file() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let real = env.root().join("real-config.yaml");
    std::fs::rename(repo.join(".peers/config.yaml"), &real).unwrap();
    std::os::unix::fs::symlink(&real, repo.join(".peers/config.yaml")).unwrap();
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn oversized_control_file() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let mut big = String::from(TWO_PEERS);
    big.push_str(&"# padding padding padding padding padding padding padding\n".repeat(50_000));
    std::fs::write(repo.join(".peers/config.yaml"), big).unwrap();
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn hardlinked_control_file() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::hard_link(
        repo.join(".peers/config.yaml"),
        env.root().join("second-name.yaml"),
    )
    .unwrap();
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn quoted_string_where_a_bool_is_expected() {
    let env = TestEnv::new();
    let repo = with_goals(
        &env,
        "goals:\n  - {id: t, type: hard, cmd: 'true', pass_when: 'exit_code == 0', cacheable: 'false'}\n",
    );
    insta::assert_snapshot!(refused(&env, &repo).combined());
}

#[test]
fn not_a_git_repository_for_status() {
    let env = TestEnv::new();
    let dir = env.root().join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    let out = env.peers(&dir, &["status"]);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.combined());
}
