//! Steps that only a real process can show: hang, ignore_sigterm, background children and
//! a grandchild holding stdout.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process, test_kill_process};

use super::support::{agent, repo};

fn pid(child: &Child) -> Pid {
    Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap()
}

/// Wait up to `limit` for the child to exit.
fn wait_for(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Spawn with stdout piped and return the child after its first stdout line equals `ready`.
fn spawn_until(script: &str, ready: &str) -> (tempfile::TempDir, Child) {
    let repo = repo();
    let mut child = agent(repo.path(), "alice", script)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim_end(), ready);
    (repo, child)
}

#[test]
fn hang_sleeps_until_sigterm_ends_it() {
    let (_repo, mut child) = spawn_until(r#"[[{"print": {"text": "ready"}}, "hang"]]"#, "ready");
    assert!(
        wait_for(&mut child, Duration::from_millis(300)).is_none(),
        "hang exited"
    );
    kill_process(pid(&child), Signal::TERM).unwrap();
    let status = wait_for(&mut child, Duration::from_secs(5)).expect("TERM ends a hang");
    assert_eq!(status.signal(), Some(Signal::TERM.as_raw()));
}

#[test]
fn ignore_sigterm_survives_term_until_kill() {
    let (_repo, mut child) = spawn_until(r#"[["ignore_sigterm"]]"#, "ignoring SIGTERM");
    kill_process(pid(&child), Signal::TERM).unwrap();
    assert!(
        wait_for(&mut child, Duration::from_millis(500)).is_none(),
        "the process died of SIGTERM"
    );
    child.kill().unwrap();
    let status = wait_for(&mut child, Duration::from_secs(5)).expect("KILL ends it");
    assert_eq!(status.signal(), Some(Signal::KILL.as_raw()));
}

#[test]
fn spawn_background_leaves_a_process_in_another_session() {
    let repo = repo();
    let script = r#"[[{"spawn_background": {"command": "echo $$ > bg.pid; exec sleep 30"}},
                      {"exit": {"code": 0}}]]"#;
    let output = agent(repo.path(), "alice", script).output().unwrap();
    assert!(output.status.success());
    let pid_file = repo.path().join("bg.pid");
    let started = Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(&pid_file).unwrap_or_default();
        if text.ends_with('\n') || started.elapsed() > Duration::from_secs(5) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let background = Pid::from_raw(text.trim().parse().unwrap()).unwrap();
    assert!(
        test_kill_process(background).is_ok(),
        "background process is gone"
    );
    let session = rustix::process::getsid(Some(background)).unwrap();
    assert_eq!(session, background, "not a session leader of its own");
    kill_process(background, Signal::KILL).unwrap();
}

#[test]
fn grandchild_keeps_stdout_open_after_the_agent_exits() {
    let repo = repo();
    let script = r#"[[{"print": {"text": "bye"}}, {"grandchild_holds_stdout": {"seconds": 3}},
                      {"exit": {"code": 0}}]]"#;
    let mut child = agent(repo.path(), "alice", script)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (done, eof) = mpsc::channel();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stdout.read_to_end(&mut all);
        let _ = done.send(all);
    });
    let status = wait_for(&mut child, Duration::from_secs(5)).expect("agent exits at once");
    assert!(status.success());
    assert!(
        eof.recv_timeout(Duration::from_millis(500)).is_err(),
        "stdout closed although the grandchild holds it"
    );
    let all = eof.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(all, b"bye\n");
}
