//! Gemini API (gemini-cli with `GOOGLE_GEMINI_BASE_URL`): `:streamGenerateContent?alt=sse`
//! with one `data:` chunk per answer, `:generateContent` for the model router's JSON verdict,
//! and errors in Google's `{"error":{"code","message","status"}}` shape.

use serde_json::{Value, json};

use crate::http::{Response, data_event};
use crate::script::{Api, Exchange, Failure, ScriptStep, TokenUsage};
use crate::wire::{error_response, json_response};

pub(crate) fn exchange(body: &Value) -> Exchange {
    let contents = body
        .get("contents")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let parts = |content: &Value| {
        content
            .get("parts")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let tool_results = contents
        .iter()
        .flat_map(parts)
        .filter(|part| part.get("functionResponse").is_some())
        .count();
    let prompt = contents
        .iter()
        .filter(|content| content.get("role").and_then(Value::as_str) == Some("user"))
        .map(|content| {
            parts(content)
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .rfind(|text| !text.is_empty())
        .unwrap_or_default();
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("functionDeclarations").and_then(Value::as_array))
        .flatten()
        .filter_map(|declaration| declaration.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Exchange {
        api: Api::Gemini,
        tool_results,
        tools,
        prompt,
    }
}

/// The model named in `/v1beta/models/<model>:streamGenerateContent`.
pub(crate) fn model_in(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(':').next().unwrap_or(name)
}

/// The router's classifier asks for JSON (a response schema) rather than an agent turn.
pub(crate) fn wants_json(body: &Value) -> bool {
    let config = body.get("generationConfig");
    config.and_then(|c| c.get("responseJsonSchema")).is_some()
        || config.and_then(|c| c.get("responseSchema")).is_some()
        || config
            .and_then(|c| c.get("responseMimeType"))
            .and_then(Value::as_str)
            == Some("application/json")
}

fn usage_metadata(usage: &TokenUsage) -> Value {
    json!({
        "promptTokenCount": usage.prompt_with_cache(),
        "cachedContentTokenCount": usage.cached,
        "candidatesTokenCount": usage.output,
        "thoughtsTokenCount": usage.reasoning,
        "totalTokenCount": usage.total(),
    })
}

fn candidate(part: Value, usage: &TokenUsage, model: &str) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": usage_metadata(usage),
        "modelVersion": model,
    })
}

pub(crate) fn reply(model: &str, step: &ScriptStep, usage: &TokenUsage, stream: bool) -> Response {
    let part = match step {
        ScriptStep::Text { text } => json!({"text": text}),
        ScriptStep::WriteFile { path, content } => {
            json!({"functionCall": {"name": "write_file", "args": {"file_path": path, "content": content}}})
        }
        ScriptStep::Shell { command } => {
            json!({"functionCall": {"name": "run_shell_command", "args": {"command": command, "description": "Run a command"}}})
        }
    };
    let answer = candidate(part, usage, model);
    if stream {
        Response::Sse(vec![data_event(&answer.to_string())])
    } else {
        json_response(200, answer)
    }
}

/// The router's classifier verdict: simple task, so the flash model.
pub(crate) fn router_reply(usage: &TokenUsage) -> Response {
    let verdict = json!({"complexity_reasoning": "A small scripted task.", "complexity_score": 1});
    json_response(
        200,
        candidate(json!({"text": verdict.to_string()}), usage, "gemini-router"),
    )
}

pub(crate) fn failure(failure: Failure) -> Response {
    let (message, status) = match failure {
        Failure::Unauthorized => (
            "API key not valid. Please pass a valid API key. (mock)",
            "UNAUTHENTICATED",
        ),
        Failure::RateLimited => (
            "Resource has been exhausted (e.g. check quota). (mock)",
            "RESOURCE_EXHAUSTED",
        ),
        Failure::Overloaded => ("The model is overloaded. (mock)", "UNAVAILABLE"),
    };
    error_response(
        failure,
        json!({"error": {"code": failure.status(), "message": message, "status": status}}),
    )
}
