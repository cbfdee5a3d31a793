//! opencode (`opencode run --format json`): usage and cost summed over `step_finish` events
//! (there is no summary event), the session from `sessionID`, errors from `type: error`.

use peers_process::Stream;
use serde_json::Value;

use super::{OutputParser, Parsed, RunEnd, http_status, json_line, text};
use crate::classify::StructuredError;
use crate::usage::{Usage, count, dollars};

/// The command peers runs for an opencode peer without `argv` (see `command::default_argv`).
pub(super) const DEFAULT_ARGV: &[&str] = &["opencode", "run", "--format", "json", "{PROMPT}"];

/// opencode has no read-only flag peers knows: its argv runs unchanged.
pub(super) const READ_ONLY_LABEL: &str = "not enforced: opencode has no read-only flag peers knows";

#[derive(Debug, Default)]
pub(crate) struct OpencodeParser {
    usage: Usage,
    /// Sum of `part.cost`; `None` once a step had no cost field.
    cost: Option<f64>,
    steps: u64,
    session_id: Option<String>,
    error: Option<StructuredError>,
}

impl OpencodeParser {
    /// opencode reports cost 0 for a model without prices in its config: with tokens spent,
    /// a zero total means "unknown", not "free".
    fn priced(&self) -> Usage {
        let mut usage = self.usage;
        usage.usd = self
            .cost
            .filter(|cost| *cost > 0.0 || usage.total_tokens() == 0);
        usage
    }

    fn step_finish(&mut self, part: &Value) -> Usage {
        let tokens = part.get("tokens").cloned().unwrap_or_default();
        let cache = tokens.get("cache").cloned().unwrap_or_default();
        // opencode's counts are disjoint already: input excludes cache, output excludes reasoning.
        self.usage.add_tokens(&Usage {
            input: count(&tokens, "input"),
            cached: count(&cache, "read"),
            cache_write: count(&cache, "write"),
            output: count(&tokens, "output"),
            reasoning: count(&tokens, "reasoning"),
            usd: None,
        });
        let step_cost = dollars(part, "cost");
        self.cost = match (self.steps, self.cost, step_cost) {
            (0, _, cost) => cost,
            (_, Some(sum), Some(cost)) => Some(sum + cost),
            _ => None,
        };
        self.steps += 1;
        self.priced()
    }
}

impl OutputParser for OpencodeParser {
    fn line(&mut self, stream: Stream, line: &str) -> Option<Usage> {
        if stream != Stream::Stdout {
            return None;
        }
        let event = json_line(line)?;
        if self.session_id.is_none() {
            self.session_id = text(&event, "sessionID")
                .or_else(|| event.get("part").and_then(|part| text(part, "sessionID")));
        }
        match event.get("type").and_then(Value::as_str)? {
            "step_finish" => Some(self.step_finish(event.get("part")?)),
            "error" => {
                self.error = Some(error_of(&event));
                None
            }
            _ => None,
        }
    }

    fn finish(&mut self, _end: &RunEnd<'_>) -> Parsed {
        Parsed {
            usage: self.priced(),
            session_id: self.session_id.clone(),
            error: self.error.clone(),
        }
    }
}

fn error_of(event: &Value) -> StructuredError {
    let error = event.get("error").cloned().unwrap_or_default();
    let data = error.get("data").cloned().unwrap_or_default();
    StructuredError {
        tool: "opencode",
        status: http_status(data.get("statusCode")),
        kind: text(&error, "name"),
        message: text(&data, "message")
            .or_else(|| text(&error, "message"))
            .unwrap_or_else(|| "opencode reported an error".to_owned()),
    }
}
