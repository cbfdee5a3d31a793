//! The bug ledger on a synthetic history: 10,000 commits with 2,000 Bug-Reports and 1,500
//! resolutions. Full build (git log + parse + ledger) at run start, and the per-tick update
//! (apply one tick's commits, then the gate verdict). Run with `scripts/bench`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use peers_driver::attest::Attestations;
use peers_driver::ledger_view::LedgerView;

const COMMITS: usize = 10_000;
const REPORTS: usize = 2_000;
const RESOLUTIONS: usize = 1_500;

fn message(i: usize) -> String {
    let severities = ["crit", "high", "med", "low", "info"];
    if i < REPORTS * 4 && i % 4 == 0 {
        let n = i / 4 + 1;
        format!(
            "BUG-{n:04}: synthetic bug {n}\n\n## Bug-Report\n{{\"id\":\"BUG-{n:04}\",\"severity\":\"{}\",\"fix_by\":\"codex\",\"location\":\"src/m{n}.rs:{n}\",\"description\":\"synthetic bug number {n}\"}}\n\nPeer: claude\nBug-Report: BUG-{n:04}\n",
            severities[n % severities.len()]
        )
    } else if i > 1 && i < RESOLUTIONS * 4 + 2 && i % 4 == 2 {
        let n = (i - 2) / 4 + 1;
        format!(
            "Resolve BUG-{n:04}\n\n## Bug-Resolution\n{{\"resolves\":\"BUG-{n:04}\",\"status\":\"fixed\",\"note\":\"guarded\"}}\n\nPeer: codex\nBug-Resolves: BUG-{n:04}\n"
        )
    } else {
        format!(
            "work {i}\n\n## Self-Review\nChecked it.\n\nPeer: claude\nPeer-Status: handoff\nSelf-Review: pass\n"
        )
    }
}

fn build_history(dir: &std::path::Path) {
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(Stdio::null())
            .status()
            .expect("git");
        assert!(status.success());
    };
    git(&["init", "-q", "-b", "main"]);
    let mut import = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    let mut stream = String::new();
    for i in 0..COMMITS {
        let msg = message(i);
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Bench <b@example.invalid> {} +0000\ndata {}\n{msg}\n",
            1_700_000_000 + i,
            msg.len()
        ));
        if i == 0 {
            stream.push_str("M 644 inline a.txt\ndata 2\na\n\n");
        }
    }
    import
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("write");
    assert!(import.wait().expect("wait").success());
    git(&["reset", "-q", "--hard", "main"]);
}

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    let temp = tempfile::tempdir().expect("tempdir");
    build_history(temp.path());
    let git = peers_git::Git::discover(temp.path()).expect("git");
    let attest = Attestations::default();
    let builds: Vec<Duration> = (0..7)
        .map(|_| {
            let started = Instant::now();
            let view = LedgerView::build(&git, &attest).expect("build");
            assert_eq!(view.ledger.bugs().len(), REPORTS);
            started.elapsed()
        })
        .collect();
    let full = median(builds);
    println!(
        "ledger full build, {COMMITS} commits / {REPORTS} reports / {RESOLUTIONS} resolutions: median {full:.1} ms (goal ≤ 120 ms: {})",
        if full <= 120.0 { "ok" } else { "OVER" }
    );
    let mut view = LedgerView::build(&git, &attest).expect("build");
    let tick_commits = git.recent_commits("HEAD", 3).expect("commits");
    let updates: Vec<Duration> = (0..50)
        .map(|_| {
            let started = Instant::now();
            view.apply(&tick_commits, &attest);
            let _ = peers_gate::builtin::bug_hunt_verdict(&view.ledger);
            started.elapsed()
        })
        .collect();
    let update = median(updates);
    println!(
        "ledger per-tick update (3 commits + the bug-hunt verdict): median {update:.2} ms (goal ≤ 5 ms: {})",
        if update <= 5.0 { "ok" } else { "OVER" }
    );
}
