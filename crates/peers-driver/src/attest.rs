//! Who made which commit, as the orchestrator saw it: every commit made during peer A's turn is
//! A's, whatever its `Peer:` trailer claims. Kept in `.peers/log/attest.jsonl` (append-only).

use std::collections::HashMap;

use peers_store::layout::PeersDir;
use serde::{Deserialize, Serialize};

use crate::error::DriverError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attestation {
    pub sha: String,
    pub peer: String,
    pub iteration: u64,
}

#[derive(Debug, Default, Clone)]
pub struct Attestations {
    by_sha: HashMap<String, String>,
}

fn path(dir: &PeersDir) -> std::path::PathBuf {
    log_path(dir)
}

/// `.peers/log/attest.jsonl`.
pub(crate) fn log_path(dir: &PeersDir) -> std::path::PathBuf {
    dir.log_dir().join("attest.jsonl")
}

impl Attestations {
    pub fn load(dir: &PeersDir) -> Result<Self, DriverError> {
        let mut by_sha = HashMap::new();
        let bytes = match peers_store::safe_fs::read_control_file_if_exists(
            &path(dir),
            64 * 1024 * 1024,
        )? {
            Some(bytes) => bytes,
            None => return Ok(Self { by_sha }),
        };
        for line in bytes.split(|b| *b == b'\n') {
            if let Ok(entry) = serde_json::from_slice::<Attestation>(line) {
                by_sha.insert(entry.sha, entry.peer);
            }
        }
        Ok(Self { by_sha })
    }

    /// Every attested commit (sha → peer), for the gates that judge authorship.
    pub fn authors(&self) -> std::collections::BTreeMap<String, String> {
        self.by_sha
            .iter()
            .map(|(sha, peer)| (sha.clone(), peer.clone()))
            .collect()
    }

    pub fn peer_of(&self, sha: &str) -> Option<&str> {
        self.by_sha.get(sha).map(String::as_str)
    }

    /// Attributes every commit of `shas` to `peer`, in one append.
    pub fn record_all(
        &mut self,
        dir: &PeersDir,
        shas: &[&str],
        peer: &str,
        iteration: u64,
    ) -> Result<(), DriverError> {
        let fresh: Vec<&str> = shas
            .iter()
            .copied()
            .filter(|sha| self.by_sha.get(*sha).is_none_or(|p| p != peer))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let mut lines = Vec::new();
        for sha in &fresh {
            let entry = Attestation {
                sha: (*sha).to_owned(),
                peer: peer.to_owned(),
                iteration,
            };
            lines.extend(serde_json::to_vec(&entry).unwrap_or_default());
            lines.push(b'\n');
        }
        // A torn last line would swallow the first new entry.
        peers_store::heal::repair_torn_tail(&path(dir))?;
        // Unsynced: resume re-attests a tick's commits from the in-flight marker.
        peers_store::safe_fs::append_line_unsynced(&path(dir), &lines)?;
        for sha in fresh {
            self.by_sha.insert(sha.to_owned(), peer.to_owned());
        }
        Ok(())
    }
}
