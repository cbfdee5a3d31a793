//! Host-side git is inert and the user's tree is the user's: programs planted in `.git/config`,
//! hooks and attribute-driven filters never run under `peers run` or `peers verify`; a peer's
//! changes to `.git/config` and `.git/hooks` are undone and named; a dirty tree refuses the run;
//! stashes are named; git's own maintenance is off for peers and never blamed on them.

use std::path::Path;

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn honest(file: &str) -> serde_json::Value {
    json!({"turns": [[{"append_file": {"path": file, "content": "{peer} was here\n"}}, {"git_commit": {"message": HANDOFF}}]]})
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(path, permissions).unwrap();
}

/// Plants every kind of repository-configured program in `repo`; each one touches a marker
/// file in `markers` named after its kind.
fn plant_programs(env: &TestEnv, repo: &Path, markers: &Path) {
    std::fs::create_dir_all(markers).unwrap();
    env.write(
        repo,
        ".gitattributes",
        "* filter=evil diff=evil merge=evil\n",
    );
    env.commit_all(repo, "attributes");
    let program = |kind: &str| format!("touch {}/{kind}; cat", markers.display());
    for (key, kind) in [
        ("core.fsmonitor", "fsmonitor"),
        ("filter.evil.clean", "filter-clean"),
        ("filter.evil.smudge", "filter-smudge"),
        ("filter.evil.process", "filter-process"),
        ("diff.evil.textconv", "textconv"),
        ("diff.evil.command", "diff-command"),
        ("diff.external", "diff-external"),
        ("merge.evil.driver", "merge-driver"),
        ("core.pager", "pager"),
    ] {
        env.git(repo, &["config", key, &program(kind)]);
    }
    for hook in [
        "pre-commit",
        "commit-msg",
        "post-commit",
        "reference-transaction",
        "post-checkout",
    ] {
        executable(
            &repo.join(".git/hooks").join(hook),
            &format!("#!/bin/sh\ntouch {}/hook-{hook}\n", markers.display()),
        );
    }
}

fn ran(markers: &Path) -> Vec<String> {
    std::fs::read_dir(markers)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn programs_planted_in_git_config_hooks_and_filters_never_run_under_verify_or_run() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "",
    );
    let markers = env.root().join("markers");
    plant_programs(&env, &repo, &markers);
    assert!(ran(&markers).is_empty(), "setup ran a planted program");

    let verify = env.peers(&repo, &["verify"]);
    assert!(
        verify.code == 0 || verify.code == 1,
        "{}",
        verify.combined()
    );
    assert_eq!(ran(&markers), Vec::<String>::new(), "peers verify ran them");

    let run = env.peers(&repo, &["run", "--max-ticks", "2"]);
    assert_eq!(run.code, 0, "{}", run.combined());
    assert_eq!(env.ticks(&repo).len(), 2);
    assert_eq!(ran(&markers), Vec::<String>::new(), "peers run ran them");
}

