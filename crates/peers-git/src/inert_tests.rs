//! Tests for `inert`: programs planted in a repository's configuration never run.

use super::*;
use peers_testkit::git;

fn inert(dir: &Path, args: &[&str]) -> std::process::Output {
    command(dir, args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env(
            "GIT_CONFIG_GLOBAL",
            peers_core::git_env::NO_GLOBAL_GIT_CONFIG,
        )
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap()
}

/// A repository whose config, attributes and hooks name a marker-writing program.
fn planted(dir: &Path, marker: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(
        dir.join(".gitattributes"),
        "*.txt filter=f diff=d merge=m\n",
    )
    .unwrap();
    std::fs::write(dir.join("a.txt"), "a\n").unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "a"]);
    let program = format!("touch {}; cat", marker.display());
    for key in [
        "core.fsmonitor",
        "filter.f.clean",
        "filter.f.smudge",
        "filter.f.process",
        "diff.d.textconv",
        "diff.d.command",
        "diff.external",
        "merge.m.driver",
        "core.pager",
    ] {
        git(dir, &["config", key, &program]);
    }
    git(dir, &["config", "filter.f.required", "true"]);
    let hooks = dir.join(".git/hooks");
    for hook in [
        "pre-commit",
        "commit-msg",
        "post-commit",
        "reference-transaction",
    ] {
        let path = hooks.join(hook);
        std::fs::write(&path, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).unwrap();
    }
}

#[test]
fn planted_programs_in_the_repository_config_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    planted(&repo, &marker);
    assert!(!marker.exists(), "setup itself ran the program");
    std::fs::write(repo.join("a.txt"), "a\nb\n").unwrap();
    for args in [
        &["status", "--porcelain"][..],
        &["diff"],
        &["diff", "--stat"],
        &["add", "a.txt"],
        &["commit", "-q", "-m", "b"],
        &["log", "-p", "-1"],
        &["show", "HEAD"],
        &["stash", "list"],
        &["checkout", "-q", "HEAD~1", "--", "a.txt"],
        &["reset", "-q", "--hard", "HEAD"],
    ] {
        let output = inert(&repo, args);
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!marker.exists(), "git {args:?} ran a planted program");
    }
}

#[test]
fn a_filter_added_after_the_first_call_is_neutralised_too() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    assert!(
        !overrides(dir.path())
            .iter()
            .any(|s| s.starts_with("filter.late."))
    );
    std::fs::write(
        dir.path().join("extra.cfg"),
        "[filter \"late\"]\n\tclean = x\n",
    )
    .unwrap();
    git(dir.path(), &["config", "include.path", "../extra.cfg"]);
    assert!(overrides(dir.path()).contains(&"filter.late.clean=".to_owned()));
    // The included file changes alone: the cache notices.
    std::fs::write(
        dir.path().join("extra.cfg"),
        format!(
            "[filter \"later\"]\n\tprocess = touch {}\n",
            marker.display()
        ),
    )
    .unwrap();
    assert!(overrides(dir.path()).contains(&"filter.later.process=".to_owned()));
}

#[test]
fn a_branch_switch_is_noticed_for_onbranch_includes_and_a_moving_detached_head_is_not_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("a.txt"), "a\n").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "a"]);
    std::fs::write(repo.join("a.txt"), "b\n").unwrap();
    git(repo, &["commit", "-q", "-am", "b"]);
    std::fs::write(repo.join("late.cfg"), "[filter \"late\"]\n\tclean = x\n").unwrap();
    git(
        repo,
        &["config", "includeIf.onbranch:feature.path", "../late.cfg"],
    );
    let has_late = || overrides(repo).contains(&"filter.late.clean=".to_owned());
    assert!(!has_late(), "on main the include does not apply");
    git(repo, &["checkout", "-q", "-b", "feature"]);
    assert!(
        has_late(),
        "on feature it does, and the cache noticed the switch"
    );
    // Detached and moving between commits: git reads the same configuration, and the cached
    // listing is reused rather than listed again (a gate tree moves every tick).
    git(repo, &["checkout", "-q", "--detach", "HEAD~1"]);
    assert!(!has_late());
    let head = repo.join(".git/HEAD");
    let before = stamp(&head);
    git(repo, &["checkout", "-q", "--detach", "main"]);
    assert!(!has_late());
    assert_eq!(
        stamp(&head),
        before,
        "a detached HEAD that moved is the same stamp"
    );
    assert_eq!(before, Stamp::Head(None));
}

#[test]
fn diff_commands_get_no_external_diff_or_textconv() {
    let args = argv(Path::new("/"), &["log", "-p"]);
    let text: Vec<&str> = args.iter().map(|a| a.to_str().unwrap()).collect();
    let log = text.iter().position(|a| *a == "log").unwrap();
    assert_eq!(
        &text[log..],
        ["log", "--no-ext-diff", "--no-textconv", "-p"]
    );
    assert_eq!(text[0], "--no-pager");
    assert!(text.contains(&"core.hooksPath=/dev/null"));
    assert!(text.contains(&"core.fsmonitor=false"));
}

#[test]
fn isolated_commits_as_the_identity_given_and_reads_no_global_config() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(
        home.join(".gitconfig"),
        "[user]\n\tname = Leaked\n\temail = leaked@example.invalid\n",
    )
    .unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let identity = crate::Identity {
        name: "alice".into(),
        email: "alice@peers.local".into(),
    };
    let run = |args: &[&str]| {
        let output = isolated(&repo, args, &identity)
            .env("HOME", &home)
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(run(&["config", "--default", "none", "user.name"]), "none\n");
    run(&["commit", "-q", "--allow-empty", "-m", "hello"]);
    assert_eq!(
        run(&["log", "-1", "--format=%an <%ae> %cn <%ce>"]),
        "alice <alice@peers.local> alice <alice@peers.local>\n"
    );
}

#[test]
fn an_isolated_git_reads_no_global_config_and_can_never_write_one() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let identity = crate::Identity {
        name: "t".into(),
        email: "t@example.invalid".into(),
    };
    let status = isolated(dir.path(), &["status", "--short"], &identity)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    // The global config's directory is a character device: no process, root included, can
    // create a file below it (writing the path itself would replace the device).
    let parent = Path::new(peers_core::git_env::NO_GLOBAL_GIT_CONFIG)
        .parent()
        .unwrap();
    assert!(
        std::fs::metadata(parent)
            .unwrap()
            .file_type()
            .is_char_device()
    );
}
