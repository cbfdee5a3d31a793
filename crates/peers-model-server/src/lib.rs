//! peers-model-server: a scripted model server on 127.0.0.1 for end-to-end tests of the real
//! agent CLIs. It speaks each CLI's own wire API with SSE streaming — OpenAI Responses
//! (codex), Chat Completions (opencode), Anthropic Messages (claude), Gemini (gemini) — answers
//! agent requests with scripted tool calls of the CLI's own file and shell tools, reports
//! scripted token counts, fails on demand with 401/429/529 in each API's error shape, and
//! records every request for assertions. It never connects anywhere itself.
//!
//! The script is stateless per conversation: the n-th step answers the request that already
//! carries n tool results (see `shared/reference/agent-clis.md`, cross-cutting finding 9).
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod http;
mod script;
mod wire;
mod wire_chat;
mod wire_gemini;
mod wire_messages;
mod wire_responses;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

pub use script::{Api, Exchange, Failure, Responder, Script, ScriptStep, TokenUsage};

/// One request the server received, and how it answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `None` for requests outside the four APIs (answered 404, or an empty model list).
    pub api: Option<Api>,
    /// A request of the agent loop (tools offered, no JSON schema); side requests such as
    /// opencode's title or gemini's router are not.
    pub agent: bool,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when it was not JSON).
    pub body: serde_json::Value,
    pub exchange: Option<Exchange>,
    /// The status the server answered with.
    pub status: u16,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

struct Shared {
    script: Mutex<Script>,
    requests: Mutex<Vec<RecordedRequest>>,
    stop: AtomicBool,
    next_id: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not take the recorded requests with it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running server; dropping it stops it.
pub struct ModelServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl ModelServer {
    /// Binds 127.0.0.1 on a free port and serves `script` until dropped.
    pub fn start(script: Script) -> io::Result<Self> {
        Self::start_on(0, script)
    }

    /// Like [`ModelServer::start`] on a chosen port (0 = any free port).
    pub fn start_on(port: u16, script: Script) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            script: Mutex::new(script),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("model-server".to_owned())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(Self {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, without a path.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The agent requests of `api` so far.
    pub fn agent_requests(&self, api: Api) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|request| request.api == Some(api) && request.agent)
            .collect()
    }

    /// Replaces the script (for the next phase of a test) and forgets the recorded requests.
    pub fn reset(&self, script: Script) {
        *lock(&self.shared.script) = script;
        lock(&self.shared.requests).clear();
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept; it sees the flag and returns.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        // One thread per connection: each carries exactly one request (Connection: close).
        let _ = std::thread::Builder::new()
            .name("model-server-conn".to_owned())
            .spawn(move || serve(&stream, &shared));
    }
}

fn serve(stream: &TcpStream, shared: &Shared) {
    let Ok(request) = http::read_request(stream) else {
        return;
    };
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let answer = {
        let script = lock(&shared.script);
        wire::answer(&request, &script, id)
    };
    let status = match &answer.response {
        http::Response::Json { status, .. } => *status,
        http::Response::Sse(_) => 200,
    };
    lock(&shared.requests).push(RecordedRequest {
        api: answer.api,
        agent: answer.agent,
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        body: serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null),
        headers: request.headers,
        exchange: answer.exchange,
        status,
    });
    let _ = http::write_response(stream, &answer.response);
}
