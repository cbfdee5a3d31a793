//! The git relay: a plain-HTTP listener on the pod's 127.0.0.1 through which a container with
//! no git credential (a Kubernetes pod's `loop`) fetches from and pushes to one private remote.
//! Only git's smart-HTTP endpoints of that one repository pass (`GET <path>/info/refs?service=
//! git-upload-pack|git-receive-pack`, `POST <path>/git-upload-pack`, `POST <path>/git-receive-pack`);
//! every other path, method or host is refused. Each request loses the client's credential and
//! hop-by-hop headers, gains the credential read from the relay's own files (read per request,
//! so a rotated token is picked up), goes to the fixed remote (over TLS; through the egress
//! gateway's `CONNECT` when one is configured) and streams back, both ways capped in bytes.
//!
//! A remote that refuses the credential (401/403), or that cannot be reached, is answered with a
//! `text/plain` 403/502 whose body names the credential's source and how to fix it: git prints
//! such a body as `remote: …` lines in its error, so the message lands in the pusher's
//! `state_push_failed` record. A 401 is never passed on (git would try to prompt).

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::connect;
use crate::error::ProxyError;
use crate::head::{self, RequestHead};
use crate::provider::STRIPPED_HEADERS;
use crate::record::{ProxyDecision, ProxyRecord, RecordLog};

/// Longest silence from either side before the request is given up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// The relay's name in the log.
pub const GIT_RELAY: &str = "git-relay";

/// The one remote the relay reaches: `https://host[:port]/path`, or, for tests, an `http://`
/// URL on a loopback address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRemote {
    pub host: String,
    pub port: u16,
    /// The repository's path on the host, without a trailing `/` (`/org/repo.git`).
    pub path: String,
    pub tls: bool,
}

impl GitRemote {
    /// Parses the remote's URL; user info in it is dropped (the credential comes from the
    /// relay's files). Plain `http://` is accepted only on a loopback address: the credential
    /// never crosses a network unencrypted.
    pub fn parse(url: &str) -> Result<Self, ProxyError> {
        let bad = |reason| ProxyError::BadGitRemote {
            url: url.to_owned(),
            reason,
        };
        let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("the git relay reaches an https:// remote only"));
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        // `[v6]:port`: the colons inside the brackets are not the port's.
        let port_at = authority
            .rfind(':')
            .filter(|colon| authority.rfind(']').is_none_or(|end| end < *colon));
        let (host, port) = match port_at {
            Some(colon) => (
                &authority[..colon],
                authority[colon + 1..]
                    .parse()
                    .map_err(|_| bad("the port after `:` is not a number"))?,
            ),
            None => (authority, if tls { 443 } else { 80 }),
        };
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(bad("the URL has no host"));
        }
        if path.contains(['?', '#']) {
            return Err(bad("a git remote URL has no query or fragment"));
        }
        let loopback = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        if !tls && !loopback {
            return Err(bad(
                "plain http:// would send the credential unencrypted; use the https:// URL",
            ));
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
            path: path.trim_end_matches('/').to_owned(),
            tls,
        })
    }

    fn authority(&self) -> String {
        let default = if self.tls { 443 } else { 80 };
        if self.port == default {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Where the relay's credential comes from: a directory of files (a mounted Secret), read at
/// every request. `bearer-token` (a token sent as `Authorization: Bearer`) wins over
/// `credentials` (git-credential-store lines, `https://USER:TOKEN@host`, the line for the
/// remote's host sent as `Authorization: Basic`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitCredentialSource {
    pub dir: PathBuf,
    /// What the operator fixes, for messages: `Secret peers-git`.
    pub name: String,
}

/// The credential file of git-credential-store lines.
pub const CREDENTIALS_FILE: &str = "credentials";
/// The file holding a bearer token.
pub const BEARER_FILE: &str = "bearer-token";

/// Why the relay has no credential for a request.
#[derive(Debug, thiserror::Error)]
enum MissingCredential {
    #[error(
        "no credential: {secret} has no key `{CREDENTIALS_FILE}` or `{BEARER_FILE}` ({}: {error})",
        path.display()
    )]
    NoKey {
        secret: String,
        path: PathBuf,
        error: io::Error,
    },
    #[error(
        "no credential: {secret} key `{CREDENTIALS_FILE}` has no line for {authority} (a line \
         `https://USER:TOKEN@{authority}`)"
    )]
    NoLine { secret: String, authority: String },
}

