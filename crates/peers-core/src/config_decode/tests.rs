//! Tests of config.yaml decoding: sections, defaults, legacy keys, and the exact error lines.

use super::*;
use crate::config::{BudgetSettings, HealthSettings, MaxUsdMode, SandboxSettings, VerifyCommand};

const FILE: &str = ".peers/config.yaml";
const PEERS: &str = "peers:\n  - name: claude\n  - name: codex\n";

fn decode(source: &str) -> ConfigSettings {
    decode_config(source, FILE).unwrap_or_else(|e| panic!("{e}\nhint: {:?}", e.hint))
}

/// Decodes `PEERS` followed by `rest`; the first line of `rest` is line 4.
fn with_peers(rest: &str) -> Result<ConfigSettings, DecodeError> {
    decode_config(&format!("{PEERS}{rest}"), FILE)
}

fn error(result: Result<ConfigSettings, DecodeError>) -> (String, Option<String>) {
    let err = result.unwrap_err();
    (err.to_string(), err.hint)
}

#[test]
fn two_bare_peers_get_every_default() {
    let config = decode(PEERS);
    assert_eq!(config.peers.len(), 2);
    assert_eq!(config.budget, BudgetSettings::default());
    assert_eq!(config.health, HealthSettings::default());
    assert_eq!(config.goals, GoalRunSettings::default());
    assert_eq!(config.turns, TurnSettings::default());
    assert_eq!(config.verify, crate::config::VerifySettings::default());
    assert!(config.notices.is_empty());
}

#[test]
fn empty_file_and_null_document_explain_how_to_recover() {
    let want = ".peers/config.yaml: config.yaml is empty: run `peers init --force` to rewrite it, or add a peers: list";
    for source in ["", "# only a comment\n", "~\n", "---\n"] {
        assert_eq!(error(decode_config(source, FILE)).0, want, "{source:?}");
    }
}

#[test]
fn top_level_must_be_a_mapping() {
    assert_eq!(
        error(decode_config("- claude\n- codex\n", FILE)).0,
        ".peers/config.yaml:1:1: expected a mapping of settings at the top level, found a list"
    );
}

