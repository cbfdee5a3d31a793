//! The egress proxy: `CONNECT host:443` tunnels to allow-listed hosts. The decision is made
//! on the name before any DNS lookup; the proxy then resolves the name itself, refuses any
//! answer that is not a public address, and connects to the address it vetted (no second
//! lookup, so no DNS rebinding). Everything else gets a 403 that says why.

use std::io::{self, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
    pub limits: EgressLimits,
    /// Tunnels open now, shared by every clone (one sandbox's listener).
    active: Arc<AtomicUsize>,
}

impl EgressSettings {
    pub fn new(allow: AllowList) -> Self {
        Self {
            allow,
            resolver: Arc::new(SystemResolver),
            allow_loopback_for_tests: false,
            limits: EgressLimits::default(),
            active: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// Caps on the egress proxy's tunnels (config `sandbox.egress_max_mib`,
/// `sandbox.egress_max_seconds`, `sandbox.egress_max_connections`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EgressLimits {
    /// Bytes one tunnel may carry, both directions together; the tunnel is cut beyond.
    pub max_bytes: u64,
    /// How long one tunnel may stay open; it is cut then.
    pub max_duration: Duration,
    /// Tunnels one sandbox may have open at once; more are refused (503).
    pub max_connections: usize,
}

impl Default for EgressLimits {
    /// 1 GiB and 30 minutes per tunnel, 32 at once: room for a package install, not for a
    /// sandbox that streams the repository out for hours.
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024 * 1024,
            max_duration: Duration::from_secs(30 * 60),
            max_connections: 32,
        }
    }
}

/// One open tunnel counted in [`EgressSettings::active`] until dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(active: &Arc<AtomicUsize>, max: usize) -> Option<Self> {
        let taken = active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |open| {
                (open < max).then_some(open + 1)
            })
            .is_ok();
        taken.then(|| Self(Arc::clone(active)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
            let Some(_slot) = Slot::take(&settings.active, settings.limits.max_connections) else {
                let reason = format!(
                    "{} tunnels are open already, the most sandbox.egress_max_connections allows",
                    settings.limits.max_connections
                );
                let _ = refuse(&mut client, 503, &reason);
                record.decision = ProxyDecision::Denied { reason };
                log.push(record);
                return;
            };
            match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
                Err(err) => {
                    let reason = format!("cannot connect to {address}: {err}");
                    let _ = refuse(&mut client, 502, &reason);
                    record.decision = ProxyDecision::Denied { reason };
                }
                Ok(upstream) => {
                    let (up, down, cut) = tunnel(reader, client, upstream, &settings.limits);
                    record.bytes_up += up;
                    record.bytes_down += down;
                    if let Some(reason) = cut {
                        record.decision = ProxyDecision::Denied { reason };
                    }
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
        503 => "Service Unavailable",
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

/// Why a tunnel was cut, set once by whichever side or the clock noticed first.
#[derive(Debug, Default)]
struct Cut {
    bytes: AtomicU64,
    over_bytes: AtomicBool,
    over_time: AtomicBool,
}

/// Answers 200 and copies both ways until each side is done, or until the tunnel carried
/// more than `limits.max_bytes` or stayed open longer than `limits.max_duration` (both
/// sockets are then shut down); returns (up, down) bytes and why it was cut, if it was.
fn tunnel(
    mut client_reader: BufReader<TcpStream>,
    mut client: TcpStream,
    upstream: TcpStream,
    limits: &EgressLimits,
) -> (u64, u64, Option<String>) {
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .is_err()
    {
        return (0, 0, None);
    }
    let (Ok(mut upstream_writer), Ok(client_closer), Ok(upstream_closer)) = (
        upstream.try_clone(),
        client.try_clone(),
        upstream.try_clone(),
    ) else {
        return (0, 0, None);
    };
    let cut = Arc::new(Cut::default());
    let close_both = move || {
        let _ = client_closer.shutdown(Shutdown::Both);
        let _ = upstream_closer.shutdown(Shutdown::Both);
    };
    let close_both = Arc::new(close_both);
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let clock = {
        let (cut, close_both, max) = (
            Arc::clone(&cut),
            Arc::clone(&close_both),
            limits.max_duration,
        );
        std::thread::spawn(move || {
            if finished.recv_timeout(max) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                cut.over_time.store(true, Ordering::SeqCst);
                close_both();
            }
        })
    };
    let up = {
        let (cut, close_both, max) = (Arc::clone(&cut), Arc::clone(&close_both), limits.max_bytes);
        std::thread::spawn(move || {
            let copied = capped_copy(
                &mut client_reader,
                &mut upstream_writer,
                &cut,
                max,
                &*close_both,
            );
            let _ = upstream_writer.shutdown(Shutdown::Write);
            copied
        })
    };
    let mut upstream_reader = upstream;
    let down = capped_copy(
        &mut upstream_reader,
        &mut client,
        &cut,
        limits.max_bytes,
        &*close_both,
    );
    let _ = client.shutdown(Shutdown::Both);
    let _ = upstream_reader.shutdown(Shutdown::Both);
    let up = up.join().unwrap_or(0);
    drop(done);
    let _ = clock.join();
    let reason = if cut.over_bytes.load(Ordering::SeqCst) {
        Some(format!(
            "the tunnel was cut after {} bytes: more than sandbox.egress_max_mib allows ({} bytes)",
            up + down,
            limits.max_bytes
        ))
    } else if cut.over_time.load(Ordering::SeqCst) {
        Some(format!(
            "the tunnel was cut after {} s: open longer than sandbox.egress_max_seconds allows",
            limits.max_duration.as_secs()
        ))
    } else {
        None
    };
    (up, down, reason)
}

/// [`head::stream`] that stops — and closes both sides — once the tunnel's two directions
/// together would pass `max` bytes; returns the bytes this direction copied.
fn capped_copy(
    from: &mut impl Read,
    to: &mut impl Write,
    cut: &Cut,
    max: u64,
    close_both: &dyn Fn(),
) -> u64 {
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut total = 0;
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => return total,
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return total,
        };
        let before = cut.bytes.fetch_add(read as u64, Ordering::SeqCst);
        let allowed = max.saturating_sub(before).min(read as u64);
        // `allowed` is at most `read`, a usize.
        let allowed_len = usize::try_from(allowed).unwrap_or(read);
        if to
            .write_all(&buffer[..allowed_len])
            .and_then(|()| to.flush())
            .is_err()
        {
            return total;
        }
        total += allowed;
        if allowed < read as u64 {
            cut.over_bytes.store(true, Ordering::SeqCst);
            close_both();
            return total;
        }
    }
}
