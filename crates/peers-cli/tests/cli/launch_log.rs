//! Every agent process goes through the one launch interface: with `PEERS_LAUNCH_LOG` set, the
//! binary's launcher records each launch, and the record holds exactly the loop turns, the
//! skeptic turn, each review round's calls and the preflight's `--version` probe.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::test_env::{HANDOFF, Output, SIMPLE_GOALS, TestEnv};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");

/// `peers args` in `dir` recording its launches in `log`, with `vars` on top.
fn peers_logged(env: &TestEnv, dir: &Path, log: &Path, args: &[&str]) -> Output {
    let out = env
        .base_command(PEERS)
        .current_dir(dir)
        .args(args)
        .env("PEERS_LAUNCH_LOG", log)
        .output()
        .expect("run peers");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// (kind, round, peer) of each recorded launch, in order.
fn launches(log: &Path) -> Vec<(String, Option<u64>, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("one JSON object per line");
            (
                record["kind"].as_str().unwrap().to_owned(),
                record["round"].as_u64(),
                record["peer"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn launch(kind: &str, round: Option<u64>, peer: &str) -> (String, Option<u64>, String) {
    (kind.to_owned(), round, peer.to_owned())
}

fn honest(file: &str) -> Value {
    json!({"turns": [[{"append_file": {"path": file, "content": "{peer} was here\n"}}, {"git_commit": {"message": HANDOFF}}]]})
}

#[test]
fn the_launcher_sees_each_loop_turn_and_the_skeptic_turn() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "goals:\n  convergence_n: 2\n",
    );
    let log = env.root().join("launches.jsonl");
    let out = peers_logged(&env, &repo, &log, &["run", "--max-ticks", "10"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.ticks(&repo).len(), 3);
    assert_eq!(
        launches(&log),
        [
            launch("loop turn", None, "alice"),
            launch("loop turn", None, "bob"),
            launch("skeptic turn", None, "alice"),
        ]
    );
}

#[test]
fn the_launcher_sees_the_version_probe_and_a_refusal_stops_it() {
    let env = TestEnv::new();
    let bin = env.root().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let codex = bin.join("codex");
    std::fs::write(&codex, "#!/bin/sh\necho 'codex-cli 0.0.1'\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&codex, std::fs::Permissions::from_mode(0o755)).unwrap();
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", honest("a.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    let config = config.replacen("peers:\n", "peers:\n  - {name: cx, tool: codex}\n", 1);
    std::fs::write(repo.join(".peers/config.yaml"), config).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let log = env.root().join("launches.jsonl");
    let out = env
        .base_command(PEERS)
        .current_dir(&repo)
        .args(["doctor", "--json"])
        .env("PATH", &path)
        .env("PEERS_LAUNCH_LOG", &log)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("codex-cli 0.0.1"), "{stdout}");
    assert_eq!(launches(&log), [launch("version probe", None, "cx")]);

    // An unwritable launch log refuses every launch: the probe does not run (fail closed).
    let blocked = env.root().join("no-such-dir/launches.jsonl");
    let out = env
        .base_command(PEERS)
        .current_dir(&repo)
        .args(["doctor", "--json"])
        .env("PATH", &path)
        .env("PEERS_LAUNCH_LOG", &blocked)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("codex-cli 0.0.1"), "{stdout}");
    assert!(stdout.contains("refused"), "{stdout}");
}

/// A repository whose two configured peers are the scripted reviewer of peers-review, with
/// its plan directory `.fake-plan/`.
pub fn review_project(env: &TestEnv) -> PathBuf {
    let repo = env.initialised_repo("reviewed");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../peers-review/tests/fixtures/fake-reviewer.sh");
    let script = script.display();
    std::fs::write(
        repo.join(".peers/config.yaml"),
        format!(
            "peers:\n  - {{name: alice, tool: generic, argv: ['{script}', '{{PROMPT}}']}}\n  - {{name: bob, tool: generic, argv: ['{script}', '{{PROMPT}}']}}\n"
        ),
    )
    .unwrap();
    let plan = repo.join(".fake-plan");
    std::fs::create_dir_all(&plan).unwrap();
    let finding = json!({"file": "a.txt:1", "severity": "low", "claim": "Typo in a.txt",
                         "evidence": "it says teh", "category": "maintainability"});
    for (file, text) in [
        ("alice.r1", format!("```findings\n{finding}\n```\n")),
        ("bob.r1", "```findings\n```\n".to_owned()),
        ("alice.r2", "```stances\n```\n".to_owned()),
        ("bob.r2", "```stances\n```\n".to_owned()),
    ] {
        std::fs::write(plan.join(file), text).unwrap();
    }
    repo
}

#[test]
fn the_launcher_sees_each_review_round() {
    let env = TestEnv::new();
    let repo = review_project(&env);
    let log = env.root().join("launches.jsonl");
    let out = peers_logged(
        &env,
        &repo,
        &log,
        &["review", "--commit", "HEAD", "--max-rounds", "2", "--json"],
    );
    let verdict: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.combined()));
    assert_eq!(verdict["rounds"], 2, "{verdict:#}");
    for reviewer in verdict["reviewers"].as_array().unwrap() {
        // A generic CLI reports no cost: unknown is null, never a made-up 0.0.
        assert!(reviewer["usd"].is_null(), "{reviewer:#}");
    }
    let mut seen = launches(&log);
    seen.sort();
    assert_eq!(
        seen,
        [
            launch("review round", Some(1), "alice"),
            launch("review round", Some(1), "bob"),
            launch("review round", Some(2), "alice"),
            launch("review round", Some(2), "bob"),
        ]
    );
}

#[test]
fn a_launcher_that_refuses_stops_the_run_before_the_peer_starts() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "",
    );
    let blocked = env.root().join("no-such-dir/launches.jsonl");
    let out = peers_logged(&env, &repo, &blocked, &["run", "--max-ticks", "1"]);
    assert_ne!(out.code, 0, "{}", out.combined());
    assert!(out.stderr.contains("refused"), "{}", out.stderr);
    assert!(
        out.stderr.contains("hint: unset PEERS_LAUNCH_LOG"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("cannot start loop turn").count(),
        1,
        "each cause once: {}",
        out.stderr
    );
    assert!(!repo.join("a.txt").exists(), "the peer never ran");
    assert_ne!(env.last_stop(&repo), "complete");
}
