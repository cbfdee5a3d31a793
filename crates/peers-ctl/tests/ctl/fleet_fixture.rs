//! A fixture fleet with a known history for the `serve` and `stats` tests and the serve
//! benchmark: `done` (a finished run with bugs filed, fixed, rejected, a reverted fix, a review
//! and five ticks whose analytics are computed by hand in `serve.rs`), `halted`, `crashed`, and
//! `running` (a live stand-in process, a tick in progress, and a way to advance its run).
#![allow(
    dead_code,
    reason = "shared by the tests and the benchmark, which use different parts"
)]
#![expect(
    clippy::expect_used,
    reason = "fixture setup: a failed step must stop the test"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

pub const PEERS: [(&str, &str); 2] = [("alice", "claude"), ("bob", "codex")];

pub fn git(repo: &Path, args: &[&str]) -> String {
    peers_testkit::git(repo, args)
}

fn commit(repo: &Path, file: &str, content: &str, message: &str) -> String {
    std::fs::write(repo.join(file), content).expect("write");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"]).trim().to_owned()
}

fn report(id: &str, severity: &str, peer: &str) -> String {
    format!(
        "{id}: something broke\n\n## Bug-Report\n{{\"id\":\"{id}\",\"severity\":\"{severity}\",\"title\":\"{id} title\",\"description\":\"breaks\"}}\n\nPeer: {peer}\nBug-Report: {id}\n"
    )
}

fn resolve(id: &str, status: &str, peer: &str) -> String {
    format!(
        "Resolve {id}\n\n## Bug-Resolution\n{{\"resolves\":\"{id}\",\"status\":\"{status}\",\"note\":\"n\"}}\n\nPeer: {peer}\nBug-Resolves: {id}\n"
    )
}

/// One tick record.
pub fn tick(
    iteration: u64,
    peer: &str,
    success: bool,
    tokens: u64,
    usd: Option<f64>,
    gates: &[(&str, &str)],
) -> Value {
    let tool = PEERS
        .iter()
        .find(|(p, _)| *p == peer)
        .map_or("sim", |(_, t)| t);
    let hard: serde_json::Map<String, Value> = gates
        .iter()
        .map(|(g, s)| ((*g).to_owned(), json!(s)))
        .collect();
    let mut record = json!({
        "v": 1, "event": "tick", "ts": format!("2026-01-01T00:{:02}:{:02}Z", iteration / 60, iteration % 60),
        "iteration": iteration, "peer": peer, "tool": tool,
        "classification": if success { "success" } else { "error" }, "exit_code": if success { 0 } else { 1 },
        "duration_ms": 1000 * iteration, "success": success, "tokens_this_tick": tokens,
        "usd_this_tick": usd, "usd_unknown": usd.is_none(), "commits": [],
        "stdout_tail": format!("output of tick {iteration}"), "stderr_tail": "",
        "warnings_emitted": [], "integrity": [], "bugs_filed": [], "bugs_resolved": [],
        "gates": {"hard": hard, "soft": {}},
    });
    // alice names her model; bob runs his CLI's default (records then have no `model`).
    if peer == "alice" {
        record["model"] = json!("claude-sonnet-4");
    }
    record
}

pub fn write_log(repo: &Path, records: &[Value]) {
    let dir = repo.join(".peers/log");
    std::fs::create_dir_all(&dir).expect("log dir");
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join("runs.jsonl"), text).expect("runs.jsonl");
}

pub fn append_log(repo: &Path, record: &Value) {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(repo.join(".peers/log/runs.jsonl"))
        .expect("open runs.jsonl");
    writeln!(file, "{record}").expect("append");
}

pub fn write_state(repo: &Path, iteration: u64, spent_usd: f64, gates: &[(&str, &str)]) {
    let goals: serde_json::Map<String, Value> = gates
        .iter()
        .map(|(g, s)| ((*g).to_owned(), json!({"state": s, "diagnostic": if *g == "bug-hunt-clean" { "bug-hunt: 1 blocking open (crit=0 high=1); 4 total reported" } else { "" }})))
        .collect();
    let state = json!({
        "schema_version": 2, "iteration": iteration, "peer_order": ["alice", "bob"],
        "peers": {"alice": {"state": "healthy"}, "bob": {"state": "healthy"}},
        "goals_status": goals,
        "budget": {"max_iterations": 20, "spent_usd": spent_usd, "max_usd": 5.0, "spent_tokens": 8000},
    });
    std::fs::create_dir_all(repo.join(".peers")).expect(".peers");
    std::fs::write(
        repo.join(".peers/state.json"),
        serde_json::to_vec(&state).expect("json"),
    )
    .expect("state");
}

