//! Loading and saving `.peers/state.json`, including the one-time backup of a v1 state
//! before it is migrated.

use std::fs::File;

use peers_core::state::{State, migrate};
use rustix::fs::{self as rfs, Mode, OFlags};
use rustix::io::Errno;

use crate::error::StoreError;
use crate::layout::{PeersDir, STATE_CAP};
use crate::safe_fs::{open_dir_nofollow, read_control_file_if_exists, write_atomic};

/// A state read from disk (or made fresh), already shaped to the configured peers.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedState {
    pub state: State,
    /// There was no `state.json`; `state` is fresh.
    pub fresh: bool,
    /// The file held a v1 state; the backup `state.json.pre-migration` exists now.
    pub migrated_from_v1: bool,
    /// The stored peer order differed from the config and was reset to it.
    pub peer_order_reset: bool,
}

/// Loads `state.json`, migrating v1 and syncing the peers to `peer_names` (the config order).
pub fn load_state(dir: &PeersDir, peer_names: &[String]) -> Result<LoadedState, StoreError> {
    let path = dir.state_json();
    let Some(bytes) = read_control_file_if_exists(&path, STATE_CAP)? else {
        return Ok(LoadedState {
            state: State::for_peers(peer_names),
            fresh: true,
            migrated_from_v1: false,
            peer_order_reset: false,
        });
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|err| StoreError::StateSyntax {
            path: path.clone(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })?;
    let (mut state, migrated_from_v1) =
        migrate(value).map_err(|source| StoreError::State { path, source })?;
    if migrated_from_v1 {
        write_backup_once(dir, &bytes)?;
    }
    let peer_order_reset = !peer_names.is_empty() && state.sync_peers(peer_names);
    Ok(LoadedState {
        state,
        fresh: false,
        migrated_from_v1,
        peer_order_reset,
    })
}

/// Writes `state.json` atomically: pretty JSON, sorted keys, `_` keys dropped.
pub fn save_state(dir: &PeersDir, state: &State) -> Result<(), StoreError> {
    save(dir, state, true)
}

/// Like [`save_state`] (validated, atomic rename, never a torn file) but without fsync: for
/// intermediate saves whose loss in a power cut the next durable save or the resume logic
/// covers. A killed process loses nothing that was written.
pub fn save_state_unsynced(dir: &PeersDir, state: &State) -> Result<(), StoreError> {
    save(dir, state, false)
}

fn save(dir: &PeersDir, state: &State, durable: bool) -> Result<(), StoreError> {
    let path = dir.state_json();
    state.validate().map_err(|source| StoreError::State {
        path: path.clone(),
        source,
    })?;
    let mut bytes = state
        .to_json_value()
        .and_then(|value| serde_json::to_vec_pretty(&value))
        .map_err(|e| StoreError::io("serialize the state for", &path, e.into()))?;
    bytes.push(b'\n');
    if durable {
        write_atomic(&path, &bytes)
    } else {
        crate::safe_fs::write_replacing_unsynced(&path, &bytes)
    }
}

/// The first migration's backup is the only copy of the v1 bytes: an existing backup is kept,
/// a symlink or special file there is refused.
fn write_backup_once(dir: &PeersDir, original: &[u8]) -> Result<(), StoreError> {
    let backup = dir.state_pre_migration();
    let parent = open_dir_nofollow(dir.path())?;
    let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rfs::openat(&parent, "state.json.pre-migration", flags, Mode::empty()) {
        Ok(fd) => {
            let metadata = File::from(fd)
                .metadata()
                .map_err(|e| StoreError::io("inspect", &backup, e))?;
            if metadata.file_type().is_symlink() {
                return Err(StoreError::Symlink { path: backup });
            }
            if !metadata.is_file() {
                return Err(StoreError::NotRegular {
                    path: backup,
                    kind: "special file",
                });
            }
            Ok(())
        }
        Err(Errno::NOENT) => write_atomic(&backup, original),
        Err(e) => Err(StoreError::io("inspect", backup, e.into())),
    }
}
