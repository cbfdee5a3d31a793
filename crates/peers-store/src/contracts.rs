//! The frozen contract of the `implement` mode: `.peers/PLAN.original.md`,
//! `.peers/contracts/acceptance.sh` and optional `e2e.sh` (read-only), pinned by SHA-256 in
//! `.peers/contracts.log`, a chain of JSON entries each signed (HMAC) with the project's key
//! from `contract_key` and linked to the previous signature. The key file also records the
//! newest signature and the entry count, so a truncated or replayed chain fails too.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::contract_key::{self, ContractKey};
use crate::error::StoreError;
use crate::layout::PeersDir;
use crate::safe_fs::{ensure_private_dir, read_control_file, read_control_file_if_exists};

/// The pinned files, relative to `.peers/`.
pub const PLAN_ORIGINAL: &str = "PLAN.original.md";
pub const ACCEPTANCE: &str = "contracts/acceptance.sh";
pub const E2E: &str = "contracts/e2e.sh";
const LOG: &str = "contracts.log";
const FILE_CAP: u64 = 2 * 1024 * 1024 + 4096;

/// What one chain entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ContractEvent {
    Init {
        acceptance: String,
        e2e: Option<String>,
    },
    AmendAcceptance {
        command: String,
        reason: String,
        forced: bool,
    },
    AckBlock {
        step: String,
        reason: String,
        forced: bool,
    },
}

/// One line of `.peers/contracts.log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractEntry {
    pub seq: u64,
    pub at: String,
    pub event: ContractEvent,
    /// File (relative to `.peers/`) → SHA-256 hex, after this entry.
    pub pins: BTreeMap<String, String>,
    pub prev: String,
    pub mac: String,
}

/// The verified chain, or what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractCheck {
    pub entries: Vec<ContractEntry>,
    /// Empty when the contract is intact.
    pub problems: Vec<String>,
}

impl ContractCheck {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// Steps the operator acknowledged as blocked (`STEP-N`).
    pub fn acknowledged_blocks(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter_map(|e| match &e.event {
                ContractEvent::AckBlock { step, .. } => Some(step.clone()),
                _ => None,
            })
            .collect()
    }
}

