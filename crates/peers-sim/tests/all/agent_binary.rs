//! The binary's contract: exit codes, prompt on stdin, the counter across processes.

use std::io::Write;
use std::process::Stdio;

use super::support::{AGENT, agent, repo, run, script_file};

#[test]
fn scripted_exit_code_and_output_reach_the_caller() {
    let repo = repo();
    let script = r#"[[{"print": {"text": "hello {peer}"}}, {"stderr_error": {"text": "oops"}},
                      {"exit": {"code": 7}}]]"#;
    let output = run(&mut agent(repo.path(), "alice", script));
    assert_eq!(output.status.code(), Some(7));
    assert_eq!(output.stdout, b"hello alice\n");
    assert_eq!(output.stderr, b"oops\n");
}

#[test]
fn turns_advance_across_processes_and_restarts() {
    let repo = repo();
    let script = r#"{"when_exhausted": "exit0", "turns": [[{"exit": {"code": 1}}], [{"exit": {"code": 2}}]]}"#;
    let codes: Vec<Option<i32>> = (0..3)
        .map(|_| run(&mut agent(repo.path(), "alice", script)).status.code())
        .collect();
    assert_eq!(codes, vec![Some(1), Some(2), Some(0)]);
}

#[test]
fn state_dir_variable_moves_the_counter() {
    let repo = repo();
    let state = tempfile::tempdir().unwrap();
    let script = r#"[[{"exit": {"code": 4}}], [{"exit": {"code": 5}}]]"#;
    let mut command = agent(repo.path(), "bob", script);
    command.env("PEERS_SIM_STATE_DIR", state.path());
    assert_eq!(run(&mut command).status.code(), Some(4));
    assert_eq!(
        std::fs::read_to_string(state.path().join("bob.count")).unwrap(),
        "1\n"
    );
    assert!(!repo.path().join(".git/peers-sim").exists());
}

#[test]
fn prompt_arrives_on_stdin_when_no_argument_is_given() {
    let repo = repo();
    let path = script_file(repo.path(), r#"[[{"print": {"text": "to {other}"}}]]"#);
    let mut child = std::process::Command::new(AGENT)
        .arg("--script")
        .arg(&path)
        .current_dir(repo.path())
        .env("PEERS_PEER_NAME", "alice")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"You are 'alice'. Your counterpart is 'dave'.\n")
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.stdout, b"to dave\n");
}

#[test]
fn a_broken_script_fails_with_125_and_its_location() {
    let repo = repo();
    let output = run(&mut agent(
        repo.path(),
        "alice",
        "[[{\"print\": {\"txt\": 1}}]]",
    ));
    assert_eq!(output.status.code(), Some(125));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(":1:"), "{stderr}");
    assert!(stderr.contains("txt"), "{stderr}");
}

#[test]
fn missing_flag_is_a_usage_error() {
    let output = run(std::process::Command::new(AGENT).stdin(Stdio::null()));
    assert_eq!(output.status.code(), Some(2));
}
