//! `.peers/hooks/installed.json`: which user configuration files `peers hooks install` wrote,
//! what it wrote (a digest) and what was there before, so uninstall removes exactly that.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What was in a file before peers first wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "path")]
pub enum Previous {
    /// The file did not exist.
    Absent,
    /// Its bytes are in this backup.
    Backup(PathBuf),
    /// Not known any more (the file was edited after peers wrote it).
    Unknown,
}

/// One CLI's file as peers left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideRecord {
    pub path: PathBuf,
    pub marker: String,
    pub written_sha256: String,
    pub previous: Previous,
}

/// Every side, by tool name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    pub version: u32,
    pub sides: BTreeMap<String, SideRecord>,
}

const FILE: &str = "installed.json";

pub fn load(hooks_dir: &Path) -> Result<Installed, peers_store::error::StoreError> {
    let path = hooks_dir.join(FILE);
    let bytes = peers_store::safe_fs::read_control_file_if_exists(&path, 64 * 1024)?;
    Ok(bytes
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default())
}

pub fn save(hooks_dir: &Path, installed: &Installed) -> Result<(), peers_store::error::StoreError> {
    peers_store::safe_fs::ensure_private_dir(hooks_dir)?;
    let path = hooks_dir.join(FILE);
    if installed.sides.is_empty() {
        if std::fs::symlink_metadata(&path).is_ok() {
            let _ = std::fs::remove_file(&path);
        }
        return Ok(());
    }
    let mut record = installed.clone();
    record.version = 1;
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    peers_store::safe_fs::write_atomic(&path, format!("{text}\n").as_bytes())
}
