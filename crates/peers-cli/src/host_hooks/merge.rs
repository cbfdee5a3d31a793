//! Merging one Stop hook into a user's JSON configuration file and taking it out again: found
//! by its exact marker, updated in place, backed up before any change, written atomically with
//! the file's own permissions; a symlinked, unreadable or unexpected file is left alone.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::{FileAction, FileProblem, HookError, Shape};
use super::marker_of;
use super::record::{Previous, SideRecord};

/// The largest configuration file read.
const FILE_CAP: u64 = 4 * 1024 * 1024;

/// What happened to one file.
#[derive(Debug)]
pub enum Change {
    Installed,
    Updated,
    Noop,
    /// Uninstall put back the bytes the file had before peers first wrote it.
    Restored,
    /// Uninstall took peers' hook out of a file that changed since (the rest kept).
    Removed,
    NotInstalled,
    /// Left alone, and why.
    Skipped(HookError),
}

impl Change {
    pub fn word(&self) -> &'static str {
        match self {
            Self::Installed => "installed",
            Self::Updated => "updated",
            Self::Noop => "noop",
            Self::Restored => "restored",
            Self::Removed => "removed",
            Self::NotInstalled => "not-installed",
            Self::Skipped(_) => "skipped",
        }
    }
}

/// The file as found: absent, or its bytes and its top-level object.
enum Found {
    Absent,
    Present {
        bytes: Vec<u8>,
        value: serde_json::Map<String, Value>,
    },
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read(path: &Path, snippet: &str) -> Result<Found, HookError> {
    let leave = |problem: FileProblem| HookError::LeftAlone {
        snippet: snippet.to_owned(),
        problem,
    };
    let path_buf = || path.to_path_buf();
    let meta = match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(source) => {
            return Err(leave(FileProblem::Unreadable {
                path: path_buf(),
                source,
            }));
        }
        Ok(meta) => meta,
    };
    if meta.file_type().is_symlink() {
        return Err(leave(FileProblem::Symlink { path: path_buf() }));
    }
    if !meta.is_file() {
        return Err(leave(FileProblem::NotRegular { path: path_buf() }));
    }
    if meta.len() > FILE_CAP {
        return Err(leave(FileProblem::TooLarge { path: path_buf() }));
    }
    let bytes = std::fs::read(path).map_err(|source| {
        leave(FileProblem::Unreadable {
            path: path_buf(),
            source,
        })
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Found::Present {
            bytes,
            value: serde_json::Map::new(),
        });
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|source| {
        leave(FileProblem::InvalidJson {
            path: path_buf(),
            source,
        })
    })?;
    let Value::Object(value) = value else {
        return Err(leave(FileProblem::NotObject { path: path_buf() }));
    };
    Ok(Found::Present { bytes, value })
}

/// `hooks.<event>` of `root`, created when absent; `Err` when either has another type.
fn event_list<'a>(
    root: &'a mut serde_json::Map<String, Value>,
    event: &str,
    path: &Path,
) -> Result<&'a mut Vec<Value>, HookError> {
    let unexpected = |shape: Shape| HookError::Unexpected {
        shape,
        path: path.to_path_buf(),
    };
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    let Some(hooks) = hooks.as_object_mut() else {
        return Err(unexpected(Shape::HooksNotObject));
    };
    let list = hooks
        .entry(event)
        .or_insert_with(|| Value::Array(Vec::new()));
    list.as_array_mut().ok_or_else(|| {
        unexpected(Shape::EventNotList {
            event: event.to_owned(),
        })
    })
}

/// Where the hooks carrying `marker` are: (entry, hook) indexes.
fn ours(list: &[Value], marker: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for (e, entry) in list.iter().enumerate() {
        let hooks = entry.get("hooks").and_then(Value::as_array);
        for (h, hook) in hooks.into_iter().flatten().enumerate() {
            let command = hook.get("command").and_then(Value::as_str);
            if command.and_then(marker_of) == Some(marker) {
                found.push((e, h));
            }
        }
    }
    found
}

/// Takes out the hooks at `found` (and entries left with no hook). True if any was taken.
fn take_out(list: &mut Vec<Value>, found: &[(usize, usize)]) -> bool {
    for &(e, h) in found.iter().rev() {
        if let Some(hooks) = list[e].get_mut("hooks").and_then(Value::as_array_mut) {
            hooks.remove(h);
        }
    }
    let mut entries: Vec<usize> = found.iter().map(|(e, _)| *e).collect();
    entries.dedup();
    for e in entries.into_iter().rev() {
        let empty = list[e]
            .get("hooks")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty);
        if empty {
            list.remove(e);
        }
    }
    !found.is_empty()
}

/// What `install` needs to know about one side.
pub struct Want<'a> {
    pub path: &'a Path,
    pub event: &'a str,
    pub snippet: &'a str,
    pub entry: Value,
    pub marker: &'a str,
}

