//! The preflight of `peers run` and `peers doctor`: a problem stops the run before any tick with
//! the fix; credentials are found by environment or login file; the per-peer `env:` key; and a
//! program that disappears mid-run makes its peer unavailable with the reason.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::test_env::{HANDOFF, Output, SIMPLE_GOALS, TestEnv};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");

/// `peers args` in `dir` with the test environment plus `vars` (PATH among them overrides).
fn peers_with(env: &TestEnv, dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = env.base_command(PEERS);
    cmd.current_dir(dir).args(args);
    for (key, value) in vars {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("run peers");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn sim_argv(script: &Path) -> String {
    format!(
        "['{PEERS}', 'sim-agent', '--script', '{}']",
        script.display()
    )
}

/// A project whose peers are given as config.yaml `peers:` entries.
fn project(env: &TestEnv, peers_yaml: &str) -> PathBuf {
    let repo = env.initialised_repo("app");
    std::fs::write(
        repo.join(".peers/config.yaml"),
        format!("peers:\n{peers_yaml}health:\n  idle_timeout_s: 30\n  absolute_max_runtime_s: 60\n  grace_s: 1\n"),
    )
    .expect("config");
    env.set_goals(&repo, SIMPLE_GOALS);
    repo
}

fn script(env: &TestEnv, name: &str, value: &Value) -> PathBuf {
    let path = env.root().join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec(value).expect("json")).expect("script");
    path
}

fn honest(env: &TestEnv, name: &str) -> PathBuf {
    script(
        env,
        name,
        &json!({"turns": [[{"append_file": {"path": format!("{name}.txt"), "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]}),
    )
}

fn findings(out: &Output) -> Vec<Value> {
    let value: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    value["findings"].as_array().cloned().unwrap_or_default()
}

fn finding<'a>(all: &'a [Value], subject: &str, check: &str) -> &'a Value {
    all.iter()
        .find(|f| f["subject"] == subject && f["check"] == check)
        .unwrap_or_else(|| panic!("no {subject}/{check} in {all:#?}"))
}

#[test]
fn a_missing_program_stops_the_run_before_any_tick_with_the_fix() {
    let env = TestEnv::new();
    let alice = honest(&env, "alice");
    let repo = project(
        &env,
        &format!(
            "  - {{name: alice, tool: sim, argv: {}, prompt_mode: stdin}}\n  - {{name: bob, tool: sim, argv: [no-such-agent-cli, '{{PROMPT}}']}}\n",
            sim_argv(&alice)
        ),
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "3"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr
            .contains("program `no-such-agent-cli` not found on PATH"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("fix: install `no-such-agent-cli`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--skip-preflight"), "{}", out.stderr);
    assert!(env.ticks(&repo).is_empty(), "no tick may run");
    assert_eq!(env.last_stop(&repo), "preflight");
    assert_eq!(env.state(&repo)["iteration"], 0);
}

#[test]
fn doctor_json_lists_every_check_with_its_severity_and_fix() {
    let env = TestEnv::new();
    let (alice, bob) = (honest(&env, "alice"), honest(&env, "bob"));
    let repo = project(
        &env,
        &format!(
            "  - {{name: alice, tool: sim, argv: {}, prompt_mode: stdin}}\n  - {{name: bob, tool: sim, argv: {}, prompt_mode: stdin}}\n",
            sim_argv(&alice),
            sim_argv(&bob)
        ),
    );
    // -C names the repository from anywhere.
    let repo_arg = repo.display().to_string();
    let out = env.peers(env.root(), &["-C", &repo_arg, "doctor", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(value["ok"], true);
    assert_eq!(value["problems"], 0);
    assert!(value["elapsed_ms"].is_u64() && value["version_ms"].is_u64());
    let all = findings(&out);
    for f in &all {
        for key in ["subject", "check", "severity", "message", "fix"] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    assert_eq!(finding(&all, "peer alice", "program")["severity"], "ok");
    assert_eq!(finding(&all, "repository", "worktree")["message"], "clean");
    assert_eq!(finding(&all, "repository", "baseline")["severity"], "ok");
    // Without the baseline tag, the doctor says how to put it back and exits 1.
    env.git(&repo, &["tag", "-d", "peers-baseline"]);
    let out = env.peers(&repo, &["doctor", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let all = findings(&out);
    let baseline = finding(&all, "repository", "baseline");
    assert_eq!(baseline["severity"], "problem");
    assert!(
        baseline["fix"]
            .as_str()
            .unwrap()
            .contains("git tag peers-baseline")
    );
}

/// A `codex` on PATH that answers `--version` like the real one.
fn fake_codex(env: &TestEnv) -> PathBuf {
    let bin = env.root().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    executable(&bin.join("codex"), "#!/bin/sh\necho 'codex-cli 0.0.1'\n");
    bin
}

#[test]
fn credentials_are_found_by_environment_key_or_by_login_file_and_say_which() {
    let env = TestEnv::new();
    let bin = fake_codex(&env);
    let alice = honest(&env, "alice");
    let repo = project(
        &env,
        &format!(
            "  - {{name: alice, tool: sim, argv: {}, prompt_mode: stdin}}\n  - {{name: cx, tool: codex}}\n",
            sim_argv(&alice)
        ),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let home = env.root().join("home");
    let out = peers_with(
        &env,
        &repo,
        &["doctor", "--json"],
        &[("PATH", &path), ("OPENAI_API_KEY", "sk-test")],
    );
    let all = findings(&out);
    assert_eq!(
        finding(&all, "peer cx", "program")["severity"],
        "ok",
        "{all:#?}"
    );
    assert!(
        finding(&all, "peer cx", "program")["message"]
            .as_str()
            .unwrap()
            .contains("codex-cli 0.0.1")
    );
    let credentials = finding(&all, "peer cx", "credentials");
    assert_eq!(credentials["message"], "found: environment OPENAI_API_KEY");
    assert!(!out.stdout.contains("sk-test"), "a value is never shown");

    let out = peers_with(&env, &repo, &["doctor", "--json"], &[("PATH", &path)]);
    let credentials = finding(&findings(&out), "peer cx", "credentials").clone();
    assert_eq!(credentials["severity"], "warning");
    assert_eq!(out.code, 0, "missing credentials are a warning only");

    std::fs::create_dir_all(home.join(".codex")).expect("dir");
    std::fs::write(home.join(".codex/auth.json"), "{\"auth_mode\":\"chatgpt\"}").expect("auth");
    let out = peers_with(&env, &repo, &["doctor", "--json"], &[("PATH", &path)]);
    let credentials = finding(&findings(&out), "peer cx", "credentials").clone();
    assert_eq!(credentials["severity"], "ok");
    assert_eq!(
        credentials["message"].as_str().unwrap(),
        format!(
            "found: login file {}",
            home.join(".codex/auth.json").display()
        )
    );
}

#[test]
fn a_dirty_tree_is_reported_and_stops_the_run_unless_allowed() {
    let env = TestEnv::new();
    let (alice, bob) = (honest(&env, "alice"), honest(&env, "bob"));
    let repo = project(
        &env,
        &format!(
            "  - {{name: alice, tool: sim, argv: {}, prompt_mode: stdin}}\n  - {{name: bob, tool: sim, argv: {}, prompt_mode: stdin}}\n",
            sim_argv(&alice),
            sim_argv(&bob)
        ),
    );
    env.write(&repo, "notes.txt", "my own work in progress\n");
    let out = env.peers(&repo, &["doctor"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(
        out.stdout.contains("1 uncommitted change(s): notes.txt"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("--allow-dirty"), "{}", out.stdout);
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(env.ticks(&repo).is_empty());
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--allow-dirty"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stderr.contains("uncommitted change(s): notes.txt"),
        "said as a warning: {}",
        out.stderr
    );
}

#[test]
fn the_env_key_passes_a_variable_and_a_missing_one_is_named() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let alice = honest(&env, "alice");
    let seen = env.root().join("seen.txt");
    let repo = project(
        &env,
        &format!(
            "  - {{name: alice, tool: sim, argv: {}, prompt_mode: stdin}}\n  - name: bob\n    tool: sim\n    argv: [sh, -c, 'printf %s \"$MY_PROVIDER_KEY\" > {}']\n    prompt_mode: stdin\n    env: [MY_PROVIDER_KEY]\n",
            sim_argv(&alice),
            seen.display()
        ),
    );
    let info = peers_with(
        &env,
        &repo,
        &["info", "--json"],
        &[("MY_PROVIDER_KEY", "secret-value"), ("OTHER_SECRET", "x")],
    );
    let value: Value = serde_json::from_str(&info.stdout).expect("json");
    let bob_env = &value["peers"][1]["environment"];
    assert!(
        bob_env
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "MY_PROVIDER_KEY"),
        "{bob_env}"
    );
    assert!(
        !value["peers"][0]["environment"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "MY_PROVIDER_KEY")
    );
    assert!(!info.stdout.contains("secret-value") && !info.stdout.contains("OTHER_SECRET"));

    let out = env.peers(&repo, &["run", "--max-ticks", "2", "--sandbox", "none"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr
            .contains("variable MY_PROVIDER_KEY (named in its env: key) is not set"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("export MY_PROVIDER_KEY="),
        "{}",
        out.stderr
    );

    let out = peers_with(
        &env,
        &repo,
        &["run", "--max-ticks", "2", "--sandbox", "none"],
        &[("MY_PROVIDER_KEY", "secret-value")],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(
        std::fs::read_to_string(&seen).expect("bob ran"),
        "secret-value"
    );
}

#[test]
fn a_variable_the_cli_reports_missing_marks_the_peer_unavailable_naming_it() {
    let env = TestEnv::new();
    let alice = honest(&env, "alice");
    let repo = project(
        &env,
        &format!(
            "  - {{name: alice, tool: sim, argv: {}, prompt_mode: stdin}}\n  - {{name: bob, tool: sim, argv: [sh, -c, 'echo \"Error: Missing environment variable: GROQ_API_KEY\" >&2; exit 1'], prompt_mode: stdin}}\n",
            sim_argv(&alice)
        ),
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "2"]);
    assert!(
        out.stderr.contains("peer bob is unavailable"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("GROQ_API_KEY"), "{}", out.stderr);
    assert_eq!(env.state(&repo)["peers"]["bob"]["state"], "unavailable");
}

#[test]
fn a_program_that_disappears_mid_run_makes_its_peer_unavailable_with_the_reason() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let bin = env.root().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let (alice, bob) = (honest(&env, "alice"), honest(&env, "bob"));
    let (alice_cli, bob_cli) = (bin.join("alice-cli"), bin.join("bob-cli"));
    // alice's first turn uninstalls both CLIs (itself included) after it has started.
    executable(
        &alice_cli,
        &format!(
            "#!/bin/sh\nrm -f \"$0\" '{}'\nexec '{PEERS}' sim-agent --script '{}'\n",
            bob_cli.display(),
            alice.display()
        ),
    );
    executable(
        &bob_cli,
        &format!(
            "#!/bin/sh\nexec '{PEERS}' sim-agent --script '{}'\n",
            bob.display()
        ),
    );
    let repo = project(
        &env,
        &format!(
            "  - {{name: alice, tool: sim, argv: ['{}'], prompt_mode: stdin}}\n  - {{name: bob, tool: sim, argv: ['{}'], prompt_mode: stdin}}\n",
            alice_cli.display(),
            bob_cli.display()
        ),
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "6", "--sandbox", "none"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let reason = format!("program `{}` not found", bob_cli.display());
    let shown = "program `[TMP]/bin/bob-cli` not found";
    assert!(
        out.stderr
            .contains(&format!("peer bob is unavailable ({shown})")),
        "{}",
        out.stderr
    );
    assert_eq!(env.last_stop(&repo), "peer-unavailable:all-peers");
    assert_eq!(
        env.ticks(&repo).len(),
        3,
        "no process-fail ticks after the peers are out"
    );
    let state = env.state(&repo);
    assert_eq!(state["peers"]["bob"]["state"], "unavailable");
    let halted = std::fs::read_to_string(repo.join(".peers/HALTED.md")).expect("HALTED.md");
    assert!(halted.contains(&reason), "{halted}");
}
