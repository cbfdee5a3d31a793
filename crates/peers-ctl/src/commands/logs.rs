//! The controller logs (`<config dir>/logs/<name>.log`, each run's output): `logs` prints the
//! last lines, `tail` follows until the run ends, `prune` deletes old logs of idle projects.

use std::path::Path;
use std::time::{Duration, SystemTime};

use clap::Args;

use crate::error::{CtlError, CtlResult};
use crate::project::{log_path, pick_name, print_json, registry};

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The project (optional when only one is registered).
    pub name: Option<String>,
    /// How many lines.
    #[arg(short = 'n', long = "lines", default_value_t = 50)]
    pub lines: usize,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    /// The project (optional when only one is registered).
    pub name: Option<String>,
    /// Lines shown before following.
    #[arg(short = 'n', long = "lines", default_value_t = 20)]
    pub lines: usize,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete logs not written for this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub older_than_days: u64,
    /// Print what was deleted as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn logs(config: &Path, args: &LogsArgs) -> CtlResult<u8> {
    if args.lines == 0 {
        return Err(CtlError::usage("-n must be at least 1"));
    }
    let registry = registry(config)?;
    let name = pick_name(&registry, args.name.as_deref())?;
    let backend = crate::backend::for_spec(&registry.find(&name)?.backend);
    backend.logs(config, &name, args.lines, false)
}

pub fn tail(config: &Path, args: &TailArgs) -> CtlResult<u8> {
    let registry = registry(config)?;
    let name = pick_name(&registry, args.name.as_deref())?;
    let backend = crate::backend::for_spec(&registry.find(&name)?.backend);
    backend.logs(config, &name, args.lines, true)
}

pub fn prune(config: &Path, args: &PruneArgs) -> CtlResult<u8> {
    let registry = registry(config)?;
    let cutoff = SystemTime::now()
        .checked_sub(Duration::from_secs(
            args.older_than_days.saturating_mul(86_400),
        ))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut deleted = Vec::new();
    for project in registry.projects.iter().filter(|p| p.run.is_none()) {
        let path = log_path(config, &project.name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let old = meta.modified().is_ok_and(|m| m < cutoff);
        if meta.is_file() && old && std::fs::remove_file(&path).is_ok() {
            deleted.push(path);
        }
    }
    if args.json {
        print_json(&serde_json::json!({"deleted": deleted}))?;
    } else {
        println!(
            "pruned {} controller log(s) older than {} day(s)",
            deleted.len(),
            args.older_than_days
        );
    }
    Ok(0)
}
