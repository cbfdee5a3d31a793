//! The code map from syntax trees, whole process: `peers survey --codemap-only` (git ls-files,
//! safe reads, parallel tree-sitter parses, both renders, atomic writes) on a clone of this
//! repository (goal ≤ 0.3 s) and on a generated 130,000-line Python tree (goal ≤ 1 s; the
//! original tool needs 91 s). A new process per sample; the page cache is warm after the
//! first. Prints the median, p10 and p90 of the wall time, and the median CPU time of the
//! process and its children (user + system, from /proc/self/stat at 100 ticks/s), which shows
//! what a busy machine does to the wall time. Run with `scripts/bench` or
//! `cargo bench -p peers-cli --bench codemap`; PEERS_BENCH_RUNS sets the sample count (10).
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use common::{command, ok};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");
/// Lines of the generated Python tree.
const PYTHON_LINES: usize = 130_000;

/// CPU time of the waited-for children so far (`cutime + cstime` of /proc/self/stat).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(13).copied().unwrap_or(0) + fields.get(14).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn report(name: &str, samples: Vec<(Duration, Duration)>, goal_ms: f64) {
    let mut cpu: Vec<Duration> = samples.iter().map(|(_, cpu)| *cpu).collect();
    cpu.sort();
    let cpu_median = cpu[cpu.len() / 2].as_secs_f64() * 1000.0;
    let mut samples: Vec<Duration> = samples.into_iter().map(|(wall, _)| wall).collect();
    samples.sort();
    let pick =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    let median = pick(0.5);
    let verdict = if median <= goal_ms { "ok" } else { "OVER" };
    println!(
        "{name:<40} median {median:8.1} ms   p10 {:8.1}   p90 {:8.1}   CPU {cpu_median:6.0} ms   (n={}, goal ≤ {goal_ms} ms: {verdict})",
        pick(0.1),
        pick(0.9),
        samples.len()
    );
}

fn time_survey(repo: &Path, home: &Path, runs: usize) -> Vec<(Duration, Duration)> {
    (0..runs)
        .map(|_| {
            let mut cmd = command(PEERS, repo, home);
            cmd.args(["survey", "--codemap-only"]);
            let cpu_before = children_cpu();
            let started = Instant::now();
            let status = cmd.status().expect("spawn peers");
            let elapsed = started.elapsed();
            assert!(status.success(), "peers survey failed: {status}");
            (elapsed, children_cpu().saturating_sub(cpu_before))
        })
        .collect()
}

fn commit_and_init(repo: &Path, home: &Path) {
    for args in [&["add", "-A"][..], &["commit", "-q", "-m", "corpus"]] {
        let mut git = command("git", repo, home);
        git.args(args);
        ok(git);
    }
    let mut init = command(PEERS, repo, home);
    init.arg("init");
    ok(init);
}

/// A deterministic Python package: modules with docstrings, imports, decorated classes with
/// methods over several lines, nested classes, module functions and private helpers, in the
/// proportions of a standard library module.
fn python_tree(root: &Path) -> (usize, usize) {
    let mut seed: u64 = 0x5eed_c0de;
    let mut next = |below: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % below
    };
    let (mut files, mut lines) = (0, 0);
    while lines < PYTHON_LINES {
        let package = format!("lib/pkg{}", files / 40);
        std::fs::create_dir_all(root.join(&package)).expect("mkdir");
        let mut text = format!(
            "\"\"\"Module {files}: generated corpus for the code map benchmark.\n\nIt reads like library code.\n\"\"\"\n\nimport os\nimport sys\nfrom typing import Any, Optional\n\nDEFAULT_{files} = {}\n\n",
            next(1000)
        );
        for class in 0..(3 + next(4)) {
            let _ = write!(
                text,
                "\n@dataclass\nclass Widget{files}x{class}(Base):\n    \"\"\"A widget.\"\"\"\n\n    limit = {}\n\n",
                next(100)
            );
            for method in 0..(4 + next(6)) {
                let _ = write!(
                    text,
                    "    def method_{method}(\n        self,\n        value: Optional[int] = None,\n        *args: Any,\n        **kwargs: Any,\n    ) -> int:\n        \"\"\"Compute.\"\"\"\n        total = 0\n        for item in range({}):\n            if item % 3 == 0:\n                total += item\n            else:\n                total -= 1\n        return total + (value or 0)\n\n",
                    next(50)
                );
            }
            text.push_str(
                "    class Meta:\n        ordering = ['id']\n\n        def describe(self):\n            return 'meta'\n\n",
            );
        }
        for function in 0..(4 + next(5)) {
            let private = if function % 3 == 0 { "_" } else { "" };
            let _ = write!(
                text,
                "\ndef {private}helper_{function}(path, *, strict=False):\n    if not path:\n        raise ValueError('empty')\n    with open(path) as handle:\n        data = handle.read()\n    return [line.strip() for line in data.splitlines() if line]\n\n"
            );
        }
        lines += text.lines().count();
        std::fs::write(root.join(format!("{package}/module_{files}.py")), text).expect("write");
        files += 1;
    }
    (files, lines)
}

fn main() {
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let runs = std::env::var("PEERS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10usize);

    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let own = temp.path().join("own");
    let mut clone = command("git", temp.path(), &home);
    clone
        .args(["clone", "-q", "--no-hardlinks"])
        .arg(&workspace)
        .arg(&own);
    ok(clone);
    let mut init = command(PEERS, &own, &home);
    init.arg("init");
    ok(init);
    report(
        "codemap: this repository",
        time_survey(&own, &home, runs),
        300.0,
    );

    let corpus = temp.path().join("python");
    std::fs::create_dir_all(&corpus).expect("corpus");
    let mut git_init = command("git", &corpus, &home);
    git_init.args(["init", "-q", "-b", "main"]);
    ok(git_init);
    let (files, lines) = python_tree(&corpus);
    commit_and_init(&corpus, &home);
    report(
        &format!("codemap: Python, {lines} lines, {files} files"),
        time_survey(&corpus, &home, runs),
        1000.0,
    );
}
