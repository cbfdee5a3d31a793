//! `stop`: SIGTERM to the run (through a pidfd, after checking PID + start time + boot), which
//! makes `peers run` stop its peer and gates, save its state and record the stop reason; after
//! `--grace-s`, SIGKILL to whatever of the run is left (its process group and session, matched by
//! identity). A recorded PID that now names another program is never signalled: the project is
//! marked crashed instead.

use std::path::Path;

use crate::error::{CtlError, CtlResult};
use crate::project::{pick_name, registry};
pub use crate::run_args::StopArgs;

pub fn run(config: &Path, args: &StopArgs) -> CtlResult<u8> {
    if !(args.grace_s.is_finite() && args.grace_s >= 0.0) {
        return Err(CtlError::usage(format!(
            "--grace-s {}: must be a number ≥ 0",
            args.grace_s
        )));
    }
    let registry = registry(config)?;
    let name = pick_name(&registry, args.name.as_deref())?;
    let backend = crate::backend::for_spec(&registry.find(&name)?.backend);
    backend.stop(config, &name, args)
}
