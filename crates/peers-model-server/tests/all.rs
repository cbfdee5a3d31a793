//! The server over real sockets: each wire API's streamed answer, the step chosen by the tool
//! results in the request, scripted failures in each API's error shape, side requests, and
//! the request record.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "integration tests: a failed step must stop the test with its message"
)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use peers_model_server::{Api, Failure, ModelServer, Script, ScriptStep, TokenUsage};
use serde_json::{Value, json};

/// One raw HTTP/1.1 exchange: (status, head, body).
fn post(server: &ModelServer, path: &str, body: &Value, chunked: bool) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    let body = body.to_string();
    let request = if chunked {
        format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        )
    } else {
        format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\nAuthorization: Bearer k\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

/// The JSON `data:` payloads of an SSE body (not `[DONE]`).
fn data(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str(data).ok())
        .collect()
}

fn two_steps() -> Script {
    Script::steps(vec![
        ScriptStep::WriteFile {
            path: "/repo/hello.txt".to_owned(),
            content: "hi\n".to_owned(),
        },
        ScriptStep::Shell {
            command: "git commit".to_owned(),
        },
    ])
}

#[test]
fn responses_api_streams_a_function_call_then_the_final_text_with_usage() {
    let server = ModelServer::start(two_steps()).unwrap();
    let tools = json!([{"type": "function", "name": "exec_command"}]);
    let first = json!({"model": "m", "stream": true, "tools": tools,
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "do it"}]}]});
    let (status, head, body) = post(&server, "/v1/responses", &first, false);
    assert_eq!(status, 200);
    assert!(head.contains("text/event-stream"));
    let events = data(&body);
    let done = events
        .iter()
        .find(|e| e["type"] == "response.output_item.done")
        .unwrap();
    assert_eq!(done["item"]["name"], "exec_command");
    let arguments: Value =
        serde_json::from_str(done["item"]["arguments"].as_str().unwrap()).unwrap();
    assert!(
        arguments["cmd"]
            .as_str()
            .unwrap()
            .contains("/repo/hello.txt")
    );
    let completed = events.last().unwrap();
    assert_eq!(completed["type"], "response.completed");
    let usage = &completed["response"]["usage"];
    let scripted = TokenUsage::default();
    assert_eq!(usage["input_tokens"], 1111 + 222 + 333);
    assert_eq!(usage["input_tokens_details"]["cached_tokens"], 222);
    assert_eq!(usage["output_tokens"], 44 + 5);
    assert_eq!(usage["total_tokens"], scripted.total());

    let third = json!({"model": "m", "stream": true, "tools": tools, "input": [
        {"role": "user", "content": [{"type": "input_text", "text": "do it"}]},
        {"type": "function_call_output", "call_id": "a", "output": "ok"},
        {"type": "function_call_output", "call_id": "b", "output": "ok"}]});
    let (_, _, body) = post(&server, "/v1/responses", &third, false);
    let text = data(&body)
        .into_iter()
        .find(|e| e["type"] == "response.output_text.done")
        .unwrap();
    assert_eq!(text["text"], "MOCK_FINAL: done.");
    let recorded = server.agent_requests(Api::Responses);
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].exchange.as_ref().unwrap().prompt, "do it");
    assert_eq!(recorded[1].exchange.as_ref().unwrap().tool_results, 2);
    assert_eq!(recorded[0].header("AUTHORIZATION"), Some("Bearer k"));
}

#[test]
fn codex_with_apply_patch_gets_a_custom_tool_call() {
    let server = ModelServer::start(two_steps()).unwrap();
    let body = json!({"stream": true, "input": [],
        "tools": [{"type": "custom", "name": "apply_patch"}, {"type": "function", "name": "exec_command"}]});
    let (_, _, body) = post(&server, "/v1/responses", &body, false);
    let done = data(&body)
        .into_iter()
        .find(|e| e["type"] == "response.output_item.done")
        .unwrap();
    assert_eq!(done["item"]["type"], "custom_tool_call");
    assert_eq!(
        done["item"]["input"],
        "*** Begin Patch\n*** Add File: /repo/hello.txt\n+hi\n*** End Patch\n"
    );
}

