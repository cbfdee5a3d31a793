//! peers-sim-agent: the stand-alone scripted agent, for process-level tests.
//!
//! `peers-sim-agent --script FILE [PROMPT]` or `--builtin NAME [PROMPT]`; the peer's name comes
//! from `PEERS_PEER_NAME`, the repository is the working directory, and the prompt is the last
//! argument or else all of stdin. Exit codes: the script's own, 2 for bad usage, 125 when the
//! sim itself fails (so a test can tell that apart from a scripted exit).

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;

use peers_sim::{SimContext, SimError};

const USAGE: &str = "usage: peers-sim-agent (--script FILE | --builtin NAME) [PROMPT]";

enum What {
    Script(PathBuf),
    Builtin(String),
}

fn main() {
    let code = match parse(std::env::args_os().skip(1).collect()) {
        Ok((what, prompt)) => run(what, prompt),
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            2
        }
    };
    std::process::exit(code);
}

/// Why the command line is not `(--script FILE | --builtin NAME) [PROMPT]` (printed before
/// [`USAGE`]).
#[derive(Debug, thiserror::Error)]
enum UsageError {
    #[error("missing --script or --builtin")]
    NoFlag,
    #[error("missing the value after the flag")]
    NoValue,
    #[error("unknown flag {0}")]
    UnknownFlag(String),
    #[error("too many arguments")]
    TooMany,
}

fn parse(args: Vec<OsString>) -> Result<(What, Option<String>), UsageError> {
    let mut args = args.into_iter();
    let flag = args.next().ok_or(UsageError::NoFlag)?;
    let value = args.next().ok_or(UsageError::NoValue)?;
    let what = match flag.to_str() {
        Some("--script") => What::Script(PathBuf::from(value)),
        Some("--builtin") => What::Builtin(value.to_string_lossy().into_owned()),
        _ => {
            return Err(UsageError::UnknownFlag(flag.to_string_lossy().into_owned()));
        }
    };
    let prompt = args.next().map(|p| p.to_string_lossy().into_owned());
    if args.next().is_some() {
        return Err(UsageError::TooMany);
    }
    Ok((what, prompt))
}

fn run(what: What, prompt: Option<String>) -> i32 {
    match context(prompt).and_then(|ctx| match &what {
        What::Script(path) => peers_sim::run_script_file(path, &ctx),
        What::Builtin(name) => peers_sim::run_builtin(name, &ctx),
    }) {
        Ok(code) => code,
        Err(error) => {
            report(&error);
            125
        }
    }
}

fn context(prompt: Option<String>) -> Result<SimContext, SimError> {
    let peer = std::env::var("PEERS_PEER_NAME").unwrap_or_default();
    let io = |action, source| SimError::Io {
        action,
        path: PathBuf::from("."),
        source,
    };
    let repo = std::env::current_dir().map_err(|e| io("resolve the working directory", e))?;
    let prompt = match prompt {
        Some(prompt) => prompt,
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| io("read the prompt from stdin in", e))?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    Ok(SimContext { peer, repo, prompt })
}

fn report(error: &SimError) {
    eprintln!("error: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
}
