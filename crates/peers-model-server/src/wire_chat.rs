//! OpenAI Chat Completions (opencode through `@ai-sdk/openai-compatible`): SSE chunks, the
//! tool call in one delta, then a usage-only chunk (`stream_options.include_usage`) and `[DONE]`.

use serde_json::{Value, json};

use crate::http::{Response, data_event};
use crate::script::{Api, Exchange, Failure, ScriptStep, TokenUsage};
use crate::wire::{error_response, json_response, texts_of};

pub(crate) fn exchange(body: &Value) -> Exchange {
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let tool_results = messages
        .iter()
        .filter(|message| message.get("role").and_then(Value::as_str) == Some("tool"))
        .count();
    let prompt = messages
        .iter()
        .filter(|message| message.get("role").and_then(Value::as_str) == Some("user"))
        .map(|message| texts_of(message.get("content")))
        .rfind(|text| !text.is_empty())
        .unwrap_or_default();
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.pointer("/function/name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Exchange {
        api: Api::ChatCompletions,
        tool_results,
        tools,
        prompt,
    }
}

pub(crate) fn reply(body: &Value, step: &ScriptStep, usage: &TokenUsage, id: u64) -> Response {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("mock-model");
    let chunk = |choices: Value, usage: Option<Value>| {
        let mut chunk = json!({
            "id": format!("chatcmpl-{id}"), "object": "chat.completion.chunk",
            "created": 1_767_225_600, "model": model, "choices": choices,
        });
        if let Some(usage) = usage {
            chunk["usage"] = usage;
        }
        chunk
    };
    let (delta, finish) = match step {
        ScriptStep::Text { text } => (json!({"role": "assistant", "content": text}), "stop"),
        ScriptStep::WriteFile { path, content } => (
            tool_delta(id, "write", json!({"filePath": path, "content": content})),
            "tool_calls",
        ),
        ScriptStep::Shell { command } => (
            tool_delta(
                id,
                "bash",
                json!({"command": command, "description": "Run a command"}),
            ),
            "tool_calls",
        ),
    };
    let usage = json!({
        "prompt_tokens": usage.prompt_with_cache(),
        "completion_tokens": usage.output + usage.reasoning,
        "total_tokens": usage.total(),
        "prompt_tokens_details": {"cached_tokens": usage.cached},
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning},
    });
    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        let mut message = delta;
        message["role"] = json!("assistant");
        return json_response(
            200,
            json!({
                "id": format!("chatcmpl-{id}"), "object": "chat.completion", "created": 1_767_225_600,
                "model": model, "usage": usage,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            }),
        );
    }
    Response::Sse(vec![
        data_event(
            &chunk(
                json!([{"index": 0, "delta": delta, "finish_reason": null}]),
                None,
            )
            .to_string(),
        ),
        data_event(
            &chunk(
                json!([{"index": 0, "delta": {}, "finish_reason": finish}]),
                None,
            )
            .to_string(),
        ),
        data_event(&chunk(json!([]), Some(usage)).to_string()),
        data_event("[DONE]"),
    ])
}

fn tool_delta(id: u64, name: &str, arguments: Value) -> Value {
    json!({
        "role": "assistant",
        "tool_calls": [{
            "index": 0, "id": format!("call_{id}"), "type": "function",
            "function": {"name": name, "arguments": arguments.to_string()},
        }],
    })
}

/// OpenAI's error body, the same for its Chat Completions and Responses APIs.
pub(crate) fn openai_failure(failure: Failure) -> Response {
    let (message, kind, code) = match failure {
        Failure::Unauthorized => (
            "Incorrect API key provided: dummy. (mock)",
            "invalid_request_error",
            "invalid_api_key",
        ),
        Failure::RateLimited => (
            "Rate limit reached for requests (mock)",
            "requests",
            "rate_limit_exceeded",
        ),
        Failure::Overloaded => (
            "The server is overloaded (mock)",
            "server_error",
            "server_overloaded",
        ),
    };
    error_response(
        failure,
        json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
    )
}