fn path(dir: &PeersDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn script(command: &str) -> String {
    format!("#!/bin/sh\nset -e\n{command}\n")
}

fn contract_error(message: impl Into<String>) -> StoreError {
    StoreError::Contract {
        message: message.into(),
    }
}

/// Whether this project has a frozen contract (`.peers/contracts.log` exists).
pub fn is_frozen(dir: &PeersDir) -> bool {
    std::fs::symlink_metadata(path(dir, LOG)).is_ok()
}

/// Freezes the contract: writes the pinned files read-only, makes a new key, signs the
/// `init` entry. Refuses a project that already has one.
pub fn freeze(
    dir: &PeersDir,
    state: &Path,
    plan: &[u8],
    acceptance: &str,
    e2e: Option<&str>,
    at: &str,
) -> Result<ContractEntry, StoreError> {
    if is_frozen(dir) {
        return Err(contract_error(format!(
            "{} already exists: this project's contract is frozen; change the acceptance \
             command with `peers amend`, or start over with `peers init --force`",
            path(dir, LOG).display()
        )));
    }
    ensure_private_dir(&path(dir, "contracts"))?;
    write_read_only(dir, PLAN_ORIGINAL, plan)?;
    write_read_only(dir, ACCEPTANCE, script(acceptance).as_bytes())?;
    if let Some(e2e) = e2e {
        write_read_only(dir, E2E, script(e2e).as_bytes())?;
    }
    let mut key = contract_key::generate(dir.repo_root())?;
    let event = ContractEvent::Init {
        acceptance: acceptance.to_owned(),
        e2e: e2e.map(str::to_owned),
    };
    append(dir, state, &mut key, &[], event, at)
}

/// Rewrites the acceptance script, re-pins it and records the command and reason.
pub fn amend_acceptance(
    dir: &PeersDir,
    state: &Path,
    command: &str,
    reason: &str,
    forced: bool,
    at: &str,
) -> Result<ContractEntry, StoreError> {
    let (mut key, check) = checked_for_append(dir, state)?;
    write_read_only(dir, ACCEPTANCE, script(command).as_bytes())?;
    let event = ContractEvent::AmendAcceptance {
        command: command.to_owned(),
        reason: reason.to_owned(),
        forced,
    };
    append(dir, state, &mut key, &check.entries, event, at)
}

/// Records the operator's acknowledgement of a blocked step.
pub fn record_ack_block(
    dir: &PeersDir,
    state: &Path,
    step: &str,
    reason: &str,
    forced: bool,
    at: &str,
) -> Result<ContractEntry, StoreError> {
    let (mut key, check) = checked_for_append(dir, state)?;
    let event = ContractEvent::AckBlock {
        step: step.to_owned(),
        reason: reason.to_owned(),
        forced,
    };
    append(dir, state, &mut key, &check.entries, event, at)
}

fn checked_for_append(
    dir: &PeersDir,
    state: &Path,
) -> Result<(ContractKey, ContractCheck), StoreError> {
    let check = verify(dir, state)?.ok_or_else(|| {
        contract_error(
            "this project has no frozen contract; create one with `peers init --modes=implement \
             --plan FILE`",
        )
    })?;
    if !check.intact() {
        return Err(contract_error(format!(
            "the contract is broken, so nothing is added to it: {}; restore the files, or \
             start over with `peers init --force --modes=implement --plan FILE`",
            check.problems.join("; ")
        )));
    }
    let key = contract_key::load(state, dir.repo_root())?
        .ok_or_else(|| contract_error("the contract key vanished while it was being used"))?;
    Ok((key, check))
}

fn append(
    dir: &PeersDir,
    state: &Path,
    key: &mut ContractKey,
    entries: &[ContractEntry],
    event: ContractEvent,
    at: &str,
) -> Result<ContractEntry, StoreError> {
    let mut entry = ContractEntry {
        seq: entries.len() as u64 + 1,
        at: at.to_owned(),
        event,
        pins: current_pins(dir)?,
        prev: entries.last().map(|e| e.mac.clone()).unwrap_or_default(),
        mac: String::new(),
    };
    entry.mac = key.sign(&signed_bytes(&entry)?);
    let mut text =
        read_control_file_if_exists(&path(dir, LOG), 16 * 1024 * 1024)?.unwrap_or_default();
    text.extend(serde_json::to_vec(&entry).map_err(|e| contract_error(e.to_string()))?);
    text.push(b'\n');
    key.head = entry.mac.clone();
    key.entries = entry.seq;
    contract_key::save(state, dir.repo_root(), key)?;
    crate::safe_fs::write_atomic(&path(dir, LOG), &text)?;
    Ok(entry)
}

/// The bytes a signature covers: the entry as JSON with an empty `mac`.
fn signed_bytes(entry: &ContractEntry) -> Result<Vec<u8>, StoreError> {
    let mut unsigned = entry.clone();
    unsigned.mac = String::new();
    serde_json::to_vec(&unsigned).map_err(|e| contract_error(e.to_string()))
}

/// Digests of the pinned files that exist now.
fn current_pins(dir: &PeersDir) -> Result<BTreeMap<String, String>, StoreError> {
    let mut pins = BTreeMap::new();
    for name in [PLAN_ORIGINAL, ACCEPTANCE, E2E] {
        if let Some(bytes) = read_control_file_if_exists(&path(dir, name), FILE_CAP)? {
            pins.insert(name.to_owned(), crate::goals_hash::goals_digest(&bytes));
        }
    }
    Ok(pins)
}

fn write_read_only(dir: &PeersDir, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let target = path(dir, name);
    crate::safe_fs::write_atomic(&target, bytes)?;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444))
        .map_err(|e| StoreError::io("make read-only", &target, e))
}

