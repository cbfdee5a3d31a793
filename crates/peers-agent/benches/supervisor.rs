//! Supervisor benchmark: throughput and peak memory of `invoke` on a 2 GB flood, and the
//! spawn-to-first-byte overhead of `invoke` against a bare `std::process::Command::spawn`.
//!
//! Run with `cargo bench -p peers-agent --bench supervisor`. `PEERS_BENCH_BYTES` overrides the
//! flood size (default 2 000 000 000).
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![expect(clippy::unwrap_used, reason = "a benchmark may abort on setup failure")]

use std::ffi::OsString;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use peers_agent::{
    CallKind, Flow, HostLauncher, Invocation, Limits, LiveEvent, Patterns, PreparedCommand,
    PromptDelivery, invoke,
};
use peers_core::config::{HealthSettings, ToolKind};

const SAMPLES: usize = 50;

fn main() {
    let bytes: u64 = std::env::var("PEERS_BENCH_BYTES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2_000_000_000);
    let count = bytes.to_string();
    flood(
        "zero bytes, no newline",
        &["head", "-c", &count, "/dev/zero"],
        bytes,
    );
    // Line-heavy output costs more per byte (each line is scanned, parsed and observed).
    let lines = (bytes / 10).to_string();
    let script =
        format!("yes 'a typical line of agent output, about sixty bytes long' | head -c {lines}");
    flood("60-byte lines", &["/bin/sh", "-c", &script], bytes / 10);
    first_byte();
}

fn invocation(argv: &[&str]) -> Invocation {
    Invocation {
        peer: "bench".to_owned(),
        kind: CallKind::LoopTurn,
        tool: ToolKind::Generic("bench".to_owned()),
        command: PreparedCommand {
            argv: argv.iter().map(|word| (*word).to_owned()).collect(),
            stdin: None,
            prompt_file: None,
            delivery: PromptDelivery::Argv,
        },
        cwd: std::env::temp_dir(),
        env: vec![(OsString::from("PATH"), OsString::from("/usr/bin:/bin"))],
        limits: Limits {
            idle: Duration::from_secs(60),
            absolute: Duration::from_secs(600),
            grace: Duration::from_secs(1),
            buf_cap: 2 * 1024 * 1024,
        },
        // The default patterns, so line scanning is part of the cost measured.
        patterns: Patterns::from_health(&HealthSettings::default()).unwrap(),
    }
}

fn flood(label: &str, argv: &[&str], bytes: u64) {
    let inv = invocation(argv);
    let started = Instant::now();
    let run = invoke(&inv, &HostLauncher, &AtomicBool::new(false), &mut |_| {
        Flow::Continue
    })
    .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "flood ({label}): {bytes} bytes in {seconds:.2} s = {:.0} MB/s; classification {}, truncated {}",
        bytes as f64 / 1e6 / seconds,
        run.classification,
        run.truncated
    );
    println!("peak RSS (VmHWM): {}", peak_rss());
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .map_or_else(|| "unknown".to_owned(), |value| value.trim().to_owned())
}

fn first_byte() {
    let inv = invocation(&["/bin/echo", "x"]);
    let mut invoked = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let mut first = None;
        invoke(&inv, &HostLauncher, &AtomicBool::new(false), &mut |event| {
            if matches!(event, LiveEvent::Output { .. }) && first.is_none() {
                first = Some(started.elapsed());
            }
            Flow::Continue
        })
        .unwrap();
        invoked.push(first.unwrap());
    }
    let mut bare = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let mut child = Command::new("/bin/echo")
            .arg("x")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut byte = [0u8; 1];
        child.stdout.take().unwrap().read_exact(&mut byte).unwrap();
        bare.push(started.elapsed());
        child.wait().unwrap();
    }
    let (invoked, bare) = (median(invoked), median(bare));
    println!(
        "spawn to first byte, median of {SAMPLES}: invoke {invoked:?}, bare spawn {bare:?}, overhead {:?}",
        invoked.saturating_sub(bare)
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}
