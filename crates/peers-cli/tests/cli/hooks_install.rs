//! `peers init --driver=hooks --install`, `peers hooks install|uninstall` against temporary
//! HOMEs holding realistic Claude Code and Codex configurations with the user's own hooks.

use std::path::{Path, PathBuf};

use crate::test_env::TestEnv;

/// A Claude Code settings.json as users have them: settings, permissions, their own hooks.
const CLAUDE_SETTINGS: &str = r#"{
  "model": "opus",
  "permissions": {
    "allow": ["Bash(git status:*)", "Read(~/notes/**)"],
    "deny": ["Bash(rm -rf:*)"]
  },
  "hooks": {
    "Stop": [
      {
        "matcher": "",
        "hooks": [
          { "type": "command", "command": "notify-send 'Claude is done'" }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [{ "type": "command", "command": "~/bin/audit-bash.sh", "timeout": 5 }]
      }
    ]
  },
  "statusLine": { "type": "command", "command": "~/bin/status.sh" }
}
"#;

/// Codex's hooks.json with the user's own Stop hook.
const CODEX_HOOKS: &str = r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"python3 ~/.codex/hooks/log_turn.py","timeout":30}]}],"SessionStart":[{"matcher":"startup","hooks":[{"type":"command","command":"echo hi"}]}]}}
"#;

fn settings(env: &TestEnv) -> PathBuf {
    env.root().join("home/.claude/settings.json")
}

fn codex_hooks(env: &TestEnv) -> PathBuf {
    env.root().join("home/.codex/hooks.json")
}

fn seed_home(env: &TestEnv) {
    env.write(
        &env.root().join("home"),
        ".claude/settings.json",
        CLAUDE_SETTINGS,
    );
    env.write(&env.root().join("home"), ".codex/hooks.json", CODEX_HOOKS);
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Every command under `hooks.<event>`.
fn commands(value: &serde_json::Value, event: &str) -> Vec<String> {
    value["hooks"][event]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|entry| entry["hooks"].as_array().cloned().unwrap_or_default())
        .filter_map(|hook| hook["command"].as_str().map(str::to_owned))
        .collect()
}

fn ours(value: &serde_json::Value, event: &str) -> Vec<String> {
    commands(value, event)
        .into_iter()
        .filter(|c| c.contains("tick --after"))
        .collect()
}

