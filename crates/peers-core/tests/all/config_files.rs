//! Whole `.peers/` files as users write them, decoded and turned into commands.

use peers_core::config::{PromptMode, ToolKind};
use peers_core::config_decode::decode_config;
use peers_core::goals::GateCheck;
use peers_core::goals_decode::decode_goals;
use peers_core::peer_command::resolve_command;

#[test]
fn readme_peers_example_resolves_to_commands() {
    let config = decode_config(
        include_str!("../fixtures/readme-peers.yaml"),
        ".peers/config.yaml",
    )
    .unwrap();
    let argv: Vec<Vec<String>> = config
        .peers
        .iter()
        .map(|p| resolve_command(p).argv)
        .collect();
    assert_eq!(
        argv[0],
        [
            "claude",
            "--model",
            "opus",
            "--effort",
            "high",
            "-p",
            "--dangerously-skip-permissions",
            "{PROMPT}"
        ]
    );
    assert_eq!(
        argv[1],
        [
            "codex",
            "exec",
            "-c",
            "model=\"gpt-5.1-codex-max\"",
            "-c",
            "model_reasoning_effort=\"xhigh\"",
            "{PROMPT}"
        ]
    );
    assert_eq!(
        argv[2],
        ["claude", "-p", "--dangerously-skip-permissions", "{PROMPT}"]
    );
    assert!(
        config
            .peers
            .iter()
            .all(|p| p.prompt_mode == PromptMode::ArgvSubstitute)
    );
}

#[test]
fn original_project_files_load() {
    let config = decode_config(
        include_str!("../fixtures/original-config.yaml"),
        ".peers/config.yaml",
    )
    .unwrap();
    assert_eq!(config.peers[1].tool, ToolKind::Codex);
    let goals = decode_goals(
        include_str!("../fixtures/original-goals.yaml"),
        ".peers/goals.yaml",
    )
    .unwrap();
    let builtins = goals
        .hard()
        .filter(|(_, h)| matches!(h.check, GateCheck::Builtin { .. }))
        .count();
    assert_eq!((goals.goals.len(), builtins), (6, 2));
}
