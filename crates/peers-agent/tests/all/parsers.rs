//! Each CLI's recorded output (tests/fixtures, from shared/reference/agent-clis.md) replayed
//! through `invoke`: usage, cost, session id and the classification of its errors.

use peers_agent::{Classification, LiveEvent, Usage};
use peers_core::config::ToolKind;

use crate::support::{replay, run, shell};

fn usage(input: u64, cached: u64, cache_write: u64, output: u64, reasoning: u64) -> Usage {
    Usage {
        input,
        cached,
        cache_write,
        output,
        reasoning,
        usd: None,
    }
}

fn tokens_only(mut usage: Usage) -> Usage {
    usage.usd = None;
    usage
}

fn live_usages(events: &[LiveEvent]) -> Vec<Usage> {
    events
        .iter()
        .filter_map(|event| match event {
            LiveEvent::Usage(usage) => Some(*usage),
            LiveEvent::Output { .. } | LiveEvent::Tick | LiveEvent::Started { .. } => None,
        })
        .collect()
}

#[test]
fn claude_usage_comes_from_the_result_event_only() {
    // Guards against double counting: assistant events repeat usage per content block.
    let (run, events) = run(&shell(
        ToolKind::Claude,
        &replay(Some("claude_stream_success.jsonl"), None, 0),
    ));
    assert_eq!(run.classification, Classification::Success);
    assert_eq!(tokens_only(run.usage), usage(3333, 666, 999, 132, 0));
    assert_eq!(run.usage.usd, Some(0.0211002));
    assert_eq!(run.usage.total_tokens(), 5130);
    assert_eq!(
        run.session_id.as_deref(),
        Some("c1a0de00-0000-4000-8000-000000000001")
    );
    let live = live_usages(&events);
    // Three distinct assistant messages give a live estimate; the result replaces it.
    assert_eq!(live.first().map(|u| u.input), Some(1111));
    assert_eq!(live.last().copied(), Some(run.usage));
}

#[test]
fn claude_pretty_json_output_is_parsed_whole() {
    let (run, _) = run(&shell(
        ToolKind::Claude,
        &replay(Some("claude_json_pretty.json"), None, 0),
    ));
    assert_eq!(tokens_only(run.usage), usage(3333, 666, 999, 132, 0));
    assert_eq!(run.usage.usd, Some(0.0211002));
}

#[test]
fn claude_structured_errors_classify_by_status_not_subtype() {
    for (fixture, expected, halt) in [
        ("claude_401.json", Classification::ApiError, true),
        ("claude_stream_401.jsonl", Classification::ApiError, true),
        ("claude_429.json", Classification::RateLimited, false),
        ("claude_529.json", Classification::Overloaded, false),
    ] {
        let (run, _) = run(&shell(ToolKind::Claude, &replay(Some(fixture), None, 1)));
        assert_eq!(run.classification, expected, "{fixture}");
        let matched = run.matched.unwrap();
        assert_eq!(
            (matched.source, matched.halt),
            ("structured", halt),
            "{fixture}"
        );
        assert!(
            matched.pattern.starts_with("structured:claude:"),
            "{fixture}"
        );
    }
}

#[test]
fn codex_usage_sums_turns_and_splits_cached_and_reasoning() {
    let mut inv = shell(
        ToolKind::Codex,
        &replay(Some("codex_success.jsonl"), Some("codex_stderr.txt"), 0),
    );
    // The model for the price comes from argv; the shell ignores the extra words.
    inv.command
        .argv
        .extend(["sh".into(), "-m".into(), "gpt-5".into()]);
    let (run, events) = run(&inv);
    assert_eq!(run.classification, Classification::Success);
    // input_tokens includes cached; output_tokens includes reasoning.
    assert_eq!(
        tokens_only(run.usage),
        usage(4444 - 888, 888, 0, 176 - 20, 20)
    );
    let expected_usd = (3556.0 * 1.25 + 888.0 * 0.125 + 176.0 * 10.0) / 1e6;
    assert!((run.usage.usd.unwrap() - expected_usd).abs() < 1e-12);
    assert_eq!(
        run.session_id.as_deref(),
        Some("0199a213-81c0-7800-8aa1-bbab2a035a53")
    );
    let live = live_usages(&events);
    assert_eq!(live.len(), 2, "one live update per turn.completed");
    assert_eq!(live[0].input, 3333 - 666);
}

#[test]
fn codex_unknown_model_has_unknown_cost_not_zero() {
    let (run, _) = run(&shell(
        ToolKind::Codex,
        &replay(Some("codex_success.jsonl"), None, 0),
    ));
    assert!(run.usage.total_tokens() > 0);
    assert_eq!(run.usage.usd, None);
}

#[test]
fn codex_structured_errors() {
    for (fixture, expected, halt) in [
        ("codex_401.jsonl", Classification::ApiError, true),
        ("codex_429.jsonl", Classification::RateLimited, false),
        ("codex_529.jsonl", Classification::Overloaded, false),
    ] {
        let (run, _) = run(&shell(ToolKind::Codex, &replay(Some(fixture), None, 1)));
        assert_eq!(run.classification, expected, "{fixture}");
        assert_eq!(run.matched.unwrap().halt, halt, "{fixture}");
    }
}

