//! `peers info`: the resolved configuration, exact commands and the max_usd_mode decision.

use crate::test_env::TestEnv;

#[test]
fn info_shows_the_exact_command_of_each_peer() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let out = env.peers(&repo, &["info"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    insta::assert_snapshot!(out.combined());
}

#[test]
fn info_maps_model_and_reasoning_onto_flags() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::write(
        repo.join(".peers/config.yaml"),
        "peers:\n  - {name: a, tool: claude, model: opus, reasoning: high}\n  - {name: b, tool: codex, model: gpt-5, reasoning: xhigh}\n",
    )
    .unwrap();
    let out = env.peers(&repo, &["info", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let a: Vec<String> = serde_json::from_value(value["peers"][0]["argv"].clone()).unwrap();
    assert!(a.windows(2).any(|w| w == ["--model", "opus"]), "{a:?}");
    assert!(a.windows(2).any(|w| w == ["--effort", "high"]), "{a:?}");
    let b = value["peers"][1]["argv"].to_string();
    assert!(b.contains("model_reasoning_effort"), "{b}");
}

#[test]
fn info_resolves_auto_usd_mode_from_api_keys() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::write(
        repo.join(".peers/config.yaml"),
        "peers:\n  - {name: a, tool: claude}\n  - {name: b, tool: codex, provider: openrouter}\nbudget:\n  max_usd: 5\n",
    )
    .unwrap();
    let out = env.peers(&repo, &["info", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["budget"]["max_usd_mode_resolved"], "hard");
    assert_eq!(
        value["budget"]["max_usd_mode_reason"],
        "auto: API-key billing for b"
    );
}
