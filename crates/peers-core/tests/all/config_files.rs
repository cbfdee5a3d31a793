//! Whole `.peers/` files as the original tool's users wrote them, decoded.

use peers_core::config::ToolKind;
use peers_core::config_decode::decode_config;
use peers_core::goals::GateCheck;
use peers_core::goals_decode::decode_goals;

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
