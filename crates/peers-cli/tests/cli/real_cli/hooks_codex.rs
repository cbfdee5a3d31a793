//! The Stop hook `peers hooks install` writes for Codex, read back by the pinned Codex itself
//! (its app-server's `hooks/list`): the file, the event and the command are what Codex runs.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::Stdio;
use std::time::Duration;

use super::isolation::{Clis, isolated};
use crate::test_env::TestEnv;

fn codex_reads_the_hook(clis: &Clis) {
    let env = TestEnv::new();
    let repo = env.repo("proj", true);
    let out = env.peers(&repo, &["init", "--driver=hooks"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let out = env.peers(&repo, &["hooks", "install", "--only", "codex"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let home = env.root().join("home");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.join(".codex/hooks.json")).unwrap()).unwrap();
    let command = written["hooks"]["Stop"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .to_owned();

    let bin = clis.bin_dir("codex");
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let mut child = env
        .base_command(&bin.join("codex").to_string_lossy())
        .env("PATH", path)
        .env("CODEX_HOME", home.join(".codex"))
        .current_dir(&repo)
        .arg("app-server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let requests = [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"clientInfo": {"name": "peers-test", "version": "1"}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "initialized"}),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "hooks/list", "params": {}}),
    ];
    for request in requests {
        writeln!(stdin, "{request}").unwrap();
    }
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("\"id\":2") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    let reply = rx.recv_timeout(Duration::from_secs(90));
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    let reply: serde_json::Value =
        serde_json::from_str(&reply.expect("codex answered hooks/list")).unwrap();
    let hooks: Vec<&serde_json::Value> = reply["result"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|cwd| cwd["hooks"].as_array().unwrap().iter())
        .collect();
    let ours: Vec<&&serde_json::Value> = hooks
        .iter()
        .filter(|h| h["command"] == command.as_str())
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "codex lists peers' hook exactly once: {reply}"
    );
    assert_eq!(ours[0]["eventName"], "stop");
    assert_eq!(ours[0]["handlerType"], "command");
    assert_eq!(ours[0]["source"], "user");
    assert_eq!(
        reply["result"]["data"][0]["errors"],
        serde_json::json!([]),
        "{reply}"
    );
}

#[test]
fn codex_lists_the_stop_hook_peers_installed() {
    isolated(
        concat!(
            module_path!(),
            "::codex_lists_the_stop_hook_peers_installed"
        ),
        codex_reads_the_hook,
    );
}