#[test]
fn unknown_key_suggests_a_key_of_the_same_level() {
    let (msg, hint) = error(with_peers(
        "budget:\n  max_iterations: 10\n  max_usd_mod: warn\n",
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:6:3: budget.max_usd_mod: unknown key"
    );
    assert_eq!(hint.as_deref(), Some("did you mean 'max_usd_mode'?"));
    let (msg, hint) = error(with_peers("helth: {}\n"));
    assert_eq!(msg, ".peers/config.yaml:4:1: helth: unknown key");
    assert_eq!(hint.as_deref(), Some("did you mean 'health'?"));
}

#[test]
fn unknown_key_without_a_near_match_lists_the_valid_keys() {
    let (msg, hint) = error(with_peers("turns:\n  colour: red\n"));
    assert_eq!(msg, ".peers/config.yaml:5:3: turns.colour: unknown key");
    assert_eq!(
        hint.as_deref(),
        Some("valid keys here: max_retries, recovery_interval")
    );
}

#[test]
fn budget_reads_every_key() {
    let config = decode(&format!(
        "{PEERS}budget:\n  max_iterations: 20\n  max_runtime_s: 10800\n  max_consecutive_failures: 3\n  max_tokens: 1000000\n  max_usd: 25\n  max_usd_mode: warn\n"
    ));
    assert_eq!(
        config.budget,
        BudgetSettings {
            max_iterations: 20,
            max_runtime_s: 10_800,
            max_consecutive_failures: 3,
            max_tokens: Some(1_000_000),
            max_usd: Some(25.0),
            max_usd_mode: MaxUsdMode::Warn,
        }
    );
    let config = decode(&format!(
        "{PEERS}budget:\n  max_tokens: null\n  max_usd: ~\n  max_usd_mode: off\n"
    ));
    assert_eq!(
        (config.budget.max_tokens, config.budget.max_usd),
        (None, None)
    );
    assert_eq!(config.budget.max_usd_mode, MaxUsdMode::Off);
}

#[test]
fn wrong_types_say_what_was_expected_and_found() {
    let cases = [
        (
            "budget:\n  max_iterations: ten\n",
            ".peers/config.yaml:5:19: budget.max_iterations: expected a positive integer, found \"ten\"",
        ),
        (
            "budget:\n  max_iterations: 0\n",
            ".peers/config.yaml:5:19: budget.max_iterations: expected a positive integer, found 0",
        ),
        (
            "budget:\n  max_runtime_s: 1.5\n",
            ".peers/config.yaml:5:18: budget.max_runtime_s: expected a positive integer, found 1.5",
        ),
        (
            "budget:\n  max_usd: -1\n",
            ".peers/config.yaml:5:12: budget.max_usd: expected a positive number, found -1",
        ),
        (
            "budget:\n  max_usd: .inf\n",
            ".peers/config.yaml:5:12: budget.max_usd: expected a positive number, found .inf",
        ),
        (
            "budget:\n  max_iterations:\n",
            ".peers/config.yaml:5:17: budget.max_iterations: expected a positive integer, found null",
        ),
        (
            "budget: [1]\n",
            ".peers/config.yaml:4:9: budget: expected a mapping, found a list",
        ),
        (
            "turns:\n  max_retries: -1\n",
            ".peers/config.yaml:5:16: turns.max_retries: expected an integer of 0 or more, found -1",
        ),
        (
            "goals:\n  stuck_halt_gates: tests-pass\n",
            ".peers/config.yaml:5:21: goals.stuck_halt_gates: expected a list, found \"tests-pass\"",
        ),
    ];
    for (rest, want) in cases {
        assert_eq!(error(with_peers(rest)).0, want, "{rest}");
    }
}

#[test]
fn max_usd_mode_typo_gets_a_suggestion() {
    let (msg, hint) = error(with_peers("budget:\n  max_usd_mode: hrad\n"));
    assert_eq!(
        msg,
        ".peers/config.yaml:5:17: budget.max_usd_mode: expected one of auto, hard, warn, off, found \"hrad\""
    );
    assert_eq!(hint.as_deref(), Some("did you mean 'hard'?"));
}

#[test]
fn quoted_false_is_not_a_bool() {
    let (msg, hint) = error(with_peers("goals:\n  soft_consensus_required: 'false'\n"));
    assert_eq!(
        msg,
        ".peers/config.yaml:5:28: goals.soft_consensus_required: expected true or false, found \"false\""
    );
    assert_eq!(
        hint.as_deref(),
        Some("remove the quotes: a quoted value is a string, not a boolean")
    );
    let (msg, _) = error(with_peers("pipeline_gates: 'false'\n"));
    assert_eq!(
        msg,
        ".peers/config.yaml:4:17: pipeline_gates: expected true or false, found \"false\""
    );
}

#[test]
fn health_reads_every_key_and_replaces_pattern_lists() {
    let config = decode(&format!(
        "{PEERS}health:\n  idle_timeout_s: 1800\n  absolute_max_runtime_s: 14400\n  grace_s: 10\n  buf_cap_bytes: 4096\n  error_patterns: ['(?i)rate limit']\n  halt_patterns: []\n"
    ));
    assert_eq!(
        config.health,
        HealthSettings {
            idle_timeout_s: 1800,
            absolute_max_runtime_s: 14_400,
            grace_s: 10,
            buf_cap_bytes: 4096,
            error_patterns: vec!["(?i)rate limit".into()],
            halt_patterns: vec![],
        }
    );
}

#[test]
fn absolute_runtime_below_idle_timeout_is_refused() {
    let (msg, hint) = error(with_peers(
        "health:\n  idle_timeout_s: 900\n  absolute_max_runtime_s: 600\n",
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:6:27: health.absolute_max_runtime_s: absolute_max_runtime_s (600) is shorter than idle_timeout_s (900)"
    );
    assert!(
        hint.unwrap()
            .starts_with("raise absolute_max_runtime_s or lower idle_timeout_s")
    );
    // Against the default absolute limit (7200), the idle value is the one to blame.
    let (msg, _) = error(with_peers("health:\n  idle_timeout_s: 9000\n"));
    assert_eq!(
        msg,
        ".peers/config.yaml:5:19: health.idle_timeout_s: absolute_max_runtime_s (7200) is shorter than idle_timeout_s (9000)"
    );
}

#[test]
fn bad_regex_points_at_the_pattern_itself() {
    let (msg, hint) = error(with_peers(
        "health:\n  error_patterns:\n    - 'ok'\n    - '(unclosed'\n",
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:7:7: health.error_patterns[1]: invalid regular expression: unclosed group"
    );
    assert!(hint.unwrap().contains("(unclosed"));
    let (msg, hint) = error(with_peers("health:\n  halt_patterns: ['foo(?!bar)']\n"));
    assert_eq!(
        msg,
        ".peers/config.yaml:5:19: health.halt_patterns[0]: invalid regular expression: look-around, including look-ahead and look-behind, is not supported"
    );
    assert_eq!(
        hint.as_deref(),
        Some("the regex crate has no look-ahead or look-behind; rewrite the pattern without them")
    );
}

#[test]
fn pattern_limits_are_enforced() {
    let many = format!(
        "health:\n  error_patterns: [{}]\n",
        vec!["a"; 51].join(", ")
    );
    assert_eq!(
        error(with_peers(&many)).0,
        ".peers/config.yaml:5:19: health.error_patterns: at most 50 patterns are allowed, found 51"
    );
    let long = format!("health:\n  halt_patterns: ['{}']\n", "a".repeat(1025));
    assert_eq!(
        error(with_peers(&long)).0,
        ".peers/config.yaml:5:19: health.halt_patterns[0]: pattern is 1025 bytes; at most 1024 are allowed"
    );
}

#[test]
fn goals_and_turns_sections() {
    let config = decode(&format!(
        "{PEERS}goals:\n  timeout_s: 60\n  concurrency: 2\n  convergence_n: 4\n  stuck_halt_after: 9\n  stuck_halt_gates: [a, b]\n  soft_consensus_required: false\nturns:\n  max_retries: 0\n  recovery_interval: 3\n"
    ));
    assert_eq!(
        config.goals,
        GoalRunSettings {
            timeout_s: 60,
            concurrency: Some(2),
            convergence_n: 4,
            stuck_halt_after: 9,
            stuck_halt_gates: vec!["a".into(), "b".into()],
            soft_consensus_required: false,
            output_cap_mib: 2,
        }
    );
    assert_eq!(
        config.turns,
        TurnSettings {
            max_retries: 0,
            recovery_interval: 3
        }
    );
    assert_eq!(
        error(with_peers("goals:\n  convergence_n: 0\n")).0,
        ".peers/config.yaml:5:18: goals.convergence_n: expected a positive integer, found 0"
    );
}

#[test]
fn verify_commands_default_their_name_to_the_command() {
    let config = decode(&format!(
        "{PEERS}verify:\n  timeout_s: 300\n  commands:\n    - cmd: cargo test\n    - name: lint\n      cmd: cargo clippy\n      timeout_s: 60\n"
    ));
    assert_eq!(config.verify.timeout_s, Some(300));
    assert_eq!(
        config.verify.commands,
        [
            VerifyCommand {
                name: "cargo test".into(),
                cmd: "cargo test".into(),
                timeout_s: None
            },
            VerifyCommand {
                name: "lint".into(),
                cmd: "cargo clippy".into(),
                timeout_s: Some(60)
            },
        ]
    );
}

#[test]
fn verify_command_errors() {
    assert_eq!(
        error(with_peers("verify:\n  commands:\n    - name: x\n")).0,
        ".peers/config.yaml:6:7: verify.commands[0]: missing required key 'cmd'"
    );
    assert_eq!(
        error(with_peers("verify:\n  commands:\n    - cmd: ''\n")).0,
        ".peers/config.yaml:6:12: verify.commands[0].cmd: must not be empty"
    );
    assert_eq!(
        error(with_peers(
            "verify:\n  commands:\n    - {name: t, cmd: a}\n    - {name: t, cmd: b}\n"
        ))
        .0,
        ".peers/config.yaml:7:7: verify.commands[1]: duplicate verify command name 't' (also verify.commands[0])"
    );
}

#[test]
fn original_style_config_loads_with_notices() {
    let source = include_str!("../../tests/fixtures/original-config.yaml");
    let config = decode(source);
    let names: Vec<&str> = config.peers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["claude", "codex"]);
    assert_eq!(config.budget.max_iterations, 200);
    assert_eq!(config.budget.max_usd, Some(25.0));
    assert_eq!(config.health.idle_timeout_s, 1800);
    assert_eq!(config.health.error_patterns.len(), 2);
    assert_eq!(config.driver, crate::config::DriverKind::Orchestrator);
    let keys: Vec<&str> = config.notices.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "pipeline_gates",
            "observability",
            "health.hang_kill_s",
            "goals.describe_convergence_n",
            "goals.stuck_progress_reset_gates"
        ]
    );
}

