//! What every command needs to act on a project: the reconciled registry, the one name a
//! command acts on, the controller log's path, JSON output.

use std::path::{Path, PathBuf};

use crate::error::{CtlError, CtlResult};
use crate::reconcile::load_reconciled;
use crate::registry::Registry;

/// The reconciled registry, with a warning on stderr for each entry it could not decode.
pub fn registry(config: &Path) -> CtlResult<Registry> {
    let registry = load_reconciled(config)?;
    for warning in registry.warnings() {
        eprintln!("{warning}");
    }
    Ok(registry)
}

/// The controller log of project `name`.
pub fn log_path(config: &Path, name: &str) -> PathBuf {
    config.join("logs").join(format!("{name}.log"))
}

/// The one name a command acts on: given, or the only registered project.
pub fn pick_name(registry: &Registry, name: Option<&str>) -> CtlResult<String> {
    if let Some(name) = name {
        return Ok(name.to_owned());
    }
    match registry.projects.as_slice() {
        [only] => Ok(only.name.clone()),
        [] => Err(CtlError::failed("no project is registered")
            .hint("register one: peers-ctl new <name> or peers-ctl add <path> --name <name>")),
        _ => Err(CtlError::usage("several projects are registered; name one")
            .hint("`peers-ctl list` shows their names")),
    }
}

pub fn print_json(value: &impl serde::Serialize) -> CtlResult<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CtlError::failed(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}
