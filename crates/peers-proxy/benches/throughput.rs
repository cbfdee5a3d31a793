//! Throughput of a streamed model reply through a provider's reverse proxy on loopback: an
//! upstream on 127.0.0.1 sends PEERS_BENCH_PROXY_MIB (default 512) MiB of SSE events in a
//! chunked reply, the client reads it through the proxy. Goal: ≥ 100 MB/s. Run with
//! `scripts/bench`.
#![expect(
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark harness: a failed setup step must stop it loudly; it prints its figures"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use peers_proxy::{ProviderSettings, Service, Upstream, serve, tls_client};

fn main() {
    let mib: usize = std::env::var("PEERS_BENCH_PROXY_MIB")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(512);
    let upstream = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
    let url = format!(
        "http://127.0.0.1:{}",
        upstream.local_addr().expect("addr").port()
    );
    std::thread::spawn(move || {
        let (stream, _) = upstream.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        while reader.read_line(&mut line).expect("head") > 2 {
            line.clear();
        }
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            .expect("head");
        let event = format!("data: {}\n\n", "x".repeat(16 * 1024 - 8));
        let chunk = format!("{:x}\r\n{event}\r\n", event.len());
        for _ in 0..mib * 64 {
            stream.write_all(chunk.as_bytes()).expect("chunk");
        }
        stream.write_all(b"0\r\n\r\n").expect("end");
    });
    let front = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let proxy = front.local_addr().expect("addr");
    let settings = ProviderSettings {
        name: "anthropic".into(),
        upstream: Upstream::loopback_for_tests(&url).expect("upstream"),
        credential: None,
        tls: tls_client().expect("tls"),
    };
    let serving = serve(vec![(front, Service::Provider(settings))]).expect("serve");
    let started = Instant::now();
    let mut client = TcpStream::connect(proxy).expect("connect");
    client
        .write_all(b"POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
        .expect("request");
    let mut buffer = vec![0_u8; 256 * 1024];
    let mut total = 0_u64;
    loop {
        let read = client.read(&mut buffer).expect("read");
        if read == 0 {
            break;
        }
        total += read as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = total as f64 / seconds / 1e6;
    serving.stop();
    println!(
        "streamed reply through the provider proxy: {:.0} MiB in {seconds:.2} s = {rate:.0} MB/s (goal ≥ 100 MB/s: {})",
        total as f64 / (1024.0 * 1024.0),
        if rate >= 100.0 { "ok" } else { "UNDER" }
    );
}
