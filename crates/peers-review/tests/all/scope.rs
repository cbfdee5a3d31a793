//! Scope collection from a real temporary git repository.

use peers_git::Git;
use peers_review::{ReviewError, Scope, collect};
use peers_testkit::TestRepo;

fn repo() -> (tempfile::TempDir, Git) {
    let repo = TestRepo::new();
    repo.write("a.txt", "one\n");
    repo.git(&["add", "a.txt"]);
    repo.git(&["commit", "-q", "-m", "first"]);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("a.txt", "one\ntwo\n");
    repo.git(&["commit", "-q", "-am", "second"]);
    let found = Git::discover(repo.path()).unwrap();
    (repo.into_temp_dir(), found)
}

#[test]
fn base_scope_is_the_three_dot_diff() {
    let (_temp, git) = repo();
    let material = collect(&git, &Scope::Base("main".to_owned())).unwrap();
    assert!(material.description.contains("git diff main...HEAD"));
    assert!(material.body.contains("+two"), "{}", material.body);
}

#[test]
fn commit_scope_shows_the_commit() {
    let (_temp, git) = repo();
    let material = collect(&git, &Scope::Commit("HEAD".to_owned())).unwrap();
    assert!(material.body.contains("second") && material.body.contains("+two"));
}

#[test]
fn uncommitted_scope_includes_untracked_files_but_not_peers_dir() {
    let (temp, git) = repo();
    std::fs::write(temp.path().join("a.txt"), "changed\n").unwrap();
    std::fs::write(temp.path().join("new.txt"), "brand new\n").unwrap();
    std::fs::create_dir(temp.path().join(".peers")).unwrap();
    std::fs::write(temp.path().join(".peers/x"), "control\n").unwrap();
    let material = collect(&git, &Scope::Uncommitted).unwrap();
    assert!(material.body.contains("+changed"));
    assert!(material.body.contains("untracked new.txt") && material.body.contains("brand new"));
    assert!(!material.body.contains("control"));
}

#[test]
fn unknown_revision_and_empty_diff_are_refused() {
    let (_temp, git) = repo();
    let err = collect(&git, &Scope::Base("nope".to_owned())).unwrap_err();
    assert!(matches!(err, ReviewError::UnknownRevision { .. }), "{err}");
    let err = collect(&git, &Scope::Base("HEAD".to_owned())).unwrap_err();
    assert!(matches!(err, ReviewError::EmptyScope { .. }), "{err}");
}

#[test]
fn a_question_needs_no_diff() {
    let (_temp, git) = repo();
    let material = collect(&git, &Scope::Question("Is X safe?".to_owned())).unwrap();
    assert_eq!(material.body, "Is X safe?");
}