/// Why a request is not relayed.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("{path} is not the relayed repository ({repository})")]
    OtherRepository { path: String, repository: String },
    #[error(
        "{method} {target} is not a git smart-HTTP request (only info/refs, git-upload-pack and \
         git-receive-pack are relayed)"
    )]
    NotGit { method: String, target: String },
}

impl GitCredentialSource {
    /// The `Authorization` value for `remote`, or why there is none.
    fn authorization(&self, remote: &GitRemote) -> Result<String, MissingCredential> {
        let bearer = self.dir.join(BEARER_FILE);
        if let Ok(token) = std::fs::read_to_string(&bearer) {
            let token = token.trim();
            if !token.is_empty() {
                return Ok(format!("Bearer {token}"));
            }
        }
        let path = self.dir.join(CREDENTIALS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|error| MissingCredential::NoKey {
            secret: self.name.clone(),
            path: path.clone(),
            error,
        })?;
        text.lines()
            .filter_map(|line| store_line(line.trim()))
            .find(|(host, port, _, _)| *host == remote.host && *port == remote.port)
            .map(|(_, _, user, password)| {
                format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
            })
            .ok_or_else(|| MissingCredential::NoLine {
                secret: self.name.clone(),
                authority: remote.authority(),
            })
    }
}

/// One git-credential-store line: (host, port, user, password), percent-decoded.
fn store_line(line: &str) -> Option<(String, u16, String, String)> {
    let (tls, rest) = match line.split_once("://")? {
        ("https", rest) => (true, rest),
        ("http", rest) => (false, rest),
        _ => return None,
    };
    let authority = rest.split('/').next()?;
    let (userinfo, hostport) = authority.rsplit_once('@')?;
    let (user, password) = userinfo.split_once(':')?;
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (hostport, if tls { 443 } else { 80 }),
    };
    Some((
        host.to_ascii_lowercase(),
        port,
        percent_decode(user)?,
        percent_decode(password)?,
    ))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Caps on the relay: bytes one request may carry each way, requests open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitRelayLimits {
    pub max_bytes: u64,
    pub max_connections: usize,
}

impl Default for GitRelayLimits {
    /// 2 GiB each way (a first clone of a large repository), 16 requests at once.
    fn default() -> Self {
        Self {
            max_bytes: 2 * 1024 * 1024 * 1024,
            max_connections: 16,
        }
    }
}

/// The relay's configuration.
#[derive(Debug, Clone)]
pub struct GitRelaySettings {
    pub remote: GitRemote,
    pub credential: GitCredentialSource,
    /// An HTTP proxy (`host`, `port`) the TLS connection is tunnelled through with `CONNECT`
    /// (the cluster's egress gateway); never used for a loopback remote.
    pub via: Option<(String, u16)>,
    pub limits: GitRelayLimits,
    pub tls: Arc<rustls::ClientConfig>,
    active: Arc<AtomicUsize>,
}

impl GitRelaySettings {
    pub fn new(
        remote: GitRemote,
        credential: GitCredentialSource,
        tls: Arc<rustls::ClientConfig>,
    ) -> Self {
        Self {
            remote,
            credential,
            via: None,
            limits: GitRelayLimits::default(),
            tls,
            active: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The URL a client uses instead of the remote's (`http://<listen>/<path>`).
    pub fn client_url(&self, listen: &str) -> String {
        format!("http://{listen}{}", self.remote.path)
    }
}

/// One request counted against `max_connections` until dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The git endpoint a request asks for, or why it is refused.
fn endpoint(request: &RequestHead, remote: &GitRemote) -> Result<(), Refusal> {
    let (path, query) = match request.target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.target.as_str(), None),
    };
    let Some(rest) = path.strip_prefix(remote.path.as_str()) else {
        return Err(Refusal::OtherRepository {
            path: path.to_owned(),
            repository: if remote.path.is_empty() {
                "/".to_owned()
            } else {
                remote.path.clone()
            },
        });
    };
    let method = request.method.as_str();
    match (method, rest, query) {
        ("GET", "/info/refs", Some("service=git-upload-pack" | "service=git-receive-pack"))
        | ("POST", "/git-upload-pack" | "/git-receive-pack", None) => Ok(()),
        _ => Err(Refusal::NotGit {
            method: method.to_owned(),
            target: request.target.clone(),
        }),
    }
}