/// Merges `want.entry` into its file. `record` is what an earlier install wrote; the returned
/// one replaces it (`None` when nothing was written and nothing was recorded before).
pub fn install(want: &Want<'_>, record: Option<&SideRecord>) -> (Change, Option<SideRecord>) {
    let found = match read(want.path, want.snippet) {
        Ok(found) => found,
        Err(why) => return (Change::Skipped(why), record.cloned()),
    };
    let (before, mut value) = match found {
        Found::Absent => (None, serde_json::Map::new()),
        Found::Present { bytes, value } => (Some(bytes), value),
    };
    let list = match event_list(&mut value, want.event, want.path) {
        Ok(list) => list,
        Err(why) => return (Change::Skipped(why), record.cloned()),
    };
    let at = ours(list, want.marker);
    let change = match at.as_slice() {
        [] => {
            list.push(want.entry.clone());
            Change::Installed
        }
        [(e, _)] if list[*e] == want.entry => return (Change::Noop, record.cloned()),
        [(e, h), rest @ ..] => {
            let (e, h) = (*e, *h);
            let alone = list[e]
                .get("hooks")
                .and_then(Value::as_array)
                .is_some_and(|hooks| hooks.len() == 1);
            let extra: Vec<(usize, usize)> = rest.to_vec();
            if alone {
                list[e] = want.entry.clone();
            } else if let Some(hook) = want.entry.pointer("/hooks/0").cloned() {
                if let Some(hooks) = list[e].get_mut("hooks").and_then(Value::as_array_mut) {
                    hooks[h] = hook;
                }
            }
            take_out(list, &extra);
            Change::Updated
        }
    };
    let (written, backup) = match write(want.path, before.as_deref(), &value) {
        Ok(done) => done,
        Err(why) => return (Change::Skipped(why), record.cloned()),
    };
    let previous = previous_for(record, before.as_deref(), backup);
    let side = SideRecord {
        path: want.path.to_path_buf(),
        marker: want.marker.to_owned(),
        written_sha256: sha256(&written),
        previous,
    };
    (change, Some(side))
}

/// What uninstall can restore: the content before peers' first write, kept only while the
/// file still holds exactly what peers last wrote (any other edit makes removal structural).
fn previous_for(
    record: Option<&SideRecord>,
    before: Option<&[u8]>,
    backup: Option<PathBuf>,
) -> Previous {
    match (record, before) {
        (Some(record), Some(bytes)) if record.written_sha256 == sha256(bytes) => {
            record.previous.clone()
        }
        (Some(_), _) => Previous::Unknown,
        (None, None) => Previous::Absent,
        (None, Some(_)) => backup.map_or(Previous::Unknown, Previous::Backup),
    }
}

/// The backup an install about to change `path` makes (`<file>.bak.peers-<time>`).
fn backup_path(path: &Path) -> Option<PathBuf> {
    let stamp: String = peers_store::timestamp::now_iso_utc()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let name = path.file_name()?.to_string_lossy().into_owned();
    (0..100)
        .map(|n| {
            let suffix = if n == 0 {
                String::new()
            } else {
                format!("-{n}")
            };
            path.with_file_name(format!("{name}.bak.peers-{stamp}{suffix}"))
        })
        .find(|candidate| std::fs::symlink_metadata(candidate).is_err())
}

/// Backs up `before` (when the file existed), then writes `value` atomically; the bytes
/// written and the backup made.
fn write(
    path: &Path,
    before: Option<&[u8]>,
    value: &serde_json::Map<String, Value>,
) -> Result<(Vec<u8>, Option<PathBuf>), HookError> {
    let mut text = serde_json::to_string_pretty(value).map_err(HookError::Encode)?;
    text.push('\n');
    let mut backup = None;
    if let Some(bytes) = before {
        let path_of_backup = backup_path(path).ok_or_else(|| HookError::NoBackupName {
            path: path.to_path_buf(),
        })?;
        write_new(&path_of_backup, bytes, mode_of(path))?;
        backup = Some(path_of_backup);
    }
    replace(path, text.as_bytes())?;
    Ok((text.into_bytes(), backup))
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).map_or(0o600, |m| m.permissions().mode() & 0o777)
}

fn io_error(action: FileAction, path: &Path) -> impl FnOnce(std::io::Error) -> HookError {
    let path = path.to_path_buf();
    move |source| HookError::Io {
        action,
        path,
        source,
    }
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), HookError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_error(FileAction::Create, path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io_error(FileAction::Write, path))
}

/// Writes `bytes` to a temporary file beside `path` (same mode) and renames it over `path`.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), HookError> {
    let parent = path.parent().ok_or_else(|| HookError::NoParent {
        path: path.to_path_buf(),
    })?;
    if !parent.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io_error(FileAction::Create, parent))?;
    }
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.tmp.peers-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    write_new(&tmp, bytes, mode_of(path))?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        io_error(FileAction::Replace, path)(source)
    })
}

/// Takes this project's hook out of `path`: the earlier content exactly when the file still
/// holds what peers wrote, else only peers' entry (everything else kept).
pub fn uninstall(
    path: &Path,
    event: &str,
    snippet: &str,
    marker: &str,
    record: Option<&SideRecord>,
) -> Change {
    let found = match read(path, snippet) {
        Ok(found) => found,
        Err(why) => return Change::Skipped(why),
    };
    let Found::Present { bytes, mut value } = found else {
        return Change::NotInstalled;
    };
    let unchanged = record.is_some_and(|r| r.written_sha256 == sha256(&bytes));
    if let (true, Some(record)) = (unchanged, record) {
        match &record.previous {
            Previous::Absent => {
                return match std::fs::remove_file(path) {
                    Ok(()) => Change::Restored,
                    Err(source) => Change::Skipped(io_error(FileAction::Remove, path)(source)),
                };
            }
            Previous::Backup(backup) => {
                if let Ok(old) = std::fs::read(backup) {
                    return match replace(path, &old) {
                        Ok(()) => Change::Restored,
                        Err(why) => Change::Skipped(why),
                    };
                }
            }
            Previous::Unknown => {}
        }
    }
    let Some(list) = value
        .get_mut("hooks")
        .and_then(|h| h.get_mut(event))
        .and_then(Value::as_array_mut)
    else {
        return Change::NotInstalled;
    };
    let at = ours(list, marker);
    if !take_out(list, &at) {
        return Change::NotInstalled;
    }
    match write(path, Some(&bytes), &value) {
        Ok(_) => Change::Removed,
        Err(why) => Change::Skipped(why),
    }
}
