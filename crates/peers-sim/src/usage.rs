//! The usage event of each real agent CLI, as `emit_usage` prints it, so the agent parsers
//! read the sim exactly as they read the real tool (shapes from the recorded outputs).

use serde_json::{Value, json};

use crate::script::Tool;

/// Token counts in one convention: `input` excludes cache reads, `cached` is the cache reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UsageCounts {
    pub input: u64,
    pub output: u64,
    pub cached: u64,
    pub usd: Option<f64>,
}

/// The text `tool` would print for this usage; ends with a newline.
pub(crate) fn render(tool: Tool, counts: &UsageCounts) -> String {
    match tool {
        Tool::Claude => line(&claude(counts)),
        Tool::Codex => line(&codex(counts)),
        Tool::Opencode => line(&opencode(counts)),
        // gemini prints one pretty-printed object, not a JSON line.
        Tool::Gemini => format!("{:#}\n", gemini(counts)),
    }
}

fn line(value: &Value) -> String {
    format!("{value}\n")
}

/// claude `--output-format json|stream-json`: the final `result` object.
fn claude(c: &UsageCounts) -> Value {
    let usd = c.usd.unwrap_or(0.0);
    json!({
        "type": "result", "subtype": "success", "is_error": false, "num_turns": 1,
        "result": "sim turn finished", "total_cost_usd": usd,
        "usage": {
            "input_tokens": c.input, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": c.cached, "output_tokens": c.output
        },
        "modelUsage": {"sim-model": {
            "inputTokens": c.input, "outputTokens": c.output,
            "cacheReadInputTokens": c.cached, "cacheCreationInputTokens": 0, "costUSD": usd
        }},
        "api_error_status": null, "terminal_reason": "completed", "session_id": "sim-session"
    })
}

/// codex `exec --json`: `turn.completed`; its input count includes the cached part; no cost.
fn codex(c: &UsageCounts) -> Value {
    json!({"type": "turn.completed", "usage": {
        "input_tokens": c.input + c.cached, "cached_input_tokens": c.cached,
        "cache_write_input_tokens": 0, "output_tokens": c.output, "reasoning_output_tokens": 0
    }})
}

/// opencode `run --format json`: one `step_finish` whose `input` excludes the cache reads.
fn opencode(c: &UsageCounts) -> Value {
    json!({"type": "step_finish", "timestamp": 0, "sessionID": "ses_sim", "part": {
        "type": "step-finish", "reason": "stop",
        "tokens": {
            "total": c.input + c.cached + c.output, "input": c.input, "output": c.output,
            "reasoning": 0, "cache": {"write": 0, "read": c.cached}
        },
        "cost": c.usd.unwrap_or(0.0)
    }})
}

/// gemini `--output-format json`: `stats.models.<model>.tokens`; `prompt` includes cached,
/// `input` does not; no cost.
fn gemini(c: &UsageCounts) -> Value {
    let prompt = c.input + c.cached;
    json!({
        "session_id": "sim-session", "response": "sim turn finished",
        "stats": {"models": {"sim-model": {
            "api": {"totalRequests": 1, "totalErrors": 0, "totalLatencyMs": 1},
            "tokens": {
                "input": c.input, "prompt": prompt, "candidates": c.output,
                "total": prompt + c.output, "cached": c.cached, "thoughts": 0, "tool": 0
            }
        }}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTS: UsageCounts = UsageCounts {
        input: 889,
        output: 44,
        cached: 222,
        usd: Some(0.25),
    };

    fn parsed(tool: Tool) -> Value {
        serde_json::from_str(&render(tool, &COUNTS)).unwrap()
    }

    #[test]
    fn claude_result_carries_usage_and_cost() {
        let value = parsed(Tool::Claude);
        assert_eq!(value["type"], "result");
        assert_eq!(value["is_error"], false);
        assert_eq!(value["usage"]["input_tokens"], 889);
        assert_eq!(value["usage"]["cache_read_input_tokens"], 222);
        assert_eq!(value["usage"]["output_tokens"], 44);
        assert_eq!(value["total_cost_usd"], 0.25);
    }

    #[test]
    fn codex_counts_cached_inside_input_and_has_no_cost() {
        let text = render(Tool::Codex, &COUNTS);
        assert_eq!(text.lines().count(), 1);
        let value = parsed(Tool::Codex);
        assert_eq!(value["type"], "turn.completed");
        assert_eq!(value["usage"]["input_tokens"], 1111);
        assert_eq!(value["usage"]["cached_input_tokens"], 222);
        assert!(!text.contains("cost"));
    }

    #[test]
    fn opencode_step_finish_matches_the_recorded_shape() {
        let value = parsed(Tool::Opencode);
        assert_eq!(value["part"]["tokens"]["input"], 889);
        assert_eq!(value["part"]["tokens"]["cache"]["read"], 222);
        assert_eq!(value["part"]["tokens"]["total"], 1155);
        assert_eq!(value["part"]["cost"], 0.25);
    }

    #[test]
    fn gemini_is_one_pretty_object_with_prompt_including_cached() {
        let text = render(Tool::Gemini, &COUNTS);
        assert!(text.lines().count() > 1);
        let value = parsed(Tool::Gemini);
        let tokens = &value["stats"]["models"]["sim-model"]["tokens"];
        assert_eq!(tokens["prompt"], 1111);
        assert_eq!(tokens["input"], 889);
        assert_eq!(tokens["candidates"], 44);
        assert!(!text.contains("cost"));
    }
}
