//! Gemini CLI (`--output-format json`): one pretty-printed object on stdout at the end, with
//! `stats.models.<model>.tokens`; on an API error, a JSON object on stderr and the exit code
//! = HTTP status & 255. Gemini reports no cost: USD comes from the price table per model.

use peers_process::Stream;
use serde_json::Value;

use super::{OutputParser, Parsed, RunEnd, http_status, text};
use crate::classify::StructuredError;
use crate::prices::PriceTable;
use crate::usage::{Usage, count};

/// The command peers runs for a gemini peer without `argv` (see `command::default_argv`).
pub(super) const DEFAULT_ARGV: &[&str] = &[
    "gemini",
    "--output-format",
    "json",
    "--yolo",
    "-p",
    "{PROMPT}",
];

/// How a read-only call is enforced, for the review report.
pub(super) const READ_ONLY_LABEL: &str = "gemini without --yolo (no sandbox flag is set)";

/// argv without automatic approval.
pub(super) fn read_only(argv: Vec<String>) -> Vec<String> {
    super::argv::without(argv, &["--yolo", "-y"], &["--approval-mode"])
}

pub(crate) struct GeminiParser {
    prices: PriceTable,
}

impl GeminiParser {
    pub(crate) fn new(prices: PriceTable) -> Self {
        Self { prices }
    }

    /// Tokens summed over every model and role (the router's calls cost money too); the
    /// cost is known only if every model with tokens has a price.
    fn usage(&self, report: &Value) -> Usage {
        let mut total = Usage::default();
        let mut usd = Some(0.0);
        let models = report.pointer("/stats/models").and_then(Value::as_object);
        for (model, stats) in models.into_iter().flatten() {
            let tokens = stats.get("tokens").cloned().unwrap_or_default();
            let cached = count(&tokens, "cached");
            let prompt = count(&tokens, "prompt");
            let usage = Usage {
                // `input` is prompt − cached; tool-use prompt tokens are billed as input.
                input: prompt
                    .saturating_sub(cached)
                    .saturating_add(count(&tokens, "tool")),
                cached,
                cache_write: 0,
                output: count(&tokens, "candidates"),
                reasoning: count(&tokens, "thoughts"),
                usd: None,
            };
            usd = usd.and_then(|sum| Some(sum + self.prices.cost(model, &usage)?));
            total.add_tokens(&usage);
        }
        total.usd = usd;
        total
    }
}

impl OutputParser for GeminiParser {
    fn line(&mut self, _stream: Stream, _line: &str) -> Option<Usage> {
        // The report is one multi-line object printed at the very end: nothing live.
        None
    }

    fn reads_whole_output(&self) -> bool {
        true
    }

    fn finish(&mut self, end: &RunEnd<'_>) -> Parsed {
        let report = end.stdout.and_then(object_in);
        let failure = end.stderr.and_then(last_error_object).or_else(|| {
            report
                .as_ref()
                .filter(|report| report.get("error").is_some())
                .cloned()
        });
        let session_id = report
            .as_ref()
            .or(failure.as_ref())
            .and_then(|value| text(value, "session_id"));
        let error = (end.exit_code != Some(0))
            .then(|| error_of(failure.as_ref(), end.exit_code))
            .flatten();
        Parsed {
            usage: report
                .as_ref()
                .map(|report| self.usage(report))
                .unwrap_or_default(),
            session_id,
            error,
        }
    }
}

/// The JSON object in `bytes` (from the first `{` to the last `}`, so stray text around it
/// does not matter).
fn object_in(bytes: &[u8]) -> Option<Value> {
    let start = bytes.iter().position(|&byte| byte == b'{')?;
    let end = bytes.iter().rposition(|&byte| byte == b'}')?;
    serde_json::from_slice(bytes.get(start..=end)?).ok()
}

/// The last one-line JSON object with an `error` member on stderr (after the stack traces).
fn last_error_object(bytes: &[u8]) -> Option<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .filter(|line| line.trim_start().starts_with('{'))
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .find(|value| value.get("error").is_some())
}

/// The error from the JSON object, or from the exit code alone when it encodes an HTTP status.
fn error_of(failure: Option<&Value>, exit_code: Option<i32>) -> Option<StructuredError> {
    let from_exit = exit_code.and_then(status_from_exit);
    let Some(error) = failure.and_then(|value| value.get("error")) else {
        return from_exit.map(|status| StructuredError {
            tool: "gemini",
            status: Some(status),
            kind: None,
            message: format!(
                "gemini exited with {} (HTTP {status} & 255)",
                exit_code.unwrap_or_default()
            ),
        });
    };
    let message = text(error, "message").unwrap_or_else(|| "gemini reported an error".to_owned());
    // The message is often the API's own JSON error, with the status inside.
    let inner = serde_json::from_str::<Value>(&message).ok();
    let status = http_status(error.get("code"))
        .or_else(|| http_status(inner.as_ref()?.pointer("/error/code")))
        .or(from_exit);
    let message = inner
        .as_ref()
        .and_then(|inner| inner.pointer("/error/message"))
        .and_then(Value::as_str)
        .map_or(message.clone(), str::to_owned);
    Some(StructuredError {
        tool: "gemini",
        status,
        kind: inner
            .as_ref()
            .and_then(|inner| inner.pointer("/error/status"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        message,
    })
}

/// Gemini exits with the HTTP status & 255 on API errors; these codes mean nothing else.
fn status_from_exit(code: i32) -> Option<u16> {
    match code {
        145 => Some(401),
        147 => Some(403),
        173 => Some(429),
        244 => Some(500),
        247 => Some(503),
        17 => Some(529),
        _ => None,
    }
}
