//! One module per command group; `dispatch` calls one `run` per subcommand.

pub mod contract;
pub mod dashboard;
pub mod doctor;
pub mod logs;
pub mod new;
pub mod register;
pub mod report;
pub mod serve;
pub mod start;
pub mod stop;
pub mod views;

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, ModesCommand};
use crate::error::{CtlError, CtlResult};
use crate::paths::config_dir;
use crate::reconcile::load_reconciled;
use crate::registry::Registry;

pub fn dispatch(cli: &Cli) -> CtlResult<u8> {
    let config = config_dir(cli.config_dir.as_deref())?;
    match &cli.command {
        Command::New(args) => new::run(&config, args),
        Command::Add(args) => register::add(&config, args),
        Command::Remove(args) => register::remove(&config, args),
        Command::List(args) => views::list(&config, args),
        Command::Status(args) => views::status(&config, args),
        Command::Start(args) => start::run(&config, args),
        Command::Stop(args) => stop::run(&config, args),
        Command::Tail(args) => logs::tail(&config, args),
        Command::Logs(args) => logs::logs(&config, args),
        Command::Report(args) => report::report(&config, args),
        Command::Review(args) => report::review(&config, args),
        Command::Dashboard(args) => dashboard::run(&config, args),
        Command::Doctor(args) => doctor::run(&config, args),
        Command::Prune(args) => logs::prune(&config, args),
        Command::Amend(args) => contract::amend(&config, args),
        Command::AckBlock(args) => contract::ack_block(&config, args),
        Command::Serve(args) => serve::serve(&config, args),
        Command::Stats(args) => serve::stats(&config, args),
        Command::Modes(modes) => match &modes.command {
            ModesCommand::List(args) => doctor::modes_list(args.json),
        },
    }
}

/// The reconciled registry, with a warning on stderr for each entry it could not decode.
pub fn registry(config: &Path) -> CtlResult<Registry> {
    let registry = load_reconciled(config)?;
    for warning in registry.warnings() {
        eprintln!("{warning}");
    }
    Ok(registry)
}

/// The controller log of project `name`.
pub fn log_path(config: &Path, name: &str) -> PathBuf {
    config.join("logs").join(format!("{name}.log"))
}

/// The one name a command acts on: given, or the only registered project.
pub fn pick_name(registry: &Registry, name: Option<&str>) -> CtlResult<String> {
    if let Some(name) = name {
        return Ok(name.to_owned());
    }
    match registry.projects.as_slice() {
        [only] => Ok(only.name.clone()),
        [] => Err(CtlError::failed("no project is registered")
            .hint("register one: peers-ctl new <name> or peers-ctl add <path> --name <name>")),
        _ => Err(CtlError::usage("several projects are registered; name one")
            .hint("`peers-ctl list` shows their names")),
    }
}

pub fn print_json(value: &impl serde::Serialize) -> CtlResult<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CtlError::failed(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}
