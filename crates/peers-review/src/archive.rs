//! The record of one review under `.peers/reviews/<timestamp>/`: every call's prompt, raw
//! stdout and stderr per round and reviewer, and the verdict as Markdown and JSON.

use std::path::{Path, PathBuf};

use peers_store::safe_fs::{ensure_private_dir, write_atomic};

use crate::error::ReviewError;

/// One review's directory.
#[derive(Debug, Clone)]
pub struct Archive {
    dir: PathBuf,
}

impl Archive {
    /// Creates `<peers_dir>/reviews/<stamp>` (with `-2`, `-3`, … when two reviews share a second).
    pub fn create(peers_dir: &Path, stamp: &str) -> Result<Self, ReviewError> {
        let reviews = peers_dir.join("reviews");
        for dir in [peers_dir, reviews.as_path()] {
            ensure_private_dir(dir).map_err(|source| archive_error(dir, source))?;
        }
        let stamp = stamp.replace(':', "-");
        let mut dir = reviews.join(&stamp);
        let mut suffix = 1;
        while dir.exists() {
            suffix += 1;
            dir = reviews.join(format!("{stamp}-{suffix}"));
        }
        ensure_private_dir(&dir).map_err(|source| archive_error(&dir, source))?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `round-<n>/`, created on first use.
    pub fn round_dir(&self, round: u32) -> Result<PathBuf, ReviewError> {
        let dir = self.dir.join(format!("round-{round}"));
        ensure_private_dir(&dir).map_err(|source| archive_error(&dir, source))?;
        Ok(dir)
    }

    /// The path prefix of one call, e.g. `round-2/alice.retry`; files add `.prompt.md` etc.
    pub fn call_prefix(
        &self,
        round: u32,
        reviewer: &str,
        label: &str,
    ) -> Result<PathBuf, ReviewError> {
        let name: String = reviewer
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let file = if label.is_empty() {
            name
        } else {
            format!("{name}.{label}")
        };
        Ok(self.round_dir(round)?.join(file))
    }

    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), ReviewError> {
        write_atomic(path, bytes).map_err(|source| archive_error(path, source))
    }

    pub fn save_verdict(&self, markdown: &str, json: &str) -> Result<(), ReviewError> {
        self.write(&self.dir.join("verdict.md"), markdown.as_bytes())?;
        self.write(&self.dir.join("verdict.json"), json.as_bytes())
    }
}

/// `prefix` + `.suffix` (e.g. `alice.retry` + `stdout`).
pub fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn archive_error(path: &Path, source: peers_store::error::StoreError) -> ReviewError {
    ReviewError::Archive {
        path: path.to_path_buf(),
        source,
    }
}
