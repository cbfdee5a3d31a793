//! The per-peer invocation counter that picks a script's turn, kept outside the work tree.

use std::path::{Path, PathBuf};

use crate::error::SimError;
use crate::git::PeerGit;

/// Overrides where counters live (tests and repositories without git).
pub(crate) const STATE_DIR_VARIABLE: &str = "PEERS_SIM_STATE_DIR";

/// The counter file of `peer`: `<state_dir>/<peer>.count`, where the state directory is
/// `state_dir_override` or `<git-dir>/peers-sim`.
pub(crate) fn counter_path(
    repo: &Path,
    peer: &str,
    state_dir_override: Option<PathBuf>,
) -> Result<PathBuf, SimError> {
    let valid = !peer.is_empty()
        && !peer.starts_with('.')
        && peer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(SimError::InvalidPeerName {
            name: peer.to_owned(),
        });
    }
    let dir = match state_dir_override {
        Some(dir) => dir,
        None => PeerGit::new(repo, peer)
            .git_dir()
            .map_err(|_| SimError::NoStateDir {
                repo: repo.to_path_buf(),
            })?
            .join("peers-sim"),
    };
    Ok(dir.join(format!("{peer}.count")))
}

/// How many times this counter was taken before, and record one more. The new value is
/// written (temp file + rename) before the turn runs, so a killed turn is not replayed.
pub(crate) fn take(path: &Path) -> Result<u64, SimError> {
    let previous = match std::fs::read_to_string(path) {
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| SimError::BadCounter {
                path: path.to_path_buf(),
                content: text.trim().chars().take(40).collect(),
            })?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => 0,
        Err(source) => {
            return Err(SimError::Io {
                action: "read the turn counter",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let io = |action, source| SimError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
    }
    let temporary = path.with_extension("count.tmp");
    std::fs::write(&temporary, format!("{}\n", previous + 1))
        .map_err(|e| io("write the turn counter", e))?;
    std::fs::rename(&temporary, path).map_err(|e| io("write the turn counter", e))?;
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_across_calls_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/alice.count");
        assert_eq!(take(&path).unwrap(), 0);
        assert_eq!(take(&path).unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "2\n");
        assert_eq!(take(&path).unwrap(), 2);
    }

    #[test]
    fn garbage_counter_is_reported_not_reset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bob.count");
        std::fs::write(&path, "lots").unwrap();
        assert!(matches!(take(&path), Err(SimError::BadCounter { .. })));
    }

    #[test]
    fn peer_names_cannot_escape_the_state_dir() {
        for name in ["", "../x", "a/b", ".hidden"] {
            let result = counter_path(Path::new("/"), name, Some(PathBuf::from("/tmp")));
            assert!(
                matches!(result, Err(SimError::InvalidPeerName { .. })),
                "{name}"
            );
        }
        let path = counter_path(Path::new("/"), "codex-1", Some(PathBuf::from("/s"))).unwrap();
        assert_eq!(path, PathBuf::from("/s/codex-1.count"));
    }
}
