//! `peers init`: the scaffold, the baseline tag, the .gitignore commit, refusals and --force.

use crate::test_env::{TestEnv, tree_snapshot};

#[test]
fn init_writes_scaffold_tags_baseline_and_commits_gitignore() {
    let env = TestEnv::new();
    let repo = env.repo("app", true);
    let out = env.peers(&repo, &["init"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    for file in [
        "config.yaml",
        "goals.yaml",
        "goals.sha256",
        "state.json",
        "log/runs.jsonl",
    ] {
        assert!(
            repo.join(".peers").join(file).is_file(),
            "missing .peers/{file}"
        );
    }
    let log = env.git(
        &repo,
        &[
            "log",
            "--format=%an <%ae>|%s|%(trailers:key=Peer,valueonly)",
        ],
    );
    assert!(
        log.starts_with(
            "peers-init <peers-init@local>|peers init: add .peers/ to .gitignore|peers-init"
        ),
        "{log}"
    );
    let tag = env.git(&repo, &["rev-parse", "peers-baseline"]);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(tag, head);
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitignore")).unwrap(),
        ".peers/\n"
    );
    assert_eq!(
        env.git(&repo, &["status", "--porcelain"]),
        "",
        "init leaves a clean tree"
    );
    insta::assert_snapshot!(out.combined());
}

#[test]
fn init_control_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    for file in ["config.yaml", "goals.yaml", "goals.sha256", "state.json"] {
        let mode = std::fs::metadata(repo.join(".peers").join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, ".peers/{file} mode {mode:o}");
    }
    let mode = std::fs::metadata(repo.join(".peers"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn init_works_in_a_repository_without_commits() {
    let env = TestEnv::new();
    let repo = env.repo("empty", false);
    let out = env.peers(&repo, &["init"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.git(&repo, &["rev-list", "--count", "HEAD"]).trim(), "1");
    assert_eq!(
        env.git(&repo, &["rev-parse", "peers-baseline"]),
        env.git(&repo, &["rev-parse", "HEAD"])
    );
}

#[test]
fn init_keeps_existing_gitignore_lines_and_does_not_commit_other_staged_files() {
    let env = TestEnv::new();
    let repo = env.repo("app", true);
    env.write(&repo, ".gitignore", "target");
    env.write(&repo, "staged.txt", "not for the init commit\n");
    env.git(&repo, &["add", "staged.txt"]);
    let out = env.peers(&repo, &["init"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitignore")).unwrap(),
        "target\n.peers/\n"
    );
    let files = env.git(&repo, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), ".gitignore");
    assert!(
        env.git(&repo, &["status", "--porcelain"])
            .contains("A  staged.txt")
    );
}

#[test]
fn init_does_not_commit_when_gitignore_already_ignores_peers() {
    let env = TestEnv::new();
    let repo = env.repo("app", true);
    env.write(&repo, ".gitignore", "/.peers/\n");
    env.commit_all(&repo, "ignore");
    let before = env.git(&repo, &["rev-parse", "HEAD"]);
    let out = env.peers(&repo, &["init"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.git(&repo, &["rev-parse", "HEAD"]), before);
}

#[test]
fn init_refuses_a_directory_that_is_not_a_git_repository() {
    let env = TestEnv::new();
    let dir = env.root().join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    let out = env.peers(&dir, &["init"]);
    assert_eq!(out.code, 2);
    assert!(!dir.join(".peers").exists(), "nothing written");
    insta::assert_snapshot!(out.combined());
}

#[test]
fn init_twice_refuses_and_writes_nothing() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let before = tree_snapshot(&repo.join(".peers"));
    let out = env.peers(&repo, &["init"]);
    assert_eq!(out.code, 2);
    assert_eq!(tree_snapshot(&repo.join(".peers")), before);
    insta::assert_snapshot!(out.combined());
}

#[test]
fn init_force_backs_up_replaced_files_and_keeps_the_log() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.write(
        &repo,
        ".peers/log/runs.jsonl",
        "{\"v\":1,\"iteration\":1}\n",
    );
    env.write(&repo, ".peers/config.yaml", "# my edited config\n");
    let out = env.peers(&repo, &["init", "--force"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout
            .contains("replaced config.yaml, goals.yaml, goals.sha256, state.json"),
        "{}",
        out.stdout
    );
    let backups: Vec<_> = std::fs::read_dir(repo.join(".peers/backups"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(backups.len(), 1);
    let saved = std::fs::read_to_string(backups[0].path().join("config.yaml")).unwrap();
    assert_eq!(saved, "# my edited config\n");
    assert_eq!(
        std::fs::read_to_string(repo.join(".peers/log/runs.jsonl")).unwrap(),
        "{\"v\":1,\"iteration\":1}\n"
    );
}

#[test]
fn init_refuses_symlinked_peers_directory() {
    let env = TestEnv::new();
    let repo = env.repo("app", true);
    let elsewhere = env.root().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, repo.join(".peers")).unwrap();
    let out = env.peers(&repo, &["init", "--force"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing written through the link"
    );
}

#[test]
fn init_json_reports_what_it_did() {
    let env = TestEnv::new();
    let repo = env.repo("app", true);
    let out = env.peers(&repo, &["init", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(value["gitignore_commit"].is_string());
    assert_eq!(value["created"].as_array().unwrap().len(), 5);
}

/// `init` declares the environments it finds outside git, so the gates (which run on a
/// checkout of the commit) can still use them; tracked or absent ones are not declared.
#[test]
fn init_declares_virtualenvs_and_node_modules_found_outside_git() {
    let env = TestEnv::new();
    let repo = env.repo("app", true);
    env.write(&repo, ".gitignore", ".venv/\nnode_modules/\n");
    env.write(&repo, "venv/tracked.txt", "vendored on purpose\n");
    env.commit_all(&repo, "ignore the environments, track venv/");
    env.write(&repo, ".venv/bin/python", "");
    env.write(&repo, "node_modules/left-pad/index.js", "");
    let out = env.peers(&repo, &["init"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains("see .venv, node_modules read-only"),
        "{}",
        out.combined()
    );
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    assert!(
        config.contains("  # found by `peers init`")
            && config.contains("  outside_git: [.venv, node_modules]\n"),
        "{config}"
    );
    let info = env.peers(&repo, &["info"]);
    assert_eq!(
        info.code,
        0,
        "the written config loads: {}",
        info.combined()
    );
}