#[test]
fn chat_completions_stream_the_tool_call_then_a_usage_chunk_and_done() {
    let server = ModelServer::start(two_steps()).unwrap();
    let body = json!({"model": "mock-model", "stream": true, "stream_options": {"include_usage": true},
        "tools": [{"type": "function", "function": {"name": "write"}}],
        "messages": [{"role": "user", "content": "go"}]});
    let (_, _, text) = post(&server, "/v1/chat/completions", &body, true);
    assert!(text.trim_end().ends_with("data: [DONE]"));
    let chunks = data(&text);
    let call = &chunks[0]["choices"][0]["delta"]["tool_calls"][0]["function"];
    assert_eq!(call["name"], "write");
    let arguments: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(
        arguments,
        json!({"filePath": "/repo/hello.txt", "content": "hi\n"})
    );
    assert_eq!(chunks[1]["choices"][0]["finish_reason"], "tool_calls");
    let usage = &chunks[2]["usage"];
    assert_eq!(usage["prompt_tokens"], 1666);
    assert_eq!(usage["completion_tokens_details"]["reasoning_tokens"], 5);

    // opencode's title request has no tools: text, and not an agent request.
    let title = json!({"stream": true, "messages": [{"role": "user", "content": "title?"}]});
    let (_, _, text) = post(&server, "/v1/chat/completions", &title, false);
    assert_eq!(
        data(&text)[0]["choices"][0]["delta"]["content"],
        "MOCK_FINAL: done."
    );
    assert_eq!(server.agent_requests(Api::ChatCompletions).len(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn anthropic_messages_stream_tool_use_as_input_json() {
    let server = ModelServer::start(two_steps()).unwrap();
    let body = json!({"model": "claude-x", "stream": true, "tools": [{"name": "Write"}, {"name": "Bash"}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "go"}]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]}]});
    let (_, _, text) = post(&server, "/v1/messages?beta=true", &body, false);
    let events = data(&text);
    assert_eq!(
        events[0]["message"]["usage"]["cache_creation_input_tokens"],
        333
    );
    assert_eq!(events[1]["content_block"]["name"], "Bash");
    let input: Value =
        serde_json::from_str(events[2]["delta"]["partial_json"].as_str().unwrap()).unwrap();
    assert_eq!(input["command"], "git commit");
    assert_eq!(events[4]["delta"]["stop_reason"], "tool_use");
    assert_eq!(events[4]["usage"]["output_tokens"], 49);
    assert_eq!(server.requests()[0].query, "beta=true");
}

#[test]
fn gemini_streams_a_function_call_and_answers_the_router_with_json() {
    let server = ModelServer::start(two_steps()).unwrap();
    let body = json!({"contents": [{"role": "user", "parts": [{"text": "go"}]}],
        "tools": [{"functionDeclarations": [{"name": "write_file"}, {"name": "run_shell_command"}]}]});
    let (_, _, text) = post(
        &server,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        &body,
        false,
    );
    let chunk = &data(&text)[0];
    let call = &chunk["candidates"][0]["content"]["parts"][0]["functionCall"];
    assert_eq!(call["name"], "write_file");
    assert_eq!(call["args"]["file_path"], "/repo/hello.txt");
    assert_eq!(chunk["usageMetadata"]["promptTokenCount"], 1666);
    assert_eq!(chunk["modelVersion"], "gemini-2.5-flash");

    let router = json!({"contents": [{"role": "user", "parts": [{"text": "classify"}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": {}}});
    let (status, _, text) = post(
        &server,
        "/v1beta/models/gemini-router:generateContent",
        &router,
        false,
    );
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&text).unwrap();
    let verdict: Value = serde_json::from_str(
        answer["candidates"][0]["content"]["parts"][0]["text"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(verdict["complexity_score"], 1);
    assert_eq!(server.agent_requests(Api::Gemini).len(), 1);
}

#[test]
fn failures_use_each_apis_error_shape_and_transient_ones_say_retry_after() {
    let cases = [
        (
            "/v1/responses",
            Failure::Unauthorized,
            "/error/code",
            json!("invalid_api_key"),
        ),
        (
            "/v1/chat/completions",
            Failure::RateLimited,
            "/error/code",
            json!("rate_limit_exceeded"),
        ),
        (
            "/v1/messages",
            Failure::Overloaded,
            "/error/type",
            json!("overloaded_error"),
        ),
        (
            "/v1beta/models/m:streamGenerateContent",
            Failure::Unauthorized,
            "/error/status",
            json!("UNAUTHENTICATED"),
        ),
    ];
    for (path, failure, pointer, expected) in cases {
        let server = ModelServer::start(Script::failing(failure)).unwrap();
        let (status, head, body) = post(&server, path, &json!({"tools": []}), false);
        assert_eq!(status, failure.status(), "{path}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body.pointer(pointer), Some(&expected), "{path}: {body}");
        assert_eq!(
            head.contains("retry-after: 0"),
            failure != Failure::Unauthorized,
            "{head}"
        );
        assert_eq!(server.requests()[0].status, failure.status());
    }
}

#[test]
fn unknown_routes_are_recorded_and_answered_404() {
    let server = ModelServer::start(Script::default()).unwrap();
    let (status, _, _) = post(&server, "/v2/elsewhere", &json!({}), false);
    assert_eq!(status, 404);
    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].api, None);
    assert_eq!(recorded[0].path, "/v2/elsewhere");
}

#[test]
fn a_responder_answers_from_the_prompt() {
    let script = Script::default().with_responder(|exchange| {
        (exchange.api == Api::Messages).then(|| ScriptStep::Text {
            text: format!("echo: {}", exchange.prompt),
        })
    });
    let server = ModelServer::start(script).unwrap();
    let body = json!({"stream": true, "tools": [{"name": "Read"}],
        "messages": [{"role": "user", "content": "ping"}]});
    let (_, _, text) = post(&server, "/v1/messages", &body, false);
    assert_eq!(data(&text)[2]["delta"]["text"], "echo: ping");
}
