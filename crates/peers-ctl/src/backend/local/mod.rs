//! The local backend: `peers run` as a detached process on this machine, identified by PID,
//! start time and boot (the behaviour of `start` and `stop` before backends existed).

use std::path::Path;

mod logs;
mod start;
mod stop;

use crate::backend::Backend;
use crate::error::CtlResult;
use crate::run_args::{StartArgs, StopArgs};

pub struct Local;

impl Backend for Local {
    fn start(&self, config: &Path, name: &str, args: &StartArgs) -> CtlResult<u8> {
        start::run(config, name, args)
    }

    fn stop(&self, config: &Path, name: &str, args: &StopArgs) -> CtlResult<u8> {
        stop::run(config, name, args)
    }

    fn logs(&self, config: &Path, name: &str, lines: usize, follow: bool) -> CtlResult<u8> {
        if follow {
            logs::tail(config, name, lines)
        } else {
            logs::logs(config, name, lines)
        }
    }
}