/// Serves one client connection: one request, then the connection closes.
pub(crate) fn handle(client: TcpStream, settings: &GitRelaySettings, log: &RecordLog) {
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let _ = client.set_read_timeout(Some(IDLE_TIMEOUT));
    let mut reader = BufReader::with_capacity(64 * 1024, read_half);
    let mut client = client;
    let request = match head::read_request(&mut reader) {
        Ok(request) => request,
        Err(head::HeadError::Closed) => return,
        Err(err) => {
            let _ = answer(&mut client, 400, &err.to_string());
            return;
        }
    };
    let mut record = ProxyRecord {
        proxy: GIT_RELAY.to_owned(),
        host: settings.remote.host.clone(),
        port: settings.remote.port,
        request: format!(
            "{} {}",
            request.method,
            request.target.split('?').next().unwrap_or_default()
        ),
        bytes_up: 0,
        bytes_down: 0,
        status: None,
        decision: ProxyDecision::Allowed,
    };
    let taken = settings
        .active
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |open| {
            (open < settings.limits.max_connections).then_some(open + 1)
        })
        .is_ok();
    let outcome = if taken {
        let _slot = Slot(Arc::clone(&settings.active));
        endpoint(&request, &settings.remote)
            .map_err(|refusal| (403, refusal.to_string()))
            .and_then(|()| forward(&request, &mut reader, &mut client, settings, &mut record))
    } else {
        Err((
            503,
            format!(
                "{} git requests are open already",
                settings.limits.max_connections
            ),
        ))
    };
    if let Err((status, reason)) = outcome {
        let _ = answer(&mut client, status, &reason);
        record.decision = ProxyDecision::Denied { reason };
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
    log.push(record);
}

fn forward(
    request: &RequestHead,
    reader: &mut impl BufRead,
    client: &mut TcpStream,
    settings: &GitRelaySettings,
    record: &mut ProxyRecord,
) -> Result<(), (u16, String)> {
    let remote = &settings.remote;
    let framing =
        head::request_framing(&request.headers).map_err(|reason| (400, reason.to_string()))?;
    let authorization = settings.credential.authorization(remote);
    let mut out = connect::open(
        &remote.host,
        remote.port,
        remote.tls.then_some(&settings.tls),
        settings.via.as_ref(),
        IDLE_TIMEOUT,
    )
    .map_err(|err| {
        (
            502,
            format!(
                "cannot reach the git remote {}: {err} (check the remote URL and that the \
                 egress gateway lets the pod reach {})",
                remote.authority(),
                remote.host
            ),
        )
    })?;
    let head = rewrite_request(request, remote, authorization.as_deref().ok());
    let gone = |err: io::Error| {
        (
            502,
            format!("the connection to the git remote failed: {err}"),
        )
    };
    out.write_all(head.as_bytes()).map_err(gone)?;
    record.bytes_up = head.len() as u64;
    let mut body = Capped::new(
        io::BufWriter::with_capacity(64 * 1024, &mut out),
        settings.limits.max_bytes,
    );
    record.bytes_up += head::forward_body(framing, reader, &mut body).map_err(gone)?;
    body.flush().map_err(gone)?;
    drop(body);
    let mut upstream = BufReader::with_capacity(64 * 1024, out);
    let response = head::read_response(&mut upstream)
        .map_err(|err| (502, format!("the git remote's reply is not HTTP: {err}")))?;
    record.status = Some(response.status);
    if matches!(response.status, 401 | 403) {
        let why = match &authorization {
            Ok(_) => format!(
                "the credential was refused: {} answered {} {}; fix {} (key `{CREDENTIALS_FILE}`: \
                 a line https://USER:TOKEN@{}, or key `{BEARER_FILE}`) with a token that may \
                 read and push this repository",
                remote.authority(),
                response.status,
                response.reason,
                settings.credential.name,
                remote.authority()
            ),
            Err(missing) => format!(
                "the credential was refused: {} answered {} {} to a request without one; {missing}",
                remote.authority(),
                response.status,
                response.reason
            ),
        };
        return Err((403, why));
    }
    // No `www-authenticate`: git must never prompt for a credential it does not hold.
    let reply = response.relayed(&["www-authenticate"]);
    // From here on the client has a status line: failures can only cut the reply short.
    if client.write_all(reply.as_bytes()).is_ok() {
        record.bytes_down = reply.len() as u64;
        let mut capped = Capped::new(&mut *client, settings.limits.max_bytes);
        record.bytes_down += head::stream(&mut upstream, &mut capped).unwrap_or(capped.written);
    }
    Ok(())
}

