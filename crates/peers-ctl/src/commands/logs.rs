//! The controller logs (`<config dir>/logs/<name>.log`, each run's output): `logs` prints the
//! last lines, `tail` follows until the run ends, `prune` deletes old logs of idle projects.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

use clap::Args;

use crate::commands::{log_path, pick_name, print_json, registry};
use crate::error::{CtlError, CtlResult};
use crate::identity::{Liveness, boot_id, liveness};
use crate::registry::RunState;
use crate::summary::read_tail;

/// The end of a log read for its last lines.
const TAIL_WINDOW: u64 = 1024 * 1024;
const FOLLOW_POLL: Duration = Duration::from_millis(200);

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

/// The last `n` lines of `path` (empty when it cannot be read).
pub fn last_lines(path: &Path, n: usize) -> Vec<String> {
    let Ok((mut file, meta)) = peers_store::safe_fs::open_control_file(path) else {
        return Vec::new();
    };
    let Ok(bytes) = read_tail(&mut file, meta.len(), TAIL_WINDOW) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| (*l).to_owned())
        .collect()
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

/// The local backend's logs: the last lines of the controller log.
pub fn local_logs(config: &Path, name: &str, lines: usize) -> CtlResult<u8> {
    let name = name.to_owned();
    let path = log_path(config, &name);
    if !path.exists() {
        println!(
            "(no controller log yet: {} has not been started by peers-ctl)",
            name
        );
        return Ok(0);
    }
    for line in last_lines(&path, lines) {
        println!("{line}");
    }
    Ok(0)
}

pub fn tail(config: &Path, args: &TailArgs) -> CtlResult<u8> {
    let registry = registry(config)?;
    let name = pick_name(&registry, args.name.as_deref())?;
    let backend = crate::backend::for_spec(&registry.find(&name)?.backend);
    backend.logs(config, &name, args.lines, true)
}

/// The local backend's tail: the last lines of the controller log, then new output until the
/// run ends.
pub fn local_tail(config: &Path, name: &str, lines: usize) -> CtlResult<u8> {
    let registry = registry(config)?;
    let name = name.to_owned();
    let project = registry.find(&name)?.clone();
    let path = log_path(config, &name);
    for line in last_lines(&path, lines) {
        println!("{line}");
    }
    let Some(run) = project.run else {
        println!("({name} is {}; nothing to follow)", project.state.as_str());
        return Ok(0);
    };
    let (mut file, meta) = peers_store::safe_fs::open_control_file(&path)?;
    let mut offset = meta.len();
    let boot = boot_id();
    let mut stdout = std::io::stdout();
    loop {
        let alive = liveness(&run, &boot) == Liveness::Alive;
        let len = file.metadata().map(|m| m.len()).unwrap_or(offset);
        if len < offset {
            offset = 0; // pruned or truncated: start over
        }
        if len > offset {
            let mut chunk = Vec::new();
            file.seek(SeekFrom::Start(offset))
                .and_then(|_| (&mut file).take(len - offset).read_to_end(&mut chunk))
                .map_err(|e| CtlError::failed(format!("cannot read {}: {e}", path.display())))?;
            offset += chunk.len() as u64;
            if stdout
                .write_all(&chunk)
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return Ok(0); // the reader went away
            }
        }
        if !alive {
            let state = crate::commands::registry(config)?
                .get(&name)
                .map_or(RunState::Crashed, |p| p.state);
            println!("({name}: the run ended; now {})", state.as_str());
            return Ok(0);
        }
        std::thread::sleep(FOLLOW_POLL);
    }
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
