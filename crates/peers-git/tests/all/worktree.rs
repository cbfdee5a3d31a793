//! Status, ignore rules and the worktree fingerprint.

use std::path::Path;

use crate::support::{TestRepo, open};

#[test]
fn status_lists_every_untracked_file_but_not_ignored_ones() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "target/\n");
    repo.write("tracked.txt", "v1");
    repo.commit_all("base");
    repo.write("tracked.txt", "v2");
    repo.write("new/dir/one.txt", "1");
    repo.write("target/build.log", "ignored");
    let entries = open(&repo).status_porcelain().unwrap();
    let paths: Vec<&Path> = entries.iter().map(|e| e.path.as_path()).collect();
    assert_eq!(
        paths,
        vec![Path::new("tracked.txt"), Path::new("new/dir/one.txt")]
    );
    assert_eq!(entries[0].worktree, 'M');
    assert!(entries[1].is_untracked());
}

#[test]
fn is_ignored_follows_gitignore_and_never_ignores_tracked_files() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "*.log\n");
    repo.write("kept.log", "tracked despite the pattern");
    repo.git(&["add", "--force", "kept.log", ".gitignore"]);
    repo.git(&["commit", "--quiet", "-m", "base"]);
    let git = open(&repo);
    assert!(git.is_ignored("other.log").unwrap());
    assert!(!git.is_ignored("kept.log").unwrap());
    assert!(!git.is_ignored("src/main.rs").unwrap());
}

#[test]
fn fingerprint_tracks_content_not_staging_or_ignored_files() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "*.log\n");
    repo.write("a.txt", "a");
    repo.commit_all("base");
    let git = open(&repo);
    let clean = git.worktree_fingerprint().unwrap();
    assert_eq!(clean, git.worktree_fingerprint().unwrap(), "not stable");

    repo.write("noise.log", "ignored");
    assert_eq!(
        git.worktree_fingerprint().unwrap(),
        clean,
        "ignored file changed it"
    );

    repo.write("a.txt", "changed");
    let modified = git.worktree_fingerprint().unwrap();
    assert_ne!(modified, clean);
    repo.git(&["add", "a.txt"]);
    assert_eq!(
        git.worktree_fingerprint().unwrap(),
        modified,
        "staging changed it"
    );

    repo.write("a.txt", "changed again");
    assert_ne!(git.worktree_fingerprint().unwrap(), modified);

    repo.commit_all("commit the change");
    let committed = git.worktree_fingerprint().unwrap();
    repo.write("untracked.txt", "u");
    assert_ne!(git.worktree_fingerprint().unwrap(), committed);
    std::fs::remove_file(repo.path().join("untracked.txt")).unwrap();
    assert_eq!(git.worktree_fingerprint().unwrap(), committed);
}

#[test]
fn fingerprint_hashes_a_symlink_target_not_what_it_points_at() {
    let repo = TestRepo::new();
    repo.commit_all("base");
    let git = open(&repo);
    let link = repo.path().join("link");
    std::os::unix::fs::symlink("target-one", &link).unwrap();
    let first = git.worktree_fingerprint().unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("target-two", &link).unwrap();
    assert_ne!(git.worktree_fingerprint().unwrap(), first);
}

#[test]
fn fingerprint_works_on_an_unborn_branch() {
    let repo = TestRepo::new();
    let git = open(&repo);
    let empty = git.worktree_fingerprint().unwrap();
    repo.write("first.txt", "x");
    assert_ne!(git.worktree_fingerprint().unwrap(), empty);
}

#[test]
fn fingerprint_sees_a_staged_rename_and_its_source() {
    let repo = TestRepo::new();
    repo.write("old.txt", "same content");
    repo.commit_all("base");
    let git = open(&repo);
    let clean = git.worktree_fingerprint().unwrap();
    repo.git(&["mv", "old.txt", "new.txt"]);
    let renamed = git.worktree_fingerprint().unwrap();
    assert_ne!(renamed, clean);
    let entries = git.status_porcelain().unwrap();
    assert_eq!(entries[0].orig_path.as_deref(), Some(Path::new("old.txt")));
    repo.write("old.txt", "source restored beside the rename");
    assert_ne!(git.worktree_fingerprint().unwrap(), renamed);
}
