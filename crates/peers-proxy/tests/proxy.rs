//! The proxies end to end on 127.0.0.1: the egress allow-list (names, IP literals, ports,
//! names resolving to private addresses, DNS never asked for a refused name), a tunnel to an
//! allowed host, and a provider request whose credentials are replaced and whose reply streams.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions; a failure is the test's failure"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use peers_proxy::{
    AllowList, Credential, EgressLimits, EgressSettings, ProviderRoutes, ProviderSettings,
    ProxyDecision, Resolve, Service, Serving, Upstream, serve, tls_client,
};

/// A resolver with fixed answers that remembers every name it was asked.
#[derive(Debug, Default)]
struct FakeResolver {
    answers: Vec<(String, SocketAddr)>,
    asked: Mutex<Vec<String>>,
}

impl Resolve for FakeResolver {
    fn resolve(&self, host: &str, _port: u16) -> std::io::Result<Vec<SocketAddr>> {
        self.asked.lock().unwrap().push(host.to_owned());
        Ok(self
            .answers
            .iter()
            .filter(|(name, _)| name == host)
            .map(|(_, addr)| *addr)
            .collect())
    }
}

fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").unwrap()
}

fn egress(resolver: Arc<FakeResolver>, allow: &[&str]) -> (Serving, SocketAddr) {
    egress_with(resolver, allow, EgressLimits::default())
}

fn egress_with(
    resolver: Arc<FakeResolver>,
    allow: &[&str],
    limits: EgressLimits,
) -> (Serving, SocketAddr) {
    let listener = listener();
    let addr = listener.local_addr().unwrap();
    let mut settings = EgressSettings::new(AllowList::parse(allow).unwrap());
    settings.limits = limits;
    settings.resolver = resolver;
    settings.allow_loopback_for_tests = true;
    (
        serve(vec![(listener, Service::Egress(settings))]).unwrap(),
        addr,
    )
}

/// Sends `head` and returns the status line and the connection.
fn ask(proxy: SocketAddr, head: &str) -> (String, BufReader<TcpStream>) {
    let mut stream = TcpStream::connect(proxy).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    (status, reader)
}

