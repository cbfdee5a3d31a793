//! The egress proxy: `CONNECT host:443` tunnels to allow-listed hosts. The decision is made
//! on the name before any DNS lookup; the proxy then resolves the name itself, refuses any
//! answer that is not a public address, and connects to the address it vetted (no second
//! lookup, so no DNS rebinding). Everything else gets a 403 that says why.

use std::io::{self, BufReader, Write as _};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs as _};
use std::sync::Arc;
use std::time::Duration;

use crate::head::{self, RequestHead};
use crate::host::{AllowList, is_ip_literal, is_public, normalise};
use crate::record::{ProxyDecision, ProxyRecord, RecordLog};

/// The only port tunnels may reach.
pub const ALLOWED_PORT: u16 = 443;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Name resolution, replaceable in tests.
pub trait Resolve: Send + Sync + std::fmt::Debug {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>>;
}

/// The host's resolver (`getaddrinfo`), asked by the orchestrator outside the sandbox.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok((host, port).to_socket_addrs()?.collect())
    }
}

/// What the egress proxy allows.
#[derive(Debug, Clone)]
pub struct EgressSettings {
    pub allow: AllowList,
    pub resolver: Arc<dyn Resolve>,
    /// Tests only: also accept loopback answers (a test's TLS-less upstream on 127.0.0.1).
    /// Private, link-local and other non-public answers stay refused.
    pub allow_loopback_for_tests: bool,
}

impl EgressSettings {
    pub fn new(allow: AllowList) -> Self {
        Self {
            allow,
            resolver: Arc::new(SystemResolver),
            allow_loopback_for_tests: false,
        }
    }
}

/// Serves one client connection of the egress listener.
pub(crate) fn handle(client: TcpStream, settings: &EgressSettings, log: &RecordLog) {
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut client = client;
    let request = match head::read_request(&mut reader) {
        Ok(request) => request,
        Err(err) => {
            let _ = refuse(&mut client, 400, &err.to_string());
            return;
        }
    };
    let mut record = ProxyRecord {
        proxy: "egress".to_owned(),
        host: String::new(),
        port: 0,
        request: request.method.clone(),
        bytes_up: request.len as u64,
        bytes_down: 0,
        status: None,
        decision: ProxyDecision::Allowed,
    };
    match decide(&request, settings) {
        Err((host, port, reason)) => {
            record.host = host;
            record.port = port;
            let _ = refuse(&mut client, 403, &reason);
            record.decision = ProxyDecision::Denied { reason };
        }
        Ok((host, address)) => {
            record.host = host;
            record.port = address.port();
            match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
                Err(err) => {
                    let reason = format!("cannot connect to {address}: {err}");
                    let _ = refuse(&mut client, 502, &reason);
                    record.decision = ProxyDecision::Denied { reason };
                }
                Ok(upstream) => {
                    let (up, down) = tunnel(reader, client, upstream);
                    record.bytes_up += up;
                    record.bytes_down += down;
                }
            }
        }
    }
    log.push(record);
}

/// The allow decision: `Ok((host, vetted address))` or `Err((host, port, reason))`.
fn decide(
    request: &RequestHead,
    settings: &EgressSettings,
) -> Result<(String, SocketAddr), (String, u16, String)> {
    if !request.method.eq_ignore_ascii_case("CONNECT") {
        return Err((
            request.target.clone(),
            0,
            format!(
                "only CONNECT host:443 is proxied, not {} (use an https:// URL)",
                request.method
            ),
        ));
    }
    let (raw_host, port) = split_authority(&request.target);
    let deny = |reason: String| Err((raw_host.to_owned(), port.unwrap_or(0), reason));
    let Some(port) = port else {
        return deny(format!("`{}` is not host:port", request.target));
    };
    if is_ip_literal(raw_host) {
        return deny(format!(
            "{raw_host} is an IP address; only allowed host names are reached"
        ));
    }
    if port != ALLOWED_PORT {
        return deny(format!("port {port} is not allowed; only 443 is"));
    }
    let Some(host) = normalise(raw_host) else {
        return deny(format!("`{raw_host}` is not a host name"));
    };
    if !settings.allow.allows(&host) {
        return Err((
            host.clone(),
            port,
            format!("{host} is not in sandbox.allow_hosts"),
        ));
    }
    let denied = |reason: String| Err((host.clone(), port, reason));
    let answers = match settings.resolver.resolve(&host, port) {
        Ok(answers) if !answers.is_empty() => answers,
        Ok(_) => return denied(format!("{host} has no address")),
        Err(err) => return denied(format!("cannot resolve {host}: {err}")),
    };
    let acceptable =
        |ip: IpAddr| is_public(ip) || (settings.allow_loopback_for_tests && ip.is_loopback());
    if let Some(bad) = answers.iter().find(|answer| !acceptable(answer.ip())) {
        return denied(format!(
            "{host} resolves to {}, which is not a public address",
            bad.ip()
        ));
    }
    let first = answers[0];
    Ok((host, first))
}

/// `host:port` → (host, port); `None` port when it is missing or not a number.
fn split_authority(target: &str) -> (&str, Option<u16>) {
    match target.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => (host, port.parse().ok()),
        _ => (target, None),
    }
}

/// Answers `status` with `reason` in a short plain-text body and closes.
pub(crate) fn refuse(client: &mut TcpStream, status: u16, reason: &str) -> io::Result<()> {
    let text = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Bad Gateway",
    };
    let body = format!(
        "peers sandbox proxy: {reason}\nhint: hosts the agent may reach are listed in sandbox.allow_hosts (port 443 only)\n"
    );
    write!(
        client,
        "HTTP/1.1 {status} {text}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    client.flush()
}

/// Answers 200 and copies both ways until each side is done; returns (up, down) bytes.
fn tunnel(
    mut client_reader: BufReader<TcpStream>,
    mut client: TcpStream,
    upstream: TcpStream,
) -> (u64, u64) {
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .is_err()
    {
        return (0, 0);
    }
    let Ok(mut upstream_writer) = upstream.try_clone() else {
        return (0, 0);
    };
    let up = std::thread::spawn(move || {
        let copied = head::stream(&mut client_reader, &mut upstream_writer).unwrap_or(0);
        let _ = upstream_writer.shutdown(Shutdown::Write);
        copied
    });
    let mut upstream_reader = upstream;
    let down = head::stream(&mut upstream_reader, &mut client).unwrap_or(0);
    let _ = client.shutdown(Shutdown::Both);
    let _ = upstream_reader.shutdown(Shutdown::Both);
    let up = up.join().unwrap_or(0);
    (up, down)
}
