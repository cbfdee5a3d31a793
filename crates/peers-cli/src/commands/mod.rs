//! One module per subcommand; `dispatch` calls exactly one `run` per arm.

pub mod goals;
pub mod info;
pub mod init;
pub mod review;
pub mod status;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

pub fn dispatch(cli: Cli) -> CliResult<u8> {
    let directory = cli.directory.as_deref();
    match &cli.command {
        Command::Init(args) => init::run(directory, args),
        Command::Info(args) => info::run(directory, args),
        Command::Status(args) => status::run(directory, args),
        Command::Verify(args) => verify::run(directory, args),
        Command::Goals(args) => goals::run(directory, args),
        Command::Review(args) => review::run(directory, args),
    }
}
