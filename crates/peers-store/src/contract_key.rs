//! The key that signs a project's contract chain, and the chain's head, kept outside the
//! repository in the user's state directory (`$PEERS_STATE_DIR`, else
//! `$XDG_STATE_HOME/peers`, else `~/.local/state/peers`), which the native sandbox never
//! mounts: an agent can read `.peers/contracts.log` but cannot sign an entry or roll the
//! chain back. HMAC-SHA256 (RFC 2104) over the `sha2` the workspace already uses.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::safe_fs::{ensure_private_dir, read_control_file_if_exists, write_atomic};

/// Overrides where peers keeps per-user state (contract keys).
pub const STATE_DIR_ENV: &str = "PEERS_STATE_DIR";

/// One project's key and the chain head it last signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractKey {
    /// The repository the key belongs to, for a person reading the directory.
    pub repository: String,
    /// 32 random bytes, hex.
    pub key: String,
    /// The signature of the newest chain entry, and how many entries the chain has.
    pub head: String,
    pub entries: u64,
}

/// The state directory, or an error saying which variable to set.
pub fn state_dir() -> Result<PathBuf, StoreError> {
    let from = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = from(STATE_DIR_ENV) {
        return Ok(dir);
    }
    if let Some(dir) = from("XDG_STATE_HOME") {
        return Ok(dir.join("peers"));
    }
    if let Some(home) = from("HOME") {
        return Ok(home.join(".local").join("state").join("peers"));
    }
    Err(StoreError::Contract {
        message: format!(
            "no place outside the repository to keep the contract key: none of {STATE_DIR_ENV}, \
             XDG_STATE_HOME, HOME is set; set {STATE_DIR_ENV} to a directory agents cannot read"
        ),
    })
}

/// `<state>/contracts/<sha256 of the canonical repository path, 16 hex>.json`.
pub fn key_path(state: &Path, repo_root: &Path) -> Result<PathBuf, StoreError> {
    let canonical =
        std::fs::canonicalize(repo_root).map_err(|e| StoreError::io("resolve", repo_root, e))?;
    let digest = hex(&Sha256::digest(canonical.as_os_str().as_encoded_bytes()));
    Ok(state
        .join("contracts")
        .join(format!("{}.json", &digest[..16])))
}

/// Reads the project's key; `None` when there is none yet.
pub fn load(state: &Path, repo_root: &Path) -> Result<Option<ContractKey>, StoreError> {
    let path = key_path(state, repo_root)?;
    let Some(bytes) = read_control_file_if_exists(&path, 64 * 1024)? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| StoreError::Contract {
            message: format!(
                "{} is not a contract key ({e}); restore it from a backup — without it the \
                 contract cannot be verified",
                path.display()
            ),
        })
}

/// Writes the project's key (0600, in 0700 directories).
pub fn save(state: &Path, repo_root: &Path, key: &ContractKey) -> Result<(), StoreError> {
    let path = key_path(state, repo_root)?;
    if let Some(contracts) = path.parent() {
        if let Some(state) = contracts.parent() {
            create_private_dirs(state)?;
        }
        ensure_private_dir(contracts)?;
    }
    let bytes = serde_json::to_vec_pretty(key).map_err(|e| StoreError::Contract {
        message: format!("cannot encode the contract key: {e}"),
    })?;
    write_atomic(&path, &bytes)
}

fn create_private_dirs(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        create_private_dirs(parent)?;
    }
    ensure_private_dir(path)
}

/// A new key for `repo_root`: 32 bytes from the kernel's random source.
pub fn generate(repo_root: &Path) -> Result<ContractKey, StoreError> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| StoreError::io("read random bytes from", "/dev/urandom", e))?;
    Ok(ContractKey {
        repository: repo_root.display().to_string(),
        key: hex(&bytes),
        head: String::new(),
        entries: 0,
    })
}

impl ContractKey {
    /// HMAC-SHA256 of `message` under this key, hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex(&hmac_sha256(self.key.as_bytes(), message))
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_cases_2_and_6() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than the block is hashed first.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