#[test]
fn codex_retry_notice_followed_by_success_is_success() {
    let (run, _) = run(&shell(
        ToolKind::Codex,
        &replay(Some("codex_retry_then_success.jsonl"), None, 0),
    ));
    assert_eq!(run.classification, Classification::Success);
    assert_eq!(run.matched, None);
}

#[test]
fn opencode_sums_steps_tokens_and_cost() {
    let (run, events) = run(&shell(
        ToolKind::Opencode,
        &replay(Some("opencode_success.jsonl"), None, 0),
    ));
    assert_eq!(run.classification, Classification::Success);
    assert_eq!(
        tokens_only(run.usage),
        usage(889 * 3, 222 * 3, 0, 39 * 3, 5 * 3)
    );
    assert_eq!(run.usage.total_tokens(), 1155 * 3);
    assert!((run.usage.usd.unwrap() - 0.0033936 * 3.0).abs() < 1e-12);
    assert_eq!(run.session_id.as_deref(), Some("ses_5f1a2b3c4d5e6f"));
    assert_eq!(live_usages(&events).len(), 3);
}

#[test]
fn opencode_zero_cost_with_tokens_is_unknown() {
    let (run, _) = run(&shell(
        ToolKind::Opencode,
        &replay(Some("opencode_unpriced.jsonl"), None, 0),
    ));
    assert!(run.usage.total_tokens() > 0);
    assert_eq!(run.usage.usd, None);
}

#[test]
fn opencode_structured_errors() {
    for (fixture, expected, halt) in [
        ("opencode_401.jsonl", Classification::ApiError, true),
        ("opencode_429.jsonl", Classification::RateLimited, false),
        ("opencode_529.jsonl", Classification::Overloaded, false),
    ] {
        let (run, _) = run(&shell(ToolKind::Opencode, &replay(Some(fixture), None, 1)));
        assert_eq!(run.classification, expected, "{fixture}");
        assert_eq!(run.matched.unwrap().halt, halt, "{fixture}");
    }
}

#[test]
fn gemini_usage_from_stats_models_priced_per_model() {
    let (run, events) = run(&shell(
        ToolKind::Gemini,
        &replay(
            Some("gemini_success.json"),
            Some("gemini_success.stderr"),
            0,
        ),
    ));
    assert_eq!(run.classification, Classification::Success);
    assert_eq!(
        tokens_only(run.usage),
        usage(2667 + 889, 666 + 222, 0, 132 + 44, 15 + 5)
    );
    let flash = (2667.0 * 0.3 + 666.0 * 0.03 + 147.0 * 2.5) / 1e6;
    let lite = (889.0 * 0.1 + 222.0 * 0.01 + 49.0 * 0.4) / 1e6;
    assert!((run.usage.usd.unwrap() - (flash + lite)).abs() < 1e-12);
    assert_eq!(
        run.session_id.as_deref(),
        Some("9e1f2a3b-0000-4000-8000-00000000000a")
    );
    // Gemini reports once, at the end; the observer still hears about it.
    assert_eq!(live_usages(&events), vec![run.usage]);
}

#[test]
fn gemini_unknown_model_makes_the_whole_cost_unknown() {
    let (run, _) = run(&shell(
        ToolKind::Gemini,
        &replay(Some("gemini_unknown_model.json"), None, 0),
    ));
    assert!(run.usage.total_tokens() > 0);
    assert_eq!(run.usage.usd, None);
}

#[test]
fn gemini_errors_come_from_stderr_json_and_exit_code() {
    for (stderr, code, expected, halt) in [
        ("gemini_401.stderr", 145, Classification::ApiError, true),
        ("gemini_429.stderr", 173, Classification::RateLimited, false),
        ("gemini_529.stderr", 17, Classification::Overloaded, false),
        (
            "gemini_auth_method.stderr",
            41,
            Classification::ApiError,
            true,
        ),
    ] {
        let (run, _) = run(&shell(ToolKind::Gemini, &replay(None, Some(stderr), code)));
        assert_eq!(run.classification, expected, "{stderr}");
        assert_eq!(run.exit_code, Some(code));
        assert_eq!(run.matched.unwrap().halt, halt, "{stderr}");
    }
}

#[test]
fn gemini_exit_code_alone_still_says_rate_limited() {
    let (run, _) = run(&shell(
        ToolKind::Gemini,
        "echo 'no json here' >&2; exit 173",
    ));
    assert_eq!(run.classification, Classification::RateLimited);
}

#[test]
fn generic_tool_has_no_usage_and_unknown_cost() {
    let (run, _) = run(&shell(
        ToolKind::Generic("x".into()),
        &replay(Some("claude_stream_success.jsonl"), None, 0),
    ));
    assert_eq!(run.usage, Usage::default());
    assert_eq!(run.session_id, None);
}
