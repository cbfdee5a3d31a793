//! A provider's reverse proxy: the agent CLI's base URL points at it and carries a dummy key.
//! Each request (origin-form only: this is not an open proxy) loses every client credential
//! header, gains the real credential from the host, goes to the provider's fixed upstream over
//! TLS, and its reply streams back as it arrives (SSE included).

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::connect;
use crate::egress::refuse;
use crate::error::ProxyError;
use crate::head::{self, RequestHead};
use crate::record::{ProxyDecision, ProxyRecord, RecordLog};

/// Headers the client may use to authenticate or to steer the proxy: never forwarded.
/// Every credential form the CLIs send is here: `authorization` (`Bearer` API keys and
/// OAuth tokens alike), `x-api-key`, `x-goog-api-key`, Azure's `api-key`, and cookies.
pub const STRIPPED_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "x-auth-token",
    "proxy-authorization",
    "cookie",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "upgrade",
    "expect",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
];

/// Longest silence from the upstream before the request is given up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Where a provider's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub host: String,
    pub port: u16,
    /// Prepended to every request path (`/v1` when the CLI's base URL has none).
    pub base_path: String,
    /// `false` only for the loopback test override.
    pub tls: bool,
}

impl Upstream {
    /// A fixed HTTPS upstream (`api.anthropic.com`).
    pub fn https(host: &str) -> Self {
        Self {
            host: host.to_owned(),
            port: 443,
            base_path: String::new(),
            tls: true,
        }
    }

    /// The test override: `http://127.0.0.1:<port>[/path]`, and nothing else.
    pub fn loopback_for_tests(url: &str) -> Result<Self, ProxyError> {
        let bad = |reason| ProxyError::BadUpstream {
            url: url.to_owned(),
            reason,
        };
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .ok_or_else(|| bad("only http://127.0.0.1:<port> may replace a provider's upstream"))?;
        let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let port = port.parse().map_err(|_| bad("the port is not a number"))?;
        Ok(Self {
            host: Ipv4Addr::LOCALHOST.to_string(),
            port,
            base_path: path.trim_end_matches('/').to_owned(),
            tls: false,
        })
    }
}

/// The header that carries the real credential, and its value (kept in the orchestrator).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub header: String,
    pub value: String,
    /// The `anthropic-beta` flag this credential needs ([`ANTHROPIC_OAUTH_BETA`] for an
    /// Anthropic OAuth token), added to the flags the client sent.
    pub beta_flag: Option<String>,
}

/// The `anthropic-beta` flag the Anthropic API requires with an OAuth bearer token (Claude
/// Code sends it with `CLAUDE_CODE_OAUTH_TOKEN`). A client's own `oauth-*` flags are always
/// dropped: the proxy, not the client, decides which credential form the request carries.
pub const ANTHROPIC_OAUTH_BETA: &str = "oauth-2025-04-20";

const BETA_HEADER: &str = "anthropic-beta";

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential({}: <redacted>)", self.header)
    }
}

/// One provider's reverse proxy.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// `anthropic`, `openai`, `gemini`: the name in the log.
    pub name: String,
    pub upstream: Upstream,
    /// `None` forwards without a credential (the upstream answers 401 as it would).
    pub credential: Option<Credential>,
    pub tls: Arc<rustls::ClientConfig>,
}

/// The TLS client every provider proxy uses: the Mozilla roots (webpki-roots), no client auth.
#[expect(
    deprecated,
    reason = "ring is kept over aws-lc-rs (no cmake/NASM build); it lacks post-quantum key exchange"
)]
pub fn tls_client() -> Result<Arc<rustls::ClientConfig>, ProxyError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(ProxyError::Tls)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Serves one client connection: one request, then the connection closes.
pub(crate) fn handle(client: TcpStream, settings: &ProviderSettings, log: &RecordLog) {
    let Some((request, mut reader, mut client)) = read(client) else {
        return;
    };
    relay(request, &mut reader, &mut client, settings, None, log);
}

/// Several providers behind one listener, each under its name as the first path segment:
/// `/anthropic/v1/messages` goes to the `anthropic` provider as `/v1/messages` (the Kubernetes
/// pod's proxy sidecar, whose agents reach every provider on one port).
#[derive(Debug, Clone)]
pub struct ProviderRoutes {
    pub providers: Vec<ProviderSettings>,
    /// An HTTP proxy (`host`, `port`) every TLS upstream is reached through with `CONNECT`
    /// (the cluster's egress gateway).
    pub via: Option<(String, u16)>,
}

