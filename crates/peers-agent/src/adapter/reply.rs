//! A finished call's whole output read through its CLI's adapter: the assistant's final text
//! (for `peers review`, which parses blocks out of it), the session id to resume and the usage
//! and cost from the same parser and price table the loop uses.

use std::ffi::OsString;

use peers_core::config::ToolKind;
use peers_process::Stream;
use serde_json::Value;

use super::{RunEnd, json_line, parser_for};
use crate::prices::PriceTable;
use crate::usage::Usage;

/// One call's answer, as its CLI reported it (usage still as reported: cumulative for a
/// resumed codex or claude session; see [`super::resumed::SessionMeter`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply {
    /// The assistant's final text; the whole stdout when the CLI wrote no structure.
    pub text: String,
    pub session_id: Option<String>,
    pub usage: Usage,
}

/// The command line and environment the call ran with (codex's model, for its price).
pub struct CallOutput<'a> {
    pub tool: &'a ToolKind,
    pub argv: &'a [String],
    pub env: &'a [(OsString, OsString)],
    pub exit_code: Option<i32>,
    pub stdout: &'a [u8],
    pub stderr: &'a [u8],
}

/// Reads a finished call's output the way `output.tool` writes it.
pub fn read_reply(output: &CallOutput<'_>, prices: &PriceTable) -> Reply {
    let mut parser = parser_for(output.tool, output.argv, output.env, prices);
    let stdout = String::from_utf8_lossy(output.stdout);
    let stderr = String::from_utf8_lossy(output.stderr);
    for line in stdout.lines() {
        parser.line(Stream::Stdout, line);
    }
    for line in stderr.lines() {
        parser.line(Stream::Stderr, line);
    }
    let parsed = parser.finish(&RunEnd {
        exit_code: output.exit_code,
        stdout: Some(output.stdout),
        stderr: Some(output.stderr),
    });
    let mut text = final_text(output.tool, &stdout);
    if text.trim().is_empty() {
        text = stdout.into_owned();
    }
    Reply {
        text,
        session_id: parsed.session_id,
        usage: parsed.usage,
    }
}

/// The assistant's final words in each CLI's format.
fn final_text(tool: &ToolKind, stdout: &str) -> String {
    let events = || stdout.lines().filter_map(json_line);
    let kind = |event: &Value| event.get("type").and_then(Value::as_str).map(str::to_owned);
    match tool {
        // `item.completed` items of type `agent_message`.
        ToolKind::Codex => events()
            .filter(|event| kind(event).as_deref() == Some("item.completed"))
            .filter_map(|event| {
                let item = event.get("item")?;
                (item.get("type")?.as_str()? == "agent_message")
                    .then(|| item.get("text")?.as_str().map(str::to_owned))?
            })
            .collect::<Vec<_>>()
            .join("\n"),
        // The final `result` event (one line, or `--output-format json` pretty-printed).
        ToolKind::Claude => serde_json::from_str::<Value>(stdout.trim())
            .ok()
            .into_iter()
            .chain(events())
            .rfind(|event| kind(event).as_deref() == Some("result"))
            .and_then(|result| result.get("result")?.as_str().map(str::to_owned))
            .unwrap_or_default(),
        // Every `text` part, one per line.
        ToolKind::Opencode => events()
            .filter(|event| kind(event).as_deref() == Some("text"))
            .filter_map(|event| event.pointer("/part/text")?.as_str().map(str::to_owned))
            .map(|part| format!("{part}\n"))
            .collect(),
        // One object with `response`.
        ToolKind::Gemini => serde_json::from_str::<Value>(stdout.trim())
            .ok()
            .and_then(|object| object.get("response")?.as_str().map(str::to_owned))
            .unwrap_or_default(),
        ToolKind::Generic(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(tool: &ToolKind, stdout: &str) -> Reply {
        read_reply(
            &CallOutput {
                tool,
                argv: &["codex".to_owned(), "-m".to_owned(), "gpt-5".to_owned()],
                env: &[],
                exit_code: Some(0),
                stdout: stdout.as_bytes(),
                stderr: b"",
            },
            &PriceTable::builtin(),
        )
    }

    #[test]
    fn codex_stream_gives_thread_text_usage_and_a_price() {
        let out = r#"{"type":"thread.started","thread_id":"t-9"}
{"type":"item.completed","item":{"type":"agent_message","text":"```findings\n```"}}
{"type":"turn.completed","usage":{"input_tokens":3333,"cached_input_tokens":666,"output_tokens":132,"reasoning_output_tokens":15}}"#;
        let reply = read(&ToolKind::Codex, out);
        assert_eq!(reply.session_id.as_deref(), Some("t-9"));
        assert_eq!(reply.text, "```findings\n```");
        let usage = reply.usage;
        assert_eq!(
            (usage.input, usage.cached, usage.output, usage.reasoning),
            (2667, 666, 117, 15)
        );
        assert!(usage.usd.is_some_and(|usd| usd > 0.0), "{usage:?}");
    }

    #[test]
    fn claude_result_keeps_cache_writes_and_cost() {
        let out = r#"{"type":"result","is_error":false,"result":"done","session_id":"s-1","total_cost_usd":0.02,"usage":{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":999,"output_tokens":3}}"#;
        let reply = read(&ToolKind::Claude, out);
        assert_eq!(reply.text, "done");
        assert_eq!(reply.session_id.as_deref(), Some("s-1"));
        assert_eq!(reply.usage.usd, Some(0.02));
        assert_eq!((reply.usage.cached, reply.usage.cache_write), (5, 999));
    }

    #[test]
    fn opencode_text_parts_and_gemini_response_are_the_text() {
        let out = r#"{"type":"text","part":{"text":"hello"}}"#;
        assert_eq!(read(&ToolKind::Opencode, out).text.trim(), "hello");
        let gem = "{\n \"session_id\":\"g\",\"response\":\"r\",\"stats\":{\"models\":{\"gemini-2.5-pro\":{\"tokens\":{\"prompt\":1111,\"cached\":222,\"candidates\":44}}}}\n}";
        let reply = read(&ToolKind::Gemini, gem);
        assert_eq!(reply.text, "r");
        assert_eq!((reply.usage.input, reply.usage.output), (889, 44));
        assert!(reply.usage.usd.is_some(), "gemini is priced from the table");
    }

    #[test]
    fn unstructured_output_is_the_text_and_its_cost_is_unknown() {
        let reply = read(&ToolKind::Codex, "plain words");
        assert_eq!(reply.text, "plain words");
        let generic = read(&ToolKind::Generic("x".into()), "x");
        assert_eq!(generic.text, "x");
        assert_eq!(generic.usage.usd, None);
    }
}
