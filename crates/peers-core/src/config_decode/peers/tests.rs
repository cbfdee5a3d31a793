//! Tests of the peers: list and the legacy tools: map.

use crate::config::{ConfigSettings, PeerRole, PromptMode, Provider, ToolKind};
use crate::config_decode::{decode_config, is_valid_peer_name};
use crate::decode_error::DecodeError;
use crate::location::Span;

const FILE: &str = ".peers/config.yaml";

fn decode(source: &str) -> ConfigSettings {
    decode_config(source, FILE).unwrap_or_else(|e| panic!("{e}\nhint: {:?}", e.hint))
}

/// A config whose first peer is `first` (entry lines start at line 2, keys at column 5) and
/// whose second peer is a bare codex.
fn first_peer(first: &str) -> Result<ConfigSettings, DecodeError> {
    decode_config(&format!("peers:\n  - {first}\n  - name: codex\n"), FILE)
}

fn error(result: Result<ConfigSettings, DecodeError>) -> (String, Option<String>) {
    let err = result.unwrap_err();
    (err.to_string(), err.hint)
}

#[test]
fn seed_readme_example_loads() {
    let config = decode(include_str!("../../../tests/fixtures/readme-peers.yaml"));
    let claude = &config.peers[0];
    assert_eq!(
        (claude.name.as_str(), &claude.tool),
        ("claude", &ToolKind::Claude)
    );
    assert_eq!(claude.model.as_deref(), Some("opus"));
    assert_eq!(claude.reasoning.as_deref(), Some("high"));
    assert_eq!(
        claude.argv.as_deref(),
        Some(&["claude", "-p", "--dangerously-skip-permissions", "{PROMPT}"].map(String::from)[..])
    );
    assert_eq!(claude.prompt_mode, PromptMode::ArgvSubstitute);
    assert_eq!(claude.span, Span::new(2, 5));
    let codex = &config.peers[1];
    assert_eq!(codex.provider, Some(Provider::Openai));
    assert_eq!(codex.reasoning.as_deref(), Some("xhigh"));
    assert_eq!(config.peers[2].name, "claude-2");
    assert_eq!(config.peers[2].tool, ToolKind::Claude);
}

#[test]
fn tool_defaults_to_name_and_argv_to_the_tool_default() {
    let config = decode(
        "peers:\n  - name: claude\n  - name: gemini\n  - name: op\n    tool: opencode\n    role: recovery\n",
    );
    for peer in &config.peers {
        assert_eq!(peer.argv, None, "{}: the tool's default command", peer.name);
        assert_eq!(peer.prompt_mode, PromptMode::ArgvSubstitute);
    }
    assert_eq!(config.peers[1].tool, ToolKind::Gemini);
    assert_eq!(config.peers[2].tool, ToolKind::Opencode);
    assert_eq!(config.peers[2].role, PeerRole::Recovery);
}

#[test]
fn prompt_mode_is_inferred_from_the_placeholders() {
    let config = decode(
        "peers:\n  - {name: x, argv: [x, '{PROMPT}']}\n  - {name: y, tool: generic, argv: [y, --file, '{PROMPT_FILE}']}\n  - {name: z, argv: [z]}\n",
    );
    let modes: Vec<PromptMode> = config.peers.iter().map(|p| p.prompt_mode).collect();
    assert_eq!(
        modes,
        [
            PromptMode::ArgvSubstitute,
            PromptMode::File,
            PromptMode::Stdin
        ]
    );
    assert_eq!(config.peers[0].tool, ToolKind::Generic("x".into()));
}

