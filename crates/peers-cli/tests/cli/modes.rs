//! `peers modes list` and `peers init --modes/--lang`: user modes, dependency order, errors
//! checked before anything is written, goals.yaml written by id with params and locked.

use std::path::{Path, PathBuf};

use crate::test_env::TestEnv;

/// A user mode under `$HOME/.config/peers/modes/<name>/`.
fn user_mode(env: &TestEnv, name: &str, requires: &str, goals: &str) -> PathBuf {
    let dir = env.root().join("home/.config/peers/modes").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mode.yaml"),
        format!("name: {name}\nversion: 2\ndescription: {name} checks\nrequires: {requires}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("goals.yaml"), goals).unwrap();
    dir
}

const STATIC_GOALS: &str = "goals:\n  - id: no-stubs\n    type: hard\n    builtin: no-stubs\n    params: {lang: auto}\n  - id: no-secrets-committed\n    type: hard\n    builtin: no-secrets-committed\n";
const TYPED_GOALS: &str = "goals:\n  - id: api-stable\n    type: hard\n    builtin: api-stable\n    languages: [go]\n    params: {lang: auto}\n";

fn mixed_repo(env: &TestEnv) -> PathBuf {
    let repo = env.repo("mixed", true);
    env.write(&repo, "Cargo.toml", "[package]\nname = \"x\"\n");
    env.write(&repo, "src/lib.rs", "pub fn a() {}\n");
    env.write(&repo, "web/package.json", "{}\n");
    env.write(&repo, "web/app.ts", "export const a = 1;\n");
    env.commit_all(&repo, "sources");
    repo
}

#[test]
fn list_shows_builtin_and_user_modes_with_requirements() {
    let env = TestEnv::new();
    user_mode(&env, "static", "[audit]", STATIC_GOALS);
    let repo = env.repo("app", true);
    let out = env.peers(&repo, &["modes", "list"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains("thorough (version 1, built-in)\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("  requires: audit\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("type-clean (python/js only)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  reviews:  skeptic-pass, aggressive-honesty\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("static (version 2, "), "{}", out.stdout);
    let out = env.peers(&repo, &["modes", "list", "--json"]);
    let modes: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = modes
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "audit",
            "describe",
            "document",
            "implement",
            "static",
            "thorough"
        ]
    );
    assert_eq!(modes[4]["source"]["kind"], "user");
    assert_eq!(modes[5]["requires"], serde_json::json!(["audit"]));
}

#[test]
fn init_with_user_modes_writes_goals_by_id_with_language_params_and_locks_them() {
    let env = TestEnv::new();
    user_mode(&env, "base", "[]", STATIC_GOALS);
    user_mode(&env, "typed", "[base]", TYPED_GOALS);
    let repo = mixed_repo(&env);
    let out = env.peers(&repo, &["init", "--modes=typed"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains("  modes    base, typed (rust, js)\n"),
        "{}",
        out.stdout
    );
    let goals = std::fs::read_to_string(repo.join(".peers/goals.yaml")).unwrap();
    assert!(goals.contains("  - id: no-stubs\n    type: hard\n    builtin: no-stubs\n    params: {\"lang\":[\"rust\",\"js\"]}\n"), "{goals}");
    assert!(
        !goals.contains("api-stable"),
        "a go-only goal in a rust+js repository: {goals}"
    );
    assert!(!goals.contains("placeholder-replace-me"), "{goals}");
    assert!(
        goals.contains("  - id: bug-hunt-clean\n"),
        "default goals are kept: {goals}"
    );
    let applied = std::fs::read_to_string(repo.join(".peers/modes-applied.txt")).unwrap();
    assert!(
        applied.contains("mode base 2 ")
            && applied.contains("mode typed 2 ")
            && applied.ends_with("languages rust js\n"),
        "{applied}"
    );
    let status = env.peers(&repo, &["goals", "check"]);
    assert_eq!(
        status.code,
        0,
        "the hash lock covers the written goals: {}",
        status.combined()
    );
    let out = env.peers(&repo, &["init", "--force", "--modes=typed", "--lang", "go"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let goals = std::fs::read_to_string(repo.join(".peers/goals.yaml")).unwrap();
    assert!(goals.contains("params: {\"lang\":[\"go\"]}"), "{goals}");
}

#[test]
fn mode_errors_are_reported_before_anything_is_written() {
    let env = TestEnv::new();
    user_mode(&env, "a", "[b]", "");
    user_mode(&env, "b", "[a]", "");
    let repo = env.repo("app", true);
    let cases: [(&[&str], &str); 4] = [
        (&["init", "--modes=thorogh"], "did you mean 'thorough'?"),
        (
            &["init", "--modes=a"],
            "modes require each other in a cycle: a -> b -> a",
        ),
        (
            &["init", "--modes=audit", "--lang", "cobol"],
            "unknown language 'cobol' for --lang",
        ),
        (
            &["init", "--lang", "rust"],
            "--lang applies only together with --modes",
        ),
    ];
    for (args, expected) in cases {
        let out = env.peers(&repo, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.combined());
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
        assert!(!repo.join(".peers").exists(), "{args:?} wrote .peers/");
    }
}

#[test]
fn a_language_specific_mode_needs_a_detectable_language() {
    let env = TestEnv::new();
    user_mode(&env, "base", "[]", STATIC_GOALS);
    let repo = env.repo("empty", true);
    let out = env.peers(&repo, &["init", "--modes=base"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("no language was detected") && out.stderr.contains("--lang"),
        "{}",
        out.stderr
    );
    assert!(!Path::new(&repo.join(".peers")).exists());
}
