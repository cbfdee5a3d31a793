//! A confined turn's network: the only way out is the listeners its sandbox hands to peers.
//! The agent (a shell script here) reaches the model API only through its provider's proxy
//! with a dummy key, the upstream (the scripted model server on 127.0.0.1, through the
//! loopback-only test override) receives the real key, the egress proxy refuses a host not on
//! the allow-list, the host's own loopback is unreachable, the real key is nowhere in the
//! sandbox (environment, files, `/proc`), and every request is in `.peers/log/sandbox.jsonl`.
//! The same holds in a podman container (`--network=none`), whose init hands its listeners
//! to the same proxies through the bind-mounted hand-over socket.

use peers_model_server::{ModelServer, Script};

use crate::test_env::{SIMPLE_GOALS, TestEnv};

const REAL_KEY: &str = "sk-ant-real-7f3c9a1e5b";

/// The agent: probes the network and greps its whole world for the key, writing what it saw
/// into the repository. The key is assembled at run time from two halves, so no argv or
/// script text inside holds it.
fn script(host_port: u16) -> String {
    let (head, tail) = REAL_KEY.split_at(7);
    format!(
        r#"#!/bin/bash
out=net-results.txt
printf '%s%s' '{head}' '{tail}' > /tmp/pattern
{{
  echo "egress=$(curl -s -o /dev/null -w '%{{http_connect}}' -x "$HTTPS_PROXY" https://example.org/)"
  echo "model=$(curl -s -X POST -H 'x-api-key: typed-by-agent' -H 'content-type: application/json' \
      -d '{{"model":"claude-x","max_tokens":8,"stream":true,"messages":[{{"role":"user","content":"hi"}}]}}' \
      "$ANTHROPIC_BASE_URL/v1/messages" | grep -c '^event:')"
  echo "direct=$(curl -s -m 3 -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{host_port}/v1/messages; echo ":$?")"
  echo "base=$ANTHROPIC_BASE_URL key=$ANTHROPIC_API_KEY"
  echo "control=$(grep -lsF -f /tmp/pattern /tmp/pattern | wc -l)"
  echo "seen=$(grep -rlsF -f /tmp/pattern /proc/[0-9]*/environ /proc/[0-9]*/cmdline "$HOME" . 2>/dev/null | grep -v '^./net-results.txt' | wc -l)"
}} > "$out"
git add "$out" && git -c user.name=agent -c user.email=agent@example.invalid commit -q -m 'network results'
"#
    )
}

#[test]
fn a_confined_turn_reaches_the_model_only_through_its_proxy_and_never_sees_the_key() {
    for backend in super::backends() {
        eprintln!("== backend: {backend:?}");
        reaches_the_model_only_through_its_proxy(match backend {
            super::Backend::Native => "native",
            super::Backend::Podman => "podman",
        });
    }
}

fn reaches_the_model_only_through_its_proxy(sandbox: &str) {
    let env = TestEnv::new();
    let server = ModelServer::start(Script::default()).expect("model server");
    let repo = env.initialised_repo("app");
    let agent = env.root().join("agent.sh");
    std::fs::write(&agent, script(server.port())).expect("script");
    let config = format!(
        "peers:\n  - name: alice\n    tool: sim\n    argv: ['/bin/bash', '{agent}']\n    prompt_mode: stdin\n  - name: bob\n    tool: sim\n    argv: ['/bin/bash', '{agent}']\n    prompt_mode: stdin\nhealth:\n  idle_timeout_s: 30\n  absolute_max_runtime_s: 60\n  grace_s: 1\n",
        agent = agent.display()
    );
    std::fs::write(repo.join(".peers/config.yaml"), config).expect("config");
    env.set_goals(&repo, SIMPLE_GOALS);
    let out = env
        .base_command(env!("CARGO_BIN_EXE_peers"))
        .current_dir(&repo)
        .env("ANTHROPIC_API_KEY", REAL_KEY)
        .env("PEERS_SANDBOX_TEST_UPSTREAM", server.base_url())
        .args(["tick", "--sandbox", sandbox, "--skip-preflight"])
        .output()
        .expect("run peers");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let results = std::fs::read_to_string(repo.join("net-results.txt"))
        .unwrap_or_else(|err| panic!("the agent left no results ({err}):\n{stderr}"));
    assert!(results.contains("egress=403"), "{results}");
    assert!(
        results.contains("base=http://127.0.0.1:3129 key=peers-sandbox-dummy-key"),
        "{results}"
    );
    assert!(
        !results.contains("model=0"),
        "the streamed reply came through: {results}"
    );
    assert!(
        results.contains("direct=000:7"),
        "the host's loopback is unreachable: {results}"
    );
    assert!(
        results.contains("control=1"),
        "the grep finds the key where it is: {results}"
    );
    assert!(results.contains("seen=0"), "the real key leaked: {results}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].header("x-api-key"), Some(REAL_KEY));
    assert_eq!(requests[0].header("authorization"), None);
    let log = std::fs::read_to_string(repo.join(".peers/log/sandbox.jsonl")).expect("network log");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect();
    let find = |proxy: &str| {
        lines
            .iter()
            .find(|line| line["request"]["proxy"] == proxy)
            .unwrap_or_else(|| panic!("no {proxy} record in {log}"))
    };
    assert_eq!(find("egress")["request"]["decision"], "denied");
    assert_eq!(find("egress")["request"]["host"], "example.org");
    assert_eq!(find("anthropic")["request"]["decision"], "allowed");
    assert_eq!(find("anthropic")["request"]["status"], 200);
    assert!(!log.contains(REAL_KEY));
}