#[test]
fn driver_and_comm_are_read_and_unknown_values_refused() {
    use crate::config::{CommKind, DriverKind};
    let config = decode(&format!("driver: hooks\ncomm: hybrid\n{PEERS}"));
    assert_eq!(
        (config.driver, config.comm),
        (DriverKind::Hooks, CommKind::Hybrid)
    );
    assert!(config.notices.is_empty(), "{:?}", config.notices);
    let config = decode(&format!("driver: sessions\n{PEERS}"));
    assert_eq!(config.driver, DriverKind::Sessions);
    let config = decode(PEERS);
    assert_eq!(
        (config.driver, config.comm),
        (DriverKind::Orchestrator, CommKind::Git)
    );
    let (msg, _) = error(decode_config(&format!("driver: hook\n{PEERS}"), FILE));
    assert_eq!(
        msg,
        ".peers/config.yaml:1:9: driver: expected one of orchestrator, hooks, sessions, found \"hook\""
    );
    let (msg, _) = error(decode_config(
        &format!("comm: carrier-pigeon\n{PEERS}"),
        FILE,
    ));
    assert_eq!(
        msg,
        ".peers/config.yaml:1:7: comm: expected one of git, hybrid, found \"carrier-pigeon\""
    );
}

#[test]
fn every_ignored_top_level_key_gets_a_notice() {
    let config = decode(&format!(
        "{PEERS}graphify_mcp: {{enabled: true}}\negress_allow: [example.com]\nresearch: {{web: {{enabled: false}}}}\n"
    ));
    let keys: Vec<&str> = config.notices.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, ["graphify_mcp", "egress_allow", "research"]);
    assert!(
        config
            .notices
            .iter()
            .all(|n| n.message.starts_with("ignored: "))
    );
}

