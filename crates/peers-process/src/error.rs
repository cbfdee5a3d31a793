//! Why a child could not be started or waited for, with what the user needs to fix it.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

/// A failure to start or to wait for a child; a child that runs and fails is an [`crate::Outcome`].
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("program `{}` not found (searched PATH={})", program.to_string_lossy(), search_path.to_string_lossy())]
    NotFound {
        program: OsString,
        /// The PATH the child was given (empty when none was); bare names are looked up in it.
        search_path: OsString,
        #[source]
        source: io::Error,
    },
    #[error("working directory `{}` does not exist or is not a directory", cwd.display())]
    MissingCwd { cwd: PathBuf },
    #[error("cannot start `{}`", program.to_string_lossy())]
    Start {
        program: OsString,
        #[source]
        source: io::Error,
    },
    #[error("cannot set up the pipes of `{}`", program.to_string_lossy())]
    Pipes {
        program: OsString,
        #[source]
        source: io::Error,
    },
    #[error("cannot wait for `{}` (pid {pid})", program.to_string_lossy())]
    Wait {
        program: OsString,
        pid: u32,
        #[source]
        source: io::Error,
    },
}
