//! The `peers-ctl` binary: parse the command line, run one command, print errors with hints,
//! exit with the command's code.

mod backend;
mod backend_spec;
mod cli;
mod cluster;
mod commands;
mod error;
mod handoff;
mod identity;
mod launch;
mod live;
mod notify;
mod paths;
mod project;
mod reconcile;
mod registry;
mod run_args;
mod summary;

use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|verb| verb == launch::DETACH_VERB) {
        return ExitCode::from(launch::detach_and_exec(&args[2..]));
    }
    if args.get(1).is_some_and(|verb| verb == notify::WATCH_VERB) {
        return ExitCode::from(notify::watch(&args[2..]));
    }
    let cli = cli::Cli::parse();
    let code = match cli::dispatch(&cli) {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "{err}");
            err.code
        }
    };
    ExitCode::from(code)
}
