//! One real tick per CLI: the CLI writes a file with its own file tool and commits a proper
//! handoff with its own shell tool; runs.jsonl records exactly the tokens and cost the server
//! scripted. `peers` runs with an open stdin pipe, so a CLI that waited on stdin would hang.

use peers_model_server::{Script, ScriptStep, TokenUsage};

use super::agent_cli::Cli;
use super::isolation::{Clis, isolated};
use super::rig::{Peer, REAL_KEY, Rig, commit_command, handoff_message, honest_sim};

fn handoff_tick(clis: &Clis, cli: Cli) {
    handoff_tick_in(&Rig::new(clis, Script::default()), cli);
}

/// The same tick with the CLI confined in the native sandbox: it reaches the server only
/// through the sandbox's model proxy with a dummy key; the server sees the host's real key.
fn confined_handoff_tick(clis: &Clis, cli: Cli) {
    if !crate::cli::sandbox::available() {
        return;
    }
    let rig = Rig::confined(clis, Script::default());
    let repo = handoff_tick_in(&rig, cli);
    let requests = rig.server.agent_requests(cli.api());
    let key = |request: &peers_model_server::RecordedRequest| {
        ["x-api-key", "authorization", "x-goog-api-key"]
            .iter()
            .find_map(|name| request.header(name).map(str::to_owned))
    };
    assert!(
        requests
            .iter()
            .all(|request| key(request).is_some_and(|value| value.ends_with(REAL_KEY))),
        "every request carried the host's key, added by the proxy: {:?}",
        requests.iter().map(key).collect::<Vec<_>>()
    );
    let log = std::fs::read_to_string(repo.join(".peers/log/sandbox.jsonl")).unwrap_or_default();
    assert!(log.contains("\"decision\":\"allowed\""), "{log}");
    assert!(!log.contains(REAL_KEY));
}

