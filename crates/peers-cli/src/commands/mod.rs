//! One module per subcommand; `dispatch` calls exactly one `run` per arm.

pub mod agents_md;
pub mod bugs;
pub mod contract;
pub mod demo;
pub mod doctor;
pub mod goals;
pub mod hooks;
pub mod info;
pub mod init;
mod init_baseline;
mod init_plan;
pub mod modes;
pub mod msg;
pub mod replay;
pub mod report;
pub mod review;
pub mod revive;
pub mod run;
mod sandbox_doctor;
mod sandbox_doctor_podman;
pub mod sandbox_exec;
pub mod serve;
pub mod sim_agent;
pub mod status;
pub mod survey;
pub mod tick;
pub mod tmux;
pub mod verify;
pub mod watch;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

pub fn dispatch(cli: Cli) -> CliResult<u8> {
    let directory = cli.directory.as_deref();
    match &cli.command {
        Command::Init(args) => init::run(directory, args),
        Command::Info(args) => info::run(directory, args),
        Command::Doctor(args) => doctor::run(directory, args),
        Command::Status(args) => status::run(directory, args),
        Command::Verify(args) => verify::run(directory, args),
        Command::Goals(args) => goals::run(directory, args),
        Command::Modes(args) => modes::run(directory, args),
        Command::Run(args) => run::run(directory, args),
        Command::Tick(args) => tick::run(directory, args),
        Command::Hooks(args) => hooks::run(directory, args),
        Command::Tmux(args) => tmux::run(directory, args),
        Command::Msg(args) => msg::run(directory, args),
        Command::Replay(args) => replay::run(directory, args),
        Command::Report(args) => report::run(directory, args),
        Command::Watch(args) => watch::run(directory, args),
        Command::Bugs(args) => bugs::run(directory, args),
        Command::Revive(args) => revive::run(directory, args),
        Command::Demo(args) => demo::run(args),
        Command::SimAgent(args) => sim_agent::run(directory, args),
        Command::Review(args) => review::run(directory, args),
        Command::Survey(args) => survey::run(directory, args),
        Command::Amend(args) => contract::amend(directory, args),
        Command::AckBlock(args) => contract::ack_block(directory, args),
        Command::Serve(args) => serve::serve(directory, args),
        Command::Stats(args) => serve::stats(directory, args),
        Command::AgentsMd(args) => agents_md::run(directory, args),
    }
}
