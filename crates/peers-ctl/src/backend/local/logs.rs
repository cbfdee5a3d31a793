//! The local backend's `logs` and `tail`: the controller log's last lines, then new output
//! until the run ends.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use crate::error::{CtlError, CtlResult};
use crate::identity::{Liveness, boot_id, liveness};
use crate::project::{log_path, registry};
use crate::registry::ProjectState;
use crate::summary::last_lines;

const FOLLOW_POLL: Duration = Duration::from_millis(200);

/// The local backend's logs: the last lines of the controller log.
pub fn logs(config: &Path, name: &str, lines: usize) -> CtlResult<u8> {
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

/// The local backend's tail: the last lines of the controller log, then new output until the
/// run ends.
pub fn tail(config: &Path, name: &str, lines: usize) -> CtlResult<u8> {
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
            let state = crate::project::registry(config)?
                .get(&name)
                .map_or(ProjectState::Crashed, |p| p.state);
            println!("({name}: the run ended; now {})", state.as_str());
            return Ok(0);
        }
        std::thread::sleep(FOLLOW_POLL);
    }
}