fn wait_records(serving: &Serving, count: usize) -> Vec<peers_proxy::ProxyRecord> {
    for _ in 0..200 {
        let records = serving.records();
        if records.len() >= count {
            return records;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    serving.records()
}

#[test]
fn egress_refuses_everything_but_allowed_names_on_443_with_public_answers() {
    let resolver = Arc::new(FakeResolver {
        answers: vec![
            (
                "internal.example.org".into(),
                "10.0.0.5:443".parse().unwrap(),
            ),
            (
                "meta.example.org".into(),
                "169.254.169.254:443".parse().unwrap(),
            ),
            ("mixed.example.org".into(), "1.1.1.1:443".parse().unwrap()),
            (
                "mixed.example.org".into(),
                "192.168.0.1:443".parse().unwrap(),
            ),
        ],
        asked: Mutex::default(),
    });
    let (serving, proxy) = egress(
        Arc::clone(&resolver),
        &["*.example.org", "registry.example.com"],
    );
    let refused = [
        ("CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n", "IP address"),
        ("CONNECT [::1]:443 HTTP/1.1\r\n\r\n", "IP address"),
        ("CONNECT 2130706433:443 HTTP/1.1\r\n\r\n", "not a host name"),
        (
            "CONNECT registry.example.com:80 HTTP/1.1\r\n\r\n",
            "port 80",
        ),
        (
            "CONNECT registry.example.com:22 HTTP/1.1\r\n\r\n",
            "port 22",
        ),
        (
            "CONNECT secret-data.attacker.tld:443 HTTP/1.1\r\n\r\n",
            "not in sandbox.allow_hosts",
        ),
        (
            "CONNECT example.org:443 HTTP/1.1\r\n\r\n",
            "not in sandbox.allow_hosts",
        ),
        (
            "CONNECT internal.example.org:443 HTTP/1.1\r\n\r\n",
            "10.0.0.5",
        ),
        (
            "CONNECT meta.example.org:443 HTTP/1.1\r\n\r\n",
            "169.254.169.254",
        ),
        (
            "CONNECT mixed.example.org:443 HTTP/1.1\r\n\r\n",
            "192.168.0.1",
        ),
        (
            "CONNECT nowhere.example.org:443 HTTP/1.1\r\n\r\n",
            "no address",
        ),
        (
            "GET http://registry.example.com/ HTTP/1.1\r\nhost: registry.example.com\r\n\r\n",
            "only CONNECT",
        ),
    ];
    for (head, why) in refused {
        let (status, mut reader) = ask(proxy, head);
        assert!(status.starts_with("HTTP/1.1 403"), "{head:?} → {status}");
        let mut body = String::new();
        reader.read_to_string(&mut body).unwrap();
        assert!(body.contains(why), "{head:?}: {body}");
        assert!(body.contains("hint:"), "{body}");
    }
    let records = wait_records(&serving, refused.len());
    assert_eq!(records.len(), refused.len());
    assert!(
        records
            .iter()
            .all(|record| matches!(record.decision, ProxyDecision::Denied { .. }))
    );
    let asked = resolver.asked.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .all(|name| name.ends_with(".example.org") && name != "example.org"),
        "only allowed names are ever resolved: {asked:?}"
    );
    serving.stop();
}

#[test]
fn the_system_resolver_answer_for_localhost_is_refused() {
    let listener = listener();
    let proxy = listener.local_addr().unwrap();
    let settings = EgressSettings::new(AllowList::parse(&["localhost"]).unwrap());
    let serving = serve(vec![(listener, Service::Egress(settings))]).unwrap();
    let (status, mut reader) = ask(proxy, "CONNECT localhost:443 HTTP/1.1\r\n\r\n");
    let mut body = String::new();
    reader.read_to_string(&mut body).unwrap();
    assert!(status.starts_with("HTTP/1.1 403"), "{status}");
    assert!(body.contains("not a public address"), "{body}");
    serving.stop();
}

#[test]
fn an_allowed_name_is_tunnelled_to_the_address_the_proxy_vetted() {
    let echo = listener();
    let echo_addr = echo.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut stream, _) = echo.accept().unwrap();
        let mut buffer = [0_u8; 5];
        stream.read_exact(&mut buffer).unwrap();
        stream.write_all(&buffer.repeat(2)).unwrap();
    });
    let resolver = Arc::new(FakeResolver {
        answers: vec![("registry.example.com".into(), echo_addr)],
        asked: Mutex::default(),
    });
    let (serving, proxy) = egress(resolver, &["registry.example.com"]);
    let (status, mut reader) = ask(proxy, "CONNECT Registry.Example.Com.:443 HTTP/1.1\r\n\r\n");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let mut blank = String::new();
    reader.read_line(&mut blank).unwrap();
    reader.get_mut().write_all(b"hello").unwrap();
    let mut reply = String::new();
    reader.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "hellohello");
    let records = wait_records(&serving, 1);
    assert_eq!(records[0].host, "registry.example.com");
    assert_eq!(records[0].decision, ProxyDecision::Allowed);
    assert!(records[0].bytes_down >= 10 && records[0].bytes_up >= 5);
    serving.stop();
}

