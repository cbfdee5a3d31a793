//! The hooks driver end to end: a simulated interactive agent commits, its installed Stop hook
//! (run exactly as the CLI would: `sh -c <command>` with the event on stdin) judges the turn and
//! hands it on; unrelated sessions, peers' own children and concurrent stops do nothing.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

pub(crate) fn project(env: &TestEnv) -> PathBuf {
    let repo = env.repo("proj", true);
    let out = env.peers(&repo, &["init", "--driver=hooks", "--install"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    env.set_goals(&repo, SIMPLE_GOALS);
    repo
}

/// The command of the Stop hook installed into the temporary HOME for `tool`.
pub(crate) fn installed_hook(env: &TestEnv, tool: &str) -> String {
    let file = match tool {
        "claude" => ".claude/settings.json",
        _ => ".codex/hooks.json",
    };
    let value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.root().join("home").join(file)).unwrap())
            .unwrap();
    value["hooks"]["Stop"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) struct HookRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` as an agent runs a hook: `sh -c`, the Stop event on stdin, in `cwd`.
pub(crate) fn fire(
    env: &TestEnv,
    command: &str,
    cwd: &Path,
    extra_env: &[(&str, &str)],
) -> HookRun {
    let event = serde_json::json!({
        "session_id": "s-1",
        "transcript_path": "/dev/null",
        "cwd": cwd,
        "hook_event_name": "Stop",
        "stop_hook_active": false,
    });
    let mut cmd = env.base_command("sh");
    cmd.args(["-c", command])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(event.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    HookRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn ticks(repo: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(repo.join(".peers/log/runs.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r.get("peer").is_some())
        .collect()
}

pub(crate) fn turn_index(repo: &Path) -> u64 {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join(".peers/state.json")).unwrap()).unwrap();
    state["turn_index"].as_u64().unwrap()
}

/// The simulated interactive agent: edits a file and commits with the handoff trailers.
pub(crate) fn agent_turn(env: &TestEnv, repo: &Path, peer: &str, file: &str) {
    env.write(repo, file, &format!("work of {peer}\n"));
    env.git(repo, &["add", file]);
    env.git(
        repo,
        &["commit", "-q", "-m", &HANDOFF.replace("{peer}", peer)],
    );
}

#[test]
fn a_stop_of_peer_a_judges_its_turn_and_hands_the_turn_to_b() {
    let env = TestEnv::new();
    let repo = project(&env);
    let launches = env.root().join("launches.jsonl");
    agent_turn(&env, &repo, "claude", "a.txt");
    let hook = installed_hook(&env, "claude");
    let run = fire(
        &env,
        &hook,
        &repo,
        &[("PEERS_LAUNCH_LOG", launches.to_str().unwrap())],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout, "",
        "a hook's stdout is the CLI's to parse: nothing there"
    );
    let records = ticks(&repo);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["peer"], "claude");
    assert_eq!(records[0]["iteration"], 1);
    assert_eq!(records[0]["success"], true, "{:?}", records[0]);
    assert_eq!(records[0]["prompt_delivery"], "interactive");
    assert_eq!(turn_index(&repo), 1, "the turn moved to codex");
    let next = std::fs::read_to_string(repo.join(".peers/hooks/next-prompt.md")).unwrap();
    assert!(next.contains("it is codex's turn"), "{next}");
    assert!(
        next.contains("You are peer 'codex'") || next.contains("codex"),
        "{next}"
    );
    assert!(!launches.exists(), "a hooks tick never starts an agent");

    // codex's turn, from a subdirectory of the repository (its session's cwd).
    agent_turn(&env, &repo, "codex", "b.txt");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    let run = fire(&env, &installed_hook(&env, "codex"), &repo.join("src"), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let records = ticks(&repo);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["peer"], "codex");
    assert_eq!(turn_index(&repo), 0);
}

#[test]
fn stops_outside_the_repository_or_from_peers_own_children_do_nothing() {
    let env = TestEnv::new();
    let repo = project(&env);
    let elsewhere = env.repo("unrelated", true);
    agent_turn(&env, &repo, "claude", "a.txt");
    let hook = installed_hook(&env, "claude");
    let run = fire(&env, &hook, &elsewhere, &[]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    let run = fire(&env, &hook, &repo, &[("PEERS_PEER_NAME", "claude")]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    assert!(ticks(&repo).is_empty());
    assert_eq!(turn_index(&repo), 0);
}

#[test]
fn a_stop_while_a_tick_holds_the_lock_exits_zero_with_a_note() {
    let env = TestEnv::new();
    let repo = project(&env);
    agent_turn(&env, &repo, "claude", "a.txt");
    let dir = peers_store::layout::PeersDir::at(&repo);
    let lock = peers_store::run_lock::RunLock::acquire(&dir).unwrap();
    let run = fire(&env, &installed_hook(&env, "claude"), &repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("a tick is already running"),
        "{}",
        run.stderr
    );
    assert!(ticks(&repo).is_empty());
    drop(lock);
}

/// A Stop event fires after every answer of an interactive agent: before its handoff commit
/// the turn goes on and nothing is judged; `peers tick --after` by hand judges it anyway.
#[test]
fn before_a_handoff_the_hook_judges_nothing_and_by_hand_the_turn_fails_and_stays() {
    let env = TestEnv::new();
    let repo = project(&env);
    let run = fire(&env, &installed_hook(&env, "claude"), &repo, &[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    env.write(&repo, "a.txt", "half done\n");
    env.git(&repo, &["add", "a.txt"]);
    env.git(&repo, &["commit", "-q", "-m", "wip"]);
    let run = fire(&env, &installed_hook(&env, "claude"), &repo, &[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    assert!(ticks(&repo).is_empty(), "no handoff yet: nothing judged");
    let out = env.peers(&repo, &["tick", "--after", "claude"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let records = ticks(&repo);
    assert_eq!(records[0]["success"], false, "{:?}", records[0]);
    assert!(
        records[0]["soft_fail_reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{:?}",
        records[0]
    );
    assert_eq!(turn_index(&repo), 0, "claude keeps the turn to retry");
    // The handoff that follows ends the turn (the range starts after the judged wip commit).
    agent_turn(&env, &repo, "claude", "b.txt");
    let run = fire(&env, &installed_hook(&env, "claude"), &repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(ticks(&repo).len(), 2);
    assert_eq!(turn_index(&repo), 1);
}

/// A real problem (here goals.yaml edited) is said with exit 1, which the CLI shows its user,
/// never 2, which would keep the agent from stopping.
#[test]
fn a_failing_hook_never_exits_two() {
    let env = TestEnv::new();
    let repo = project(&env);
    agent_turn(&env, &repo, "claude", "a.txt");
    let goals = std::fs::read_to_string(repo.join(".peers/goals.yaml")).unwrap();
    std::fs::write(repo.join(".peers/goals.yaml"), format!("{goals}# edited\n")).unwrap();
    let run = fire(&env, &installed_hook(&env, "claude"), &repo, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("goals.yaml is not accepted"),
        "{}",
        run.stderr
    );
    assert!(ticks(&repo).is_empty());
}

#[test]
fn run_and_tick_refuse_in_a_hooks_project_and_say_what_to_do() {
    let env = TestEnv::new();
    let repo = project(&env);
    for verb in ["run", "tick"] {
        let out = env.peers(&repo, &[verb]);
        assert_eq!(out.code, 2, "{}", out.combined());
        assert!(out.stderr.contains("driver: hooks"), "{}", out.stderr);
        assert!(out.stderr.contains("tick --after"), "{}", out.stderr);
    }
    let out = env.peers(&repo, &["tick", "--after", "nobody"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("no peer named 'nobody'"),
        "{}",
        out.stderr
    );
}

#[test]
fn tick_after_is_refused_where_peers_drives_the_agents() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("proj");
    let out = env.peers(&repo, &["tick", "--after", "claude"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("driver: orchestrator"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_sessions_project_refuses_run_names_its_driver_and_judges_turns_by_hand() {
    let env = TestEnv::new();
    let repo = env.repo("proj", true);
    let out = env.peers(&repo, &["init", "--driver=sessions"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    env.set_goals(&repo, SIMPLE_GOALS);
    let out = env.peers(&repo, &["run"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("peers tmux up"), "{}", out.stderr);
    let info = env.peers(&repo, &["info"]);
    assert!(info.stdout.contains("driver:  sessions"), "{}", info.stdout);
    let json = env.peers(&repo, &["info", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        (value["driver"].as_str(), value["comm"].as_str()),
        (Some("sessions"), Some("git"))
    );
    agent_turn(&env, &repo, "claude", "a.txt");
    let out = env.peers(&repo, &["tick", "--after", "claude"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stdout.contains("next: codex"), "{}", out.stdout);
    assert_eq!(ticks(&repo).len(), 1);
}

#[test]
fn hooks_prompt_prints_the_first_turns_prompt_without_judging_anything() {
    let env = TestEnv::new();
    let repo = project(&env);
    let out = env.peers(&repo, &["hooks", "prompt"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stderr.contains("it is claude's turn"), "{}", out.stderr);
    assert!(
        out.stdout.contains("You are peer 'claude'."),
        "{}",
        out.stdout
    );
    let kept = std::fs::read_to_string(repo.join(".peers/hooks/next-prompt.md")).unwrap();
    assert!(
        kept.ends_with(&out.stdout),
        "the same prompt is kept in next-prompt.md"
    );
    assert!(ticks(&repo).is_empty(), "nothing was judged");
    assert_eq!(turn_index(&repo), 0);
}
