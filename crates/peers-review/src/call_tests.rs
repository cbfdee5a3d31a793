//! A reviewer's environment: the loop's allowlist (peers-agent's one list), its own `env:`
//! names and no other reviewer's.

use super::*;
use peers_core::config::{PeerRole, PeerSettings, PromptMode, ToolKind};
use peers_core::location::Span;

fn reviewer(name: &str, tool: ToolKind, env: &[&str]) -> Reviewer {
    let peer = PeerSettings {
        name: name.to_owned(),
        argv: None,
        tool,
        prompt_mode: PromptMode::ArgvSubstitute,
        role: PeerRole::Default,
        model: None,
        reasoning: None,
        provider: None,
        env: env.iter().map(|name| (*name).to_owned()).collect(),
        span: Span::new(1, 1),
    };
    Reviewer::from_peer(&peer).unwrap()
}

fn names(reviewer: &Reviewer, parent: &[(&str, &str)]) -> Vec<String> {
    let parent: Vec<(OsString, OsString)> = parent
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
    environment(reviewer, &parent, 2)
        .into_iter()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("GIT_CONFIG_"))
        .collect()
}

#[test]
fn a_reviewers_env_key_passes_its_variables_to_it_alone() {
    let parent = [
        ("MY_PROVIDER_KEY", "k"),
        ("OTHER_SECRET", "x"),
        ("PATH", "/bin"),
    ];
    let alice = reviewer("alice", ToolKind::Claude, &["MY_PROVIDER_KEY"]);
    let bob = reviewer("bob", ToolKind::Codex, &[]);
    assert_eq!(
        names(&alice, &parent),
        [
            "MY_PROVIDER_KEY",
            "PATH",
            "PEERS_PEER_NAME",
            "PEERS_REVIEW_ROUND",
            "PEERS_REVIEWER"
        ]
    );
    // Regression: the review's environment was the union of every reviewer's `env:` names.
    assert!(!names(&bob, &parent).contains(&"MY_PROVIDER_KEY".to_owned()));
}

#[test]
fn reviewers_get_the_loops_allowlist_and_no_list_of_their_own() {
    let parent = [
        ("AWS_SECRET_ACCESS_KEY", "x"),
        ("NODE_OPTIONS", "--require=/tmp/evil.js"),
        ("GIT_AUTHOR_NAME", "peer"),
        ("https_proxy", "http://127.0.0.1:1"),
        ("OPENAI_API_KEY", "k"),
    ];
    let codex = reviewer("codex", ToolKind::Codex, &[]);
    let passed = names(&codex, &parent);
    assert_eq!(
        passed[..3],
        ["GIT_AUTHOR_NAME", "https_proxy", "OPENAI_API_KEY"]
    );
    for name in &passed[..3] {
        assert!(peers_agent::allowed(name), "{name}");
    }
}
