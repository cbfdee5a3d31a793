//! `peers serve` and `peers stats` on one repository after a real two-tick run: the run page
//! with both ticks behind the token (401 without it), and the analytics per peer.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::Stdio;

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn honest(file: &str) -> serde_json::Value {
    json!({"turns": [[{"append_file": {"path": file, "content": "{peer}\n"}}, {"git_commit": {"message": HANDOFF}}]]})
}

fn get(addr: &str, path: &str, auth: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = auth
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[test]
fn peers_serve_shows_this_run_behind_the_token_and_stats_counts_each_peer() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "2"]).code, 0);

    let out = env.peers(&repo, &["stats", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let stats: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    for peer in ["alice", "bob"] {
        let row = stats["by_peer"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == peer)
            .unwrap();
        assert_eq!(row["ticks"], 1, "{row}");
        assert_eq!(row["successful_ticks"], 1, "{row}");
    }
    assert_eq!(stats["by_tool"][0]["key"], "sim");
    assert_eq!(stats["by_tool"][0]["ticks"], 2);

    let token = "peers-cli-test-token-42";
    let token_file = env.root().join("token");
    std::fs::write(&token_file, token).unwrap();
    let mut child = env
        .base_command(env!("CARGO_BIN_EXE_peers"))
        .current_dir(&repo)
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(&token_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap()
        .to_owned();
    assert!(line.contains("/p/app"), "{line}");
    let (status, _) = get(&addr, "/p/app", None);
    let (ok, page) = get(&addr, "/p/app", Some(token));
    let (fleet, _) = get(&addr, "/", Some(token));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 401);
    assert_eq!(ok, 200, "{page}");
    assert!(page.contains(r#"id="ticks" data-count="2""#), "{page}");
    assert!(
        page.contains(r#"data-series="alice" data-points="1""#),
        "{page}"
    );
    assert_eq!(fleet, 200);
}
