//! Opening a connection to an upstream: TCP to each of its addresses in turn, optionally
//! through an HTTP proxy's `CONNECT` (a cluster's egress gateway), then TLS when asked for.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::sync::Arc;
use std::time::Duration;

use crate::head;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A connection to an upstream, plain or TLS.
pub(crate) trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// Connects to `host:port`; with `tls`, speaks TLS to `host` over it, tunnelled through `via`
/// (an HTTP proxy's `host`, `port`) when given. A plain connection never uses `via` (it is the
/// loopback test upstream). Reads time out after `idle`.
pub(crate) fn open(
    host: &str,
    port: u16,
    tls: Option<&Arc<rustls::ClientConfig>>,
    via: Option<&(String, u16)>,
    idle: Duration,
) -> io::Result<Box<dyn Stream>> {
    let via = via.filter(|_| tls.is_some());
    let (first_hop, first_port) = match via {
        Some((proxy, proxy_port)) => (proxy.as_str(), *proxy_port),
        None => (host, port),
    };
    let bare = first_hop.trim_start_matches('[').trim_end_matches(']');
    let mut last = io::Error::other("the name has no address");
    let mut tcp = None;
    for address in (bare, first_port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => {
                tcp = Some(stream);
                break;
            }
            Err(err) => last = err,
        }
    }
    let mut tcp = tcp.ok_or(last)?;
    tcp.set_read_timeout(Some(idle))?;
    tcp.set_nodelay(true)?;
    if via.is_some() {
        tunnel(&mut tcp, host, port)?;
    }
    let Some(config) = tls else {
        return Ok(Box::new(tcp));
    };
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|err| io::Error::other(err.to_string()))?;
    let connection =
        rustls::ClientConnection::new(Arc::clone(config), name).map_err(io::Error::other)?;
    Ok(Box::new(rustls::StreamOwned::new(connection, tcp)))
}

/// `CONNECT host:port` through the proxy `tcp` is connected to; a refusal is the error.
fn tunnel(tcp: &mut TcpStream, host: &str, port: u16) -> io::Result<()> {
    let target = format!("{host}:{port}");
    write!(tcp, "CONNECT {target} HTTP/1.1\r\nhost: {target}\r\n\r\n")?;
    tcp.flush()?;
    // Byte by byte: nothing after the head may be consumed (the TLS handshake follows).
    let mut raw = Vec::new();
    let mut byte = [0_u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        if raw.len() > head::HEAD_CAP || tcp.read(&mut byte)? == 0 {
            return Err(io::Error::other(format!(
                "the egress proxy closed the connection before answering CONNECT {target}"
            )));
        }
        raw.push(byte[0]);
    }
    let response = head::read_response(&mut &raw[..]).map_err(io::Error::other)?;
    if !(200..300).contains(&response.status) {
        return Err(io::Error::other(format!(
            "the egress proxy refused CONNECT {target}: {} {}",
            response.status, response.reason
        )));
    }
    Ok(())
}

/// `HTTPS_PROXY`-style `http://host:port[/]` as (`host`, `port`); `None` when unset or empty.
pub fn proxy_from_url(url: &str) -> Option<(String, u16)> {
    let rest = url.trim().strip_prefix("http://")?;
    let authority = rest.split('/').next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.contains(']') => (host, port.parse().ok()?),
        _ => (authority, 80),
    };
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_url_is_host_and_port() {
        assert_eq!(
            proxy_from_url("http://peers-egress.peers.svc:3128"),
            Some(("peers-egress.peers.svc".to_owned(), 3128))
        );
        assert_eq!(proxy_from_url("http://gw/"), Some(("gw".to_owned(), 80)));
        assert_eq!(proxy_from_url(""), None);
        assert_eq!(proxy_from_url("socks5://gw:1080"), None);
    }
}
