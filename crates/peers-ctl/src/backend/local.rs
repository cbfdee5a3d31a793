//! The local backend: `peers run` as a detached process on this machine, identified by PID,
//! start time and boot (the behaviour of `start` and `stop` before backends existed).

use std::path::Path;

use crate::backend::Backend;
use crate::commands::{logs, start, stop};
use crate::error::CtlResult;

pub struct Local;

impl Backend for Local {
    fn start(&self, config: &Path, name: &str, args: &start::StartArgs) -> CtlResult<u8> {
        start::run_local(config, name, args)
    }

    fn stop(&self, config: &Path, name: &str, args: &stop::StopArgs) -> CtlResult<u8> {
        stop::run_local(config, name, args)
    }

    fn logs(&self, config: &Path, name: &str, lines: usize, follow: bool) -> CtlResult<u8> {
        if follow {
            logs::local_tail(config, name, lines)
        } else {
            logs::local_logs(config, name, lines)
        }
    }
}
