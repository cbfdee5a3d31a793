//! The command-line surface of `peers-ctl`: global options and one subcommand per verb.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::CtlResult;
use crate::paths::config_dir;

use crate::commands::{
    self, dashboard::DashboardArgs, doctor::DoctorArgs, logs::LogsArgs, logs::PruneArgs,
    logs::TailArgs, new::NewArgs, register::AddArgs, register::RemoveArgs, report::ReportArgs,
    report::ReviewArgs, serve::ServeArgs, serve::StatsArgs, start::StartArgs, stop::StopArgs,
    views::ListArgs, views::StatusArgs,
};

const AFTER_HELP: &str = "\
Exit codes:
  0    success
  1    operational failure (unknown project, refused, a problem doctor found)
  2    usage or validation error (bad name, bad flag, missing --spec file); nothing was written

Files:
  <config dir>/registry.json     the registered projects (atomic writes under registry.lock)
  <config dir>/logs/<name>.log   each run's output (peers-ctl tail / logs)
  config dir: --config-dir, else $PEERS_CTL_CONFIG_DIR, else $XDG_CONFIG_HOME/peers-ctl,
  else ~/.config/peers-ctl. Bare project names land under $PEERS_PROJECTS_ROOT
  (default ~/peers-projects).

Start here:
  peers-ctl new mything --modes=audit --spec ./spec.md
  peers-ctl start mything --max-ticks 20 --max-usd 5
  peers-ctl dashboard
  peers-ctl stop mything";

/// Register and supervise many peers runs from outside: start them detached, see them all in
/// one table, stop and resume them. No daemon: each command reads the registry and the
/// projects' own `.peers/` files and exits.
#[derive(Debug, Parser)]
#[command(name = "peers-ctl", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Where the registry and controller logs live (overrides $PEERS_CTL_CONFIG_DIR).
    #[arg(long, value_name = "DIR", global = true)]
    pub config_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scaffold a new project (directory, git init, README/SPEC, `peers init`) and register it.
    New(NewArgs),
    /// Register an existing repository (with or without .peers/ yet).
    Add(AddArgs),
    /// Unregister a project (its directory, .peers/ and controller log are kept); a Kubernetes
    /// project's objects are deleted from the cluster (--keep-volume keeps its volume).
    Remove(RemoveArgs),
    /// Every registered project with its state (fresh, running, stopped, crashed) and PID.
    List(ListArgs),
    /// One project in detail, or every project (like list).
    Status(StatusArgs),
    /// Start `peers run` for a project, detached; resumes where a stopped or crashed run left off.
    Start(StartArgs),
    /// Stop a running project: SIGTERM (the loop saves its state and stop reason), wait
    /// --grace-s, then SIGKILL whatever of the run is left.
    Stop(StopArgs),
    /// Follow a project's controller log (last lines, then new ones; Ctrl-C to detach).
    Tail(TailArgs),
    /// Print the last lines of a project's controller log.
    Logs(LogsArgs),
    /// Write the controller report (Markdown): per project ticks, outcome, bugs, cost, last activity.
    Report(ReportArgs),
    /// Print the self-review of a project's latest handoff commit.
    Review(ReviewArgs),
    /// One table of every project: state, tick, peers and health, gates, bugs, cost, activity.
    Dashboard(DashboardArgs),
    /// Check the tools, the projects' configuration, stale locks and the projects root, and for
    /// Kubernetes projects the kubeconfig, API server, namespace and RBAC permissions.
    Doctor(DoctorArgs),
    /// Delete controller logs of projects that are not running and older than N days.
    Prune(PruneArgs),
    /// The modes `peers init --modes` (and `peers-ctl new --modes`) knows.
    Modes(ModesArgs),
    /// Implement mode: change a project's frozen acceptance command, with a reason recorded in
    /// its signed contract chain (refused while it runs unless --force).
    Amend(crate::commands::contract::AmendArgs),
    /// Implement mode: acknowledge a [BLOCKED] step (signed, with the reason; still not done).
    AckBlock(crate::commands::contract::AckBlockArgs),
    /// Serve every project's pages over HTTP (127.0.0.1, token required): fleet, runs, diffs,
    /// bugs, reviews, analytics, live updates; stop/start/revive with --actions.
    Serve(ServeArgs),
    /// Analytics per peer and per agent CLI across the projects: ticks, success, bugs filed /
    /// confirmed / rejected, fixes that held, review findings accepted, tokens, cost per fix.
    Stats(StatsArgs),
}

#[derive(Debug, Args)]
pub struct ModesArgs {
    #[command(subcommand)]
    pub command: ModesCommand,
}

#[derive(Debug, Subcommand)]
pub enum ModesCommand {
    /// Every mode with its description (from `peers modes list`).
    List(ModesListArgs),
}

#[derive(Debug, Args)]
pub struct ModesListArgs {
    /// Print the modes as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the one command `cli` names.
pub fn dispatch(cli: &Cli) -> CtlResult<u8> {
    let config = config_dir(cli.config_dir.as_deref())?;
    match &cli.command {
        Command::New(args) => commands::new::run(&config, args),
        Command::Add(args) => commands::register::add(&config, args),
        Command::Remove(args) => commands::register::remove(&config, args),
        Command::List(args) => commands::views::list(&config, args),
        Command::Status(args) => commands::views::status(&config, args),
        Command::Start(args) => commands::start::run(&config, args),
        Command::Stop(args) => commands::stop::run(&config, args),
        Command::Tail(args) => commands::logs::tail(&config, args),
        Command::Logs(args) => commands::logs::logs(&config, args),
        Command::Report(args) => commands::report::report(&config, args),
        Command::Review(args) => commands::report::review(&config, args),
        Command::Dashboard(args) => commands::dashboard::run(&config, args),
        Command::Doctor(args) => commands::doctor::run(&config, args),
        Command::Prune(args) => commands::logs::prune(&config, args),
        Command::Amend(args) => commands::contract::amend(&config, args),
        Command::AckBlock(args) => commands::contract::ack_block(&config, args),
        Command::Serve(args) => commands::serve::serve(&config, args),
        Command::Stats(args) => commands::serve::stats(&config, args),
        Command::Modes(modes) => match &modes.command {
            ModesCommand::List(args) => commands::doctor::modes_list(args.json),
        },
    }
}
