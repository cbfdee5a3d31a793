//! Tests for `git_control`: changes to `.git/config` and `.git/hooks` are named and undone.

use super::*;

fn dirs(root: &Path) -> GitDirs {
    let git = root.join(".git");
    fs::create_dir_all(git.join("hooks")).unwrap();
    fs::create_dir_all(git.join("info")).unwrap();
    fs::write(git.join("config"), "[core]\n\tbare = false\n").unwrap();
    fs::write(git.join("hooks/pre-commit.sample"), "#!/bin/sh\n").unwrap();
    GitDirs {
        git_dir: git.clone(),
        common_dir: git,
    }
}

#[test]
fn a_planted_config_setting_and_hook_are_reported_and_undone() {
    let temp = tempfile::tempdir().unwrap();
    let dirs = dirs(temp.path());
    let git = &dirs.common_dir;
    let snapshot = GitControlSnapshot::take(&dirs);
    assert!(snapshot.restore_changes().is_empty());

    fs::write(git.join("config"), "[core]\n\tfsmonitor = ./x\n").unwrap();
    fs::write(git.join("hooks/post-commit"), "#!/bin/sh\nrm -rf /\n").unwrap();
    fs::remove_file(git.join("hooks/pre-commit.sample")).unwrap();
    fs::write(git.join("info/attributes"), "* filter=x\n").unwrap();
    let notes = snapshot.restore_changes();
    let text = notes.join("\n");
    assert!(text.contains(".git/config was modified"), "{text}");
    assert!(
        text.contains(".git/hooks/post-commit was created during the turn; removed"),
        "{text}"
    );
    assert!(
        text.contains(".git/hooks/pre-commit.sample was deleted"),
        "{text}"
    );
    assert!(text.contains(".git/info/attributes was created"), "{text}");
    assert_eq!(
        fs::read_to_string(git.join("config")).unwrap(),
        "[core]\n\tbare = false\n"
    );
    assert!(!git.join("hooks/post-commit").exists());
    assert!(git.join("hooks/pre-commit.sample").exists());
    assert!(!git.join("info/attributes").exists());
    assert!(snapshot.restore_changes().is_empty());
}

#[test]
fn a_hooks_directory_replaced_by_a_symlink_is_a_directory_again() {
    let temp = tempfile::tempdir().unwrap();
    let dirs = dirs(temp.path());
    let hooks = dirs.common_dir.join("hooks");
    let snapshot = GitControlSnapshot::take(&dirs);
    let elsewhere = temp.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::write(elsewhere.join("pre-commit"), "#!/bin/sh\n").unwrap();
    fs::remove_dir_all(&hooks).unwrap();
    symlink(&elsewhere, &hooks).unwrap();
    let text = snapshot.restore_changes().join("\n");
    assert!(text.contains(".git/hooks was modified"), "{text}");
    assert!(fs::symlink_metadata(&hooks).unwrap().is_dir());
    assert!(hooks.join("pre-commit.sample").exists());
    assert!(!hooks.join("pre-commit").exists());
}