/// Serves one client connection of a [`ProviderRoutes`] listener.
pub(crate) fn handle_routed(client: TcpStream, routes: &ProviderRoutes, log: &RecordLog) {
    let Some((mut request, mut reader, mut client)) = read(client) else {
        return;
    };
    let route = request
        .target
        .strip_prefix('/')
        .and_then(|path| path.split_once('/').map_or(Some((path, "")), Some))
        .and_then(|(first, rest)| {
            let first = first.split('?').next().unwrap_or(first);
            routes
                .providers
                .iter()
                .find(|provider| provider.name == first)
                .map(|provider| (provider, format!("/{rest}")))
        });
    let Some((settings, target)) = route else {
        let names: Vec<&str> = routes.providers.iter().map(|p| p.name.as_str()).collect();
        let _ = refuse(
            &mut client,
            403,
            &format!(
                "{} names no provider (the path starts with one of: /{})",
                path_only(&request.target),
                names.join(", /")
            ),
        );
        return;
    };
    request.target = target;
    relay(
        request,
        &mut reader,
        &mut client,
        settings,
        routes.via.as_ref(),
        log,
    );
}

/// The request head of a new connection, the reader holding what follows it, and the client.
fn read(client: TcpStream) -> Option<(RequestHead, BufReader<TcpStream>, TcpStream)> {
    let read_half = client.try_clone().ok()?;
    let mut reader = BufReader::new(read_half);
    let mut client = client;
    match head::read_request(&mut reader) {
        Ok(request) => Some((request, reader, client)),
        Err(head::HeadError::Closed) => None,
        Err(err) => {
            let _ = refuse(&mut client, 400, &err.to_string());
            None
        }
    }
}

