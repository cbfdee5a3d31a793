//! Anthropic Messages (claude `POST /v1/messages?beta=true`): the streamed event sequence
//! `message_start` … `message_stop`, tool use as `input_json_delta`, errors in Anthropic's
//! `{"type":"error","error":{…}}` shape.

use serde_json::{Value, json};

use crate::http::{Response, named_event};
use crate::script::{Api, Exchange, Failure, ScriptStep, TokenUsage};
use crate::wire::{error_response, json_response, texts_of};

pub(crate) fn exchange(body: &Value) -> Exchange {
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let user = |message: &&Value| message.get("role").and_then(Value::as_str) == Some("user");
    let tool_results = messages
        .iter()
        .filter(user)
        .filter_map(|message| message.get("content").and_then(Value::as_array))
        .flatten()
        .filter(|block| block.get("type").and_then(Value::as_str) == Some("tool_result"))
        .count();
    let prompt = messages
        .iter()
        .filter(user)
        .map(|message| texts_of(message.get("content")))
        .rfind(|text| !text.is_empty())
        .unwrap_or_default();
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Exchange {
        api: Api::Messages,
        tool_results,
        tools,
        prompt,
    }
}

pub(crate) fn reply(body: &Value, step: &ScriptStep, usage: &TokenUsage, id: u64) -> Response {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("claude-mock");
    let (block, input, stop_reason) = match step {
        ScriptStep::Text { text } => (json!({"type": "text", "text": text}), None, "end_turn"),
        ScriptStep::WriteFile { path, content } => (
            tool_block(id, "Write"),
            Some(json!({"file_path": path, "content": content})),
            "tool_use",
        ),
        ScriptStep::Shell { command } => (
            tool_block(id, "Bash"),
            Some(json!({"command": command, "description": "Run a command"})),
            "tool_use",
        ),
    };
    let start_usage = json!({
        "input_tokens": usage.input, "cache_read_input_tokens": usage.cached,
        "cache_creation_input_tokens": usage.cache_write, "output_tokens": 1,
    });
    let output_tokens = usage.output + usage.reasoning;
    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        let mut content = block.clone();
        if let Some(input) = &input {
            content["input"] = input.clone();
        }
        let mut final_usage = start_usage;
        final_usage["output_tokens"] = json!(output_tokens);
        return json_response(
            200,
            json!({
                "id": format!("msg_{id}"), "type": "message", "role": "assistant", "model": model,
                "content": [content], "stop_reason": stop_reason, "stop_sequence": null, "usage": final_usage,
            }),
        );
    }
    let mut start_block = block.clone();
    if let Some(text) = start_block.get_mut("text") {
        *text = json!("");
    }
    let delta = match (&input, step) {
        (Some(input), _) => json!({"type": "input_json_delta", "partial_json": input.to_string()}),
        (None, ScriptStep::Text { text }) => json!({"type": "text_delta", "text": text}),
        (None, _) => json!({"type": "text_delta", "text": ""}),
    };
    Response::Sse(vec![
        named_event(
            "message_start",
            &json!({"type": "message_start", "message": {
                "id": format!("msg_{id}"), "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": null, "stop_sequence": null, "usage": start_usage,
            }}),
        ),
        named_event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": 0, "content_block": start_block}),
        ),
        named_event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        ),
        named_event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": 0}),
        ),
        named_event(
            "message_delta",
            &json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                    "usage": {"output_tokens": output_tokens}}),
        ),
        named_event("message_stop", &json!({"type": "message_stop"})),
    ])
}

fn tool_block(id: u64, name: &str) -> Value {
    json!({"type": "tool_use", "id": format!("toolu_{id}"), "name": name, "input": {}})
}

pub(crate) fn failure(failure: Failure) -> Response {
    let (kind, message) = match failure {
        Failure::Unauthorized => ("authentication_error", "invalid x-api-key (mock)"),
        Failure::RateLimited => (
            "rate_limit_error",
            "This request would exceed the rate limit (mock).",
        ),
        Failure::Overloaded => ("overloaded_error", "Overloaded (mock)"),
    };
    error_response(
        failure,
        json!({"type": "error", "error": {"type": kind, "message": message}}),
    )
}
