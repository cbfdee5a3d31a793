//! OpenAI Responses API (codex `wire_api = "responses"`): `POST …/responses` answered with
//! the SSE sequence codex reads (`response.created` … `response.completed` with usage).

use serde_json::{Value, json};

use crate::http::{Response, named_event};
use crate::script::{Api, Exchange, ScriptStep, TokenUsage, heredoc_write};
use crate::wire::texts_of;

pub(crate) fn exchange(body: &Value) -> Exchange {
    let items = body
        .get("input")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let tool_results = items
        .iter()
        .filter(|item| {
            matches!(
                item.get("type").and_then(Value::as_str),
                Some("function_call_output" | "custom_tool_call_output")
            )
        })
        .count();
    let prompt = items
        .iter()
        .filter(|item| item.get("role").and_then(Value::as_str) == Some("user"))
        .map(|item| texts_of(item.get("content")))
        .rfind(|text| !text.is_empty() && !text.starts_with("<environment_context>"))
        .unwrap_or_default();
    Exchange {
        api: Api::Responses,
        tool_results,
        tools: tool_names(body),
        prompt,
    }
}

/// Function tools by `name`; namespaced tools are listed by their namespace name too.
fn tool_names(body: &Value) -> Vec<String> {
    body.get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

fn custom_apply_patch(body: &Value) -> bool {
    body.get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|tool| {
            tool.get("name").and_then(Value::as_str) == Some("apply_patch")
                && tool.get("type").and_then(Value::as_str) == Some("custom")
        })
}

pub(crate) fn reply(
    body: &Value,
    exchange: &Exchange,
    step: &ScriptStep,
    usage: &TokenUsage,
    id: u64,
) -> Response {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("mock-model");
    let item = output_item(body, exchange, step, id);
    let in_progress = response(id, model, "in_progress", &[], None);
    let mut events = vec![
        named_event(
            "response.created",
            &json!({"type": "response.created", "response": in_progress}),
        ),
        named_event(
            "response.in_progress",
            &json!({"type": "response.in_progress", "response": in_progress}),
        ),
        named_event(
            "response.output_item.added",
            &json!({"type": "response.output_item.added", "output_index": 0, "item": item}),
        ),
    ];
    if let ScriptStep::Text { text } = step {
        events.extend(text_events(&format!("msg_{id}"), text));
    }
    events.push(named_event(
        "response.output_item.done",
        &json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
    ));
    let completed = response(
        id,
        model,
        "completed",
        std::slice::from_ref(&item),
        Some(usage),
    );
    events.push(named_event(
        "response.completed",
        &json!({"type": "response.completed", "response": completed}),
    ));
    Response::Sse(events)
}

/// The one output item of the answer: a message, an apply_patch call or a shell call.
fn output_item(body: &Value, exchange: &Exchange, step: &ScriptStep, id: u64) -> Value {
    match step {
        ScriptStep::Text { text } => json!({
            "id": format!("msg_{id}"), "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }),
        ScriptStep::WriteFile { path, content } if custom_apply_patch(body) => {
            let mut patch = format!("*** Begin Patch\n*** Add File: {path}\n");
            for line in content.lines() {
                patch.push('+');
                patch.push_str(line);
                patch.push('\n');
            }
            patch.push_str("*** End Patch\n");
            json!({
                "id": format!("ctc_{id}"), "type": "custom_tool_call", "status": "completed",
                "call_id": format!("call_{id}"), "name": "apply_patch", "input": patch,
            })
        }
        ScriptStep::WriteFile { path, content } => {
            shell_call(exchange, &heredoc_write(path, content), id)
        }
        ScriptStep::Shell { command } => shell_call(exchange, command, id),
    }
}

/// The content-part and text events of a message item.
fn text_events(item_id: &str, text: &str) -> Vec<String> {
    let at = |kind: &str, extra: Value| {
        let mut event =
            json!({"type": kind, "item_id": item_id, "output_index": 0, "content_index": 0});
        if let (Some(event), Value::Object(extra)) = (event.as_object_mut(), extra) {
            event.extend(extra);
        }
        named_event(kind, &event)
    };
    vec![
        at(
            "response.content_part.added",
            json!({"part": {"type": "output_text", "text": "", "annotations": []}}),
        ),
        at("response.output_text.delta", json!({"delta": text})),
        at("response.output_text.done", json!({"text": text})),
        at(
            "response.content_part.done",
            json!({"part": {"type": "output_text", "text": text, "annotations": []}}),
        ),
    ]
}

/// `exec_command` (codex 0.169's shell tool) or, in older tool sets, `shell`.
fn shell_call(exchange: &Exchange, command: &str, id: u64) -> Value {
    let (name, arguments) = if exchange.tools.iter().any(|tool| tool == "shell")
        && !exchange.tools.iter().any(|tool| tool == "exec_command")
    {
        ("shell", json!({"command": ["bash", "-lc", command]}))
    } else {
        ("exec_command", json!({"cmd": command}))
    };
    json!({
        "id": format!("fc_{id}"), "type": "function_call", "status": "completed",
        "call_id": format!("call_{id}"), "name": name, "arguments": arguments.to_string(),
    })
}

fn response(
    id: u64,
    model: &str,
    status: &str,
    output: &[Value],
    usage: Option<&TokenUsage>,
) -> Value {
    let usage = usage.map(|usage| {
        json!({
            "input_tokens": usage.prompt_with_cache(),
            "input_tokens_details": {"cached_tokens": usage.cached},
            "output_tokens": usage.output + usage.reasoning,
            "output_tokens_details": {"reasoning_tokens": usage.reasoning},
            "total_tokens": usage.total(),
        })
    });
    json!({
        "id": format!("resp_{id}"), "object": "response", "created_at": 1_767_225_600,
        "status": status, "model": model, "output": output, "usage": usage,
    })
}