fn handoff_tick_in(rig: &Rig, cli: Cli) -> std::path::PathBuf {
    let name = cli.name();
    let repo = rig.project(
        "app",
        &[
            Peer::Real { name, cli },
            Peer::Sim {
                name: "sim",
                script: honest_sim(),
            },
        ],
        "",
    );
    let hello = repo.join("hello.txt");
    let content = format!("hello from {name}\n");
    rig.server.reset(Script::steps(vec![
        ScriptStep::WriteFile {
            path: hello.display().to_string(),
            content: content.clone(),
        },
        ScriptStep::Shell {
            command: commit_command("hello.txt", &handoff_message(name)),
        },
    ]));

    let (out, _) = rig.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let ticks = rig.env.ticks(&repo);
    assert_eq!(ticks.len(), 1, "{ticks:#?}\n{}", out.combined());
    let tick = &ticks[0];
    assert_eq!(tick["peer"], name);
    assert_eq!(tick["classification"], "success", "{tick:#}");
    assert_eq!(tick["success"], true, "{tick:#}");

    assert_eq!(std::fs::read_to_string(&hello).expect("hello.txt"), content);
    let message = rig.env.git(&repo, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains(&format!("Peer: {name}\nPeer-Status: handoff")),
        "{message}"
    );
    assert_eq!(
        tick["commits"].as_array().map(Vec::len),
        Some(1),
        "{tick:#}"
    );
    let tracked = rig
        .env
        .git(&repo, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(tracked.trim(), "hello.txt");

    // write, shell, final answer: three agent requests, each reporting the scripted usage.
    let requests = rig.server.agent_requests(cli.api());
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let prompt = &requests[0].exchange.as_ref().expect("exchange").prompt;
    assert!(
        prompt.contains(name),
        "the peer got peers' prompt: {prompt}"
    );
    let (tokens, usd) = cli.expected_spend(&TokenUsage::default(), 3);
    assert_eq!(tick["tokens_this_tick"], tokens, "{tick:#}");
    let recorded = tick["usd_this_tick"].as_f64().expect("a known cost");
    assert!(
        (recorded - usd).abs() < 1e-12,
        "usd_this_tick {recorded} != scripted {usd}"
    );
    assert_eq!(tick["usd_unknown"], false);
    repo
}

#[test]
fn codex_writes_a_file_and_commits_a_handoff_in_a_real_tick() {
    isolated(
        concat!(
            module_path!(),
            "::codex_writes_a_file_and_commits_a_handoff_in_a_real_tick"
        ),
        |clis| handoff_tick(clis, Cli::Codex),
    );
}

#[test]
fn claude_writes_a_file_and_commits_a_handoff_in_a_real_tick() {
    isolated(
        concat!(
            module_path!(),
            "::claude_writes_a_file_and_commits_a_handoff_in_a_real_tick"
        ),
        |clis| handoff_tick(clis, Cli::Claude),
    );
}

#[test]
fn opencode_writes_a_file_and_commits_a_handoff_in_a_real_tick() {
    isolated(
        concat!(
            module_path!(),
            "::opencode_writes_a_file_and_commits_a_handoff_in_a_real_tick"
        ),
        |clis| handoff_tick(clis, Cli::Opencode),
    );
}

#[test]
fn gemini_writes_a_file_and_commits_a_handoff_in_a_real_tick() {
    isolated(
        concat!(
            module_path!(),
            "::gemini_writes_a_file_and_commits_a_handoff_in_a_real_tick"
        ),
        |clis| handoff_tick(clis, Cli::Gemini),
    );
}

#[test]
fn claude_completes_a_tick_confined_in_the_native_sandbox() {
    isolated(
        concat!(
            module_path!(),
            "::claude_completes_a_tick_confined_in_the_native_sandbox"
        ),
        |clis| confined_handoff_tick(clis, Cli::Claude),
    );
}

#[test]
fn codex_completes_a_tick_confined_in_the_native_sandbox() {
    isolated(
        concat!(
            module_path!(),
            "::codex_completes_a_tick_confined_in_the_native_sandbox"
        ),
        |clis| confined_handoff_tick(clis, Cli::Codex),
    );
}

#[test]
fn opencode_completes_a_tick_confined_in_the_native_sandbox() {
    isolated(
        concat!(
            module_path!(),
            "::opencode_completes_a_tick_confined_in_the_native_sandbox"
        ),
        |clis| confined_handoff_tick(clis, Cli::Opencode),
    );
}

#[test]
fn gemini_completes_a_tick_confined_in_the_native_sandbox() {
    isolated(
        concat!(
            module_path!(),
            "::gemini_completes_a_tick_confined_in_the_native_sandbox"
        ),
        |clis| confined_handoff_tick(clis, Cli::Gemini),
    );
}

/// The control for the open-stdin pipe above: codex itself, given an open stdin, is still
/// waiting long after its work is done, and finishes only when stdin closes. peers never
/// hands its stdin down, so the ticks above finish.
#[test]
fn codex_run_directly_waits_on_an_open_stdin_until_it_closes() {
    isolated(
        concat!(
            module_path!(),
            "::codex_run_directly_waits_on_an_open_stdin_until_it_closes"
        ),
        |clis| {
            let rig = Rig::new(clis, Script::default());
            let repo = rig.env.repo("direct", true);
            let args = ["exec", "--json", "--skip-git-repo-check", "say hello"];
            let mut child = rig
                .command("codex", &repo, &args)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn codex");
            // A codex run against the server takes about a second.
            std::thread::sleep(std::time::Duration::from_secs(5));
            assert!(
                child.try_wait().expect("wait").is_none(),
                "codex exited although its stdin was still open"
            );
            assert!(rig.server.requests().is_empty(), "it had not even started");
            drop(child.stdin.take());
            let output = child.wait_with_output().expect("codex output");
            assert!(output.status.success(), "{output:?}");
            assert!(String::from_utf8_lossy(&output.stdout).contains("MOCK_FINAL: done."));
        },
    );
}
