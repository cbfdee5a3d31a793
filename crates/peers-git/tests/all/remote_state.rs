//! Pushing the run's durable state: the branch and a `.peers/` snapshot reach a bare remote, no
//! hook runs (a `pre-push` hook that would leave a mark, or refuse), the index and working tree
//! are untouched, excluded paths stay out, and a refused push is an error naming the command.

use peers_git::{GitError, StatePush};

use crate::support::{TestRepo, identity, open};

fn push_of<'a>(remote: &'a str, exclude: &'a [&'a str]) -> StatePush<'a> {
    StatePush {
        remote,
        branch: "main",
        state_ref: "refs/peers/far/state",
        dir: ".peers",
        exclude,
        message: "state after tick 1",
    }
}

#[test]
fn the_branch_and_a_state_snapshot_reach_the_remote_without_hooks_or_touching_the_index() {
    let repo = TestRepo::with_commit();
    let remote = tempfile::tempdir().unwrap();
    peers_testkit::git(remote.path(), &["init", "--quiet", "--bare"]);
    let url = remote.path().to_str().unwrap();
    repo.git(&["remote", "add", "origin", url]);
    repo.write(".git/info/exclude", ".peers/\n");
    repo.write(".peers/state.json", "{\"iteration\": 1}");
    repo.write(".peers/log/runs.jsonl", "{\"event\":\"tick\"}\n");
    repo.write(".peers/cache/big.bin", "cache");
    repo.write(".peers/run.lock", "123\n");
    repo.write("staged.txt", "s");
    repo.git(&["add", "staged.txt"]);
    repo.write("edited-but-unstaged.txt", "u");
    // A hook that would leave a mark (and refuse the push) if git ran it.
    let mark = repo.path().join("hook-ran");
    repo.write(
        ".git/hooks/pre-push",
        &format!("#!/bin/sh\ntouch '{}'\nexit 1\n", mark.display()),
    );
    std::fs::set_permissions(
        repo.path().join(".git/hooks/pre-push"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let status_before = repo.git(&["status", "--porcelain"]);

    let git = open(&repo);
    let exclude = [".peers/cache", ".peers/run.lock"];
    let snapshot = git
        .push_state(&push_of("origin", &exclude), &identity("peers"))
        .unwrap();

    assert!(!mark.exists(), "the pre-push hook ran");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let on_remote = peers_testkit::git(remote.path(), &["rev-parse", "refs/heads/main"]);
    assert_eq!(on_remote.trim(), head);
    let state = peers_testkit::git(remote.path(), &["rev-parse", "refs/peers/far/state"]);
    assert_eq!(state.trim(), snapshot);
    let files = peers_testkit::git(
        remote.path(),
        &["ls-tree", "-r", "--name-only", "refs/peers/far/state"],
    );
    let files: Vec<&str> = files.lines().collect();
    assert_eq!(files, [".peers/log/runs.jsonl", ".peers/state.json"]);
    let parent = peers_testkit::git(remote.path(), &["rev-parse", "refs/peers/far/state^"]);
    assert_eq!(
        parent.trim(),
        head,
        "the snapshot's parent is the pushed HEAD"
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), status_before);

    // The next push moves the state ref forward (forced: snapshots are not a history).
    repo.write(".peers/state.json", "{\"iteration\": 2}");
    let second = git
        .push_state(&push_of("origin", &exclude), &identity("peers"))
        .unwrap();
    assert_ne!(second, snapshot);
    let state = peers_testkit::git(remote.path(), &["rev-parse", "refs/peers/far/state"]);
    assert_eq!(state.trim(), second);
}

#[test]
fn a_refused_push_is_an_error_naming_the_command_and_changes_nothing_local() {
    let repo = TestRepo::with_commit();
    repo.write(".peers/state.json", "{}");
    let git = open(&repo);
    let missing = repo.path().join("no-such-remote.git");
    let error = git
        .push_state(&push_of(missing.to_str().unwrap(), &[]), &identity("peers"))
        .unwrap_err();
    match &error {
        GitError::Failed { command, .. } => assert!(command.contains("push"), "{command}"),
        other => panic!("unexpected error: {other}"),
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), "?? .peers/");
}

#[test]
fn a_remote_helper_transport_is_refused() {
    let repo = TestRepo::with_commit();
    let mark = repo.path().join("helper-ran");
    let url = format!("ext::sh -c touch% {}", mark.display());
    let error = git_push(&repo, &url);
    assert!(error.is_err(), "ext:: must be refused");
    assert!(!mark.exists(), "the ext:: helper ran");
}

fn git_push(repo: &TestRepo, url: &str) -> Result<(), GitError> {
    open(repo).push(url, &["HEAD:refs/heads/main"])
}

#[test]
fn option_like_remotes_and_refspecs_are_refused() {
    let repo = TestRepo::with_commit();
    let git = open(&repo);
    assert!(matches!(
        git.push("--receive-pack=touch x", &["HEAD"]),
        Err(GitError::LooksLikeOption { .. })
    ));
    assert!(matches!(
        git.push("origin", &["--mirror"]),
        Err(GitError::LooksLikeOption { .. })
    ));
}
