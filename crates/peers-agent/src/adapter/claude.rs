//! Claude Code (`--output-format stream-json --verbose` or `json`): usage and cost from the
//! final `result` event only; assistant events give a live estimate that the result replaces.

use std::collections::HashSet;

use peers_process::Stream;
use serde_json::Value;

use super::{OutputParser, Parsed, RunEnd, http_status, json_line, text};
use crate::classify::{StructuredError, mentions_api_failure};
use crate::usage::{Usage, count, dollars};

/// The command peers runs for a claude peer without `argv` (see `command::default_argv`).
pub(super) const DEFAULT_ARGV: &[&str] = &[
    "claude",
    "-p",
    "--dangerously-skip-permissions",
    "--output-format",
    "stream-json",
    "--verbose",
    "{PROMPT}",
];

/// Tools that could change the worktree; Read, Grep and Glob stay available.
const DENIED_TOOLS: &str = "Edit,Write,MultiEdit,NotebookEdit,Bash";

/// How a read-only call is enforced, for the review report.
pub(super) fn read_only_label() -> String {
    format!("claude without {DENIED_TOOLS}")
}

/// argv without the permission bypass, with the writing tools denied.
pub(super) fn read_only(argv: Vec<String>) -> Vec<String> {
    let mut argv = super::argv::without(
        argv,
        &[
            "--dangerously-skip-permissions",
            "--allow-dangerously-skip-permissions",
        ],
        &["--permission-mode"],
    );
    // The `=` form: `--disallowedTools` is variadic and would swallow the prompt.
    argv.insert(
        1.min(argv.len()),
        format!("--disallowedTools={DENIED_TOOLS}"),
    );
    argv
}

/// `--resume=<id>` right after the program (the `=` form, for the same reason).
pub(super) fn resume(argv: &mut Vec<String>, id: &str) {
    argv.insert(1.min(argv.len()), format!("--resume={id}"));
}

#[derive(Debug, Default)]
pub(crate) struct ClaudeParser {
    /// Sum over distinct assistant messages (one message spans several events); its output
    /// count is the message_start value, so it is only an estimate, and has no cost.
    live: Usage,
    messages: HashSet<String>,
    result: Option<Value>,
    session_id: Option<String>,
    /// `"error"` of an assistant event (`authentication_failed`, `rate_limit`, …).
    stream_error: Option<String>,
}

impl OutputParser for ClaudeParser {
    fn line(&mut self, stream: Stream, line: &str) -> Option<Usage> {
        if stream != Stream::Stdout {
            return None;
        }
        let event = json_line(line)?;
        if self.session_id.is_none() {
            self.session_id = text(&event, "session_id");
        }
        match event.get("type").and_then(Value::as_str)? {
            "assistant" => self.assistant(&event),
            "result" => {
                let usage = result_usage(&event);
                self.result = Some(event);
                Some(usage)
            }
            _ => None,
        }
    }

    fn reads_whole_output(&self) -> bool {
        // Only when no result line streamed by: then the output is one pretty-printed object.
        self.result.is_none()
    }

    fn finish(&mut self, end: &RunEnd<'_>) -> Parsed {
        if self.result.is_none() {
            // `--output-format json` pretty-printed over several lines: parse it whole.
            self.result = end
                .stdout
                .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok())
                .filter(|value| value.get("type").and_then(Value::as_str) == Some("result"));
        }
        let Some(result) = &self.result else {
            return Parsed {
                usage: self.live,
                session_id: self.session_id.clone(),
                error: self
                    .stream_error
                    .clone()
                    .filter(|_| end.exit_code != Some(0))
                    .map(|message| structured(None, None, message)),
            };
        };
        Parsed {
            usage: result_usage(result),
            session_id: text(result, "session_id").or_else(|| self.session_id.clone()),
            error: result_error(result),
        }
    }
}

impl ClaudeParser {
    fn assistant(&mut self, event: &Value) -> Option<Usage> {
        if let Some(error) = text(event, "error") {
            self.stream_error = Some(error);
        }
        let message = event.get("message")?;
        let id = text(message, "id")?;
        let usage = message.get("usage")?;
        if !self.messages.insert(id) {
            return None;
        }
        self.live.add_tokens(&tokens(usage));
        Some(self.live)
    }
}

/// Anthropic counts are disjoint already: input excludes cache reads and writes.
fn tokens(usage: &Value) -> Usage {
    Usage {
        input: count(usage, "input_tokens"),
        cached: count(usage, "cache_read_input_tokens"),
        cache_write: count(usage, "cache_creation_input_tokens"),
        output: count(usage, "output_tokens"),
        reasoning: 0,
        usd: None,
    }
}

fn result_usage(result: &Value) -> Usage {
    let mut usage = result.get("usage").map(tokens).unwrap_or_default();
    usage.usd = dollars(result, "total_cost_usd").or_else(|| model_costs(result));
    usage
}

/// The sum of `modelUsage.<model>.costUSD`, when every model has one.
fn model_costs(result: &Value) -> Option<f64> {
    let models = result.get("modelUsage")?.as_object()?;
    if models.is_empty() {
        return None;
    }
    models.values().map(|model| dollars(model, "costUSD")).sum()
}

/// `is_error` with an API cause; `subtype` is ignored ("success" even on a 401).
fn result_error(result: &Value) -> Option<StructuredError> {
    if result.get("is_error").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let status = http_status(result.get("api_error_status"));
    let kind = text(result, "api_error_type");
    let message = text(result, "result")
        .or_else(|| text(result, "error"))
        .unwrap_or_else(|| "claude reported an error".to_owned());
    let api_cause = status.is_some()
        || kind.is_some()
        || text(result, "terminal_reason").as_deref() == Some("api_error")
        || mentions_api_failure(&message);
    api_cause.then(|| structured(status, kind, message))
}

fn structured(status: Option<u16>, kind: Option<String>, message: String) -> StructuredError {
    StructuredError {
        tool: "claude",
        status,
        kind,
        message,
    }
}
