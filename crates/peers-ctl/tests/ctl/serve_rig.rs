//! The rig of the `serve` tests: a `peers-ctl serve` on 127.0.0.1 over the fixture fleet, a
//! minimal HTTP/1.1 client, and reading an attribute out of a page.
#![expect(
    clippy::expect_used,
    reason = "tests: a failed step must stop the test"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use super::env::CtlEnv;
use super::fleet_fixture;

pub const TOKEN: &str = "fixture-token-0123456789";

/// A running `peers-ctl serve`; killed on drop with the stand-in run.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub stand_in: Child,
    /// Holds the temporary directories until the server is gone.
    pub _env: CtlEnv,
    pub projects: Vec<(String, std::path::PathBuf)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.stand_in.kill();
        let _ = self.stand_in.wait();
    }
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        let env = CtlEnv::new();
        let (stand_in, projects) =
            fleet_fixture::fleet(&env.root().join("fleet"), &env.config_dir());
        let token_file = env.root().join("token");
        std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token file");
        let mut args = vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--poll-ms",
            "100",
            "--token-file",
        ];
        let token_path = token_file.display().to_string();
        args.push(&token_path);
        args.extend_from_slice(extra);
        let mut child = env
            .command(Path::new(env!("CARGO_BIN_EXE_peers-ctl")))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("ready line");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Server {
            child,
            addr,
            stand_in,
            _env: env,
            projects,
        }
    }

    pub fn path(&self, name: &str) -> &Path {
        &self
            .projects
            .iter()
            .find(|(n, _)| n == name)
            .expect("project")
            .1
    }

    /// One request; returns status, headers (lower-cased names) and body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("write");
        stream.write_all(body.as_bytes()).expect("write body");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let text = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, head.to_ascii_lowercase(), body)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let bearer = format!("Bearer {TOKEN}");
        let (status, _, body) = self.request("GET", path, &[("Authorization", &bearer)], "");
        (status, body)
    }

    pub fn page(&self, path: &str) -> String {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// The value of attribute `attr` on the element whose opening tag contains `marker`.
pub fn attr(html: &str, marker: &str, attr: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"));
    let tag_start = html[..start].rfind('<').expect("tag");
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>').expect("tag end")];
    let key = format!("{attr}=\"");
    let value = &tag[tag
        .find(&key)
        .unwrap_or_else(|| panic!("{attr} not in {tag}"))
        + key.len()..];
    value[..value.find('"').expect("quote")].to_owned()
}