/// The request head as the remote sees it: the same path, the client's credentials and
/// hop-by-hop headers dropped, the relay's credential and the remote's `host` added.
fn rewrite_request(
    request: &RequestHead,
    remote: &GitRemote,
    authorization: Option<&str>,
) -> String {
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    head.push_str(&format!("host: {}\r\n", remote.authority()));
    for (name, value) in &request.headers {
        if STRIPPED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        head.push_str(name);
        head.push_str(": ");
        head.push_str(&String::from_utf8_lossy(value));
        head.push_str("\r\n");
    }
    if let Some(authorization) = authorization {
        head.push_str(&format!("authorization: {authorization}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    head
}

/// A writer that fails once more than `max` bytes went through it.
struct Capped<W: Write> {
    inner: W,
    max: u64,
    written: u64,
}

impl<W: Write> Capped<W> {
    fn new(inner: W, max: u64) -> Self {
        Self {
            inner,
            max,
            written: 0,
        }
    }
}

impl<W: Write> Write for Capped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written + buf.len() as u64 > self.max {
            return Err(io::Error::other(format!(
                "the request passed the git relay's cap of {} bytes",
                self.max
            )));
        }
        let written = self.inner.write(buf)?;
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Answers `status` with `reason` in a short `text/plain` body (git shows it as `remote: …`).
fn answer(client: &mut TcpStream, status: u16, reason: &str) -> io::Result<()> {
    let text = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        503 => "Service Unavailable",
        _ => "Bad Gateway",
    };
    let body = format!("peers git relay: {reason}\n");
    write!(
        client,
        "HTTP/1.1 {status} {text}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    client.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, target: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: method.into(),
            target: target.into(),
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec()))
                .collect(),
            len: 0,
        }
    }

    #[test]
    fn remotes_parse_and_plain_http_is_loopback_only() {
        let remote = GitRemote::parse("https://tok@Git.Example:8443/org/repo.git/").unwrap();
        assert_eq!(
            remote,
            GitRemote {
                host: "git.example".into(),
                port: 8443,
                path: "/org/repo.git".into(),
                tls: true
            }
        );
        assert_eq!(GitRemote::parse("https://h.example/r").unwrap().port, 443);
        assert!(!GitRemote::parse("http://127.0.0.2:9/r.git").unwrap().tls);
        for bad in [
            "http://git.example/r.git",
            "file:///tmp/r.git",
            "git@github.com:o/r.git",
            "https:///r",
            "https://h.example:x/r",
            "https://h.example/r?x=1",
        ] {
            assert!(GitRemote::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_repositorys_smart_http_endpoints_pass() {
        let remote = GitRemote::parse("https://git.example/org/repo.git").unwrap();
        for (method, target) in [
            ("GET", "/org/repo.git/info/refs?service=git-upload-pack"),
            ("GET", "/org/repo.git/info/refs?service=git-receive-pack"),
            ("POST", "/org/repo.git/git-upload-pack"),
            ("POST", "/org/repo.git/git-receive-pack"),
        ] {
            let verdict = endpoint(&request(method, target, &[]), &remote);
            assert!(verdict.is_ok(), "{method} {target}: {verdict:?}");
        }
        for (method, target) in [
            ("GET", "/org/repo.git/info/refs"),
            ("GET", "/org/repo.git/HEAD"),
            ("GET", "/org/repo.git/objects/info/packs"),
            ("GET", "/org/other.git/info/refs?service=git-upload-pack"),
            ("POST", "/org/repo.git/info/refs?service=git-upload-pack"),
            ("GET", "/org/repo.git/git-upload-pack"),
            ("POST", "/org/repo.git/git-upload-pack?x=1"),
            ("POST", "/org/repo.git/../other.git/git-receive-pack"),
            ("CONNECT", "evil.example:443"),
            (
                "GET",
                "http://evil.example/org/repo.git/info/refs?service=git-upload-pack",
            ),
            ("GET", "/api/v1/user"),
        ] {
            assert!(
                endpoint(&request(method, target, &[]), &remote).is_err(),
                "{method} {target}"
            );
        }
    }

    #[test]
    fn the_clients_credential_is_dropped_and_the_relays_added() {
        let remote = GitRemote::parse("https://git.example/org/repo.git").unwrap();
        let head = rewrite_request(
            &request(
                "POST",
                "/org/repo.git/git-receive-pack",
                &[
                    ("authorization", "Basic c3RvbGVuOmR1bW15"),
                    ("proxy-authorization", "Basic eA=="),
                    ("cookie", "s=1"),
                    ("host", "evil.example"),
                    ("content-type", "application/x-git-receive-pack-request"),
                    ("content-length", "12"),
                ],
            ),
            &remote,
            Some("Basic cGVlcnM6cmVhbA=="),
        );
        assert!(
            !head.contains("c3RvbGVu") && !head.contains("eA=="),
            "{head}"
        );
        assert!(!head.contains("cookie") && !head.contains("evil"), "{head}");
        assert_eq!(head.matches("authorization:").count(), 1, "{head}");
        assert!(
            head.contains("authorization: Basic cGVlcnM6cmVhbA==\r\n"),
            "{head}"
        );
        assert!(head.contains("host: git.example\r\n"), "{head}");
        assert!(head.contains("content-length: 12\r\n"), "{head}");
    }

    #[test]
    fn the_credential_is_the_stores_line_for_the_host_or_a_bearer_token() {
        let dir = tempfile::tempdir().unwrap();
        let source = GitCredentialSource {
            dir: dir.path().to_path_buf(),
            name: "Secret peers-git".into(),
        };
        let remote = GitRemote::parse("https://git.example/org/repo.git").unwrap();
        let missing = source.authorization(&remote).unwrap_err();
        let missing = missing.to_string();
        assert!(
            missing.contains("Secret peers-git") && missing.contains("`credentials`"),
            "{missing}"
        );
        std::fs::write(
            dir.path().join(CREDENTIALS_FILE),
            "https://other:x@other.example\nhttps://peers%40bot:t%3Aok@git.example\n",
        )
        .unwrap();
        assert_eq!(
            source.authorization(&remote).unwrap(),
            format!("Basic {}", base64(b"peers@bot:t:ok"))
        );
        let elsewhere = GitRemote::parse("https://git.example:8443/r").unwrap();
        let none = source.authorization(&elsewhere).unwrap_err().to_string();
        assert!(none.contains("git.example:8443"), "{none}");
        std::fs::write(dir.path().join(BEARER_FILE), "ghs_token\n").unwrap();
        assert_eq!(source.authorization(&remote).unwrap(), "Bearer ghs_token");
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn a_capped_writer_refuses_past_its_cap() {
        let mut out = Capped::new(Vec::new(), 5);
        assert!(out.write_all(b"abc").is_ok());
        assert!(out.write_all(b"def").is_err());
        assert_eq!(out.inner, b"abc");
    }
}
