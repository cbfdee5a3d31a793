//! Where everything lives inside `.peers/`, and how large each control file may be.

use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Name of the peers directory at the repository root.
pub const PEERS_DIR_NAME: &str = ".peers";

/// Cap for `config.yaml`.
pub const CONFIG_CAP: u64 = 2 * 1024 * 1024;
/// Cap for `goals.yaml`.
pub const GOALS_CAP: u64 = 2 * 1024 * 1024;
/// Cap for `state.json` (and its pre-migration backup).
pub const STATE_CAP: u64 = 5 * 1024 * 1024;
/// What a snapshot of `.peers/` pushed to the git remote (the run's durable record) leaves out,
/// relative to the repository root: the gate cache (rebuilt), the run lock (a live process's)
/// and the live tick file (a crashed tick's leftover).
pub const SNAPSHOT_EXCLUDE: &[&str] = &[".peers/cache", ".peers/run.lock", ".peers/live.json"];
/// Cap for small one-line files: `goals.sha256`, `last-stop-reason.txt`, `run.lock`.
pub const SMALL_FILE_CAP: u64 = 4 * 1024;

/// The `.peers/` directory of one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeersDir {
    repo_root: PathBuf,
    dir: PathBuf,
}

impl PeersDir {
    /// The `.peers/` of `repo_root`, which must exist and be a real directory (not a symlink).
    pub fn discover(repo_root: &Path) -> Result<Self, StoreError> {
        let layout = Self::at(repo_root);
        match std::fs::symlink_metadata(&layout.dir) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                Err(StoreError::Symlink { path: layout.dir })
            }
            Ok(metadata) if metadata.is_dir() => Ok(layout),
            Ok(_) => Err(StoreError::NotInitialized { path: layout.dir }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::NotInitialized { path: layout.dir })
            }
            Err(e) => Err(StoreError::io("inspect", layout.dir, e)),
        }
    }

    /// The layout for `repo_root` without checking the disk (for `peers init`).
    pub fn at(repo_root: &Path) -> Self {
        Self {
            repo_root: repo_root.to_path_buf(),
            dir: repo_root.join(PEERS_DIR_NAME),
        }
    }

    pub fn repo_root(&self) -> &Path {
        &self.repo_root
    }

    /// `.peers/` itself.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn config_yaml(&self) -> PathBuf {
        self.dir.join("config.yaml")
    }

    pub fn goals_yaml(&self) -> PathBuf {
        self.dir.join("goals.yaml")
    }

    /// The goals mutation-guard snapshot.
    pub fn goals_sha256(&self) -> PathBuf {
        self.dir.join("goals.sha256")
    }

    pub fn state_json(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// Backup of a v1 `state.json`, written once by the first migration.
    pub fn state_pre_migration(&self) -> PathBuf {
        self.dir.join("state.json.pre-migration")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.dir.join("log")
    }

    pub fn runs_jsonl(&self) -> PathBuf {
        self.log_dir().join("runs.jsonl")
    }

    /// `peers report`'s summary of the log up to a line boundary (a cache, rebuilt when stale).
    pub fn runs_summary(&self) -> PathBuf {
        self.log_dir().join("runs.jsonl.sum")
    }

    /// Never unlinked, so every run locks the same inode.
    pub fn run_lock(&self) -> PathBuf {
        self.dir.join("run.lock")
    }

    pub fn last_stop_reason(&self) -> PathBuf {
        self.dir.join("last-stop-reason.txt")
    }

    pub fn halted_md(&self) -> PathBuf {
        self.dir.join("HALTED.md")
    }

    pub fn verify_md(&self) -> PathBuf {
        self.dir.join("VERIFY.md")
    }

    pub fn report_md(&self) -> PathBuf {
        self.dir.join("REPORT.md")
    }

    /// The gate result cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join("cache")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discover_requires_an_initialized_directory() {
        let temp = tempfile::tempdir().unwrap();
        let err = PeersDir::discover(temp.path()).unwrap_err();
        assert!(matches!(err, StoreError::NotInitialized { .. }), "{err}");
        std::fs::create_dir(temp.path().join(".peers")).unwrap();
        let dir = PeersDir::discover(temp.path()).unwrap();
        assert_eq!(dir.runs_jsonl(), temp.path().join(".peers/log/runs.jsonl"));
    }

    #[test]
    fn discover_refuses_a_symlinked_peers_dir() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir(temp.path().join("elsewhere")).unwrap();
        std::os::unix::fs::symlink("elsewhere", temp.path().join(".peers")).unwrap();
        let err = PeersDir::discover(temp.path()).unwrap_err();
        assert!(matches!(err, StoreError::Symlink { .. }), "{err}");
    }
}
