//! `peers run --sandbox native`: every turn goes through the native sandbox — honest work
//! completes, and what the sandbox forbids (peers' own files, anything outside the repository)
//! is refused inside the turn rather than detected and undone afterwards; what a turn leaves
//! running is named and fails the tick on both backends, and a prompt given on stdin reaches
//! the peer on both.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn honest(file: &str) -> serde_json::Value {
    json!({"turns": [[{"append_file": {"path": file, "content": "work\n"}}, {"git_commit": {"message": HANDOFF}}]]})
}

#[test]
fn honest_turns_complete_confined_and_the_header_says_so() {
    if !super::available() {
        return;
    }
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
    let out = env.peers(
        &repo,
        &["run", "--max-ticks", "2", "--sandbox", "native", "--json"],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stderr.contains("sandbox: native"), "{}", out.stderr);
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["sandbox"], "native");
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 2);
    assert!(ticks.iter().all(|t| t["success"] == true), "{ticks:?}");
    assert!(repo.join("a.txt").exists() && repo.join("b.txt").exists());
}

#[test]
fn a_confined_turn_cannot_write_peers_files_or_outside_the_repository() {
    if !super::available() {
        return;
    }
    let env = TestEnv::new();
    let outside = env.root().join("outside.txt");
    let forger = json!({"turns": [[
        {"write_file": {"path": outside.display().to_string(), "content": "escaped\n"}},
        {"write_file": {"path": ".peers/state.json", "content": "{\"schema_version\": 2, \"iteration\": 999}"}},
        {"append_file": {"path": "a.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", forger), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let before = std::fs::read(repo.join(".peers/state.json")).unwrap();
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "native"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.combined());
    assert!(
        !outside.exists(),
        "a file outside the repository was written"
    );
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false, "{tick}");
    let integrity = tick["integrity"].to_string();
    assert!(
        !integrity.contains("state.json was modified"),
        "the write never happened: {integrity}"
    );
    assert_ne!(
        std::fs::read(repo.join(".peers/state.json")).unwrap(),
        before,
        "peers itself still saves its state"
    );
    assert_eq!(env.state(&repo)["iteration"], 1);
}

#[test]
fn without_the_flag_runs_are_confined_and_none_must_be_asked_for() {
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
    if super::available() {
        let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
        assert_eq!(out.code, 0, "{}", out.combined());
        assert!(out.stderr.contains("sandbox: native"), "{}", out.stderr);
        let report = env.peers(&repo, &["report", "--print"]);
        assert!(
            report.stdout.contains("## Sandbox") && report.stdout.contains("last run: native"),
            "{}",
            report.stdout
        );
        let info = env.peers(&repo, &["info"]);
        assert!(
            info.stdout.contains("sandbox: native by default"),
            "{}",
            info.stdout
        );
    }
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "none"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stderr
            .contains("sandbox: none (agents run on the host as you, unconfined"),
        "{}",
        out.stderr
    );
    let report = env.peers(&repo, &["report", "--print"]);
    assert!(
        report.stdout.contains("last run: **none**"),
        "{}",
        report.stdout
    );
    let bad = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "chroot"]);
    assert_eq!(bad.code, 2, "{}", bad.combined());
    assert!(
        bad.stderr.contains("native") && bad.stderr.contains("none"),
        "{}",
        bad.stderr
    );
}

#[test]
fn honest_turns_complete_in_podman_containers_with_the_container_alias() {
    if !super::podman::available() {
        return;
    }
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
    let out = env.peers(&repo, &["run", "--max-ticks", "2", "--container", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stderr.contains("sandbox: podman"), "{}", out.stderr);
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["sandbox"], "podman");
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 2);
    assert!(ticks.iter().all(|t| t["success"] == true), "{ticks:?}");
    assert!(repo.join("a.txt").exists() && repo.join("b.txt").exists());
    let both = env.peers(&repo, &["run", "--container", "--sandbox", "none"]);
    assert_eq!(
        both.code,
        2,
        "--container conflicts with --sandbox: {}",
        both.combined()
    );
}

#[test]
fn review_rounds_run_confined_on_every_backend() {
    let choices: Vec<&str> = super::backends()
        .into_iter()
        .map(|backend| match backend {
            super::Backend::Native => "native",
            super::Backend::Podman => "podman",
        })
        .collect();
    for choice in choices {
        let env = TestEnv::new();
        let repo = crate::cli::launch_log::review_project(&env);
        let out = env.peers(
            &repo,
            &[
                "review",
                "--commit",
                "HEAD",
                "--max-rounds",
                "2",
                "--json",
                "--sandbox",
                choice,
            ],
        );
        let verdict: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|_| panic!("{choice}: {}", out.combined()));
        assert_eq!(verdict["rounds"], 2, "{choice}: {verdict:#}");
    }
}

/// The egress record of the reviewers' CONNECT to `localhost:443`, from the project's log.
fn reviewers_egress(repo: &std::path::Path, output: &str) -> serde_json::Value {
    let log = std::fs::read_to_string(repo.join(".peers/log/sandbox.jsonl")).unwrap_or_default();
    log.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["request"]["proxy"] == "egress")
        .unwrap_or_else(|| panic!("no egress record in {log:?}; peers said:\n{output}"))
}