#[test]
fn empty_sections_read_as_defaults() {
    let config = decode(&format!(
        "{PEERS}budget:\nhealth:\ngoals:\nturns:\nverify:\n"
    ));
    assert_eq!(config.budget, BudgetSettings::default());
    assert_eq!(config.turns, TurnSettings::default());
}

#[test]
fn sandbox_allow_hosts_is_a_list_of_names() {
    assert!(decode(PEERS).sandbox.allow_hosts.is_empty());
    let config =
        with_peers("sandbox:\n  allow_hosts: [registry.npmjs.org, '*.crates.io']\n").unwrap();
    assert_eq!(
        config.sandbox.allow_hosts,
        vec!["registry.npmjs.org".to_owned(), "*.crates.io".to_owned()]
    );
    let (message, _) = error(with_peers("sandbox:\n  allow_host: [x.org]\n"));
    assert!(message.contains("allow_host"), "{message}");
    let (message, _) = error(with_peers("sandbox:\n  allow_hosts: x.org\n"));
    assert!(message.contains("sandbox.allow_hosts"), "{message}");
}

#[test]
fn sandbox_egress_caps_default_and_are_checked() {
    let defaults = decode(PEERS).sandbox;
    assert_eq!(defaults, SandboxSettings::default());
    let config = with_peers(
        "sandbox:\n  egress_max_mib: 64\n  egress_max_seconds: 120\n  egress_max_connections: 4\n",
    )
    .unwrap();
    assert_eq!(config.sandbox.egress_max_mib, 64);
    assert_eq!(config.sandbox.egress_max_seconds, 120);
    assert_eq!(config.sandbox.egress_max_connections, 4);
    for (yaml, key) in [
        ("egress_max_mib: 0", "sandbox.egress_max_mib"),
        ("egress_max_mib: 2000000", "sandbox.egress_max_mib"),
        ("egress_max_seconds: -5", "sandbox.egress_max_seconds"),
        ("egress_max_seconds: 90000", "sandbox.egress_max_seconds"),
        (
            "egress_max_connections: many",
            "sandbox.egress_max_connections",
        ),
        (
            "egress_max_connections: 5000",
            "sandbox.egress_max_connections",
        ),
    ] {
        let (message, _) = error(with_peers(&format!("sandbox:\n  {yaml}\n")));
        assert!(message.contains(key), "{yaml}: {message}");
        assert!(message.contains("positive integer"), "{yaml}: {message}");
    }
}