fn init_repo(repo: &Path) {
    std::fs::create_dir_all(repo).expect("repo dir");
    git(repo, &["init", "-q", "-b", "main"]);
    commit(repo, "README.md", "# fixture\n", "initial");
    git(repo, &["tag", "peers-baseline"]);
}

/// The finished project: its history is the one `serve.rs` computes analytics for by hand.
pub fn done_project(repo: &Path) {
    init_repo(repo);
    commit(
        repo,
        "lib.rs",
        "pub fn parse(input: &str) -> usize {\n    input.len() // count\n}\n",
        "feat: parser\n\nPeer: alice\n",
    );
    commit(repo, "b1.txt", "1", &report("BUG-1", "high", "bob"));
    commit(repo, "b2.txt", "2", &report("BUG-2", "med", "bob"));
    commit(repo, "b3.txt", "3", &report("BUG-3", "low", "bob"));
    commit(repo, "f1.txt", "1", &resolve("BUG-1", "fixed", "alice"));
    commit(repo, "f2.txt", "2", &resolve("BUG-2", "invalid", "alice"));
    let fix3 = commit(repo, "f3.txt", "3", &resolve("BUG-3", "fixed", "alice"));
    commit(
        repo,
        "f3.txt",
        "reverted",
        &format!("Revert \"Resolve BUG-3\"\n\nThis reverts commit {fix3}.\n\nPeer: bob\n"),
    );
    commit(repo, "b4.txt", "4", &report("BUG-4", "low", "alice"));
    let gates = [("builds", "pass"), ("tests", "fail")];
    let green = [("builds", "pass"), ("tests", "pass")];
    let mut t2 = tick(2, "bob", true, 2000, Some(0.25), &green);
    t2["bugs_filed"] = json!(["BUG-1", "BUG-2", "BUG-3"]);
    t2["warnings_emitted"] = json!(["bob: handoff without a test"]);
    let mut t4 = tick(4, "alice", true, 1500, Some(0.40), &green);
    t4["bugs_resolved"] = json!(["BUG-1", "BUG-2", "BUG-3"]);
    t4["integrity"] = json!(["test-only diff reverted in tick 4"]);
    let mut t5 = tick(5, "bob", true, 3000, None, &green);
    t5["soft_reviews_seen"] = json!(1);
    t5["soft_reviews_ingested"] = json!(1);
    write_log(
        repo,
        &[
            tick(1, "alice", true, 1000, Some(0.50), &gates),
            t2,
            tick(3, "alice", false, 500, Some(0.10), &gates),
            t4,
            t5,
            json!({"v": 1, "event": "exit", "ts": "2026-01-01T00:00:06Z", "reason": "complete", "ticks_in_run": 5, "iteration": 5}),
        ],
    );
    write_state(
        repo,
        5,
        1.25,
        &[
            ("builds", "pass"),
            ("tests", "pass"),
            ("bug-hunt-clean", "fail"),
        ],
    );
    std::fs::write(
        repo.join(".peers/last-stop-reason.txt"),
        "complete 2026-01-01T00:00:06Z\n",
    )
    .expect("stop");
    let review = repo.join(".peers/reviews/2026-01-01T00-00-07Z");
    std::fs::create_dir_all(&review).expect("review dir");
    let verdict = json!({"scope": "peers-baseline..HEAD", "reviewed": true, "converged": true, "issues_total": 4,
        "critical": [], "important": [{"sources": ["bob"]}], "minor": [{"sources": ["alice", "bob"]}],
        "contested": [], "dismissed": [{"sources": ["alice"]}]});
    std::fs::write(review.join("verdict.json"), verdict.to_string()).expect("verdict");
    std::fs::write(review.join("verdict.md"), "# Review verdict\nconverged\n").expect("verdict.md");
}

