//! The `peers` binary: parse the command line and hand over to the command.
fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
