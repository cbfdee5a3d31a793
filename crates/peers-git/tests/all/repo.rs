//! Discovery, HEAD, commits, tags and ancestry.

use peers_git::{Git, GitError};

use crate::support::{TestRepo, identity, open};

#[test]
fn discover_outside_a_repository_says_run_git_init() {
    let dir = tempfile::tempdir().unwrap();
    let inside_a_repository = dir.path().ancestors().any(|a| a.join(".git").exists());
    if inside_a_repository {
        eprintln!("skipped: the temp dir is inside a git repository on this host");
        return;
    }
    let error = Git::discover(dir.path()).unwrap_err();
    assert!(matches!(&error, GitError::NotARepository { path } if path == dir.path()));
    assert_eq!(error.hint(), Some("run `git init` first"));
}

#[test]
fn discover_of_a_missing_directory_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    assert!(matches!(
        Git::discover(&missing),
        Err(GitError::NoSuchDirectory { path }) if path == missing
    ));
}

#[test]
fn discover_from_a_subdirectory_finds_the_root() {
    let repo = TestRepo::new();
    repo.write("src/deep/file.txt", "x");
    let git = Git::discover(&repo.path().join("src/deep")).unwrap();
    assert_eq!(
        git.root().canonicalize().unwrap(),
        repo.path().canonicalize().unwrap()
    );
}

#[test]
fn unborn_branch_has_no_head_and_no_commits() {
    let repo = TestRepo::new();
    let git = open(&repo);
    assert_eq!(git.head().unwrap(), None);
    assert!(git.commits("HEAD").unwrap().is_empty());
}

#[test]
fn commit_on_an_unborn_branch_uses_the_given_identity() {
    let repo = TestRepo::new();
    let git = open(&repo);
    repo.write("a.txt", "a");
    git.add(&["a.txt"]).unwrap();
    let message = "Add a\n\n## Self-Review\nok\n\nPeer: claude\nPeer-Status: handoff\n";
    let sha = git.commit(message, &identity("claude")).unwrap();
    assert_eq!(git.head().unwrap().as_deref(), Some(sha.as_str()));
    let commits = git.commits("HEAD").unwrap();
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0].sha, sha);
    assert_eq!(commits[0].author_name, "claude");
    assert_eq!(commits[0].author_email, "claude@peers.invalid");
    assert!(commits[0].parents.is_empty());
    assert_eq!(commits[0].message.trim_end(), message.trim_end());
}

#[test]
fn commit_with_nothing_staged_fails_with_the_command_and_stderr() {
    let repo = TestRepo::new();
    repo.commit_all("base");
    let error = open(&repo).commit("empty", &identity("codex")).unwrap_err();
    let GitError::Failed {
        command,
        stderr_tail,
        ..
    } = &error
    else {
        panic!("expected Failed, got {error:?}");
    };
    assert!(command.starts_with("git -c user.name=codex"), "{command}");
    assert!(stderr_tail.contains("nothing to commit"), "{stderr_tail}");
}

#[test]
fn commits_are_oldest_first_and_ranges_work() {
    let repo = TestRepo::new();
    let first = repo.commit_all("first");
    let second = repo.commit_all("second");
    let third = repo.commit_all("third");
    let git = open(&repo);
    let all: Vec<String> = git
        .commits("HEAD")
        .unwrap()
        .into_iter()
        .map(|c| c.sha)
        .collect();
    assert_eq!(all, vec![first.clone(), second.clone(), third.clone()]);
    let range = git.commits(&format!("{first}..HEAD")).unwrap();
    assert_eq!(range.len(), 2);
    assert_eq!(range[0].parents, vec![first.clone()]);
    assert_eq!(range[1].author_time, 1_767_225_600); // peers_testkit::DATE
    let recent = git.recent_commits("HEAD", 2).unwrap();
    let recent: Vec<&str> = recent.iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(recent, vec![second.as_str(), third.as_str()]);
}

#[test]
fn ancestry_and_rev_parse() {
    let repo = TestRepo::new();
    let first = repo.commit_all("first");
    let second = repo.commit_all("second");
    let git = open(&repo);
    assert!(git.is_ancestor(&first, &second).unwrap());
    assert!(!git.is_ancestor(&second, &first).unwrap());
    assert_eq!(git.rev_parse("HEAD~1").unwrap(), Some(first.clone()));
    assert_eq!(git.rev_parse("no-such-branch").unwrap(), None);
    assert!(matches!(
        git.rev_parse("--all"),
        Err(GitError::LooksLikeOption { .. })
    ));
}

#[test]
fn tag_force_creates_and_moves_a_tag() {
    let repo = TestRepo::new();
    let first = repo.commit_all("first");
    let second = repo.commit_all("second");
    let git = open(&repo);
    git.tag_force("peers-baseline", &first).unwrap();
    assert_eq!(git.rev_parse("peers-baseline").unwrap(), Some(first));
    git.tag_force("peers-baseline", "HEAD").unwrap();
    assert_eq!(git.rev_parse("peers-baseline").unwrap(), Some(second));
}

#[test]
fn a_snapshot_commit_holds_an_ignored_dir_and_leaves_the_index_and_branch_alone() {
    let repo = TestRepo::new();
    repo.write("tracked.txt", "t");
    let git = open(&repo);
    git.add(&["tracked.txt"]).unwrap();
    let head = git.commit("first", &identity("me")).unwrap();
    repo.write(".gitignore", ".peers/\n");
    repo.write(".peers/state.json", "{}");
    repo.write("staged.txt", "s");
    git.add(&["staged.txt"]).unwrap();
    let snapshot = git
        .snapshot_commit(".peers", "state", &identity("me"))
        .unwrap();
    assert_eq!(
        git.head().unwrap().as_deref(),
        Some(head.as_str()),
        "branch unmoved"
    );
    assert_eq!(git.rev_parse(&format!("{snapshot}^")).unwrap(), Some(head));
    let git_dir = git.dirs().unwrap().git_dir;
    let show = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&git_dir)
        .args(["ls-tree", "-r", "--name-only", &snapshot])
        .output()
        .unwrap();
    let files = String::from_utf8_lossy(&show.stdout);
    assert_eq!(files.trim(), ".peers/state.json", "{files}");
    let staged = std::process::Command::new("git")
        .current_dir(repo.path())
        .args(["diff", "--cached", "--name-only"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&staged.stdout).trim(), "staged.txt");
    assert!(
        !std::fs::read_dir(&git_dir).unwrap().flatten().any(|e| e
            .file_name()
            .to_string_lossy()
            .starts_with("peers-snapshot")),
        "the scratch index is removed"
    );
}

#[test]
fn current_branch_and_remote_url() {
    let repo = TestRepo::new();
    let git = open(&repo);
    assert!(git.current_branch().unwrap().is_some());
    assert_eq!(git.remote_url("origin").unwrap(), None);
    let ok = std::process::Command::new("git")
        .current_dir(repo.path())
        .args(["remote", "add", "origin", "/srv/x.git"])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    assert_eq!(
        git.remote_url("origin").unwrap().as_deref(),
        Some("/srv/x.git")
    );
}
