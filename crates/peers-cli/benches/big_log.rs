//! `peers report` and `peers replay N` on a 1 GiB runs.jsonl (generated here, never committed):
//! wall time and peak memory (max RSS from `/usr/bin/time`), against the goals of issue 17:
//! ≤ 64 MiB each, `replay N` ≤ 100 ms with the index, `report` about one read of the file.
//! `PEERS_BENCH_LOG_MIB` sets the log size (default 1024). Run with `scripts/bench`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use common::{command, ok};
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");
const MEMORY_GOAL_MIB: f64 = 64.0;
const REPLAY_GOAL_MS: f64 = 100.0;

/// The repository and its HEAD (the commit every generated tick names).
fn setup(root: &Path, home: &Path) -> (std::path::PathBuf, String) {
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["commit", "-q", "--allow-empty", "-m", "initial"][..],
    ] {
        let mut git = command("git", &repo, home);
        git.args(args);
        ok(git);
    }
    let mut init = command(PEERS, &repo, home);
    init.arg("init");
    ok(init);
    let head = command("git", &repo, home)
        .args(["rev-parse", "HEAD"])
        .stdout(Stdio::piped())
        .output()
        .expect("git rev-parse");
    (
        repo,
        String::from_utf8_lossy(&head.stdout).trim().to_owned(),
    )
}

/// Writes tick records (with realistic output tails) and an exit record every 100 ticks until
/// the log reaches `bytes`; returns the number of ticks.
fn generate(path: &Path, bytes: u64, head: &str) -> u64 {
    let file = std::fs::File::create(path).expect("create log");
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let tail: String = "test result: ok. 12 passed; 0 failed \\n"
        .repeat(60)
        .chars()
        .take(2000)
        .collect();
    let (mut written, mut tick) = (0u64, 0u64);
    while written < bytes {
        tick += 1;
        let peer = if tick % 2 == 0 { "alice" } else { "bob" };
        let line = format!(
            concat!(
                r#"{{"v":1,"event":"tick","ts":"2026-01-01T00:00:00Z","iteration":{i},"peer":"{p}","tool":"claude","#,
                r#""classification":"success","exit_code":0,"duration_ms":{d},"success":{s},"soft_fail_reason":null,"#,
                r#""skeptic":false,"tokens_this_tick":1234,"usd_this_tick":0.0123,"usd_unknown":false,"#,
                r#""spent_tokens_total":{t},"spent_usd_total":1.5,"head_before":"{h}","head_after":"{h}","#,
                r#""commits":["{h}"],"peer_state_after":"healthy","warnings_emitted":[],"integrity":[],"#,
                r#""stdout_tail":"{tail}","stderr_tail":"","truncated":false,"prompt_delivery":"stdin","#,
                r#""gates":{{"hard":{{"builds":"pass","tests":"{g}","lint":"pass"}},"soft":{{}}}},"#,
                r#""gate_durations_ms":{{"builds":10,"tests":20,"lint":5}}}}"#,
                "\n"
            ),
            i = tick,
            p = peer,
            d = 1000 + tick % 977,
            s = tick % 7 != 0,
            t = tick * 1234,
            h = head,
            tail = tail,
            g = if tick % 5 == 0 { "fail" } else { "pass" },
        );
        out.write_all(line.as_bytes()).expect("write log");
        written += line.len() as u64;
        if tick % 100 == 0 {
            let exit = format!(
                "{{\"v\":1,\"event\":\"exit\",\"ts\":\"2026-01-01T00:00:00Z\",\"reason\":\"max-ticks\",\"ticks_in_run\":100,\"iteration\":{tick}}}\n"
            );
            out.write_all(exit.as_bytes()).expect("write log");
            written += exit.len() as u64;
        }
    }
    out.flush().expect("flush log");
    tick
}