/// A project whose run halted: every peer unavailable.
pub fn halted_project(repo: &Path) {
    init_repo(repo);
    let gates = [("builds", "fail")];
    write_log(
        repo,
        &[
            tick(1, "alice", false, 100, Some(0.01), &gates),
            tick(2, "bob", false, 100, Some(0.02), &gates),
        ],
    );
    write_state(repo, 2, 0.03, &gates);
    std::fs::write(
        repo.join(".peers/HALTED.md"),
        "# Halted\nno peer can take a turn\n",
    )
    .expect("halted");
    std::fs::write(
        repo.join(".peers/last-stop-reason.txt"),
        "peer-unavailable:all 2026-01-01T00:00:03Z\n",
    )
    .expect("stop");
}

/// A project whose run crashed after three ticks.
pub fn crashed_project(repo: &Path) {
    init_repo(repo);
    let gates = [("builds", "pass")];
    write_log(
        repo,
        &[
            tick(1, "alice", true, 10, Some(0.01), &gates),
            tick(2, "bob", true, 10, Some(0.01), &gates),
            tick(3, "alice", true, 10, Some(0.01), &gates),
        ],
    );
    write_state(repo, 3, 0.03, &gates);
}

/// A running project: two ticks and a tick in progress.
pub fn running_project(repo: &Path) {
    init_repo(repo);
    let gates = [("builds", "pass"), ("tests", "fail")];
    write_log(
        repo,
        &[
            tick(1, "alice", true, 100, Some(0.10), &gates),
            tick(2, "bob", true, 100, Some(0.10), &gates),
        ],
    );
    write_state(repo, 2, 0.20, &gates);
    std::fs::write(repo.join(".peers/live.json"), json!({"v": 1, "pid": 1, "iteration": 3, "peer": "alice", "skeptic": false, "phase": "agent", "started_at": "2026-01-01T00:00:03Z", "started_unix_ms": 0, "updated_at": "2026-01-01T00:00:04Z", "last_line": "compiling the parser now", "recent": ["reading the grammar \u{1b}[2J<b>", "compiling the parser now"], "tokens": 42, "usd": 0.01}).to_string()).expect("live");
}

/// The running project's next tick lands.
pub fn advance(repo: &Path, iteration: u64) {
    append_log(
        repo,
        &tick(
            iteration,
            if iteration % 2 == 1 { "alice" } else { "bob" },
            true,
            100,
            Some(0.10),
            &[("builds", "pass"), ("tests", "pass")],
        ),
    );
    write_state(
        repo,
        iteration,
        0.10 * iteration as f64,
        &[("builds", "pass"), ("tests", "pass")],
    );
}

/// A process that stands in for a running `peers run`, with its registry identity.
pub fn stand_in(log: &Path) -> (Child, Value) {
    let child = Command::new("sleep")
        .arg("600")
        .stdin(Stdio::null())
        .spawn()
        .expect("sleep");
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).expect("stat");
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let start_ticks: u64 = after
        .split(' ')
        .nth(19)
        .expect("field 22")
        .parse()
        .expect("ticks");
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").expect("boot id");
    let run = json!({"pid": child.id(), "start_ticks": start_ticks, "boot_id": boot.trim(),
        "started_at": "2026-01-01T00:00:00Z", "log": log});
    (child, run)
}

/// Writes the four projects under `root` and the registry in `config`; returns the running
/// stand-in (kill it at the end) and the project paths by name.
pub fn fleet(root: &Path, config: &Path) -> (Child, Vec<(String, PathBuf)>) {
    let projects: Vec<(String, PathBuf)> = ["done", "halted", "crashed", "running"]
        .iter()
        .map(|name| ((*name).to_owned(), root.join(name)))
        .collect();
    done_project(&projects[0].1);
    halted_project(&projects[1].1);
    crashed_project(&projects[2].1);
    running_project(&projects[3].1);
    let (child, run) = stand_in(&config.join("logs/running.log"));
    let entry = |name: &str, path: &Path, state: &str| json!({"name": name, "path": path, "added_at": "2026-01-01T00:00:00Z", "state": state});
    let mut running = entry("running", &projects[3].1, "running");
    running["run"] = run;
    let mut crashed = entry("crashed", &projects[2].1, "crashed");
    crashed["note"] = json!("peers run ended without recording why");
    let registry = json!({"version": 1, "projects": [
        entry("done", &projects[0].1, "stopped"),
        entry("halted", &projects[1].1, "stopped"),
        crashed,
        running,
    ]});
    std::fs::create_dir_all(config).expect("config dir");
    std::fs::write(
        config.join("registry.json"),
        serde_json::to_vec_pretty(&registry).expect("json"),
    )
    .expect("registry");
    (child, projects)
}
