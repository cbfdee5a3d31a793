//! What a run shows while a peer works and when it ends: heartbeat lines when stderr is not a
//! terminal (interval from `PEERS_HEARTBEAT_S`), the live line redrawn on a pseudo-terminal,
//! `status`/`watch` showing the tick in progress, the closing summary, and no escape codes
//! where colour does not belong.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

/// A turn that streams usage, prints a coloured line, then works silently for `sleep_ms`.
fn slow_turn(sleep_ms: u64) -> serde_json::Value {
    json!({"turns": [[
        {"emit_usage": {"tool": "claude", "input": 1234, "output": 0, "usd": 0.01}},
        {"print": {"text": "\u{1b}[1;31mcompiling\u{1b}[0m step one"}},
        {"sleep": {"ms": sleep_ms}},
        {"append_file": {"path": "{peer}.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]})
}

fn project(env: &TestEnv, sleep_ms: u64) -> std::path::PathBuf {
    env.sim_project(
        "app",
        &[
            ("alice", "claude", slow_turn(sleep_ms)),
            ("bob", "claude", slow_turn(sleep_ms)),
        ],
        SIMPLE_GOALS,
        "",
    )
}

fn run_with(
    env: &TestEnv,
    repo: &Path,
    vars: &[(&str, &str)],
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = env.base_command(env!("CARGO_BIN_EXE_peers"));
    cmd.current_dir(repo).args(args);
    for (key, value) in vars {
        cmd.env(key, value);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn wait_for(done: impl FnMut() -> bool, limit: Duration) -> bool {
    peers_testkit::wait_until(limit, done)
}

#[test]
fn a_long_turn_prints_heartbeat_lines_when_stderr_is_not_a_terminal() {
    let env = TestEnv::new();
    let repo = project(&env, 1500);
    let (code, stdout, stderr) = run_with(
        &env,
        &repo,
        &[("PEERS_HEARTBEAT_S", "0.3")],
        &["run", "--max-ticks", "1"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let beats: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("peers: tick 1 alice working"))
        .collect();
    assert!(
        beats.len() >= 2,
        "heartbeats during the silent second:\n{stderr}"
    );
    assert!(
        beats
            .iter()
            .any(|l| l.contains("tokens 1234") && l.ends_with("last: compiling step one")),
        "a heartbeat names the tokens so far and the last output line:\n{stderr}"
    );
    assert!(
        !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
        "no escape code leaves a non-terminal run, not even the peer's own:\n{stderr:?}"
    );
}

#[test]
fn without_the_test_interval_a_short_turn_prints_no_heartbeat() {
    let env = TestEnv::new();
    let repo = project(&env, 300);
    let (code, _, stderr) = run_with(&env, &repo, &[], &["run", "--max-ticks", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains(" working "),
        "the default is 30 s:\n{stderr}"
    );
}

#[test]
fn the_final_summary_has_the_figures_and_the_report_path() {
    let env = TestEnv::new();
    let report = "BUG-001: crash\n\n## Bug-Report\n{\"id\":\"BUG-001\",\"severity\":\"high\",\"fix_by\":\"bob\",\"location\":\"a.txt:1\",\"description\":\"it crashes\"}\n\nPeer: {peer}\nBug-Report: BUG-001";
    let alice = json!({"turns": [[
        {"emit_usage": {"tool": "claude", "input": 1000, "output": 0, "usd": 0.25}},
        {"git_commit": {"message": report, "allow_empty": true}},
        {"append_file": {"path": "a.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "claude", alice), ("bob", "claude", slow_turn(0))],
        SIMPLE_GOALS,
        "",
    );
    let (code, stdout, stderr) = run_with(&env, &repo, &[], &["run", "--max-ticks", "2"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for expected in [
        "Stopped: max_ticks (iteration 2, 2 tick(s) in this run)\n",
        "\n  wall:    ",
        "\n  peer:    alice: 1 handoff\n",
        "\n  peer:    bob: 1 handoff\n",
        "\n  gates:   2/3 green; red: bug-hunt-clean\n",
        "\n  bugs:    1 filed, 0 fixed\n",
        "\n  usage:   2234 tokens, $0.2600\n",
        "\n  next:    `peers run` continues from here\n",
        "\n  report:  .peers/REPORT.md\n",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    let written = std::fs::read_to_string(repo.join(".peers/REPORT.md")).unwrap();
    assert!(written.contains("BUG-001"), "the run wrote the report");
    assert!(!stdout.contains('\u{1b}'), "no colour into a pipe");

    // The no-colour assertions above can fail: forcing colour puts it in.
    let (_, forced, _) = run_with(
        &env,
        &repo,
        &[],
        &["run", "--max-ticks", "1", "--color", "always"],
    );
    assert!(forced.contains("\u{1b}[32m"), "{forced:?}");
    let (_, no_color, _) = run_with(
        &env,
        &repo,
        &[("NO_COLOR", "1")],
        &["run", "--max-ticks", "1"],
    );
    assert!(!no_color.contains('\u{1b}'), "{no_color:?}");
}

#[test]
fn status_and_watch_show_the_tick_in_progress() {
    let env = TestEnv::new();
    let repo = project(&env, 30_000);
    let mut run = env.spawn_peers(&repo, &["run"]);
    let mut watch = env
        .base_command(env!("CARGO_BIN_EXE_peers"))
        .current_dir(&repo)
        .env("PEERS_HEARTBEAT_S", "0.3")
        .args(["watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = serde_json::Value::Null;
    let seen = wait_for(
        || {
            let out = env.peers(&repo, &["status", "--json"]);
            status = serde_json::from_str(&out.stdout).unwrap_or_default();
            status["in_progress"]["last_line"] == "compiling step one"
        },
        Duration::from_secs(20),
    );
    let text = env.peers(&repo, &["status"]).stdout;
    std::thread::sleep(Duration::from_millis(800));
    let pid = rustix::process::Pid::from_raw(i32::try_from(run.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let code = run.wait().unwrap().code();
    let watch_done = wait_for(
        || matches!(watch.try_wait(), Ok(Some(_))),
        Duration::from_secs(10),
    );
    if !watch_done {
        let _ = watch.kill();
    }
    let _ = watch.wait();
    let mut watched = String::new();
    watch
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut watched)
        .unwrap();

    assert!(seen, "status never showed the tick in progress: {status:#}");
    let tick = &status["in_progress"];
    assert_eq!(tick["iteration"], 1, "{status:#}");
    assert_eq!(tick["peer"], "alice");
    assert_eq!(tick["phase"], "peer");
    assert_eq!(tick["tokens"], 1234);
    assert!(
        tick["elapsed_s"].is_u64() && tick["started_at"].is_string(),
        "{tick:#}"
    );
    assert!(
        text.contains("in progress: tick 1 alice working for ")
            && text.contains("  last output: compiling step one\n"),
        "{text}"
    );
    assert_eq!(code, Some(130));
    assert!(watch_done, "watch exits when the run ends:\n{watched}");
    assert!(watched.contains("tick 1 alice started at "), "{watched}");
    assert!(watched.contains("tick 1 alice working "), "{watched}");
    let after: serde_json::Value =
        serde_json::from_str(&env.peers(&repo, &["status", "--json"]).stdout).unwrap();
    assert!(
        after["in_progress"].is_null(),
        "nothing in progress after the run: {after:#}"
    );
    assert!(
        !repo.join(".peers/live.json").exists(),
        "the live file is removed"
    );
}

/// Runs `peers run --max-ticks 1` with stderr on a pseudo-terminal of `columns` columns;
/// returns everything written to the terminal.
fn run_on_a_terminal(env: &TestEnv, repo: &Path, columns: u16, vars: &[(&str, &str)]) -> String {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let mut size = rustix::termios::tcgetwinsize(&slave).unwrap();
    size.ws_col = columns;
    size.ws_row = 24;
    rustix::termios::tcsetwinsize(&slave, size).unwrap();
    let mut cmd = env.base_command(env!("CARGO_BIN_EXE_peers"));
    cmd.current_dir(repo)
        .args(["run", "--max-ticks", "1"])
        .env("TERM", "xterm")
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave));
    for (key, value) in vars {
        cmd.env(key, value);
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd); // our copy of the terminal's slave side: the reader ends when the child's does
    let mut master = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once every slave descriptor is closed.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    String::from_utf8_lossy(&reader.join().unwrap()).into_owned()
}

/// The visible text of each live-line redraw, colour codes removed: what lies between two
/// `\r` + clear-line sequences without a newline (a plain line printed after a clear has one).
fn redraws(screen: &str) -> Vec<String> {
    let sgr = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    screen
        .split("\r\u{1b}[2K")
        .skip(1)
        .filter(|part| !part.is_empty() && !part.contains('\n'))
        .map(|part| sgr.replace_all(part, "").into_owned())
        .collect()
}

#[test]
fn on_a_terminal_the_live_line_is_redrawn_in_place_within_the_width() {
    let env = TestEnv::new();
    let repo = project(&env, 1500);
    let screen = run_on_a_terminal(&env, &repo, 50, &[]);
    let lines = redraws(&screen);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("peers: tick 1 alice working")),
        "{screen:?}"
    );
    for line in &lines {
        assert!(
            line.chars().count() < 50,
            "wider than the terminal: {line:?}"
        );
        assert!(
            !line.contains('\u{1b}'),
            "the peer's escape codes got through: {line:?}"
        );
    }
    assert!(
        screen.contains("\u{1b}[1m"),
        "coloured on a terminal: {screen:?}"
    );
    assert!(
        screen.contains("peers: tick 1 alice \u{1b}[32mhandoff"),
        "the tick's line replaces the live line: {screen:?}"
    );

    let plain = run_on_a_terminal(&env, &repo, 40, &[("NO_COLOR", "1")]);
    for line in redraws(&plain) {
        assert!(
            line.chars().count() < 40,
            "wider than the terminal: {line:?}"
        );
    }
    assert!(
        !redraws(&plain).is_empty(),
        "NO_COLOR keeps the live line: {plain:?}"
    );
    let sgr = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    assert!(!sgr.is_match(&plain), "NO_COLOR means no colour: {plain:?}");
}

#[test]
fn a_flooding_peer_leaves_a_bounded_output_log_with_its_first_and_last_lines() {
    let env = TestEnv::new();
    let turn = |marker: &str| {
        json!({"turns": [[
            {"print": {"text": format!("{marker} first")}},
            {"flood": {"bytes": 400_000}},
            {"print": {"text": format!("{marker} last")}},
            {"append_file": {"path": "{peer}.txt", "content": "x\n"}},
            {"git_commit": {"message": HANDOFF}}
        ]]})
    };
    let repo = env.sim_project(
        "flood",
        &[
            ("alice", "claude", turn("alice")),
            ("bob", "claude", turn("bob")),
        ],
        SIMPLE_GOALS,
        "health:\n  buf_cap_bytes: 65536\n",
    );
    let (code, stdout, stderr) = run_with(&env, &repo, &[], &["run", "--max-ticks", "1"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let log = std::fs::read(repo.join(".peers/log/peers/tick-00001-alice.stdout.log")).unwrap();
    let text = String::from_utf8_lossy(&log);
    assert!(
        text.starts_with("alice first\n"),
        "head kept: {}",
        &text[..80]
    );
    assert!(text.trim_end().ends_with("alice last"), "tail kept");
    let omitted = 400_000 + "alice first\nalice last\n".len() - 65_536;
    assert!(
        text.contains(&format!("\n… [{omitted} bytes omitted] …\n")),
        "the middle is marked with its size"
    );
    assert!(log.len() < 65_536 + 64, "bounded by the cap: {}", log.len());
}
