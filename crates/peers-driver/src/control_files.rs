//! Tamper evidence for `.peers/` during a peer's turn. The peer runs as the same user and could
//! write peers' own files; before the turn the driver fingerprints them, after it compares, reports
//! every change by name, and puts back what it owns (state, stop reason, the run log's length).

use std::path::PathBuf;

use peers_store::layout::PeersDir;
use sha2::{Digest, Sha256};

/// The files a peer must never touch, with their fingerprint before the turn.
pub struct ControlSnapshot {
    entries: Vec<(String, PathBuf, Option<Fingerprint>)>,
    /// Contents of the user's own control files, to put back if peers' own restore of a
    /// rewritten history deletes them (a peer may have committed them into that history).
    kept: Vec<(String, PathBuf, Vec<u8>)>,
}

/// Files whose contents the snapshot keeps: the user's configuration, small and not peers-owned.
const KEPT: &[&str] = &[
    "config.yaml",
    "goals.yaml",
    "goals.sha256",
    "PLAN.original.md",
    "contracts/acceptance.sh",
    "contracts/e2e.sh",
    "contracts.log",
];
/// The implement mode's contract files (absent in other modes).
const CONTRACT: &[&str] = &[
    "PLAN.original.md",
    "contracts/acceptance.sh",
    "contracts/e2e.sh",
    "contracts.log",
];
const KEPT_CAP: u64 = 2 * 1024 * 1024;
/// Caches peers derives from the run log: a peer that writes one could make `peers replay` or
/// `peers report` show another record than the log holds, so a change is named and the cache
/// removed (it is rebuilt from the log on next use).
const CACHES: &[&str] = &["log/runs.jsonl.idx", "log/runs.jsonl.sum"];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    symlink: bool,
    len: u64,
    digest: [u8; 32],
}

fn fingerprint(path: &std::path::Path) -> Option<Fingerprint> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        return Some(Fingerprint {
            symlink: true,
            len: 0,
            digest: [0; 32],
        });
    }
    if !meta.is_file() {
        return Some(Fingerprint {
            symlink: false,
            len: u64::MAX,
            digest: [0; 32],
        });
    }
    // Append-only logs and their caches grow for ever: fingerprint them by inode, size and
    // modification time instead of hashing all of them every tick (any write changes the size
    // or the time).
    if path
        .extension()
        .is_some_and(|ext| ext == "jsonl" || ext == "idx" || ext == "sum")
    {
        use std::os::unix::fs::MetadataExt;
        let mut digest = [0u8; 32];
        digest[..8].copy_from_slice(&meta.ino().to_le_bytes());
        digest[8..16].copy_from_slice(&meta.mtime().to_le_bytes());
        digest[16..24].copy_from_slice(&meta.mtime_nsec().to_le_bytes());
        return Some(Fingerprint {
            symlink: false,
            len: meta.len(),
            digest,
        });
    }
    let bytes = std::fs::read(path).ok()?;
    Some(Fingerprint {
        symlink: false,
        len: meta.len(),
        digest: Sha256::digest(&bytes).into(),
    })
}

impl ControlSnapshot {
    pub fn take(dir: &PeersDir) -> ControlSnapshot {
        let mut names: Vec<(&str, PathBuf)> = vec![
            ("config.yaml", dir.config_yaml()),
            ("goals.yaml", dir.goals_yaml()),
            ("goals.sha256", dir.goals_sha256()),
            ("state.json", dir.state_json()),
            ("last-stop-reason.txt", dir.last_stop_reason()),
            ("log/runs.jsonl", dir.runs_jsonl()),
            ("log/attest.jsonl", dir.log_dir().join("attest.jsonl")),
            (
                "log/runs.jsonl.idx",
                peers_store::run_index::index_path(dir),
            ),
            ("log/runs.jsonl.sum", dir.runs_summary()),
            ("run.lock", dir.run_lock()),
            ("HALTED.md", dir.halted_md()),
        ];
        // The implement mode's frozen contract: operator-only, like goals.yaml.
        names.extend(CONTRACT.iter().map(|name| (*name, dir.path().join(name))));
        let kept = names
            .iter()
            .filter(|(name, _)| KEPT.contains(name))
            .filter_map(|(name, path)| {
                let bytes = peers_store::safe_fs::read_control_file(path, KEPT_CAP).ok()?;
                Some(((*name).to_owned(), path.clone(), bytes))
            })
            .collect();
        let entries = names.into_iter().map(|(name, path)| {
            let print = if name == "run.lock" {
                None
            } else {
                fingerprint(&path)
            };
            (name.to_owned(), path, print)
        });
        ControlSnapshot {
            entries: entries.collect(),
            kept,
        }
    }

    /// Fingerprints `name` again after peers itself wrote it during the turn (the in-flight
    /// record gains the peer's identity once it has started).
    pub fn refresh(&mut self, name: &str) {
        for (entry, path, print) in &mut self.entries {
            if entry == name {
                *print = fingerprint(path);
            }
        }
    }

    /// Puts back the user's control files that are gone or were replaced by a symlink: a
    /// symlink is always replaced by the saved contents (nothing may redirect peers' reads); a
    /// missing file is put back when the peer's turn did not delete it itself (peers' own restore
    /// of a rewritten history can remove files a peer committed). `changed_during_turn` is what
    /// [`ControlSnapshot::changed`] reported before peers' own git operations.
    pub fn restore(&self, changed_during_turn: &[String]) -> Vec<String> {
        let mut notes = Vec::new();
        for (name, path, _) in self
            .entries
            .iter()
            .filter(|e| CACHES.contains(&e.0.as_str()))
        {
            let touched = changed_during_turn
                .iter()
                .any(|c| c.starts_with(&format!(".peers/{name} ")));
            if touched && std::fs::remove_file(path).is_ok() {
                notes.push(format!(
                    ".peers/{name} (a cache of the run log) was removed; peers rebuilds it from the log"
                ));
            }
        }
        for (name, path, bytes) in &self.kept {
            let now = std::fs::symlink_metadata(path);
            let symlink = now.as_ref().is_ok_and(|m| m.file_type().is_symlink());
            let touched = changed_during_turn
                .iter()
                .any(|c| c.contains(&format!(".peers/{name} ")));
            let missing = now.is_err();
            if !(symlink || (missing && !touched)) {
                continue;
            }
            if symlink && std::fs::remove_file(path).is_err() {
                continue;
            }
            if peers_store::safe_fs::write_atomic(path, bytes).is_ok() {
                notes.push(if symlink {
                    format!(".peers/{name} was a symlink; the saved contents were put back")
                } else {
                    format!(".peers/{name} was removed by restoring history (the peer had committed it); put back")
                });
            }
        }
        notes
    }

    /// Names of control files that changed, appeared, vanished or became symlinks since `take`.
    pub fn changed(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, path, before) in &self.entries {
            if name == "run.lock" {
                if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                    out.push(format!(".peers/{name} was replaced by a symlink"));
                }
                continue;
            }
            let after = fingerprint(path);
            if &after != before {
                let what = match (before, &after) {
                    (_, Some(f)) if f.symlink => "was replaced by a symlink",
                    (Some(_), None) => "was deleted",
                    (None, Some(_)) => "was created",
                    _ => "was modified",
                };
                out.push(format!(".peers/{name} {what} during the peer's turn"));
            }
        }
        out
    }
}
