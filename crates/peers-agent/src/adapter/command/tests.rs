//! Tests of argv and environment translation for each tool.

use super::*;
use peers_core::config::{PeerRole, PromptMode};
use peers_core::location::Span;

fn peer(tool: ToolKind) -> PeerSettings {
    PeerSettings {
        name: "p".into(),
        argv: default_argv(&tool)
            .is_none()
            .then(|| vec!["my-agent".into(), "{PROMPT}".into()]),
        tool,
        prompt_mode: PromptMode::ArgvSubstitute,
        role: PeerRole::Default,
        model: None,
        reasoning: None,
        provider: None,
        env: Vec::new(),
        span: Span::new(1, 1),
    }
}

fn words(argv: &[&str]) -> Vec<String> {
    argv.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn default_argv_of_each_known_tool_carries_the_prompt_placeholder() {
    for tool in [
        ToolKind::Claude,
        ToolKind::Codex,
        ToolKind::Opencode,
        ToolKind::Gemini,
    ] {
        let argv = default_argv(&tool).unwrap();
        assert_eq!(argv[0], tool.as_str());
        assert!(argv.iter().any(|a| a == "{PROMPT}"), "{argv:?}");
    }
    assert_eq!(default_argv(&ToolKind::Generic("aider".into())), None);
}

#[test]
fn no_settings_leave_argv_as_is() {
    let p = peer(ToolKind::Codex);
    let cmd = resolve_command(&p);
    assert_eq!(
        cmd,
        PeerCommand {
            argv: default_argv(&ToolKind::Codex).unwrap(),
            env: vec![],
            notes: vec![]
        }
    );
}

#[test]
fn claude_model_and_reasoning_follow_the_program_name() {
    let mut p = peer(ToolKind::Claude);
    p.argv = Some(words(&["claude", "-p", "{PROMPT}"]));
    p.model = Some("opus".into());
    p.reasoning = Some("high".into());
    let cmd = resolve_command(&p);
    assert_eq!(
        cmd.argv,
        words(&[
            "claude", "--model", "opus", "--effort", "high", "-p", "{PROMPT}"
        ])
    );
    assert!(cmd.env.is_empty());
}

#[test]
fn explicit_argv_switch_wins_over_model() {
    let mut p = peer(ToolKind::Claude);
    p.argv = Some(words(&["claude", "--model=sonnet", "-p", "{PROMPT}"]));
    p.model = Some("opus".into());
    let cmd = resolve_command(&p);
    assert_eq!(Some(cmd.argv), p.argv);
    assert_eq!(
        cmd.notes,
        ["argv already sets --model; model: opus was not added"]
    );
}

#[test]
fn claude_openrouter_sets_the_anthropic_environment() {
    let mut p = peer(ToolKind::Claude);
    p.provider = Some(Provider::Openrouter);
    let cmd = resolve_command(&p);
    assert_eq!(Some(cmd.argv), default_argv(&ToolKind::Claude));
    assert_eq!(
        cmd.env,
        [
            (
                "ANTHROPIC_BASE_URL".to_owned(),
                "https://openrouter.ai/api".to_owned()
            ),
            (
                "ANTHROPIC_AUTH_TOKEN".to_owned(),
                "$OPENROUTER_API_KEY".to_owned()
            ),
            ("ANTHROPIC_API_KEY".to_owned(), String::new()),
        ]
    );
    assert_eq!(
        cmd.notes,
        ["provider openrouter: OPENROUTER_API_KEY must be set in the environment"]
    );
}

#[test]
fn codex_settings_become_config_overrides_after_exec() {
    let mut p = peer(ToolKind::Codex);
    p.argv = Some(words(&["codex", "exec", "--json", "{PROMPT}"]));
    p.model = Some("gpt-5.1-codex-max".into());
    p.reasoning = Some("xhigh".into());
    let cmd = resolve_command(&p);
    assert_eq!(
        cmd.argv,
        words(&[
            "codex",
            "exec",
            "-c",
            "model=\"gpt-5.1-codex-max\"",
            "-c",
            "model_reasoning_effort=\"xhigh\"",
            "--json",
            "{PROMPT}"
        ])
    );
}

#[test]
fn codex_openrouter_adds_the_provider_table() {
    let mut p = peer(ToolKind::Codex);
    p.argv = Some(words(&["codex", "exec", "{PROMPT}"]));
    p.provider = Some(Provider::Openrouter);
    let cmd = resolve_command(&p);
    assert_eq!(
        cmd.argv,
        words(&[
            "codex",
            "exec",
            "-c",
            "model_provider=\"openrouter\"",
            "-c",
            "model_providers.openrouter.name=\"openrouter\"",
            "-c",
            "model_providers.openrouter.base_url=\"https://openrouter.ai/api/v1\"",
            "-c",
            "model_providers.openrouter.env_key=\"OPENROUTER_API_KEY\"",
            "{PROMPT}"
        ])
    );
    assert!(cmd.env.is_empty());
}

#[test]
fn codex_config_already_in_argv_is_not_repeated() {
    let mut p = peer(ToolKind::Codex);
    p.argv = Some(words(&[
        "codex",
        "exec",
        "-c",
        "model=\"o3\"",
        "--config=model_reasoning_effort=low",
        "{PROMPT}",
    ]));
    p.model = Some("gpt-5".into());
    p.reasoning = Some("high".into());
    let cmd = resolve_command(&p);
    assert_eq!(Some(cmd.argv), p.argv);
    assert_eq!(cmd.notes.len(), 2);
    let mut p2 = p.clone();
    p2.argv = Some(words(&["codex", "exec", "-m", "o3", "{PROMPT}"]));
    p2.reasoning = None;
    assert_eq!(Some(resolve_command(&p2).argv), p2.argv);
}

#[test]
fn codex_values_are_toml_escaped() {
    let mut p = peer(ToolKind::Codex);
    p.argv = Some(words(&["codex", "exec", "{PROMPT}"]));
    p.model = Some("we\"ird\\".into());
    assert_eq!(resolve_command(&p).argv[3], "model=\"we\\\"ird\\\\\"");
}

#[test]
fn opencode_model_and_variant_follow_run() {
    let mut p = peer(ToolKind::Opencode);
    p.model = Some("ollama/qwen2.5".into());
    p.reasoning = Some("high".into());
    let cmd = resolve_command(&p);
    assert_eq!(
        cmd.argv,
        words(&[
            "opencode",
            "run",
            "-m",
            "ollama/qwen2.5",
            "--variant",
            "high",
            "--format",
            "json",
            "{PROMPT}"
        ])
    );
}

#[test]
fn gemini_model_follows_the_program_name() {
    let mut p = peer(ToolKind::Gemini);
    p.model = Some("gemini-2.5-pro".into());
    let cmd = resolve_command(&p);
    assert_eq!(
        cmd.argv,
        words(&[
            "gemini",
            "-m",
            "gemini-2.5-pro",
            "--output-format",
            "json",
            "--yolo",
            "-p",
            "{PROMPT}"
        ])
    );
    p.argv = Some(words(&["gemini", "--model", "x", "-p", "{PROMPT}"]));
    assert_eq!(Some(resolve_command(&p).argv), p.argv);
}

#[test]
fn generic_tools_run_exactly_as_written() {
    let mut p = peer(ToolKind::Generic("aider".into()));
    p.model = Some("ignored".into());
    assert_eq!(resolve_command(&p).argv, words(&["my-agent", "{PROMPT}"]));
}

/// Regression: the README's "exact command peers runs" block is the code's default argv, so the
/// two cannot drift apart.
#[test]
fn the_readme_shows_exactly_the_default_argv_of_each_tool() {
    let readme = include_str!("../../../../../README.md");
    let marker = "<!-- default-argv:";
    let block = readme
        .split_once(marker)
        .and_then(|(_, rest)| rest.split_once("```sh\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("README.md has the default-argv block");
    let lines: Vec<&str> = block.lines().collect();
    let expected: Vec<String> = [
        ToolKind::Claude,
        ToolKind::Codex,
        ToolKind::Opencode,
        ToolKind::Gemini,
    ]
    .iter()
    .map(|tool| default_argv(tool).expect("a known tool").join(" "))
    .collect();
    assert_eq!(lines, expected);
}