#[test]
fn a_peer_that_plants_git_config_or_a_hook_fails_its_tick_and_both_are_undone() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let marker = env.root().join("ran-later");
    let planter = json!({"turns": [[
        {"append_file": {"path": ".git/config", "content": format!("[core]\n\tfsmonitor = touch {}\n", marker.display())}},
        {"write_file": {"path": ".git/hooks/post-commit", "content": format!("#!/bin/sh\ntouch {}\n", marker.display())}},
        {"append_file": {"path": "a.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", planter), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let config_before = std::fs::read_to_string(repo.join(".git/config")).unwrap();
    let out = env.peers(&repo, &["run", "--max-ticks", "2", "--sandbox", "none"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false, "{tick}");
    let reason = tick["soft_fail_reason"].as_str().unwrap_or_default();
    assert!(reason.contains(".git/config"), "{tick}");
    let integrity = tick["integrity"].to_string();
    assert!(
        integrity.contains(".git/config was modified"),
        "{integrity}"
    );
    assert!(
        integrity.contains(".git/hooks/post-commit was created"),
        "{integrity}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join(".git/config")).unwrap(),
        config_before
    );
    assert!(!repo.join(".git/hooks/post-commit").exists());
    assert!(!marker.exists(), "the planted program ran");
}

#[test]
fn run_refuses_a_dirty_tree_and_with_allow_dirty_stashes_it_under_the_users_name() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "",
    );
    env.write(&repo, "README.md", "# my own edit\n");
    env.write(&repo, "notes.txt", "mine\n");

    let refused = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(refused.code, 2, "{}", refused.combined());
    let text = refused.combined();
    assert!(text.contains("uncommitted change"), "{text}");
    assert!(
        text.contains("README.md") && text.contains("notes.txt"),
        "{text}"
    );
    assert!(text.contains("--allow-dirty"), "the fix is named: {text}");
    assert!(env.ticks(&repo).is_empty());
    assert_eq!(
        std::fs::read_to_string(repo.join("notes.txt")).unwrap(),
        "mine\n"
    );

    let allowed = env.peers(&repo, &["run", "--max-ticks", "1", "--allow-dirty"]);
    assert_eq!(allowed.code, 0, "{}", allowed.combined());
    assert!(
        allowed
            .combined()
            .contains("your uncommitted edits were stashed as"),
        "{}",
        allowed.combined()
    );
    assert_eq!(
        env.ticks(&repo)[0]["success"],
        true,
        "the peer is not blamed"
    );
    let stashes = env.git(&repo, &["stash", "list"]);
    assert!(
        stashes.contains("your uncommitted edits, set aside before the run"),
        "{stashes}"
    );
    env.git(&repo, &["stash", "pop", "-q"]);
    assert_eq!(
        std::fs::read_to_string(repo.join("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn a_peers_stashed_edits_are_named_in_the_terminal_and_the_report() {
    let env = TestEnv::new();
    let lazy =
        json!({"turns": [[{"write_file": {"path": "draft.txt", "content": "half done\n"}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", lazy), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let stash = env.git(&repo, &["rev-parse", "--short=12", "refs/stash"]);
    let named = format!(
        "\"peers: uncommitted edits of alice at tick 1\" (stash commit {}",
        stash.trim()
    );
    assert!(
        out.combined().contains(&named),
        "terminal: {}",
        out.combined()
    );
    let report = env.peers(&repo, &["report", "--print"]);
    assert!(report.stdout.contains(&named), "report: {}", report.stdout);
}

#[test]
fn peers_get_git_with_automatic_maintenance_off_and_are_not_blamed_for_gits_processes() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let seen = env.root().join("seen.txt");
    // The user's repository is past git's auto-gc threshold (two packs, a limit of one).
    let script = format!(
        "cat >/dev/null; git config --get gc.auto > {seen}; git config --get maintenance.auto >> {seen}; \
         echo x >> a.txt; git add a.txt; git commit -q -m \"$(printf 'Work by alice\\n\\n## Self-Review\\nRe-read the diff and ran the checks myself; nothing left out.\\n\\nPeer: alice\\nPeer-Status: handoff\\nSelf-Review: pass')\"",
        seen = seen.display()
    );
    let repo = env.sim_project("app", &[("bob", "sim", honest("b.txt"))], SIMPLE_GOALS, "");
    let config_path = repo.join(".peers/config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap().replace(
        "peers:\n",
        &format!(
            "peers:\n  - name: alice\n    tool: generic\n    argv: ['sh', '-c', {script:?}]\n    prompt_mode: stdin\n"
        ),
    );
    std::fs::write(&config_path, config).unwrap();
    for round in ["one", "two"] {
        env.write(&repo, &format!("{round}.txt"), round);
        env.commit_all(&repo, round);
        env.git(&repo, &["repack", "-q"]);
    }
    env.git(&repo, &["config", "gc.autoPackLimit", "1"]);

    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "none"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "0\nfalse\n");
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["peer"], "alice");
    assert!(
        !tick["integrity"].to_string().contains("left"),
        "no leftover is blamed on the peer: {tick}"
    );
    assert_eq!(tick["success"], true, "{tick}");
    assert!(!repo.join(".git/gc.pid").exists());
}
