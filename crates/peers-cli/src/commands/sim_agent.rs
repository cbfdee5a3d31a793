//! `peers sim-agent` (hidden): a scripted agent the loop can run instead of an AI CLI. The
//! demo's two simulated peers are built in; tests drive their own scripts.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use peers_sim::SimContext;

use crate::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct SimAgentArgs {
    /// A script file (JSON) describing each turn.
    #[arg(long, conflicts_with = "builtin", required_unless_present = "builtin")]
    pub script: Option<PathBuf>,
    /// A built-in peer: demo-implementer, demo-reviewer (the demo), describe-writer or
    /// document-writer (honest peers of the describe and document modes).
    #[arg(long)]
    pub builtin: Option<String>,
    /// The prompt (argv-substitute mode); when absent it is read from stdin.
    pub prompt: Option<String>,
}

pub fn run(directory: Option<&Path>, args: &SimAgentArgs) -> CliResult<u8> {
    let repo = match directory {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir()
            .map_err(|err| CliError::failed(format!("cannot read the current directory: {err}")))?,
    };
    let prompt = match &args.prompt {
        Some(text) => text.clone(),
        None => {
            let mut text = String::new();
            let _ = std::io::stdin().read_to_string(&mut text);
            text
        }
    };
    let peer = std::env::var("PEERS_PEER_NAME").unwrap_or_else(|_| "sim".to_owned());
    let ctx = SimContext { peer, repo, prompt };
    let result = match (&args.script, &args.builtin) {
        (Some(script), _) => peers_sim::run_script_file(script, &ctx),
        (None, Some(name)) => peers_sim::run_builtin(name, &ctx),
        (None, None) => return Err(CliError::usage("give --script FILE or --builtin NAME")),
    };
    let code =
        result.map_err(|err| CliError::failed(format!("sim-agent: {err}")).causes_of(&err))?;
    Ok(u8::try_from(code.clamp(0, 255)).unwrap_or(1))
}
