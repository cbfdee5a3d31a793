//! What a reviewer said, read from its CLI's output: the final text, the session id (to resume
//! the next round) and the tokens and cost it reports. Unstructured output is taken as text.

use peers_core::config::ToolKind;
use serde_json::Value;

/// Tokens and cost of one call, as far as the CLI reports them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub input: u64,
    pub cached: u64,
    pub output: u64,
    /// `None`: the CLI reports no cost (codex, gemini, generic tools).
    pub usd: Option<f64>,
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        self.input += other.input;
        self.cached += other.cached;
        self.output += other.output;
        self.usd = match (self.usd, other.usd) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
    }
}

/// One call's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply {
    /// The assistant's final text (what the findings/stances blocks are parsed from).
    pub text: String,
    pub session_id: Option<String>,
    pub usage: Usage,
}

/// Reads `stdout` the way `tool` writes it.
pub fn read_reply(tool: &ToolKind, stdout: &str) -> Reply {
    let mut reply = match tool {
        ToolKind::Codex => codex(stdout),
        ToolKind::Claude => claude(stdout),
        ToolKind::Opencode => opencode(stdout),
        ToolKind::Gemini => gemini(stdout),
        ToolKind::Generic(_) => Reply::default(),
    };
    if reply.text.trim().is_empty() {
        reply.text = stdout.to_owned();
    }
    reply
}

fn json_lines(stdout: &str) -> impl Iterator<Item = Value> + '_ {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
}

fn number(value: &Value, path: &[&str]) -> u64 {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

fn text(value: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `codex exec --json`: `thread.started.thread_id`, `agent_message` items, `turn.completed.usage`.
fn codex(stdout: &str) -> Reply {
    let mut reply = Reply::default();
    let mut messages = Vec::new();
    for event in json_lines(stdout) {
        match event.get("type").and_then(Value::as_str) {
            Some("thread.started") => reply.session_id = text(&event, &["thread_id"]),
            Some("item.completed")
                if text(&event, &["item", "type"]).as_deref() == Some("agent_message") =>
            {
                messages.extend(text(&event, &["item", "text"]));
            }
            Some("turn.completed") => {
                reply.usage.input += number(&event, &["usage", "input_tokens"]);
                reply.usage.cached += number(&event, &["usage", "cached_input_tokens"]);
                reply.usage.output += number(&event, &["usage", "output_tokens"]);
            }
            _ => {}
        }
    }
    reply.text = messages.join("\n");
    reply
}

/// `claude -p --output-format json|stream-json`: the final `result` object carries it all.
fn claude(stdout: &str) -> Reply {
    let whole = serde_json::from_str::<Value>(stdout.trim()).ok();
    let result = whole
        .into_iter()
        .chain(json_lines(stdout))
        .filter(|event| event.get("type").and_then(Value::as_str) == Some("result"))
        .last();
    let Some(result) = result else {
        return Reply::default();
    };
    Reply {
        text: text(&result, &["result"]).unwrap_or_default(),
        session_id: text(&result, &["session_id"]),
        usage: Usage {
            input: number(&result, &["usage", "input_tokens"]),
            cached: number(&result, &["usage", "cache_read_input_tokens"]),
            output: number(&result, &["usage", "output_tokens"]),
            usd: result.get("total_cost_usd").and_then(Value::as_f64),
        },
    }
}

/// `opencode run --format json`: `text` parts, and tokens and cost per `step_finish`.
fn opencode(stdout: &str) -> Reply {
    let mut reply = Reply::default();
    for event in json_lines(stdout) {
        match event.get("type").and_then(Value::as_str) {
            Some("text") => {
                if let Some(part) = text(&event, &["part", "text"]) {
                    reply.text.push_str(&part);
                    reply.text.push('\n');
                }
            }
            Some("step_finish") => {
                let part = event.get("part").cloned().unwrap_or(Value::Null);
                reply.usage.add(&Usage {
                    input: number(&part, &["tokens", "input"]),
                    cached: number(&part, &["tokens", "cache", "read"]),
                    output: number(&part, &["tokens", "output"]),
                    usd: part.get("cost").and_then(Value::as_f64),
                });
            }
            _ => {}
        }
        if reply.session_id.is_none() {
            reply.session_id = text(&event, &["sessionID"]);
        }
    }
    reply
}

/// `gemini --output-format json`: one object with `response` and `stats.models.*.tokens`.
fn gemini(stdout: &str) -> Reply {
    let Ok(object) = serde_json::from_str::<Value>(stdout.trim()) else {
        return Reply::default();
    };
    let mut reply = Reply {
        text: text(&object, &["response"]).unwrap_or_default(),
        session_id: text(&object, &["session_id"]),
        usage: Usage::default(),
    };
    if let Some(models) = object.pointer("/stats/models").and_then(Value::as_object) {
        for model in models.values() {
            reply.usage.input += number(model, &["tokens", "prompt"]);
            reply.usage.cached += number(model, &["tokens", "cached"]);
            reply.usage.output += number(model, &["tokens", "candidates"]);
        }
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_stream_gives_thread_text_and_usage() {
        let out = r#"{"type":"thread.started","thread_id":"t-9"}
{"type":"item.completed","item":{"type":"agent_message","text":"```findings\n```"}}
{"type":"turn.completed","usage":{"input_tokens":3333,"cached_input_tokens":666,"output_tokens":132}}"#;
        let reply = read_reply(&ToolKind::Codex, out);
        assert_eq!(reply.session_id.as_deref(), Some("t-9"));
        assert_eq!(reply.text, "```findings\n```");
        assert_eq!(
            (reply.usage.input, reply.usage.cached, reply.usage.output),
            (3333, 666, 132)
        );
        assert_eq!(reply.usage.usd, None);
    }

    #[test]
    fn claude_result_gives_session_cost_and_usage() {
        let out = r#"{"type":"result","is_error":false,"result":"done","session_id":"s-1","total_cost_usd":0.02,"usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":3}}"#;
        let reply = read_reply(&ToolKind::Claude, out);
        assert_eq!(reply.text, "done");
        assert_eq!(reply.session_id.as_deref(), Some("s-1"));
        assert_eq!(reply.usage.usd, Some(0.02));
        assert_eq!(reply.usage.cached, 5);
    }

    #[test]
    fn opencode_sums_steps_and_gemini_reads_stats() {
        let out = r#"{"type":"text","part":{"text":"hello"}}
{"type":"step_finish","part":{"tokens":{"input":889,"output":39,"cache":{"read":222}},"cost":0.5}}
{"type":"step_finish","part":{"tokens":{"input":1,"output":1,"cache":{"read":0}},"cost":0.25}}"#;
        let reply = read_reply(&ToolKind::Opencode, out);
        assert_eq!(reply.text.trim(), "hello");
        assert_eq!(reply.usage.input, 890);
        assert_eq!(reply.usage.usd, Some(0.75));
        let gem = "{\n \"session_id\":\"g\",\"response\":\"r\",\"stats\":{\"models\":{\"m\":{\"tokens\":{\"prompt\":1111,\"cached\":222,\"candidates\":44}}}}\n}";
        let reply = read_reply(&ToolKind::Gemini, gem);
        assert_eq!(
            (reply.text.as_str(), reply.usage.input, reply.usage.output),
            ("r", 1111, 44)
        );
    }

    #[test]
    fn unstructured_output_is_the_text() {
        let reply = read_reply(&ToolKind::Codex, "plain words");
        assert_eq!(reply.text, "plain words");
        assert_eq!(read_reply(&ToolKind::Generic("x".into()), "x").text, "x");
    }
}
