//! The git relay end to end on 127.0.0.1, against a scripted remote: a smart-HTTP request
//! reaches the one remote with the relay's credential instead of the client's and its reply
//! streams back; other paths never reach it; a refused credential and an unreachable remote
//! are answered with a message that names the secret to fix.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions; a failure is the test's failure"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use peers_proxy::{
    CREDENTIALS_FILE, GitCredentialSource, GitRelaySettings, GitRemote, ProxyDecision, Service,
    Serving, serve, tls_client,
};

/// A remote that answers each connection with `reply` and sends the request head it got.
fn remote(reply: &'static str) -> (SocketAddr, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (sent, heads) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |n| n.trim().parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            head.push_str(&String::from_utf8_lossy(&body));
            let _ = sent.send(head);
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (addr, heads)
}

fn start_relay(remote_url: &str, dir: &std::path::Path) -> (Serving, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = GitRelaySettings::new(
        GitRemote::parse(remote_url).unwrap(),
        GitCredentialSource {
            dir: dir.to_path_buf(),
            name: "Secret peers-git".into(),
        },
        tls_client().unwrap(),
    );
    (
        serve(vec![(listener, Service::GitRelay(settings))]).unwrap(),
        addr,
    )
}

/// The whole answer to `request`.
fn exchange(relay: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(relay).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

fn credentials(port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CREDENTIALS_FILE),
        format!("http://peers:real-token@127.0.0.1:{port}\n"),
    )
    .unwrap();
    dir
}

#[test]
fn a_push_request_reaches_the_remote_with_the_relays_credential_only() {
    let (addr, heads) = remote(
        "HTTP/1.1 200 OK\r\ncontent-type: application/x-git-receive-pack-result\r\nwww-authenticate: Basic\r\nconnection: close\r\n\r\n0008NAK\n",
    );
    let dir = credentials(addr.port());
    let (serving, relay) = start_relay(
        &format!("http://127.0.0.1:{}/org/repo.git", addr.port()),
        dir.path(),
    );
    let reply = exchange(
        relay,
        "POST /org/repo.git/git-receive-pack HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Basic c3RvbGVu\r\ncontent-type: application/x-git-receive-pack-request\r\ncontent-length: 4\r\n\r\n0000",
    );
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.ends_with("\r\n\r\n0008NAK\n"), "{reply}");
    assert!(!reply.contains("www-authenticate"), "{reply}");
    let head = heads.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(
        head.starts_with("POST /org/repo.git/git-receive-pack HTTP/1.1\r\n"),
        "{head}"
    );
    // base64("peers:real-token")
    assert!(
        head.contains("authorization: Basic cGVlcnM6cmVhbC10b2tlbg==\r\n"),
        "{head}"
    );
    assert_eq!(head.matches("authorization").count(), 1, "{head}");
    assert!(head.ends_with("\r\n0000"), "the body went through: {head}");
    let records = serving.stop();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].status, Some(200));
    assert_eq!(records[0].decision, ProxyDecision::Allowed);
}

#[test]
fn other_paths_and_repositories_never_reach_the_remote() {
    let (addr, heads) = remote("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
    let dir = credentials(addr.port());
    let (serving, relay) = start_relay(
        &format!("http://127.0.0.1:{}/org/repo.git", addr.port()),
        dir.path(),
    );
    for request in [
        "GET /org/other.git/info/refs?service=git-upload-pack HTTP/1.1\r\n\r\n",
        "GET /org/repo.git/HEAD HTTP/1.1\r\n\r\n",
        "GET http://evil.example/org/repo.git/info/refs?service=git-upload-pack HTTP/1.1\r\n\r\n",
        "CONNECT evil.example:443 HTTP/1.1\r\n\r\n",
    ] {
        let reply = exchange(relay, request);
        assert!(reply.starts_with("HTTP/1.1 403 "), "{request}: {reply}");
        assert!(reply.contains("peers git relay: "), "{reply}");
    }
    assert!(heads.recv_timeout(Duration::from_millis(200)).is_err());
    assert_eq!(serving.stop().len(), 4);
}

#[test]
fn a_refused_credential_names_the_secret_to_fix() {
    let (addr, _heads) = remote(
        "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm=x\r\ncontent-length: 0\r\n\r\n",
    );
    let dir = credentials(addr.port());
    let (_serving, relay) = start_relay(
        &format!("http://127.0.0.1:{}/r.git", addr.port()),
        dir.path(),
    );
    let reply = exchange(
        relay,
        "GET /r.git/info/refs?service=git-receive-pack HTTP/1.1\r\n\r\n",
    );
    assert!(
        reply.starts_with("HTTP/1.1 403 Forbidden\r\n"),
        "git must not prompt: {reply}"
    );
    assert!(reply.contains("content-type: text/plain"), "{reply}");
    assert!(reply.contains("the credential was refused"), "{reply}");
    assert!(
        reply.contains("Secret peers-git (key `credentials`"),
        "{reply}"
    );
    assert!(!reply.contains("real-token"), "{reply}");

    // No credential at all: the message says which key is missing.
    let empty = tempfile::tempdir().unwrap();
    let (_serving, relay) = start_relay(
        &format!("http://127.0.0.1:{}/r.git", addr.port()),
        empty.path(),
    );
    let reply = exchange(
        relay,
        "GET /r.git/info/refs?service=git-upload-pack HTTP/1.1\r\n\r\n",
    );
    assert!(reply.contains("the credential was refused"), "{reply}");
    assert!(reply.contains("has no key `credentials`"), "{reply}");
}

#[test]
fn an_unreachable_remote_is_a_502_that_says_so() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = credentials(port);
    let (_serving, relay) = start_relay(&format!("http://127.0.0.1:{port}/r.git"), dir.path());
    let reply = exchange(
        relay,
        "GET /r.git/info/refs?service=git-upload-pack HTTP/1.1\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 502 "), "{reply}");
    assert!(
        reply.contains("cannot reach the git remote 127.0.0.1:"),
        "{reply}"
    );
}
