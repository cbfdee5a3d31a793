//! The hooks driver end to end: a simulated interactive agent commits, its installed Stop hook
//! (run exactly as the CLI would: `sh -c <command>` with the event on stdin) judges the turn and
//! hands it on; unrelated sessions, peers' own children and concurrent stops do nothing.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn project(env: &TestEnv) -> PathBuf {
    let repo = env.repo("proj", true);
    let out = env.peers(&repo, &["init", "--driver=hooks", "--install"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    env.set_goals(&repo, SIMPLE_GOALS);
    repo
}

/// The command of the Stop hook installed into the temporary HOME for `tool`.
fn installed_hook(env: &TestEnv, tool: &str) -> String {
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

struct HookRun {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `command` as an agent runs a hook: `sh -c`, the Stop event on stdin, in `cwd`.
fn fire(env: &TestEnv, command: &str, cwd: &Path, extra_env: &[(&str, &str)]) -> HookRun {
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

fn ticks(repo: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(repo.join(".peers/log/runs.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r.get("peer").is_some())
        .collect()
}

fn turn_index(repo: &Path) -> u64 {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join(".peers/state.json")).unwrap()).unwrap();
    state["turn_index"].as_u64().unwrap()
}

/// The simulated interactive agent: edits a file and commits with the handoff trailers.
fn agent_turn(env: &TestEnv, repo: &Path, peer: &str, file: &str) {
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

fn send(env: &TestEnv, repo: &Path, args: &[&str], body: &[u8]) -> HookRun {
    let mut cmd = env.base_command(env!("CARGO_BIN_EXE_peers"));
    cmd.current_dir(repo).args(["msg", "send"]).args(args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    HookRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn hybrid_messages_reach_the_addressees_next_prompt_and_refusals_reach_the_sender() {
    let env = TestEnv::new();
    let repo = project(&env);
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    std::fs::write(
        repo.join(".peers/config.yaml"),
        format!("{config}comm: hybrid\n"),
    )
    .unwrap();
    let sent = send(
        &env,
        &repo,
        &["--from", "claude", "--to", "codex", "--topic", "API shape?"],
        b"please keep parse() pure\n",
    );
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert_eq!(
        sent.stdout.trim(),
        ".peers/comms/claude-to-codex/0001-api-shape.md"
    );
    for (args, needle) in [
        (
            vec!["--from", "claude", "--to", "claude"],
            "cannot send a message to itself",
        ),
        (
            vec!["--from", "claude", "--to", "zed"],
            "there is no such peer",
        ),
        (vec!["--to", "codex"], "not a peer of this project"),
    ] {
        let out = send(&env, &repo, &args, b"x");
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{}", out.stderr);
    }
    let big = send(
        &env,
        &repo,
        &["--from", "claude", "--to", "codex"],
        &vec![b'a'; 64 * 1024 + 1],
    );
    assert_eq!(big.code, 2, "{}", big.stderr);
    // Written by hand, past the command's checks: refused when read, the sender told.
    env.write(
        &repo,
        ".peers/comms/claude-to-claude/0001-self.md",
        "note to self\n",
    );
    env.write(
        &repo,
        ".peers/comms/claude-to-zed/0001-lost.md",
        "hello zed\n",
    );

    agent_turn(&env, &repo, "claude", "a.txt");
    let run = fire(&env, &installed_hook(&env, "claude"), &repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let codex_prompt = std::fs::read_to_string(repo.join(".peers/hooks/next-prompt.md")).unwrap();
    assert!(
        codex_prompt.contains("[claude → 0001-api-shape.md]\nplease keep parse() pure"),
        "{codex_prompt}"
    );
    assert!(
        codex_prompt.contains("peers msg send --from codex --to <peer>"),
        "{codex_prompt}"
    );
    assert!(
        repo.join(".peers/comms/archive/claude-to-codex/0001-api-shape.md")
            .is_file()
    );
    assert!(
        repo.join(".peers/comms/archive/refused/claude-to-claude/0001-self.md")
            .is_file()
    );
    assert!(
        repo.join(".peers/comms/archive/refused/claude-to-zed/0001-lost.md")
            .is_file()
    );

    agent_turn(&env, &repo, "codex", "b.txt");
    let run = fire(&env, &installed_hook(&env, "codex"), &repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let claude_prompt = std::fs::read_to_string(repo.join(".peers/hooks/next-prompt.md")).unwrap();
    assert!(
        claude_prompt.contains(
            "claude-to-claude/0001-self.md was not delivered: it was addressed to yourself"
        ),
        "{claude_prompt}"
    );
    assert!(
        claude_prompt.contains("there is no peer named 'zed'"),
        "{claude_prompt}"
    );
    assert!(
        !claude_prompt.contains("please keep parse() pure"),
        "shown once, to its addressee"
    );
}

/// Two `peers msg send` processes racing on one channel never take the same number, lose or
/// tear a message.
#[test]
fn concurrent_senders_on_one_channel_get_distinct_numbers_and_whole_messages() {
    const EACH: usize = 40;
    let env = TestEnv::new();
    let repo = project(&env);
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    std::fs::write(
        repo.join(".peers/config.yaml"),
        format!("{config}comm: hybrid\n"),
    )
    .unwrap();
    let body = |w: usize, i: usize| {
        format!(
            "writer {w} message {i}\n{}\nend\n",
            "y".repeat(2000 + i * 13)
        )
    };
    let senders: Vec<_> = (0..2)
        .map(|w| {
            let (home, repo) = (env.root().join("home"), repo.clone());
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let mut cmd =
                        peers_testkit::hermetic_command(env!("CARGO_BIN_EXE_peers"), &home);
                    cmd.current_dir(&repo)
                        .args([
                            "msg",
                            "send",
                            "--from",
                            "claude",
                            "--to",
                            "codex",
                            "--topic",
                            &format!("w{w}"),
                        ])
                        .stdin(Stdio::piped())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null());
                    let mut child = cmd.spawn().unwrap();
                    child
                        .stdin
                        .take()
                        .unwrap()
                        .write_all(body(w, i).as_bytes())
                        .unwrap();
                    assert!(child.wait().unwrap().success());
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    let channel = repo.join(".peers/comms/claude-to-codex");
    let mut numbers = Vec::new();
    let mut bodies = Vec::new();
    for entry in std::fs::read_dir(&channel).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            assert_eq!(name, ".lock", "no temporary file is left");
            continue;
        }
        numbers.push(name[..4].parse::<usize>().unwrap());
        bodies.push(std::fs::read_to_string(entry.path()).unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=2 * EACH).collect::<Vec<_>>(),
        "no number taken twice, none skipped"
    );
    let mut expected: Vec<String> = (0..2)
        .flat_map(|w| (0..EACH).map(move |i| (w, i)))
        .map(|(w, i)| body(w, i))
        .collect();
    expected.sort();
    bodies.sort();
    assert_eq!(
        bodies, expected,
        "every message whole, none lost or duplicated"
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

#[test]
fn a_tmux_window_sends_as_its_own_peer_by_default() {
    let env = TestEnv::new();
    let repo = project(&env);
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    std::fs::write(
        repo.join(".peers/config.yaml"),
        format!("{config}comm: hybrid\n"),
    )
    .unwrap();
    let mut cmd = env.base_command(env!("CARGO_BIN_EXE_peers"));
    cmd.current_dir(&repo)
        .env("PEERS_SESSION_PEER", "codex")
        .args(["msg", "send", "--to", "claude", "--topic", "hi"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        ".peers/comms/codex-to-claude/0001-hi.md"
    );
    let list = env.peers(&repo, &["msg", "list"]);
    assert_eq!(list.stdout, "codex-to-claude/0001-hi.md\n");
}

/// What a `peers tmux` watch pane runs: one peer's judged turns and messages as they happen.
#[test]
fn msg_watch_follows_one_peers_turns_and_messages() {
    use std::io::BufRead as _;
    let env = TestEnv::new();
    let repo = project(&env);
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    std::fs::write(
        repo.join(".peers/config.yaml"),
        format!("{config}comm: hybrid\n"),
    )
    .unwrap();
    let mut watch = env
        .base_command(env!("CARGO_BIN_EXE_peers"))
        .current_dir(&repo)
        .args(["msg", "watch", "claude", "--poll-s", "0.1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = watch.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let first = rx.recv_timeout(std::time::Duration::from_secs(20)).unwrap();
    assert!(first.starts_with("claude: its judged turns"), "{first}");
    assert_eq!(
        send(&env, &repo, &["--from", "claude", "--to", "codex"], b"hi\n").code,
        0
    );
    assert_eq!(
        send(&env, &repo, &["--from", "codex", "--to", "claude"], b"yo\n").code,
        0
    );
    agent_turn(&env, &repo, "claude", "a.txt");
    assert_eq!(
        fire(&env, &installed_hook(&env, "claude"), &repo, &[]).code,
        0
    );
    let mut lines = Vec::new();
    let wanted = [
        "claude-to-codex/0001-note.md",
        "codex-to-claude/0001-note.md",
        "tick  1: handed off",
    ];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !wanted
        .iter()
        .all(|w| lines.iter().any(|l: &String| l.contains(w)))
        && std::time::Instant::now() < deadline
    {
        if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            lines.push(line);
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    for w in wanted {
        assert!(lines.iter().any(|l| l.contains(w)), "{w} not in {lines:?}");
    }
}
