//! `peers __sandbox-exec`, `peers __podman-exec` and `peers __podman-init` (hidden, internal):
//! the native sandbox's helper, the podman container's supervisor and its in-container init. The launcher never writes these command lines
//! by hand: `peers_sandbox::confine` / `confine_podman` build them, and this file only hands
//! the arguments to `peers_sandbox::helper_main` / `podman_helper_main` before anything else runs
//! (the helper must start single-threaded, and clap must not reinterpret the command's argv).

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the helper when `args` (the whole argv) names it; `None` for every other command line.
pub fn intercept(args: &[OsString]) -> Option<ExitCode> {
    let [_, subcommand, rest @ ..] = args else {
        return None;
    };
    let code = if subcommand == peers_sandbox::HELPER_SUBCOMMAND {
        peers_sandbox::helper_main(rest)
    } else if subcommand == peers_sandbox::PODMAN_HELPER_SUBCOMMAND {
        peers_sandbox::podman_helper_main(rest)
    } else if subcommand == peers_sandbox::PODMAN_INIT_SUBCOMMAND {
        peers_sandbox::podman_init_main(rest)
    } else {
        return None;
    };
    Some(ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX)))
}
