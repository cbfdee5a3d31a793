//! A private git remote on the fake kubelet: the remote is a smart-HTTP server (`git
//! http-backend` behind a small server that wants HTTP Basic with a token) that the pod reaches
//! only through the git relay of its `proxy` sidecar, which alone holds the token (Secret
//! `peers-git`). The workspace clones through the relay, the loop pushes its state after every
//! tick through it with no credential of its own; when the remote stops accepting the token the
//! pushes fail with a `state_push_failed` record that says the credential was refused and which
//! Secret to fix; once the mounted Secret holds the new token (as the kubelet updates it) the
//! next push sends everything, and the run completes with the remote up to date.
#![expect(
    clippy::unwrap_used,
    reason = "test steps: a failed step must stop the test"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::ctl::env::{CtlEnv, peers_bin, ticks};
use crate::ctl::fake_cluster::FakeCluster;
use crate::ctl::kube_cluster::{NS, project};
use crate::ctl::kubelet::Kubelet;

const TOKEN: &str = "glpat-the-real-git-token-only-the-sidecar-holds";
const ROTATED: &str = "glpat-the-rotated-token";
const STATE_REF: &str = "refs/peers/far/state";

/// `git http-backend` over HTTP on 127.0.0.2 (not the pods' loopback addresses), serving the
/// repositories under `root` to requests with `Authorization: Basic peers:<token>` only.
struct GitServer {
    port: u16,
    token: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GitServer {
    fn start(root: &Path, token: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.2:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let token = Arc::new(Mutex::new(token.to_owned()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (token, stop, root) = (Arc::clone(&token), Arc::clone(&stop), root.to_owned());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let expected = basic(&token.lock().unwrap());
                            let root = root.clone();
                            std::thread::spawn(move || serve(stream, &root, &expected));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Self {
            port,
            token,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, repo: &str) -> String {
        format!("http://127.0.0.2:{}/{repo}", self.port)
    }

    /// The token the server accepts from now on (the old one is revoked).
    fn rotate(&self, token: &str) {
        *self.token.lock().unwrap() = token.to_owned();
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn basic(token: &str) -> String {
    let plain = format!("peers:{token}");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::from("Basic ");
    for chunk in plain.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

/// One request: 401 without the expected credential, else `git http-backend` as CGI.
fn serve(stream: TcpStream, root: &Path, expected: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut start = String::new();
    if reader.read_line(&mut start).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let mut body = Vec::new();
    if let Some(length) = header("content-length") {
        body.resize(length.parse().unwrap(), 0);
        reader.read_exact(&mut body).unwrap();
    } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    if header("authorization").as_deref() != Some(expected) {
        let _ = writer.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm=\"git\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        return;
    }
    let mut parts = start.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REMOTE_USER", "peers")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, variable) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(value) = header(name) {
            cgi.env(variable, value);
        }
    }
    let mut child = cgi.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output().unwrap();
    let _ = feeder.join();
    let out = output.stdout;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| {
            out.windows(2)
                .position(|w| w == b"\n\n")
                .map(|at| (at, at + 2))
        })
        .unwrap_or((out.len(), out.len()));
    let cgi_head = String::from_utf8_lossy(&out[..split.0]).into_owned();
    let mut status = "200 OK".to_owned();
    let mut reply = String::new();
    for line in cgi_head.lines() {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => {
                status = value.trim().to_owned();
            }
            Some(_) => {
                reply.push_str(line.trim_end());
                reply.push_str("\r\n");
            }
            None => {}
        }
    }
    let body = &out[split.1..];
    let head = format!(
        "HTTP/1.1 {status}\r\n{reply}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = writer.write_all(head.as_bytes());
    let _ = writer.write_all(body);
}

fn git(dir: &Path, env: &CtlEnv, args: &[&str]) -> String {
    peers_testkit::git_with_home(dir, &env.root().join("home"), args)
}

/// The run log the remote's state ref holds (empty when it has none).
fn pushed_log(remote: &Path, env: &CtlEnv) -> String {
    let out = peers_testkit::hermetic_command("git", &env.root().join("home"))
        .current_dir(remote)
        .args(["show", &format!("{STATE_REF}:.peers/log/runs.jsonl")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn records(work: &Path, event: &str) -> Vec<Value> {
    std::fs::read_to_string(work.join(".peers/log/runs.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == event)
        .collect()
}

fn wait(what: &str, node: &Path, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        if Instant::now() >= deadline {
            let logs: Vec<String> = std::fs::read_dir(node.join("pods"))
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|pod| {
                    std::fs::read_dir(pod.path())
                        .into_iter()
                        .flatten()
                        .flatten()
                })
                .filter(|f| f.path().extension().is_some_and(|e| e == "log"))
                .map(|f| {
                    format!(
                        "{}:\n{}",
                        f.path().display(),
                        std::fs::read_to_string(f.path()).unwrap_or_default()
                    )
                })
                .collect();
            panic!("timed out waiting for {what}\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The loop process's environment, from /proc.
fn environ(pid: u32) -> String {
    String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/environ")).unwrap()).into_owned()
}

#[test]
fn a_private_remote_is_reached_through_the_sidecars_git_relay_and_a_refused_token_is_named() {
    // Built (when stale) before the clock starts: only the run is timed.
    let peers = peers_bin();
    let begun = Instant::now();
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    let remote: PathBuf = project(&env, &fake);
    let server = GitServer::start(env.root(), TOKEN);
    let url = server.url("remote.git");
    let repo = env.projects_root().join("far").canonicalize().unwrap();
    git(&repo, &env, &["remote", "set-url", "origin", &url]);
    // Your own git pushes the first state with your credential (here a store file).
    let store = env.root().join("my-git-credentials");
    std::fs::write(
        &store,
        format!("http://peers:{TOKEN}@127.0.0.2:{}\n", server.port),
    )
    .unwrap();
    let helper = format!("store --file={}", store.display());
    git(&repo, &env, &["config", "credential.helper", &helper]);
    env.sim_peers(&repo, "far", 150, 8);
    fake.put(
        &format!("{NS}/secrets"),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "peers-git"},
               "stringData": {"credentials": format!("http://peers:{TOKEN}@127.0.0.2:{}\n", server.port)}}),
    );
    let node = env.root().join("node");
    let kubelet = Kubelet::start(&fake, &node, &peers);
    let work = kubelet.volume("peers-far-work").join("repo");

    env.ok(&["start", "far", "--max-ticks", "60"]);
    wait("the loop", &node, || kubelet.running_pod().is_some());
    let pod = kubelet.running_pod().unwrap();

    // The pod's origin is the relay, and no token is in the loop's reach.
    let origin = git(&work, &env, &["remote", "get-url", "origin"]);
    assert!(
        origin.trim().starts_with("http://127.") && origin.trim().ends_with(":8081/remote.git"),
        "{origin}"
    );
    let vars = environ(kubelet.loop_pid(&pod).unwrap());
    assert!(vars.contains("PEERS_K8S_RUN=far"), "{vars}");
    assert!(!vars.contains(TOKEN), "the token in the loop's environment");
    let config = std::fs::read_to_string(work.join(".git/config")).unwrap();
    assert!(
        !config.contains(TOKEN) && !config.contains("127.0.0.2"),
        "{config}"
    );

    // Every tick's push goes through the relay.
    wait("a tick pushed through the relay", &node, || {
        pushed_log(&remote, &env).contains("\"event\":\"tick\"")
    });
    let relay_log = node.join(format!("pods/{pod}/proxy.log"));
    wait("the relay's log of the push", &node, || {
        std::fs::read_to_string(&relay_log)
            .unwrap_or_default()
            .contains("git-relay POST /remote.git/git-receive-pack 127.0.0.2:")
    });

    // The remote revokes the token: the next push fails, recorded with what to fix.
    server.rotate(ROTATED);
    wait("a refused push", &node, || {
        !records(&work, "state_push_failed").is_empty()
    });
    let failed = &records(&work, "state_push_failed")[0];
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("the credential was refused"), "{failed:#}");
    assert!(
        error.contains("Secret peers-git (key `credentials`"),
        "{failed:#}"
    );
    assert!(
        !error.contains(TOKEN) && !error.contains(ROTATED),
        "{error}"
    );

    // The Secret gets the new token (the kubelet updates a mounted Secret in place): the relay
    // reads it at the next request, and the next push sends everything.
    std::fs::write(
        node.join(format!("pods/{pod}/volumes/git-credentials/credentials")),
        format!("http://peers:{ROTATED}@127.0.0.2:{}\n", server.port),
    )
    .unwrap();
    wait("completion", &node, || {
        env.row("far")["state"] == "complete"
    });
    let log = std::fs::read_to_string(work.join(".peers/log/runs.jsonl")).unwrap();
    wait("the final push", &node, || pushed_log(&remote, &env) == log);
    assert!(log.contains("state_push_failed"), "{log}");
    assert!(ticks(&work).len() >= 2);
    let head = git(&work, &env, &["rev-parse", "HEAD"]);
    assert_eq!(
        git(&remote, &env, &["rev-parse", "refs/heads/main"]).trim(),
        head.trim(),
        "the branch went through the relay too"
    );
    drop(kubelet);
    drop(server);
    assert!(
        begun.elapsed() < Duration::from_secs(60),
        "the test took {:?}",
        begun.elapsed()
    );
}
