//! Manual use of the scripted model server: serve a script file (JSON of `Script`) on
//! 127.0.0.1 and print one line per request, to try a real agent CLI by hand.
//!
//! Usage: peers-model-server [--port N] [--script FILE]

use std::process::ExitCode;
use std::time::Duration;

use peers_model_server::{ModelServer, Script};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("usage: peers-model-server [--port N] [--script FILE]");
            ExitCode::from(2)
        }
    }
}

/// Why the server did not start: a bad argument, an unreadable script, or no port to bind.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("{flag} needs a value")]
    NoValue { flag: String },
    #[error("bad port {value}")]
    BadPort { value: String },
    /// The cause is part of the one line printed (this binary prints no cause chain).
    #[error("cannot read {path}: {error}")]
    ReadScript { path: String, error: std::io::Error },
    #[error("{path} is not a script: {error}")]
    BadScript {
        path: String,
        error: serde_json::Error,
    },
    #[error("unknown argument {0}")]
    UnknownArgument(String),
    /// Binding 127.0.0.1 on the port failed.
    #[error(transparent)]
    Bind(std::io::Error),
}

fn run() -> Result<(), StartError> {
    let mut port = 0u16;
    let mut script = Script::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| StartError::NoValue { flag: arg.clone() })?;
        match arg.as_str() {
            "--port" => {
                port = value.parse().map_err(|_| StartError::BadPort {
                    value: value.clone(),
                })?;
            }
            "--script" => {
                let text =
                    std::fs::read_to_string(&value).map_err(|error| StartError::ReadScript {
                        path: value.clone(),
                        error,
                    })?;
                script = serde_json::from_str(&text).map_err(|error| StartError::BadScript {
                    path: value.clone(),
                    error,
                })?;
            }
            other => return Err(StartError::UnknownArgument(other.to_owned())),
        }
    }
    let server = ModelServer::start_on(port, script).map_err(StartError::Bind)?;
    println!("{}", server.base_url());
    let mut shown = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let requests = server.requests();
        for request in requests.iter().skip(shown) {
            let line = serde_json::json!({
                "api": request.api, "agent": request.agent, "method": request.method,
                "path": request.path, "status": request.status,
                "tool_results": request.exchange.as_ref().map(|e| e.tool_results),
            });
            println!("{line}");
        }
        shown = requests.len();
    }
}
