//! A headless Chromium driven over the DevTools protocol on a local websocket, for the browser
//! tests: launched with a fresh profile and no network features, its page target reached
//! through `/json/list`, commands sent as masked websocket text frames. No driver download: the
//! distribution's `chromium` (`PEERS_CHROMIUM`, else on PATH) and ~150 lines here.
#![expect(
    clippy::expect_used,
    reason = "test harness: a failed step must stop the test"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The browser, if installed; `None` means skip (never under CI=true: that panics instead).
pub fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PEERS_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
                .find(|candidate| candidate.is_file())
        })
        .filter(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is missing under CI=true: .ci/setup.d/40-chromium.sh installs it"
        );
        eprintln!(
            "SKIPPED: the browser test needs Chromium (apt-get install chromium, or set PEERS_CHROMIUM); .ci/setup.d/40-chromium.sh installs it"
        );
    }
    found
}

pub struct Browser {
    child: Child,
    socket: TcpStream,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium's zygote and renderers share its process group.
        let pid = self.child.id() as i32;
        if let Some(group) = rustix::process::Pid::from_raw(pid) {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.wait();
        kill_by_profile(self._profile.path());
    }
}

/// One GET to the DevTools HTTP endpoint (which keeps the connection open: read by length).
fn http_get(port: u16, path: &str) -> String {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("devtools http");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut writer = stream.try_clone().expect("clone");
    write!(
        writer,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .expect("write");
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("body");
    String::from_utf8_lossy(&body).into_owned()
}

/// Chromium helpers that left the process group (the crash handler) still name the profile.
fn kill_by_profile(profile: &Path) {
    let needle = profile.display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&needle)
            && let Some(pid) = rustix::process::Pid::from_raw(pid)
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

impl Browser {
    pub fn launch(program: &Path) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let child = Command::new(program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--window-size=1280,1600",
                "--disable-breakpad",
                "--disable-crash-reporter",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("launch chromium");
        let port_file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(60);
        let port: u16 = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|t| t.lines().next()?.parse().ok())
            {
                break port;
            }
            assert!(
                Instant::now() < deadline,
                "chromium did not open its DevTools port"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let targets: Value = loop {
            if let Ok(list) = serde_json::from_str::<Value>(&http_get(port, "/json/list"))
                && list
                    .as_array()
                    .is_some_and(|l| l.iter().any(|t| t["type"] == "page"))
            {
                break list;
            }
            assert!(Instant::now() < deadline, "chromium has no page target");
            std::thread::sleep(Duration::from_millis(100));
        };
        let url = targets
            .as_array()
            .expect("targets")
            .iter()
            .find(|t| t["type"] == "page")
            .expect("page")["webSocketDebuggerUrl"]
            .as_str()
            .expect("ws url")
            .to_owned();
        let path = &url[url.find("/devtools").expect("ws path")..];
        let mut socket = TcpStream::connect(("127.0.0.1", port)).expect("ws connect");
        socket
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        write!(socket, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").expect("handshake");
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        let mut line = String::new();
        reader.read_line(&mut line).expect("status");
        assert!(line.contains(" 101 "), "websocket refused: {line}");
        while line != "\r\n" {
            line.clear();
            reader.read_line(&mut line).expect("header");
        }
        let mut browser = Browser {
            child,
            socket,
            next_id: 0,
            _profile: profile,
        };
        browser.call("Page.enable", json!({}));
        browser
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.socket.write_all(&frame).expect("ws send");
    }

    fn receive(&mut self) -> Value {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.socket.read_exact(&mut head).expect("ws frame");
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.socket.read_exact(&mut b).expect("len16");
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.socket.read_exact(&mut b).expect("len64");
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            let mut payload = vec![0u8; usize::try_from(len).expect("frame size")];
            self.socket.read_exact(&mut payload).expect("payload");
            message.extend_from_slice(&payload);
            if head[0] & 0x80 != 0 {
                return serde_json::from_slice(&message).expect("cdp json");
            }
        }
    }

    /// One DevTools command and its result (events in between are skipped).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"id": id, "method": method, "params": params}).to_string());
        loop {
            let message = self.receive();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        result["result"]["value"].clone()
    }

    /// Waits up to 30 s for `expression` to be true.
    pub fn wait_for(&mut self, what: &str, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.eval(expression) != Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} ({expression})"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Navigates and waits until the page at `path` has loaded.
    pub fn open(&mut self, url: &str, path: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for(
            path,
            &format!(
                "location.pathname === {} && document.readyState === 'complete'",
                json!(path)
            ),
        );
    }

    /// Saves a PNG of the page as `dir/name.png`.
    pub fn screenshot(&mut self, dir: &Path, name: &str) -> PathBuf {
        let result = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let bytes = base64_decode(result["data"].as_str().expect("png data"));
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::create_dir_all(dir).expect("artefact dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("write screenshot");
        path
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, c)| {
            acc | (u32::from(value(*c)) << (18 - 6 * i))
        });
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}
