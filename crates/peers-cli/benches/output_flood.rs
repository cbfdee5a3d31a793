//! A peer's output through a whole tick: `peers run --max-ticks 1` (default config) whose peer
//! prints 2 GiB of ~100-byte lines on stdout, timed end to end with the run's peak RSS, against
//! the goals of issue 10 (≥ 1 GB/s, ≤ 16 MiB). Also: 512 MiB with the default patterns and with
//! none, 2 GiB of 16 KiB lines, and for reference the pipe alone (a plain read loop) and the
//! supervisor's pump alone (`run_observed` with an observer that does nothing).
//!
//! The peer is this benchmark's own binary run as `--generate BYTES LINE_LEN`: one process
//! writing a prepared 1 MiB block, so the generator costs little of the two cores.
//! `PEERS_BENCH_OUTPUT_MIB` sets the large size (default 2048). Run with `scripts/bench`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use common::{command, ok};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use peers_process::{CommandSpec, Control, Observer, Stream, Watch, run_observed};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");
const GOAL_GBPS: f64 = 1.0;
const GOAL_RSS_MIB: f64 = 16.0;
const SHORT_LINE: usize = 100;
const LONG_LINE: usize = 16 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--generate") {
        let number = |offset: usize| -> u64 {
            args.get(at + offset)
                .and_then(|value| value.parse().ok())
                .expect("--generate BYTES LINE_LEN")
        };
        generate(number(1), number(2) as usize);
        return;
    }
    let mib: u64 = std::env::var("PEERS_BENCH_OUTPUT_MIB")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2048);
    let (large, small) = (mib << 20, (mib / 4) << 20);
    let generator = std::env::current_exe().expect("own path");
    pipe_alone(&generator, large);
    pump_alone(&generator, large);
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let cases = [
        ("default patterns", large, SHORT_LINE, true, true),
        (
            "16 KiB lines, default patterns",
            large,
            LONG_LINE,
            true,
            false,
        ),
        ("default patterns", small, SHORT_LINE, true, false),
        ("no patterns", small, SHORT_LINE, false, false),
    ];
    for (index, (label, bytes, line, patterns, goal)) in cases.into_iter().enumerate() {
        let repo = setup(
            &temp.path().join(format!("case{index}")),
            &home,
            &generator,
            bytes,
            line,
            patterns,
        );
        tick(&repo, &home, label, bytes, line, goal);
    }
}

/// Writes `bytes` of `line_len`-byte lines (newline included) to stdout.
fn generate(bytes: u64, line_len: usize) {
    let line_len = line_len.max(2);
    let mut line: Vec<u8> =
        b"peer output: compiled crate peers-agent, 42 tests passed, next step is the review of "
            .iter()
            .copied()
            .cycle()
            .take(line_len - 1)
            .collect();
    line.push(b'\n');
    let block: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take((1 << 20) / line_len * line_len.max(1))
        .collect();
    let block = if block.is_empty() { line } else { block };
    let mut out = std::io::stdout().lock();
    let mut left = bytes;
    while left > 0 {
        let take = usize::try_from(left).unwrap_or(usize::MAX).min(block.len());
        if out.write_all(&block[..take]).is_err() {
            return;
        }
        left -= take as u64;
    }
    let _ = out.flush();
}

fn gbps(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e9 / elapsed.as_secs_f64()
}

fn mib_of(bytes: u64) -> u64 {
    bytes >> 20
}