fn relay(
    request: RequestHead,
    reader: &mut BufReader<TcpStream>,
    client: &mut TcpStream,
    settings: &ProviderSettings,
    via: Option<&(String, u16)>,
    log: &RecordLog,
) {
    let mut record = ProxyRecord {
        proxy: settings.name.clone(),
        host: settings.upstream.host.clone(),
        port: settings.upstream.port,
        request: format!("{} {}", request.method, path_only(&request.target)),
        bytes_up: 0,
        bytes_down: 0,
        status: None,
        decision: ProxyDecision::Allowed,
    };
    if let Err((status, reason)) = forward(&request, reader, client, settings, via, &mut record) {
        let _ = refuse(client, status, &reason);
        record.decision = ProxyDecision::Denied { reason };
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
    log.push(record);
}

fn path_only(target: &str) -> &str {
    target.split('?').next().unwrap_or(target)
}

fn forward(
    request: &RequestHead,
    reader: &mut impl BufRead,
    client: &mut TcpStream,
    settings: &ProviderSettings,
    via: Option<&(String, u16)>,
    record: &mut ProxyRecord,
) -> Result<(), (u16, String)> {
    if !request.target.starts_with('/') || request.method.eq_ignore_ascii_case("CONNECT") {
        return Err((
            405,
            "only requests for a path of the provider's API are forwarded".to_owned(),
        ));
    }
    let framing =
        head::request_framing(&request.headers).map_err(|reason| (400, reason.to_string()))?;
    let upstream = &settings.upstream;
    let mut out = connect::open(
        &upstream.host,
        upstream.port,
        upstream.tls.then_some(&settings.tls),
        via,
        IDLE_TIMEOUT,
    )
    .map_err(|err| {
        (
            502,
            format!("cannot reach {}:{}: {err}", upstream.host, upstream.port),
        )
    })?;
    let head = rewrite_request(request, settings);
    let gone = |err: io::Error| (502, format!("the upstream connection failed: {err}"));
    out.write_all(head.as_bytes()).map_err(gone)?;
    record.bytes_up = head.len() as u64;
    let mut body = io::BufWriter::with_capacity(64 * 1024, &mut out);
    record.bytes_up += head::forward_body(framing, reader, &mut body).map_err(gone)?;
    body.flush().map_err(gone)?;
    drop(body);
    let mut upstream_reader = BufReader::with_capacity(64 * 1024, out);
    let response = head::read_response(&mut upstream_reader)
        .map_err(|err| (502, format!("the upstream's reply is not HTTP: {err}")))?;
    record.status = Some(response.status);
    let reply = response.relayed(&[]);
    // From here on the client has a status line: failures can only cut the reply short.
    if client.write_all(reply.as_bytes()).is_ok() {
        record.bytes_down = reply.len() as u64;
        record.bytes_down += head::stream(&mut upstream_reader, client).unwrap_or(0);
    }
    Ok(())
}

/// The request head as the upstream sees it: the base path prepended, client credentials and
/// hop-by-hop headers dropped, the real credential and the upstream's `host` added, and a
/// `key=` query parameter (Gemini's other way to pass a key) removed.
fn rewrite_request(request: &RequestHead, settings: &ProviderSettings) -> String {
    let upstream = &settings.upstream;
    let (path, query) = match request.target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.target.as_str(), None),
    };
    let kept_query: Vec<&str> = query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter(|pair| !pair.is_empty() && !pair.starts_with("key="))
        .collect();
    let mut target = format!("{}{path}", upstream.base_path);
    if !kept_query.is_empty() {
        target.push('?');
        target.push_str(&kept_query.join("&"));
    }
    let mut head = format!("{} {target} HTTP/1.1\r\n", request.method);
    let host = if upstream.port == 443 {
        upstream.host.clone()
    } else {
        format!("{}:{}", upstream.host, upstream.port)
    };
    head.push_str(&format!("host: {host}\r\n"));
    let mut betas: Vec<String> = Vec::new();
    for (name, value) in &request.headers {
        if STRIPPED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        if name == BETA_HEADER {
            betas.extend(
                String::from_utf8_lossy(value)
                    .split(',')
                    .map(str::trim)
                    .filter(|flag| !flag.is_empty() && !flag.starts_with("oauth-"))
                    .map(str::to_owned),
            );
            continue;
        }
        head.push_str(name);
        head.push_str(": ");
        head.push_str(&String::from_utf8_lossy(value));
        head.push_str("\r\n");
    }
    if let Some(flag) = settings
        .credential
        .as_ref()
        .and_then(|credential| credential.beta_flag.as_ref())
    {
        betas.push(flag.clone());
    }
    if !betas.is_empty() {
        head.push_str(&format!("{BETA_HEADER}: {}\r\n", betas.join(",")));
    }
    if let Some(credential) = &settings.credential {
        head.push_str(&format!("{}: {}\r\n", credential.header, credential.value));
    }
    head.push_str("connection: close\r\n\r\n");
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(credential: Credential) -> ProviderSettings {
        ProviderSettings {
            name: "anthropic".into(),
            upstream: Upstream::https("api.anthropic.com"),
            credential: Some(credential),
            tls: tls_client().unwrap(),
        }
    }

    fn request(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "POST".into(),
            target: "/v1/messages?beta=true".into(),
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec()))
                .collect(),
            len: 0,
        }
    }

    /// Every credential form a CLI may send, each with the dummy.
    const CLIENT_CREDENTIALS: &[(&str, &str)] = &[
        ("authorization", "Bearer peers-sandbox-dummy-key"),
        ("x-api-key", "peers-sandbox-dummy-key"),
        ("x-goog-api-key", "peers-sandbox-dummy-key"),
        ("api-key", "peers-sandbox-dummy-key"),
        ("x-auth-token", "peers-sandbox-dummy-key"),
        ("proxy-authorization", "Basic cGVlcnM6ZHVtbXk="),
        ("cookie", "session=peers-sandbox-dummy-key"),
    ];

    #[test]
    fn an_oauth_token_goes_as_a_bearer_with_its_beta_flag_and_every_client_form_is_dropped() {
        let mut headers = CLIENT_CREDENTIALS.to_vec();
        headers.push((
            "anthropic-beta",
            "claude-code-20250219, oauth-2025-04-20,fine-grained",
        ));
        let head = rewrite_request(
            &request(&headers),
            &settings(Credential {
                header: "authorization".into(),
                value: "Bearer sk-ant-oat01-real".into(),
                beta_flag: Some(ANTHROPIC_OAUTH_BETA.into()),
            }),
        );
        assert!(!head.contains("dummy"), "{head}");
        assert!(
            !head.contains("cookie") && !head.contains("api-key:"),
            "{head}"
        );
        assert!(!head.contains("proxy-authorization"), "{head}");
        assert_eq!(head.matches("authorization: ").count(), 1, "{head}");
        assert!(
            head.contains("authorization: Bearer sk-ant-oat01-real\r\n"),
            "{head}"
        );
        assert!(
            head.contains("anthropic-beta: claude-code-20250219,fine-grained,oauth-2025-04-20\r\n"),
            "{head}"
        );
    }

    #[test]
    fn an_api_key_goes_as_x_api_key_without_a_clients_oauth_flag() {
        let mut headers = CLIENT_CREDENTIALS.to_vec();
        headers.push(("anthropic-beta", "oauth-2025-04-20"));
        let head = rewrite_request(
            &request(&headers),
            &settings(Credential {
                header: "x-api-key".into(),
                value: "sk-ant-api03-real".into(),
                beta_flag: None,
            }),
        );
        assert!(!head.contains("dummy"), "{head}");
        assert!(!head.contains("authorization"), "{head}");
        assert!(!head.contains("oauth"), "{head}");
        assert!(!head.contains("anthropic-beta"), "no flag is left: {head}");
        assert!(head.contains("x-api-key: sk-ant-api03-real\r\n"), "{head}");
    }
}
