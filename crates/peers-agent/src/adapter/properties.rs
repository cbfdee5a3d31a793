//! Property tests of each agent CLI's output parser: any line, JSON-shaped or not, on either
//! stream, then any end of run, yields usage or nothing (never a panic), and usage read from
//! the CLI's own lines is never negative nor NaN.

use std::ffi::OsString;

use peers_core::config::ToolKind;
use peers_process::Stream;
use proptest::prelude::*;

use super::{RunEnd, parser_for};
use crate::prices::PriceTable;

fn tools() -> Vec<ToolKind> {
    vec![
        ToolKind::Claude,
        ToolKind::Codex,
        ToolKind::Opencode,
        ToolKind::Gemini,
        ToolKind::Generic("aider".to_owned()),
    ]
}

/// Lines shaped like the CLIs' JSON events, with fields of the wrong types mixed in.
fn event_line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "type",
        "usage",
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "total_cost_usd",
        "session_id",
        "is_error",
        "error",
        "status",
        "message",
        "model",
        "tokens",
        "cost",
        "stats",
        "result",
        "subtype",
        "msg",
        "info",
        "total_token_usage",
    ]);
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| if f.is_finite() {
            f.to_string()
        } else {
            "1e308".to_owned()
        }),
        "[a-z_]{0,10}".prop_map(|s| format!("\"{s}\"")),
        Just("null".to_owned()),
        Just("{\"input_tokens\": 5, \"output_tokens\": -2}".to_owned()),
        Just("[1, \"x\", {}]".to_owned()),
    ];
    prop::collection::vec((key, value), 0..8).prop_map(|fields| {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        format!("{{{}}}", body.join(", "))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_parser_takes_any_output(
        lines in prop::collection::vec((prop_oneof![event_line(), "\\PC{0,80}"], any::<bool>()), 0..12),
        exit_code in prop::option::of(-1i32..256),
        whole in any::<bool>(),
    ) {
        let env: Vec<(OsString, OsString)> = Vec::new();
        for tool in tools() {
            let mut parser = parser_for(&tool, &["cli".to_owned()], &env, &PriceTable::builtin());
            let mut stdout = Vec::new();
            for (line, on_stderr) in &lines {
                let stream = if *on_stderr { Stream::Stderr } else { Stream::Stdout };
                if let Some(usage) = parser.line(stream, line) {
                    prop_assert!(usage.usd.is_none_or(|usd| usd.is_finite()), "{tool:?} {usage:?}");
                }
                stdout.extend_from_slice(line.as_bytes());
                stdout.push(b'\n');
            }
            let end = RunEnd {
                exit_code,
                stdout: whole.then_some(stdout.as_slice()),
                stderr: whole.then_some(&b""[..]),
            };
            let parsed = parser.finish(&end);
            prop_assert!(parsed.usage.usd.is_none_or(|usd| usd.is_finite()), "{tool:?}");
        }
    }
}