/// The generator into a plain read loop: what the pipe itself can move.
fn pipe_alone(generator: &Path, bytes: u64) {
    let started = Instant::now();
    let mut child = std::process::Command::new(generator)
        .args(["--generate", &bytes.to_string(), &SHORT_LINE.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn generator");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let count = stdout.read(&mut buffer).expect("read");
        if count == 0 {
            break;
        }
        total += count as u64;
    }
    child.wait().expect("wait");
    assert_eq!(total, bytes, "the generator wrote every byte");
    println!(
        "pipe alone ({} MiB, plain read loop): {:.2} s = {:.2} GB/s",
        mib_of(bytes),
        started.elapsed().as_secs_f64(),
        gbps(bytes, started.elapsed())
    );
}

struct Discard(u64);

impl Observer for Discard {
    fn output(&mut self, _stream: Stream, bytes: &[u8]) -> Control {
        self.0 += bytes.len() as u64;
        Control::Continue
    }
}

/// The generator through `run_observed` (capture included) with an observer doing nothing.
fn pump_alone(generator: &Path, bytes: u64) {
    let mut spec = CommandSpec::new(generator, std::env::temp_dir());
    spec.args = ["--generate".into(), bytes.to_string().into(), "100".into()].into();
    spec.capture_cap = 2 << 20;
    spec.timeout = Some(Duration::from_secs(600));
    let mut discard = Discard(0);
    let started = Instant::now();
    run_observed(&spec, &Watch::default(), &mut discard).expect("run_observed");
    assert_eq!(discard.0, bytes, "the pump saw every byte");
    println!(
        "pump alone ({} MiB, run_observed, no-op observer): {:.2} s = {:.2} GB/s",
        mib_of(bytes),
        started.elapsed().as_secs_f64(),
        gbps(bytes, started.elapsed())
    );
}

/// A repository whose first peer (the one of tick 1) is the generator and whose one gate is `true`.
fn setup(
    root: &Path,
    home: &Path,
    generator: &Path,
    bytes: u64,
    line: usize,
    patterns: bool,
) -> PathBuf {
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let git = |args: &[&str]| {
        let mut c = command("git", &repo, home);
        c.args(args);
        ok(c);
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "bench\n").expect("write");
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "initial"]);
    let mut init = command(PEERS, &repo, home);
    init.arg("init");
    ok(init);
    let mut config = format!(
        "peers:\n  - {{name: alice, tool: generic, argv: ['{}', '--generate', '{bytes}', '{line}'], prompt_mode: stdin}}\n  - {{name: bob, tool: generic, argv: ['true'], prompt_mode: stdin}}\n",
        generator.display()
    );
    config.push_str("goals:\n  convergence_n: 1000\n");
    if !patterns {
        config.push_str("health:\n  error_patterns: []\n  halt_patterns: []\n");
    }
    std::fs::write(repo.join(".peers/config.yaml"), config).expect("config");
    std::fs::write(
        repo.join(".peers/goals.yaml"),
        "goals:\n  - {id: g1, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n",
    )
    .expect("goals");
    let mut accept = command(PEERS, &repo, home);
    accept.args(["goals", "accept"]);
    ok(accept);
    repo
}

/// VmHWM (the kernel's high-water mark of resident memory) of a live process, in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One `peers run --max-ticks 1`; prints throughput and peak RSS, checks the tick saw it all.
fn tick(repo: &Path, home: &Path, label: &str, bytes: u64, line: usize, goal: bool) {
    let started = Instant::now();
    let mut run = command(PEERS, repo, home);
    run.args(["run", "--max-ticks", "1"]);
    let mut child = run.spawn().expect("spawn peers run");
    // VmHWM only grows, so the last sample before exit is the peak (to within one sample).
    let mut peak_kib = 0;
    loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak_kib = peak_kib.max(kib);
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let elapsed = started.elapsed();
    let log = std::fs::read_to_string(repo.join(".peers/log/runs.jsonl")).expect("log");
    let tick = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|value| value["event"] == "tick")
        .expect("a tick record");
    assert_eq!(
        tick["classification"], "success",
        "the peer's flood is a clean run: {tick}"
    );
    let peer_ms = tick["duration_ms"].as_f64().unwrap_or(0.0);
    let rate = gbps(bytes, elapsed);
    let rss_mib = peak_kib as f64 / 1024.0;
    println!(
        "peers run tick, {} MiB of {line}-byte lines, {label}: {:.2} s end to end (peer {:.2} s) = {rate:.2} GB/s, peak RSS {rss_mib:.1} MiB",
        mib_of(bytes),
        elapsed.as_secs_f64(),
        peer_ms / 1000.0,
    );
    if goal {
        let verdict = |ok: bool| if ok { "ok" } else { "UNDER GOAL" };
        println!(
            "  goal ≥ {GOAL_GBPS} GB/s: {}; goal peak RSS ≤ {GOAL_RSS_MIB} MiB: {}",
            verdict(rate >= GOAL_GBPS),
            verdict(rss_mib <= GOAL_RSS_MIB)
        );
    }
}