/// Checks the chain (every signature, every link, the head the key file recorded) and that
/// each pinned file (regular, one link) still has its pinned digest. `None`: no contract.
pub fn verify(dir: &PeersDir, state: &Path) -> Result<Option<ContractCheck>, StoreError> {
    let log = read_control_file_if_exists(&path(dir, LOG), 16 * 1024 * 1024);
    let key = contract_key::load(state, dir.repo_root())?;
    let mut problems = Vec::new();
    let log = match log {
        Ok(Some(log)) => log,
        Ok(None) if key.is_none() => return Ok(None),
        Ok(None) => {
            problems.push(".peers/contracts.log was deleted".to_owned());
            Vec::new()
        }
        Err(error) => {
            problems.push(format!(".peers/contracts.log cannot be read: {error}"));
            Vec::new()
        }
    };
    let Some(key) = key else {
        let path = contract_key::key_path(state, dir.repo_root())
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        problems.push(format!(
            "the contract key is missing ({path}), so the chain cannot be verified; if the \
             repository moved, move its key file there from the old name"
        ));
        return Ok(Some(ContractCheck {
            entries: Vec::new(),
            problems,
        }));
    };
    let entries = chain(&key, &log, &mut problems);
    let head_ok = match entries.last() {
        Some(last) => last.mac == key.head && last.seq == key.entries,
        None => key.entries == 0,
    };
    if !head_ok && problems.is_empty() {
        problems.push(format!(
            ".peers/contracts.log does not end at the signed head the key recorded ({} entries): \
             entries were removed or an older log was put back",
            key.entries
        ));
    }
    if let Some(last) = entries.last() {
        pins_problems(dir, &last.pins, &mut problems);
    }
    Ok(Some(ContractCheck { entries, problems }))
}

fn chain(key: &ContractKey, log: &[u8], problems: &mut Vec<String>) -> Vec<ContractEntry> {
    let mut entries: Vec<ContractEntry> = Vec::new();
    for (index, line) in log.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let number = index + 1;
        let Ok(entry) = serde_json::from_slice::<ContractEntry>(line) else {
            problems.push(format!(
                ".peers/contracts.log:{number}: not a contract entry"
            ));
            break;
        };
        let prev = entries.last().map(|e| e.mac.as_str()).unwrap_or_default();
        let signed = signed_bytes(&entry).map(|b| key.sign(&b));
        if entry.seq != entries.len() as u64 + 1 || entry.prev != prev {
            problems.push(format!(
                ".peers/contracts.log:{number}: entry out of sequence (entries were removed, \
                 reordered or inserted)"
            ));
            break;
        }
        if signed.ok().as_deref() != Some(entry.mac.as_str()) {
            problems.push(format!(
                ".peers/contracts.log:{number}: the signature does not match (the entry was \
                 written or edited without the key)"
            ));
            break;
        }
        entries.push(entry);
    }
    entries
}

fn pins_problems(dir: &PeersDir, pins: &BTreeMap<String, String>, problems: &mut Vec<String>) {
    for name in [PLAN_ORIGINAL, ACCEPTANCE, E2E] {
        let pinned = pins.get(name);
        match (read_control_file(&path(dir, name), FILE_CAP), pinned) {
            (Ok(bytes), Some(digest)) => {
                if &crate::goals_hash::goals_digest(&bytes) != digest {
                    problems.push(format!(".peers/{name} was changed after it was frozen"));
                }
            }
            (Ok(_), None) => problems.push(format!(".peers/{name} was added after the freeze")),
            (Err(error), Some(_)) if error.is_not_found() => {
                problems.push(format!(".peers/{name} was deleted"));
            }
            (Err(error), Some(_)) => problems.push(format!(".peers/{name}: {error}")),
            (Err(_), None) => {}
        }
    }
}

/// The acceptance or e2e script's path, for the gates that run it.
pub fn script_path(dir: &PeersDir, e2e: bool) -> PathBuf {
    path(dir, if e2e { E2E } else { ACCEPTANCE })
}

/// The frozen original plan.
pub fn read_original_plan(dir: &PeersDir) -> Result<Vec<u8>, StoreError> {
    read_control_file(&path(dir, PLAN_ORIGINAL), FILE_CAP)
}

#[cfg(test)]
mod tests;
