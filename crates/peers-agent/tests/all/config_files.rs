//! Whole `.peers/config.yaml` files as users write them, decoded and turned into commands.

use peers_agent::resolve_command;
use peers_core::config::PromptMode;
use peers_core::config_decode::decode_config;

#[test]
fn readme_peers_example_resolves_to_commands() {
    let config = decode_config(
        include_str!("../../../peers-core/tests/fixtures/readme-peers.yaml"),
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
