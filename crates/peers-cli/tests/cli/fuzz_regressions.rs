//! Fuzz regressions: every case under `tests/fuzz-crashers/<target>/` is fed to the binary the
//! way `scripts/fuzz` feeds it, and must end with an exit code of ours (no panic = 101, no
//! signal such as an abort, no hang past the timeout).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::test_env::{HANDOFF, TestEnv};

const TIMEOUT: Duration = Duration::from_secs(20);
const GOALS: &str = "goals:\n  - {id: builds, type: hard, cmd: 'printf \"test result: ok. 3 passed\\n\"', pass_when: PASS_WHEN}\n  - {id: clean, type: hard, builtin: bug-hunt-clean, timeout_s: 5}\n";
const DEFAULT_PASS_WHEN: &str = "'exit_code == 0'";

fn cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashers");
    let mut cases = Vec::new();
    for target in std::fs::read_dir(&root).expect("fuzz-crashers").flatten() {
        if !target.path().is_dir() {
            continue;
        }
        let name = target.file_name().to_string_lossy().into_owned();
        for case in std::fs::read_dir(target.path())
            .expect("target dir")
            .flatten()
        {
            if case.path().extension().is_some_and(|e| e == "input") {
                cases.push((name.clone(), case.path()));
            }
        }
    }
    cases.sort();
    cases
}

/// Runs `peers args` with the timeout; `None` when it hung (it is then killed).
fn run(env: &TestEnv, repo: &Path, args: &[&str]) -> Option<std::process::ExitStatus> {
    let mut child = env
        .base_command(env!("CARGO_BIN_EXE_peers"))
        .current_dir(repo)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn peers");
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn yaml_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''").replace('\n', " "))
}

/// Places `input` where `target` reads it; returns the commands to run.
fn place(env: &TestEnv, repo: &Path, target: &str, case: &Path, input: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(input).into_owned();
    let owned = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    match target {
        "config" => {
            std::fs::write(repo.join(".peers/config.yaml"), input).expect("config");
            vec![owned(&["status"]), owned(&["verify"])]
        }
        "goals" | "pass_when" => {
            let goals = if target == "goals" {
                text
            } else {
                GOALS.replace("PASS_WHEN", &yaml_quote(&text))
            };
            std::fs::write(repo.join(".peers/goals.yaml"), goals).expect("goals");
            vec![owned(&["goals", "accept"]), owned(&["verify"])]
        }
        "state" => {
            std::fs::write(repo.join(".peers/state.json"), input).expect("state");
            vec![owned(&["status"]), owned(&["report"])]
        }
        "ledger" => {
            let message = env.root().join("message.txt");
            std::fs::write(&message, text.replace('\0', " ")).expect("message");
            let path = message.to_string_lossy().into_owned();
            env.git(repo, &["commit", "-q", "--allow-empty", "-F", &path]);
            vec![owned(&["bugs", "summary"])]
        }
        "runs_jsonl" => {
            std::fs::write(repo.join(".peers/log/runs.jsonl"), input).expect("log");
            vec![owned(&["report"]), owned(&["replay", "1"])]
        }
        "agent_output" => {
            let file_name = case.file_name().unwrap_or_default().to_string_lossy();
            let tool = file_name.split('-').next().unwrap_or("claude");
            let output = env.root().join("agent-output");
            std::fs::write(&output, input).expect("output");
            let peer = format!(
                "tool: {tool}, argv: ['cat', '{}'], prompt_mode: stdin",
                output.display()
            );
            let config = format!(
                "peers:\n  - {{name: alice, {peer}}}\n  - {{name: bob, {peer}}}\nhealth:\n  idle_timeout_s: 5\n  absolute_max_runtime_s: 10\n  grace_s: 1\n"
            );
            std::fs::write(repo.join(".peers/config.yaml"), config).expect("config");
            vec![owned(&[
                "run",
                "--max-ticks",
                "1",
                "--without-recon",
                "--no-codemap",
            ])]
        }
        other => panic!("unknown fuzz target directory {other:?}"),
    }
}

#[test]
fn every_saved_fuzz_case_ends_with_an_exit_code_of_ours() {
    let cases = cases();
    assert!(cases.len() >= 7, "the corpus is there: {cases:?}");
    let mut failures = Vec::new();
    for (target, case) in &cases {
        let env = TestEnv::new();
        let script = json!({"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
        let goals = GOALS.replace("PASS_WHEN", DEFAULT_PASS_WHEN);
        let repo = env.sim_project(
            "app",
            &[("alice", "sim", script.clone()), ("bob", "sim", script)],
            &goals,
            "",
        );
        assert_eq!(env.peers(&repo, &["run", "--max-ticks", "1"]).code, 0);
        let input = std::fs::read(case).expect("case");
        for args in place(&env, &repo, target, case, &input) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let status = run(&env, &repo, &args);
            let crashed = match status {
                None => Some("hang".to_owned()),
                Some(s) if s.code() == Some(101) => Some("panic".to_owned()),
                Some(s) if s.code().is_none() => Some(s.to_string()),
                Some(_) => None,
            };
            if let Some(kind) = crashed {
                failures.push(format!(
                    "{}: peers {}: {kind}",
                    case.display(),
                    args.join(" ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
