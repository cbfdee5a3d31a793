//! The `peers` binary: parse the command line, run the command, print any error, exit.

mod cli;
mod commands;
mod error;
mod launcher;
mod live;
mod progress;
mod project;
mod table;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            error::print(&err);
            err.exit_code().into()
        }
    }
}
