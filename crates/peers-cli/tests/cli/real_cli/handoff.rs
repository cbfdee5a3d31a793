//! One real tick per CLI: the CLI writes a file with its own file tool and commits a proper
//! handoff with its own shell tool; runs.jsonl records exactly the tokens and cost the server
//! scripted. `peers` runs with an open stdin pipe, so a CLI that waited on stdin would hang.
//! The same tick runs confined in each sandbox backend (native, podman), where a grep by the
//! CLI's own shell tool finds the host's key nowhere inside.

use peers_model_server::{Script, ScriptStep, TokenUsage};

use super::agent_cli::Cli;
use super::isolation::{Clis, isolated};
use super::rig::{Peer, REAL_KEY, Rig, commit_command, handoff_message, honest_sim};
use crate::cli::sandbox::Backend;

fn handoff_tick(clis: &Clis, cli: Cli) {
    handoff_tick_in(&Rig::new(clis, Script::default()), cli, "");
}

/// Where the key grep leaves what it found: in the git directory, never committed.
const KEY_GREP: &str = ".git/peers-key-grep.txt";

/// Shell run by the CLI's own shell tool inside the sandbox, just before it commits: greps the
/// environment and command line of every process there, HOME, /tmp, the repository and the
/// CLIs' config and temp directories for [`REAL_KEY`], writing each hit to [`KEY_GREP`]. The
/// key is assembled at run time from two halves, so no command line or script holds it; the
/// `control` line proves the grep finds it where it is; `-D skip` passes over devices,
/// FIFOs and sockets, which would block it. Then lists what of peers' own (hand-over sockets,
/// seccomp profiles, the podman root and containers.conf) shows in the CLIs' TMPDIR and
/// XDG_CACHE_HOME, which the rig gives peers too: nothing may.
fn key_grep() -> String {
    let (head, tail) = REAL_KEY.split_at(8);
    let places = "/proc/[0-9]*/environ /proc/[0-9]*/cmdline \"$HOME\" /tmp . $TMPDIR $CODEX_HOME \
                  $CLAUDE_CONFIG_DIR $GEMINI_CLI_HOME $XDG_CONFIG_HOME $XDG_DATA_HOME \
                  $XDG_CACHE_HOME $XDG_STATE_HOME";
    // No `$(…)`: gemini refuses command substitution in its shell tool.
    format!(
        "printf '%s%s' '{head}' '{tail}' > /tmp/peers-key-pattern; {{ \
         grep -lsF -f /tmp/peers-key-pattern /tmp/peers-key-pattern | sed 's/^/control: /'; \
         timeout 8 grep -rlsF -D skip -f /tmp/peers-key-pattern {places} > /tmp/peers-key-grep; \
         echo \"grep-exit: $?\"; \
         grep -v -e peers-key-pattern -e peers-key-grep /tmp/peers-key-grep | sed 's/^/seen: /'; \
         ls -a $TMPDIR $XDG_CACHE_HOME 2>/dev/null | grep '^peers' | sed 's/^/private: /'; \
         }} > {KEY_GREP}\n"
    )
}

/// The same tick with the CLI confined in `backend`: it reaches the server only through the
/// sandbox's model proxy with a dummy key; the server sees the host's real key, and a grep run
/// by the CLI inside finds the real key nowhere there.
fn confined_handoff_tick(clis: &Clis, cli: Cli, backend: Backend) {
    let rig = Rig::confined(clis, Script::default(), backend);
    let repo = handoff_tick_in(&rig, cli, &key_grep());
    let grep = std::fs::read_to_string(repo.join(KEY_GREP))
        .unwrap_or_else(|err| panic!("the key grep left no {KEY_GREP}: {err}"));
    assert!(
        grep.contains("control: /tmp/peers-key-pattern"),
        "the grep finds the key where it is: {grep}"
    );
    assert!(
        !grep.contains("grep-exit: 124"),
        "the grep did not finish: {grep}"
    );
    assert!(!grep.contains("seen:"), "the real key is inside: {grep}");
    assert!(
        !grep.contains("private:"),
        "peers' own runtime or cache files are inside: {grep}"
    );
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

/// The test `path` running [`confined_handoff_tick`]: skipped, with the reason, where
/// `backend` does not run (checked before the re-run in the network namespace too, so the
/// reason shows in this test's own output).
fn confined_test(path: &str, cli: Cli, backend: Backend) {
    if backend.available() {
        isolated(path, |clis| confined_handoff_tick(clis, cli, backend));
    }
}

/// One tick of `cli`: it writes hello.txt, then runs `before_commit` and commits in one
/// shell call.
fn handoff_tick_in(rig: &Rig, cli: Cli, before_commit: &str) -> std::path::PathBuf {
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
            command: format!(
                "{before_commit}{}",
                commit_command("hello.txt", &handoff_message(name))
            ),
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
    confined_test(
        concat!(
            module_path!(),
            "::claude_completes_a_tick_confined_in_the_native_sandbox"
        ),
        Cli::Claude,
        Backend::Native,
    );
}

#[test]
fn claude_completes_a_tick_confined_in_the_podman_sandbox() {
    confined_test(
        concat!(
            module_path!(),
            "::claude_completes_a_tick_confined_in_the_podman_sandbox"
        ),
        Cli::Claude,
        Backend::Podman,
    );
}

#[test]
fn codex_completes_a_tick_confined_in_the_native_sandbox() {
    confined_test(
        concat!(
            module_path!(),
            "::codex_completes_a_tick_confined_in_the_native_sandbox"
        ),
        Cli::Codex,
        Backend::Native,
    );
}

#[test]
fn codex_completes_a_tick_confined_in_the_podman_sandbox() {
    confined_test(
        concat!(
            module_path!(),
            "::codex_completes_a_tick_confined_in_the_podman_sandbox"
        ),
        Cli::Codex,
        Backend::Podman,
    );
}

#[test]
fn opencode_completes_a_tick_confined_in_the_native_sandbox() {
    confined_test(
        concat!(
            module_path!(),
            "::opencode_completes_a_tick_confined_in_the_native_sandbox"
        ),
        Cli::Opencode,
        Backend::Native,
    );
}

#[test]
fn opencode_completes_a_tick_confined_in_the_podman_sandbox() {
    confined_test(
        concat!(
            module_path!(),
            "::opencode_completes_a_tick_confined_in_the_podman_sandbox"
        ),
        Cli::Opencode,
        Backend::Podman,
    );
}

#[test]
fn gemini_completes_a_tick_confined_in_the_native_sandbox() {
    confined_test(
        concat!(
            module_path!(),
            "::gemini_completes_a_tick_confined_in_the_native_sandbox"
        ),
        Cli::Gemini,
        Backend::Native,
    );
}

#[test]
fn gemini_completes_a_tick_confined_in_the_podman_sandbox() {
    confined_test(
        concat!(
            module_path!(),
            "::gemini_completes_a_tick_confined_in_the_podman_sandbox"
        ),
        Cli::Gemini,
        Backend::Podman,
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
