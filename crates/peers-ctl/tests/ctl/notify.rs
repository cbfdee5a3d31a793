//! Notifications: off by default; with `notify.json`, a completed run and a crashed run each
//! reach the command hook (JSON on stdin) and the webhook (a POST to 127.0.0.1); a broken
//! notify.json stops `start` before anything runs.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed setup step must stop the test"
)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use crate::ctl::env::{CtlEnv, alive, wait_for};

/// A one-shot HTTP server on 127.0.0.1: each request body goes to the channel, answered 204.
fn webhook() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n");
                        let _ = sender.send(format!("{head}\n\n{body}"));
                        break;
                    }
                }
            }
        }
    });
    (url, receiver)
}

fn configure(env: &CtlEnv, url: &str) -> std::path::PathBuf {
    let out_file = env.root().join("events.jsonl");
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let config = serde_json::json!({
        "command": ["sh", "-c", format!("cat >> '{}'; echo >> '{}'", out_file.display(), out_file.display())],
        "webhook": url,
    });
    std::fs::write(env.config_dir().join("notify.json"), config.to_string()).unwrap();
    out_file
}

fn events(file: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn a_completed_run_reaches_the_command_and_the_webhook() {
    let env = CtlEnv::new();
    env.sim_project("done", 100, 2);
    let (url, posts) = webhook();
    let file = configure(&env, &url);
    env.ok(&["start", "done"]);
    wait_for("the command hook", || !events(&file).is_empty());
    let event = &events(&file)[0];
    assert_eq!(event["event"], "complete", "{event}");
    assert_eq!(event["project"], "done");
    assert_eq!(event["state"], "stopped");
    let post = posts.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(post.starts_with("POST /hook HTTP/1.1"), "{post}");
    assert!(post.contains("\"event\":\"complete\""), "{post}");
}

#[test]
fn a_crashed_run_is_announced() {
    let env = CtlEnv::new();
    let repo = env.sim_project("boom", 800, 3);
    let (url, _posts) = webhook();
    let file = configure(&env, &url);
    env.ok(&["start", "boom"]);
    let pid = env.row("boom")["pid"].as_u64().unwrap() as u32;
    wait_for("the run lock", || repo.join(".peers/run.lock").exists());
    std::thread::sleep(Duration::from_millis(300));
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    wait_for("the run to die", || !alive(pid));
    wait_for("the command hook", || !events(&file).is_empty());
    assert_eq!(events(&file)[0]["event"], "crashed");
}

#[test]
fn a_broken_notify_file_stops_start_before_anything_runs() {
    let env = CtlEnv::new();
    env.sim_project("cfg", 100, 2);
    std::fs::write(
        env.config_dir().join("notify.json"),
        r#"{"webhook": "https://example.invalid/x"}"#,
    )
    .unwrap();
    let out = env.ctl(&["start", "cfg"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("notify.json") && out.stderr.contains("http://"),
        "{}",
        out.stderr
    );
    assert_eq!(env.row("cfg")["state"], "fresh");
}
