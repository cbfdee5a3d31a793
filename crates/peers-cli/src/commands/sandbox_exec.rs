//! `peers __sandbox-exec` (hidden, internal): the native sandbox's helper. The launcher never
//! writes this command line by hand: `peers_sandbox::confine` builds it, and this file only
//! hands the arguments to `peers_sandbox::helper_main` before anything else in peers runs
//! (the helper must start single-threaded, and clap must not reinterpret the command's argv).

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the helper when `args` (the whole argv) names it; `None` for every other command line.
pub fn intercept(args: &[OsString]) -> Option<ExitCode> {
    let [_, subcommand, rest @ ..] = args else {
        return None;
    };
    if subcommand != peers_sandbox::HELPER_SUBCOMMAND {
        return None;
    }
    let code = peers_sandbox::helper_main(rest);
    Some(ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX)))
}