#[test]
fn review_rounds_use_the_projects_egress_allow_list() {
    if !super::available() {
        return;
    }
    // `localhost` resolves from /etc/hosts to a loopback address, which the egress proxy never
    // connects to: listed, it passes the allow-list and is refused for its address; unlisted,
    // it is refused by the allow-list. No packet leaves the machine either way.
    for (allow, reason) in [
        (
            "sandbox:\n  allow_hosts: [localhost]\n",
            "not a public address",
        ),
        ("", "not in sandbox.allow_hosts"),
    ] {
        let env = TestEnv::new();
        let repo = crate::cli::launch_log::review_project(&env);
        let reviewer = env.root().join("probing-reviewer.sh");
        // Probes the egress proxy (`--noproxy ''`: NO_PROXY names localhost), then answers the
        // blind pass with no findings.
        std::fs::write(
            &reviewer,
            "#!/bin/sh\ncurl --noproxy '' -s -o /dev/null -m 5 -x \"$HTTPS_PROXY\" https://localhost/\nprintf '```findings\\n```\\n'\n",
        )
        .unwrap();
        let script = reviewer.display();
        std::fs::write(
            repo.join(".peers/config.yaml"),
            format!(
                "peers:\n  - {{name: alice, tool: generic, argv: ['/bin/sh', '{script}', '{{PROMPT}}']}}\n  - {{name: bob, tool: generic, argv: ['/bin/sh', '{script}', '{{PROMPT}}']}}\n{allow}"
            ),
        )
        .unwrap();
        let out = env.peers(
            &repo,
            &[
                "review",
                "--commit",
                "HEAD",
                "--max-rounds",
                "1",
                "--json",
                "--sandbox",
                "native",
            ],
        );
        let verdict: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|_| panic!("{allow:?}: {}", out.combined()));
        assert_eq!(verdict["rounds"], 1, "{verdict:#}");
        let egress = reviewers_egress(&repo, &out.combined());
        assert_eq!(egress["request"]["host"], "localhost", "{egress:#}");
        let said = egress["request"]["reason"].as_str().unwrap_or_default();
        assert!(said.contains(reason), "{allow:?}: {egress:#}");
    }
}

#[test]
fn a_confined_turn_that_leaves_a_process_running_fails_and_the_process_is_named() {
    for backend in super::backends() {
        eprintln!("== backend: {backend:?}");
        let choice = match backend {
            super::Backend::Native => "native",
            super::Backend::Podman => "podman",
        };
        let env = TestEnv::new();
        let leaky = json!({"turns": [[
            {"spawn_background": {"command": "exec sleep 2936.5"}},
            {"sleep": {"ms": 300}},
            {"append_file": {"path": "a.txt", "content": "x\n"}},
            {"git_commit": {"message": HANDOFF}}
        ]]});
        let repo = env.sim_project(
            "app",
            &[("alice", "sim", leaky), ("bob", "sim", honest("b.txt"))],
            SIMPLE_GOALS,
            "",
        );
        let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", choice]);
        assert_eq!(out.code, 0, "{choice}: {}", out.combined());
        let tick = &env.ticks(&repo)[0];
        assert_eq!(tick["success"], false, "{choice}: {tick}");
        assert!(
            tick["integrity"].to_string().contains("sleep 2936.5"),
            "{choice}: the leftover is named: {tick}"
        );
        assert!(
            super::sleepers("2936.5").is_empty(),
            "{choice}: the leftover was killed"
        );
    }
}

#[test]
fn a_peer_reading_its_prompt_on_stdin_gets_it_on_every_backend() {
    for backend in super::backends() {
        eprintln!("== backend: {backend:?}");
        let choice = match backend {
            super::Backend::Native => "native",
            super::Backend::Podman => "podman",
        };
        let env = TestEnv::new();
        let repo = env.sim_project("app", &[("bob", "sim", honest("b.txt"))], SIMPLE_GOALS, "");
        // `cat` ends only at EOF: a prompt that never arrives, or a stdin left open, leaves
        // the file empty or the turn hanging until its timeout.
        let script = "cat > prompt-seen.txt; git add prompt-seen.txt; git commit -q -m \"$(printf 'Work by alice\\n\\n## Self-Review\\nRe-read the diff and ran the checks myself; nothing left out.\\n\\nPeer: alice\\nPeer-Status: handoff\\nSelf-Review: pass')\"";
        let config_path = repo.join(".peers/config.yaml");
        let config = std::fs::read_to_string(&config_path).unwrap().replace(
            "peers:\n",
            &format!(
                "peers:\n  - name: alice\n    tool: generic\n    argv: ['sh', '-c', {script:?}]\n    prompt_mode: stdin\n"
            ),
        );
        std::fs::write(&config_path, config).unwrap();
        let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", choice]);
        assert_eq!(out.code, 0, "{choice}: {}", out.combined());
        let tick = &env.ticks(&repo)[0];
        assert_eq!(tick["peer"], "alice", "{choice}: {tick}");
        assert_eq!(tick["success"], true, "{choice}: {tick}");
        let prompt = std::fs::read_to_string(repo.join("prompt-seen.txt")).unwrap();
        assert!(
            prompt.contains("You are peer 'alice'. Your counterpart is 'bob'."),
            "{choice}: the prompt arrived on stdin: {prompt:?}"
        );
    }
}
