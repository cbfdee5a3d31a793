//! Routing a request to its wire API, and what the four APIs share: reading message text,
//! error responses with a `retry-after`, and the plain answers to side requests.

use serde_json::{Value, json};

use crate::http::{Request, Response};
use crate::script::{Api, Exchange, Failure, Script, ScriptStep};
use crate::{wire_chat, wire_gemini, wire_messages, wire_responses};

/// How one request was understood and answered.
pub(crate) struct WireAnswer {
    pub(crate) api: Option<Api>,
    /// True for a request of the agent loop (tools offered, no JSON schema).
    pub(crate) agent: bool,
    pub(crate) exchange: Option<Exchange>,
    pub(crate) response: Response,
}

/// Answers `request` from `script`; `id` makes the ids in the response unique.
pub(crate) fn answer(request: &Request, script: &Script, id: u64) -> WireAnswer {
    let Some(api) = api_of(request) else {
        return WireAnswer {
            api: None,
            agent: false,
            exchange: None,
            response: side_answer(request),
        };
    };
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let exchange = match api {
        Api::Responses => wire_responses::exchange(&body),
        Api::ChatCompletions => wire_chat::exchange(&body),
        Api::Messages => wire_messages::exchange(&body),
        Api::Gemini => wire_gemini::exchange(&body),
    };
    let structured = api == Api::Gemini && wire_gemini::wants_json(&body);
    let agent = !exchange.tools.is_empty() && !structured;
    let response = match script.failure {
        Some(failure) => failure_response(api, failure),
        None => {
            // Side requests (opencode's title, gemini's router) get text, never a tool call.
            let step = if agent {
                script.next_step(&exchange)
            } else {
                ScriptStep::Text {
                    text: script.final_text.clone(),
                }
            };
            let turn = Turn {
                path: &request.path,
                body: &body,
                exchange: &exchange,
                step: &step,
                structured,
            };
            reply(api, &turn, script, id)
        }
    };
    WireAnswer {
        api: Some(api),
        agent,
        exchange: Some(exchange),
        response,
    }
}

/// The wire API of a POST, by its path.
fn api_of(request: &Request) -> Option<Api> {
    let path = request.path.as_str();
    if request.method != "POST" {
        None
    } else if path.ends_with("/responses") {
        Some(Api::Responses)
    } else if path.ends_with("/chat/completions") {
        Some(Api::ChatCompletions)
    } else if path.ends_with("/messages") {
        Some(Api::Messages)
    } else if path.contains(":streamGenerateContent") || path.contains(":generateContent") {
        Some(Api::Gemini)
    } else {
        None
    }
}

/// One request to answer with a step.
struct Turn<'a> {
    path: &'a str,
    body: &'a Value,
    exchange: &'a Exchange,
    step: &'a ScriptStep,
    /// Gemini's router: it wants JSON, not an agent turn.
    structured: bool,
}

fn reply(api: Api, turn: &Turn<'_>, script: &Script, id: u64) -> Response {
    let usage = &script.usage;
    match api {
        Api::Responses => wire_responses::reply(turn.body, turn.exchange, turn.step, usage, id),
        Api::ChatCompletions => wire_chat::reply(turn.body, turn.step, usage, id),
        Api::Messages => wire_messages::reply(turn.body, turn.step, usage, id),
        Api::Gemini if turn.structured => wire_gemini::router_reply(usage),
        Api::Gemini => {
            let stream = turn.path.contains(":streamGenerateContent");
            wire_gemini::reply(wire_gemini::model_in(turn.path), turn.step, usage, stream)
        }
    }
}

fn failure_response(api: Api, failure: Failure) -> Response {
    match api {
        Api::Responses | Api::ChatCompletions => wire_chat::openai_failure(failure),
        Api::Messages => wire_messages::failure(failure),
        Api::Gemini => wire_gemini::failure(failure),
    }
}

/// GET requests and unknown paths: an empty model list for `…/models`, 404 otherwise.
fn side_answer(request: &Request) -> Response {
    if request.method == "GET" && request.path.ends_with("/models") {
        return json_response(200, json!({"object": "list", "data": [], "models": []}));
    }
    if request.path.contains(":countTokens") {
        return json_response(200, json!({"totalTokens": 1}));
    }
    json_response(
        404,
        json!({"error": {"code": 404, "message": format!("mock server: no route for {} {}", request.method, request.path), "status": "NOT_FOUND"}}),
    )
}

pub(crate) fn json_response(status: u16, body: Value) -> Response {
    Response::Json {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

/// The error `failure` with `body`; transient ones carry `retry-after: 0` so that clients
/// honouring it retry at once (their retry COUNT is turned down through their own settings).
pub(crate) fn error_response(failure: Failure, body: Value) -> Response {
    let headers = match failure {
        Failure::Unauthorized => Vec::new(),
        Failure::RateLimited | Failure::Overloaded => vec![
            ("retry-after".to_owned(), "0".to_owned()),
            ("retry-after-ms".to_owned(), "0".to_owned()),
        ],
    };
    Response::Json {
        status: failure.status(),
        headers,
        body: body.to_string(),
    }
}

/// The text of a message `content`: a string, or the `text` of each part, joined by newlines.
pub(crate) fn texts_of(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_read_from_strings_and_part_lists() {
        assert_eq!(texts_of(Some(&json!("hi"))), "hi");
        assert_eq!(
            texts_of(Some(
                &json!([{"type": "text", "text": "a"}, {"type": "image"}, {"text": "b"}])
            )),
            "a\nb"
        );
        assert_eq!(texts_of(None), "");
    }
}