#[test]
fn a_provider_request_gets_the_real_key_and_its_reply_streams() {
    let upstream = listener();
    let upstream_url = format!(
        "http://127.0.0.1:{}/base",
        upstream.local_addr().unwrap().port()
    );
    let (head_tx, head_rx) = mpsc::channel::<String>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let (stream, _) = upstream.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = [0_u8; 15];
        reader.read_exact(&mut body).unwrap();
        head.push_str(&String::from_utf8_lossy(&body));
        head_tx.send(head).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: keep-alive\r\n\r\ndata: first\n\n")
            .unwrap();
        // The rest only once the client has seen the first event: a buffering proxy hangs here.
        go_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        stream.write_all(b"data: last\n\n").unwrap();
    });
    let settings = ProviderSettings {
        name: "anthropic".into(),
        upstream: Upstream::loopback_for_tests(&upstream_url).unwrap(),
        credential: Some(Credential {
            header: "x-api-key".into(),
            value: "sk-real-secret".into(),
            beta_flag: None,
        }),
        tls: tls_client().unwrap(),
    };
    let front = listener();
    let proxy = front.local_addr().unwrap();
    let serving = serve(vec![(front, Service::Provider(settings))]).unwrap();
    let request = "POST /v1/messages?beta=true&key=dummy HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: dummy-key\r\nAuthorization: Bearer dummy\r\ncookie: a=b\r\ntransfer-encoding: chunked\r\nanthropic-version: 2023-06-01\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    let (status, mut reader) = ask(proxy, request);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let head = head_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        head.starts_with("POST /base/v1/messages?beta=true HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("x-api-key: sk-real-secret\r\n"), "{head}");
    assert!(head.contains("anthropic-version: 2023-06-01\r\n"), "{head}");
    assert!(
        head.contains("5\r\nhello\r\n0\r\n\r\n"),
        "the chunked body is passed on: {head}"
    );
    for gone in ["dummy", "Bearer", "cookie", "key="] {
        assert!(
            !head.contains(gone),
            "{gone} must not reach the upstream: {head}"
        );
    }
    let mut line = String::new();
    while line != "data: first\n" {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the first event never came"
        );
    }
    go_tx.send(()).unwrap();
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    assert!(rest.ends_with("data: last\n\n"), "{rest}");
    let records = wait_records(&serving, 1);
    assert_eq!(records[0].proxy, "anthropic");
    assert_eq!(records[0].status, Some(200));
    assert_eq!(records[0].request, "POST /v1/messages");
    assert!(records[0].bytes_down > 0);
    serving.stop();
}

#[test]
fn a_provider_refuses_absolute_form_and_connect() {
    let settings = ProviderSettings {
        name: "openai".into(),
        upstream: Upstream::loopback_for_tests("http://127.0.0.1:9").unwrap(),
        credential: None,
        tls: tls_client().unwrap(),
    };
    let front = listener();
    let proxy = front.local_addr().unwrap();
    let serving = serve(vec![(front, Service::Provider(settings))]).unwrap();
    for head in [
        "GET http://evil.tld/ HTTP/1.1\r\nhost: evil.tld\r\n\r\n",
        "CONNECT evil.tld:443 HTTP/1.1\r\n\r\n",
    ] {
        let (status, _) = ask(proxy, head);
        assert!(status.starts_with("HTTP/1.1 405"), "{head:?} → {status}");
    }
    serving.stop();
}

/// The Kubernetes sidecar's one listener: each provider under its name, the prefix dropped.
#[test]
fn provider_routes_pick_the_provider_by_its_path_prefix() {
    let upstream = listener();
    let port = upstream.local_addr().unwrap().port();
    let (head_tx, head_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for stream in upstream.incoming() {
            let stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            head_tx.send(head).unwrap();
            let mut stream = stream;
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                .unwrap();
        }
    });
    let provider = |name: &str, key: &str| ProviderSettings {
        name: name.into(),
        upstream: Upstream::loopback_for_tests(&format!("http://127.0.0.1:{port}")).unwrap(),
        credential: Some(Credential {
            header: "authorization".into(),
            value: format!("Bearer {key}"),
            beta_flag: None,
        }),
        tls: tls_client().unwrap(),
    };
    let front = listener();
    let proxy = front.local_addr().unwrap();
    let routes = ProviderRoutes {
        providers: vec![
            provider("anthropic", "ant-real"),
            provider("openai", "oai-real"),
        ],
        via: None,
    };
    let serving = serve(vec![(front, Service::ProviderRoutes(routes))]).unwrap();
    let (status, _) = ask(
        proxy,
        "POST /openai/v1/chat/completions HTTP/1.1\r\nauthorization: Bearer placeholder\r\ncontent-length: 0\r\n\r\n",
    );
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let head = head_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("authorization: Bearer oai-real\r\n"),
        "{head}"
    );
    assert!(
        !head.contains("placeholder") && !head.contains("ant-real"),
        "{head}"
    );
    let (status, _) = ask(
        proxy,
        "POST /gemini/v1/models HTTP/1.1\r\ncontent-length: 0\r\n\r\n",
    );
    assert!(
        status.starts_with("HTTP/1.1 403"),
        "an unknown provider: {status}"
    );
    assert!(head_rx.recv_timeout(Duration::from_millis(200)).is_err());
    let records = wait_records(&serving, 1);
    assert_eq!(records[0].proxy, "openai");
    assert_eq!(records[0].request, "POST /v1/chat/completions");
    serving.stop();
}