/// Wall time and max RSS (MiB) of one `peers` command, through `/usr/bin/time`.
fn measure(repo: &Path, home: &Path, args: &[&str]) -> (Duration, Option<f64>) {
    let report = repo.join("../time.txt");
    let timed = Path::new("/usr/bin/time").exists();
    let mut cmd = if timed {
        let mut cmd = command("/usr/bin/time", repo, home);
        cmd.args(["-f", "%M", "-o"]).arg(&report).arg(PEERS);
        cmd
    } else {
        command(PEERS, repo, home)
    };
    cmd.args(args);
    let started = Instant::now();
    ok(cmd);
    let wall = started.elapsed();
    let rss = timed
        .then(|| std::fs::read_to_string(&report).ok())
        .flatten()
        .and_then(|text| text.trim().lines().last()?.trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0);
    (wall, rss)
}

fn verdict(pass: bool) -> &'static str {
    if pass { "ok" } else { "OVER" }
}

fn memory(rss: Option<f64>) -> String {
    match rss {
        Some(mib) => format!(
            "{mib:.1} MiB (goal ≤ {MEMORY_GOAL_MIB} MiB: {})",
            verdict(mib <= MEMORY_GOAL_MIB)
        ),
        None => "unmeasured (no /usr/bin/time)".to_owned(),
    }
}

fn main() {
    let mib: u64 = std::env::var("PEERS_BENCH_LOG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let (repo, head) = setup(temp.path(), &home);
    let log = repo.join(".peers/log/runs.jsonl");
    let generated = Instant::now();
    let ticks = generate(&log, mib << 20, &head);
    let size = std::fs::metadata(&log).expect("log").len();
    println!(
        "generated runs.jsonl: {:.0} MiB, {ticks} ticks, in {:.1} s",
        size as f64 / 1048576.0,
        generated.elapsed().as_secs_f64()
    );

    // The yardstick: reading the file once, 1 MiB at a time (page cache warm, as below).
    let started = Instant::now();
    let mut file = std::fs::File::open(&log).expect("open log");
    let mut buffer = vec![0u8; 1 << 20];
    while file.read(&mut buffer).expect("read log") > 0 {}
    let read_once = started.elapsed();
    println!("read the file once: {:.2} s", read_once.as_secs_f64());

    let (wall, rss) = measure(&repo, &home, &["report"]);
    println!(
        "peers report, first (no checkpoint: the whole log, in parallel parts): {:.2} s ({:.1}× one read), peak {}",
        wall.as_secs_f64(),
        wall.as_secs_f64() / read_once.as_secs_f64().max(1e-9),
        memory(rss)
    );
    // A later report: the log grew by a run of ticks since the checkpoint the first one left.
    let last_line = {
        let text = std::fs::read(&log).expect("read log");
        let body = &text[..text.len() - 1];
        let start = body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        text[start..].to_vec()
    };
    let mut appended = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open log");
    for _ in 0..(1 << 20) / last_line.len() {
        appended.write_all(&last_line).expect("append");
    }
    drop(appended);
    let (wall, rss) = measure(&repo, &home, &["report"]);
    println!(
        "peers report after 1 MiB more (from the checkpoint): {:.3} s ({:.2}× one read: goal ≤ 1×: {}), peak {}",
        wall.as_secs_f64(),
        wall.as_secs_f64() / read_once.as_secs_f64().max(1e-9),
        verdict(wall <= read_once),
        memory(rss)
    );

    let middle = (ticks / 2).to_string();
    let (wall, rss) = measure(&repo, &home, &["replay", &middle]);
    println!(
        "peers replay {middle}, index missing (rebuilt in one pass): {:.2} s, peak {}",
        wall.as_secs_f64(),
        memory(rss)
    );
    for target in [1, ticks / 2, ticks] {
        let target = target.to_string();
        let mut walls: Vec<f64> = (0..5)
            .map(|_| measure(&repo, &home, &["replay", &target]))
            .map(|(wall, rss)| {
                assert!(
                    rss.is_none_or(|mib| mib <= MEMORY_GOAL_MIB),
                    "replay peak {rss:?}"
                );
                wall.as_secs_f64() * 1000.0
            })
            .collect();
        walls.sort_by(f64::total_cmp);
        let (_, rss) = measure(&repo, &home, &["replay", &target]);
        println!(
            "peers replay {target} with the index: median {:.1} ms of 5 (goal ≤ {REPLAY_GOAL_MS} ms: {}), peak {}",
            walls[2],
            verdict(walls[2] <= REPLAY_GOAL_MS),
            memory(rss)
        );
    }
}
