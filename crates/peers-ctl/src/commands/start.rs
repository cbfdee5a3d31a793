//! `start`: launch `peers run` for a project, detached, and record its identity (PID, start
//! time, boot). Refused while the project runs (its PID named). A stopped or crashed project
//! resumes: `peers run` continues from the state it saved.

use std::path::Path;

use crate::error::{CtlError, CtlResult};
use crate::project::{pick_name, registry};
pub use crate::run_args::StartArgs;

pub fn run(config: &Path, args: &StartArgs) -> CtlResult<u8> {
    if let Some(usd) = args.max_usd
        && !(usd.is_finite() && usd > 0.0)
    {
        return Err(CtlError::usage(format!(
            "--max-usd {usd}: must be a positive number"
        )));
    }
    let registry = registry(config)?;
    let name = pick_name(&registry, args.name.as_deref())?;
    let backend = crate::backend::for_spec(&registry.find(&name)?.backend);
    backend.start(config, &name, args)
}