#[test]
fn only_a_loopback_http_upstream_may_replace_a_provider() {
    for url in [
        "https://127.0.0.1:1",
        "http://10.0.0.1:80",
        "http://localhost:80",
        "http://127.0.0.1:x",
    ] {
        assert!(Upstream::loopback_for_tests(url).is_err(), "{url}");
    }
}

/// An upstream on 127.0.0.1 that `registry.example.com` resolves to: each connection gets
/// `send` bytes, then is held open until the client goes.
fn upstream_sending(send: usize) -> Arc<FakeResolver> {
    let server = listener();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in server.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let _ = stream.write_all(&vec![b'x'; send]);
                let mut sink = [0_u8; 1024];
                while matches!(stream.read(&mut sink), Ok(read) if read > 0) {}
            });
        }
    });
    Arc::new(FakeResolver {
        answers: vec![("registry.example.com".into(), addr)],
        asked: Mutex::default(),
    })
}

/// Opens a tunnel to `registry.example.com` and returns the reader past the 200's head.
fn open_tunnel(proxy: SocketAddr) -> BufReader<TcpStream> {
    let (status, mut reader) = ask(proxy, "CONNECT registry.example.com:443 HTTP/1.1\r\n\r\n");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let mut blank = String::new();
    reader.read_line(&mut blank).unwrap();
    reader
}

fn denied_reason(record: &peers_proxy::ProxyRecord) -> String {
    match &record.decision {
        ProxyDecision::Denied { reason } => reason.clone(),
        ProxyDecision::Allowed => String::new(),
    }
}

#[test]
fn a_tunnel_is_cut_past_its_byte_cap() {
    let limits = EgressLimits {
        max_bytes: 10_000,
        ..EgressLimits::default()
    };
    let (serving, proxy) =
        egress_with(upstream_sending(200_000), &["registry.example.com"], limits);
    let mut reader = open_tunnel(proxy);
    let mut received = Vec::new();
    let _ = reader.read_to_end(&mut received);
    assert_eq!(received.len(), 10_000, "exactly the cap gets through");
    let records = wait_records(&serving, 1);
    let reason = denied_reason(&records[0]);
    assert!(reason.contains("sandbox.egress_max_mib"), "{records:?}");
    assert_eq!(records[0].bytes_down, 10_000);
    serving.stop();
}

#[test]
fn a_tunnel_is_cut_when_open_past_its_time_cap() {
    let limits = EgressLimits {
        max_duration: Duration::from_millis(300),
        ..EgressLimits::default()
    };
    let (serving, proxy) = egress_with(upstream_sending(5), &["registry.example.com"], limits);
    let started = std::time::Instant::now();
    let mut reader = open_tunnel(proxy);
    let mut received = Vec::new();
    // The upstream holds the tunnel open: only the cap ends it (ask's read timeout is 10 s).
    reader.read_to_end(&mut received).unwrap();
    assert_eq!(received, b"xxxxx");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let records = wait_records(&serving, 1);
    assert!(
        denied_reason(&records[0]).contains("sandbox.egress_max_seconds"),
        "{records:?}"
    );
    serving.stop();
}

#[test]
fn tunnels_past_the_concurrency_cap_are_refused_until_one_closes() {
    let limits = EgressLimits {
        max_connections: 1,
        ..EgressLimits::default()
    };
    let (serving, proxy) = egress_with(upstream_sending(1), &["registry.example.com"], limits);
    let first = open_tunnel(proxy);
    let (status, mut reader) = ask(proxy, "CONNECT registry.example.com:443 HTTP/1.1\r\n\r\n");
    assert!(status.starts_with("HTTP/1.1 503"), "{status}");
    let mut body = String::new();
    reader.read_to_string(&mut body).unwrap();
    assert!(body.contains("sandbox.egress_max_connections"), "{body}");
    drop(first);
    // The slot is given back once the first tunnel's both directions have ended.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _reader) = ask(proxy, "CONNECT registry.example.com:443 HTTP/1.1\r\n\r\n");
        if status.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never freed: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    serving.stop();
}