fn hooks_project(env: &TestEnv, name: &str) -> PathBuf {
    let repo = env.repo(name, true);
    let out = env.peers(&repo, &["init", "--driver=hooks"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    repo
}

#[test]
fn init_with_install_merges_beside_the_users_hooks_and_reinstall_is_a_noop() {
    let env = TestEnv::new();
    seed_home(&env);
    let repo = env.repo("proj", true);
    let out = env.peers(&repo, &["init", "--driver=hooks", "--install"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stdout.contains("claude: installed"), "{}", out.stdout);
    assert!(out.stdout.contains("codex: installed"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("gemini: skipped: no peer uses tool gemini"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("/hooks"),
        "the Codex trust step is said: {}",
        out.stdout
    );
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    assert!(config.contains("\ndriver: hooks\n"));
    for snippet in ["claude-settings.json", "codex-hooks.json", "README.md"] {
        assert!(
            repo.join(".peers/hooks").join(snippet).is_file(),
            "{snippet}"
        );
    }

    let claude = json(&settings(&env));
    assert_eq!(claude["model"], "opus");
    assert_eq!(claude["statusLine"]["command"], "~/bin/status.sh");
    assert_eq!(commands(&claude, "PreToolUse"), ["~/bin/audit-bash.sh"]);
    let stop = commands(&claude, "Stop");
    assert_eq!(
        stop[0], "notify-send 'Claude is done'",
        "the user's hook stays first"
    );
    let mine = ours(&claude, "Stop");
    assert_eq!(mine.len(), 1);
    assert!(
        mine[0].contains("tick --after claude --hook"),
        "{}",
        mine[0]
    );
    let codex = json(&codex_hooks(&env));
    assert_eq!(
        commands(&codex, "Stop")[0],
        "python3 ~/.codex/hooks/log_turn.py"
    );
    assert!(ours(&codex, "Stop")[0].contains("tick --after codex --hook"));
    assert_eq!(commands(&codex, "SessionStart"), ["echo hi"]);
    let backups = std::fs::read_dir(env.root().join("home/.claude"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("settings.json.bak.peers-")
        })
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<Vec<_>>();
    assert_eq!(
        backups,
        [CLAUDE_SETTINGS],
        "a backup of the exact earlier content"
    );

    let before = (
        std::fs::read(settings(&env)).unwrap(),
        std::fs::read(codex_hooks(&env)).unwrap(),
    );
    let again = env.peers(&repo, &["hooks", "install"]);
    assert_eq!(again.code, 0, "{}", again.combined());
    assert!(
        again.stdout.contains("claude: noop") && again.stdout.contains("codex: noop"),
        "{}",
        again.stdout
    );
    let after = (
        std::fs::read(settings(&env)).unwrap(),
        std::fs::read(codex_hooks(&env)).unwrap(),
    );
    assert_eq!(before, after, "a noop writes nothing");
}

#[test]
fn a_moved_project_updates_its_own_entry_in_place_and_uninstall_restores_exactly() {
    let env = TestEnv::new();
    seed_home(&env);
    let repo = hooks_project(&env, "proj");
    let out = env.peers(&repo, &["hooks", "install"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let moved = env.root().join("moved-proj");
    std::fs::rename(&repo, &moved).unwrap();
    let out = env.peers(&moved, &["hooks", "install", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let sides: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(sides[0]["result"], "updated");
    assert_eq!(sides[1]["result"], "updated");
    let claude = json(&settings(&env));
    let mine = ours(&claude, "Stop");
    assert_eq!(mine.len(), 1, "one entry, not a second one: {mine:?}");
    assert!(mine[0].contains("moved-proj"), "{}", mine[0]);
    assert_eq!(commands(&claude, "Stop").len(), 2);

    let out = env.peers(&moved, &["hooks", "uninstall"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stdout.contains("claude: restored"), "{}", out.stdout);
    assert_eq!(
        std::fs::read_to_string(settings(&env)).unwrap(),
        CLAUDE_SETTINGS
    );
    assert_eq!(
        std::fs::read_to_string(codex_hooks(&env)).unwrap(),
        CODEX_HOOKS
    );
    let out = env.peers(&moved, &["hooks", "uninstall"]);
    assert!(
        out.stdout.contains("claude: not-installed"),
        "{}",
        out.stdout
    );
}

#[test]
fn uninstall_after_the_user_edited_the_file_removes_only_peers_hook() {
    let env = TestEnv::new();
    seed_home(&env);
    let repo = hooks_project(&env, "proj");
    assert_eq!(env.peers(&repo, &["hooks", "install"]).code, 0);
    let mut claude = json(&settings(&env));
    claude["theme"] = serde_json::json!("dark");
    std::fs::write(settings(&env), serde_json::to_vec_pretty(&claude).unwrap()).unwrap();
    let out = env.peers(&repo, &["hooks", "uninstall", "--only", "claude"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stdout.contains("claude: removed"), "{}", out.stdout);
    let claude = json(&settings(&env));
    assert_eq!(claude["theme"], "dark", "the user's later edit is kept");
    assert_eq!(commands(&claude, "Stop"), ["notify-send 'Claude is done'"]);
    assert!(
        !ours(&json(&codex_hooks(&env)), "Stop").is_empty(),
        "--only leaves codex alone"
    );
}

#[test]
fn a_missing_file_is_created_and_uninstall_deletes_it_again() {
    let env = TestEnv::new();
    let repo = hooks_project(&env, "proj");
    let out = env.peers(&repo, &["hooks", "install", "--only", "codex"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(ours(&json(&codex_hooks(&env)), "Stop").len(), 1);
    assert!(!settings(&env).exists(), "--only codex");
    assert_eq!(env.peers(&repo, &["hooks", "uninstall"]).code, 0);
    assert!(
        !codex_hooks(&env).exists(),
        "the file peers created is gone"
    );
}

#[test]
fn symlinked_or_invalid_configs_are_left_alone_with_a_message() {
    let env = TestEnv::new();
    let home = env.root().join("home");
    env.write(&home, "dotfiles/claude.json", CLAUDE_SETTINGS);
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::os::unix::fs::symlink(home.join("dotfiles/claude.json"), settings(&env)).unwrap();
    env.write(&home, ".codex/hooks.json", "{\"hooks\": {\"Stop\": [ oops");
    let repo = hooks_project(&env, "proj");
    let out = env.peers(&repo, &["hooks", "install"]);
    assert_eq!(
        out.code,
        1,
        "nothing could be installed: {}",
        out.combined()
    );
    assert!(
        out.stdout.contains("is a symlink; left alone"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("is not valid JSON (line 1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(".peers/hooks/claude-settings.json"),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(home.join("dotfiles/claude.json")).unwrap(),
        CLAUDE_SETTINGS
    );
    assert_eq!(
        std::fs::read_to_string(codex_hooks(&env)).unwrap(),
        "{\"hooks\": {\"Stop\": [ oops"
    );
    assert!(
        std::fs::symlink_metadata(settings(&env))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A `hooks.Stop` that is not a list is not the shape peers knows: left alone too.
    std::fs::remove_file(settings(&env)).unwrap();
    env.write(
        &home,
        ".claude/settings.json",
        "{\"hooks\": {\"Stop\": {\"command\": \"x\"}}}",
    );
    let out = env.peers(&repo, &["hooks", "install", "--only", "claude"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(
        out.stdout.contains("`hooks.Stop` is not a list"),
        "{}",
        out.stdout
    );
}

/// Regression guard for the original's substring match: a hook that merely contains the
/// marker (with more after it) is the user's and is never rewritten or removed.
#[test]
fn the_marker_is_matched_whole_never_as_a_substring() {
    let env = TestEnv::new();
    let repo = hooks_project(&env, "proj");
    let id = std::fs::read_to_string(repo.join(".peers/hooks/project-id")).unwrap();
    let lookalike = format!("echo mine # peers-hook {} claude-but-mine", id.trim());
    let prefix = format!("echo mine too # peers-hook {}", id.trim());
    let user = serde_json::json!({"hooks": {"Stop": [
        {"matcher": "", "hooks": [{"type": "command", "command": lookalike}]},
        {"matcher": "", "hooks": [{"type": "command", "command": prefix}]}
    ]}});
    env.write(
        &env.root().join("home"),
        ".claude/settings.json",
        &user.to_string(),
    );
    assert_eq!(
        env.peers(&repo, &["hooks", "install", "--only", "claude"])
            .code,
        0
    );
    let stop = commands(&json(&settings(&env)), "Stop");
    assert_eq!(stop.len(), 3, "{stop:?}");
    assert_eq!(stop[0], lookalike);
    assert_eq!(stop[1], prefix);
    std::fs::write(
        settings(&env),
        serde_json::to_vec(&json(&settings(&env))).unwrap(),
    )
    .unwrap();
    assert_eq!(env.peers(&repo, &["hooks", "uninstall"]).code, 0);
    assert_eq!(
        commands(&json(&settings(&env)), "Stop"),
        [lookalike, prefix]
    );
}

#[test]
fn install_with_the_orchestrator_driver_is_refused_before_anything_is_written() {
    let env = TestEnv::new();
    let repo = env.repo("proj", true);
    let out = env.peers(&repo, &["init", "--install"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("--driver=hooks"), "{}", out.stderr);
    assert!(!repo.join(".peers").exists());
}

#[test]
fn init_json_with_install_keeps_stdout_one_json_document() {
    let env = TestEnv::new();
    seed_home(&env);
    let repo = env.repo("proj", true);
    let out = env.peers(&repo, &["init", "--driver=hooks", "--install", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let report: serde_json::Value =
        serde_json::from_str(&out.stdout).expect("stdout is one JSON document");
    assert!(report.get("created").is_some(), "{report}");
    assert!(out.stderr.contains("claude: installed"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("wrote .peers/hooks/claude-settings.json"),
        "{}",
        out.stderr
    );
}