#[test]
fn prompt_mode_must_match_the_placeholders() {
    let (msg, _) = error(first_peer(
        "{name: x, argv: [x], prompt_mode: argv-substitute}",
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:39: peers[0].prompt_mode: argv-substitute needs a {PROMPT} element in argv"
    );
    let (msg, _) = error(first_peer(
        "{name: x, argv: [x, '{PROMPT}'], prompt_mode: file}",
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:51: peers[0].prompt_mode: file needs a {PROMPT_FILE} element in argv"
    );
    let (msg, _) = error(first_peer("{name: claude, prompt_mode: stdin}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:33: peers[0].prompt_mode: stdin conflicts with the prompt placeholder in the tool's default argv, which would be passed literally"
    );
    let (msg, hint) = error(first_peer("{name: claude, prompt_mode: argv-subsitute}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:33: peers[0].prompt_mode: expected one of stdin, argv-substitute, file, found \"argv-subsitute\""
    );
    assert_eq!(hint.as_deref(), Some("did you mean 'argv-substitute'?"));
}

#[test]
fn unknown_tool_without_argv_is_refused() {
    let (msg, _) = error(first_peer("name: aider"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:5: peers[0]: peer 'aider' uses tool 'aider' which has no default command: add argv"
    );
    let (msg, _) = error(first_peer("name: x\n    tool: generic"));
    assert!(
        msg.ends_with("peer 'x' uses tool 'generic' which has no default command: add argv"),
        "{msg}"
    );
}

#[test]
fn an_unknown_tool_is_refused_even_with_argv() {
    let (msg, hint) = error(first_peer(
        "name: x\n    tool: Claude\n    argv: [claude, '{PROMPT}']",
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:3:11: peers[0].tool: unknown tool 'Claude' (known: claude, codex, opencode, gemini, generic, sim)"
    );
    assert!(hint.unwrap().starts_with("did you mean 'claude'?"));
    let (_, hint) = error(first_peer("name: x\n    tool: aider\n    argv: [aider]"));
    assert!(hint.unwrap().contains("tool: generic"));
    let config = decode(
        "peers:\n  - {name: a, tool: generic, argv: [aider]}\n  - {name: b, tool: sim, argv: [b]}\n",
    );
    assert_eq!(config.peers[0].tool, ToolKind::Generic("generic".into()));
}

#[test]
fn peers_written_as_a_mapping_get_a_hint() {
    let (msg, hint) = error(decode_config("peers:\n  claude: {}\n  codex: {}\n", FILE));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:3: peers: expected a list, found a mapping"
    );
    assert_eq!(
        hint.as_deref(),
        Some("peers: is a list: start each peer with `- name: …`")
    );
}

#[test]
fn argv_must_be_non_empty_strings() {
    assert_eq!(
        error(first_peer("{name: claude, argv: []}")).0,
        ".peers/config.yaml:2:26: peers[0].argv: must list at least the program to run"
    );
    assert_eq!(
        error(first_peer("{name: claude, argv: [claude, '']}")).0,
        ".peers/config.yaml:2:35: peers[0].argv[1]: must not be empty"
    );
    assert_eq!(
        error(first_peer("{name: claude, argv: claude -p}")).0,
        ".peers/config.yaml:2:26: peers[0].argv: expected a list, found \"claude -p\""
    );
}

#[test]
fn peer_names_are_checked() {
    let (msg, hint) = error(first_peer("name: -bad"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:11: peers[0].name: invalid peer name \"-bad\""
    );
    assert_eq!(
        hint.as_deref(),
        Some("use 1 to 32 letters, digits, '_' or '-', starting with a letter or digit")
    );
    let (msg, _) = error(first_peer("name: hooks\n    tool: claude"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:11: peers[0].name: peer name 'hooks' is reserved"
    );
    let (msg, _) = error(first_peer("tool: claude"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:5: peers[0]: missing required key 'name'"
    );
    let (msg, hint) = error(first_peer("name: 7"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:11: peers[0].name: expected a string, found 7"
    );
    assert_eq!(hint.as_deref(), Some("put it in quotes: '7'"));
    assert!(is_valid_peer_name("a"));
    assert!(is_valid_peer_name(&"a".repeat(32)));
    assert!(!is_valid_peer_name(&"a".repeat(33)));
    assert!(!is_valid_peer_name(""));
    assert!(!is_valid_peer_name("a.b"));
}

#[test]
fn duplicate_peer_names_name_the_first_line() {
    let (msg, _) = error(decode_config(
        "peers:\n  - name: codex\n  - name: codex\n",
        FILE,
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:3:11: peers[1].name: duplicate peer name 'codex' (first on line 2)"
    );
}

#[test]
fn at_least_two_peers() {
    let (msg, _) = error(decode_config("peers:\n  - name: claude\n", FILE));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:3: peers: need at least two peers, found 1"
    );
    let (msg, _) = error(decode_config("budget: {}\n", FILE));
    assert_eq!(msg, ".peers/config.yaml:1:1: missing required key 'peers'");
}

#[test]
fn unknown_peer_key_gets_a_suggestion() {
    let (msg, hint) = error(first_peer("name: claude\n    modle: opus"));
    assert_eq!(msg, ".peers/config.yaml:3:5: peers[0].modle: unknown key");
    assert_eq!(hint.as_deref(), Some("did you mean 'model'?"));
}

#[test]
fn reasoning_is_checked_per_tool() {
    assert_eq!(
        decode(
            "peers:\n  - {name: claude, reasoning: max}\n  - {name: codex, reasoning: minimal}\n"
        )
        .peers[1]
            .reasoning
            .as_deref(),
        Some("minimal")
    );
    let (msg, _) = error(first_peer("{name: claude, reasoning: minimal}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:31: peers[0].reasoning: expected one of low, medium, high, xhigh, max, found \"minimal\""
    );
    let (msg, _) = error(decode_config(
        "peers:\n  - name: claude\n  - {name: codex, reasoning: max}\n",
        FILE,
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:3:30: peers[1].reasoning: expected one of minimal, low, medium, high, xhigh, found \"max\""
    );
    assert!(decode("peers:\n  - {name: opencode, reasoning: max}\n  - {name: o2, tool: opencode, reasoning: minimal}\n").peers.len() == 2);
    let (msg, _) = error(first_peer("{name: gemini, reasoning: high}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:31: peers[0].reasoning: gemini has no reasoning setting peers can pass"
    );
    let (msg, _) = error(first_peer("{name: x, argv: [x], reasoning: high}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:37: peers[0].reasoning: peers can set reasoning only for claude, codex and opencode, not 'x'"
    );
}

#[test]
fn provider_is_checked_per_tool() {
    let config = decode(
        "peers:\n  - {name: claude, provider: openrouter}\n  - {name: gemini, provider: google}\n",
    );
    assert_eq!(config.peers[0].provider, Some(Provider::Openrouter));
    assert_eq!(config.peers[1].provider, Some(Provider::Google));
    let (msg, _) = error(first_peer("{name: claude, provider: openai}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:30: peers[0].provider: expected one of anthropic, openrouter, found \"openai\""
    );
    let (msg, hint) = error(first_peer("{name: opencode, provider: openrouter}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:32: peers[0].provider: opencode takes no provider"
    );
    assert_eq!(
        hint.as_deref(),
        Some("encode the provider in model as provider/model, e.g. model: ollama/qwen2.5")
    );
    let (msg, _) = error(first_peer("{name: x, argv: [x], provider: openai}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:36: peers[0].provider: peers can set provider only for claude, codex and gemini, not 'x'"
    );
}

#[test]
fn model_needs_a_known_tool() {
    let (msg, _) = error(first_peer("{name: x, argv: [x], model: m}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:33: peers[0].model: peers can set model only for claude, codex, opencode and gemini, not 'x'"
    );
    let (msg, _) = error(first_peer("{name: claude, model: ''}"));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:27: peers[0].model: must not be empty"
    );
}

#[test]
fn legacy_tools_map_is_promoted_in_map_order() {
    let config = decode(
        "tools:\n  codex:\n    argv: [codex, exec, '{PROMPT}']\n  claude:\n    model: opus\n",
    );
    let names: Vec<&str> = config.peers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["codex", "claude"]);
    assert_eq!(config.peers[0].span, Span::new(2, 3));
    assert_eq!(config.peers[1].model.as_deref(), Some("opus"));
    assert_eq!(config.notices.len(), 1);
    assert_eq!(config.notices[0].key, "tools");
    assert_eq!(
        config.notices[0].message,
        "the legacy tools: map was read as peers: in map order (codex, claude); write a peers: list to silence this"
    );
    assert_eq!(decode("tools:\n  claude:\n  codex:\n").peers.len(), 2);
}

#[test]
fn legacy_tools_map_errors() {
    let (msg, _) = error(decode_config(
        "tools:\n  claude:\n    name: c\n  codex:\n",
        FILE,
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:3:5: tools.claude.name: unknown key"
    );
    let (msg, _) = error(decode_config("tools:\n  hooks: {}\n  codex: {}\n", FILE));
    assert_eq!(
        msg,
        ".peers/config.yaml:2:3: tools.hooks: peer name 'hooks' is reserved"
    );
    let (msg, hint) = error(decode_config(
        "peers:\n  - name: a\ntools:\n  b: {}\n",
        FILE,
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:4:3: tools: `tools` and `peers` cannot both be set"
    );
    assert_eq!(
        hint.as_deref(),
        Some("move the tools: entries into the peers: list (tools: is the legacy form)")
    );
}

#[test]
fn env_lists_extra_variable_names_for_the_peer() {
    let config = decode(
        "peers:\n  - name: claude\n    env: [MY_PROVIDER_KEY, _X1, MY_PROVIDER_KEY]\n  - name: codex\n",
    );
    assert_eq!(config.peers[0].env, ["MY_PROVIDER_KEY", "_X1"]);
    assert!(config.peers[1].env.is_empty());
}

#[test]
fn env_refuses_values_and_bad_names_at_the_element() {
    let (message, hint) = error(first_peer("{name: claude, env: [OK, 'KEY=secret']}"));
    assert_eq!(
        message,
        ".peers/config.yaml:2:30: peers[0].env[1]: `KEY=secret` is a NAME=value pair; env lists variable names only"
    );
    assert!(hint.unwrap_or_default().contains("export KEY=…"));
    let (message, _) = error(first_peer("{name: claude, env: [1KEY]}"));
    assert!(
        message.contains("peers[0].env[0]: `1KEY` is not an environment variable name"),
        "{message}"
    );
    let (message, _) = error(first_peer("{name: claude, env: MY_KEY}"));
    assert!(
        message.contains("peers[0].env: expected a list"),
        "{message}"
    );
    let (message, _) = error(first_peer("{name: claude, env: [PEERS_PEER_NAME]}"));
    assert!(message.contains("set by peers itself"), "{message}");
}

#[test]
fn a_misspelt_env_key_gets_a_did_you_mean() {
    let (message, hint) = error(first_peer("{name: claude, envs: [MY_KEY]}"));
    assert!(message.contains("envs"), "{message}");
    assert!(hint.unwrap_or_default().contains("env"));
}
