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

fn run() -> Result<(), String> {
    let mut port = 0u16;
    let mut script = Script::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--port" => port = value.parse().map_err(|_| format!("bad port {value}"))?,
            "--script" => {
                let text = std::fs::read_to_string(&value)
                    .map_err(|err| format!("cannot read {value}: {err}"))?;
                script = serde_json::from_str(&text)
                    .map_err(|err| format!("{value} is not a script: {err}"))?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let server = ModelServer::start_on(port, script).map_err(|err| err.to_string())?;
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
