//! The `peers` binary: parse the command line, run the command, print any error, exit.

mod cli;
mod commands;
mod error;
mod host_hooks;
mod launcher;
mod live;
mod progress;
mod project;
mod sandbox_launcher;
mod sandbox_network;
mod sandbox_podman;
mod sandbox_policy;
mod sandbox_report;
mod table;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = commands::sandbox_exec::intercept(&args) {
        return code;
    }
    // Not dumpable: another process of this user cannot ptrace peers or read its memory and
    // environment (the model keys the sandbox's proxies inject live there). Best effort.
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let cli = cli::Cli::parse_from(args);
    match cli::dispatch(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            error::print(&err);
            err.exit_code().into()
        }
    }
}
