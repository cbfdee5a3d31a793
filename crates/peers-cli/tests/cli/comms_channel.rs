//! The file message channel (`comm: hybrid`) end to end: `peers msg send` checks and
//! publishes, the addressee's next prompt shows the message once, refusals reach the sender,
//! concurrent senders never collide, and `peers msg watch` follows one peer.

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use super::hooks_flow::{HookRun, agent_turn, fire, installed_hook, project};
use crate::test_env::TestEnv;

fn hybrid(env: &TestEnv) -> std::path::PathBuf {
    let repo = project(env);
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    std::fs::write(
        repo.join(".peers/config.yaml"),
        format!("{config}comm: hybrid\n"),
    )
    .unwrap();
    repo
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
    let repo = hybrid(&env);
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
    let repo = hybrid(&env);
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
fn a_tmux_window_sends_as_its_own_peer_by_default() {
    let env = TestEnv::new();
    let repo = hybrid(&env);
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
    let repo = hybrid(&env);
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
