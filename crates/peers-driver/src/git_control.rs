//! Tamper evidence for the repository's own program-running files during a peer's turn:
//! `.git/config` (and `config.worktree`), `.git/info/attributes` and every entry of
//! `.git/hooks/`. A peer could plant a hook, a filter driver or `core.fsmonitor` there to run
//! code later, outside its turn; each change is reported by name and put back as it was before
//! the turn (host-side git is inert anyway, see `peers_git::inert`; this keeps the user's own
//! git safe too).

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use peers_git::GitDirs;

/// Bigger files are recorded as "too large" and only compared by size and time.
const FILE_CAP: u64 = 1024 * 1024;
/// More hook entries than this are not snapshotted one by one.
const HOOKS_CAP: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    File {
        mode: u32,
        bytes: Vec<u8>,
    },
    Symlink(PathBuf),
    Directory,
    TooLarge {
        len: u64,
        modified: Option<std::time::SystemTime>,
    },
}

fn read_entry(path: &Path) -> Option<Entry> {
    let meta = fs::symlink_metadata(path).ok()?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        return fs::read_link(path).ok().map(Entry::Symlink);
    }
    if kind.is_dir() {
        return Some(Entry::Directory);
    }
    if meta.len() > FILE_CAP {
        return Some(Entry::TooLarge {
            len: meta.len(),
            modified: meta.modified().ok(),
        });
    }
    let bytes = fs::read(path).ok()?;
    Some(Entry::File {
        mode: meta.permissions().mode() & 0o7777,
        bytes,
    })
}

/// The watched files and hook entries as they were before the turn.
pub struct GitControlSnapshot {
    /// `(name shown to the user, path, entry before)`.
    entries: Vec<(String, PathBuf, Option<Entry>)>,
    hooks: PathBuf,
}

impl GitControlSnapshot {
    pub fn take(dirs: &GitDirs) -> GitControlSnapshot {
        let common = &dirs.common_dir;
        let hooks = common.join("hooks");
        let mut paths: Vec<(String, PathBuf)> = vec![
            (".git/config".into(), common.join("config")),
            (
                ".git/config.worktree".into(),
                dirs.git_dir.join("config.worktree"),
            ),
            (
                ".git/info/attributes".into(),
                common.join("info/attributes"),
            ),
            (".git/hooks".into(), hooks.clone()),
        ];
        paths.extend(hook_entries(&hooks));
        let entries = paths
            .into_iter()
            .map(|(name, path)| {
                let entry = read_entry(&path);
                (name, path, entry)
            })
            .collect();
        GitControlSnapshot { entries, hooks }
    }

    /// Every change since `take`, each put back as it was; one line per file saying what
    /// happened. Files that appeared under `.git/hooks/` are removed.
    pub fn restore_changes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        // The hooks directory first: if it became a symlink or a file, the entries below
        // must be recreated inside a real directory again.
        for (name, path, before) in &self.entries {
            let after = read_entry(path);
            if &after == before {
                continue;
            }
            let what = match (before, &after) {
                (None, Some(_)) => "was created",
                (Some(_), None) => "was deleted",
                _ => "was modified",
            };
            let outcome = match put_back(path, before.as_ref()) {
                Ok(()) => "put back as it was before the turn".to_owned(),
                Err(error) => format!("could not be put back ({error}); check it by hand"),
            };
            notes.push(format!("{name} {what} during the turn; {outcome}"));
        }
        let known: Vec<&Path> = self
            .entries
            .iter()
            .map(|(_, path, _)| path.as_path())
            .collect();
        for (name, path) in hook_entries(&self.hooks) {
            if known.contains(&path.as_path()) {
                continue;
            }
            let outcome = match remove_any(&path) {
                Ok(()) => "removed".to_owned(),
                Err(error) => format!("could not be removed ({error}); delete it by hand"),
            };
            notes.push(format!("{name} was created during the turn; {outcome}"));
        }
        notes
    }
}

/// `(".git/hooks/<name>", path)` for each entry of the hooks directory (none when it is not
/// a real directory).
fn hook_entries(hooks: &Path) -> Vec<(String, PathBuf)> {
    if !fs::symlink_metadata(hooks).is_ok_and(|meta| meta.is_dir()) {
        return Vec::new();
    }
    let Ok(read) = fs::read_dir(hooks) else {
        return Vec::new();
    };
    let mut entries: Vec<(String, PathBuf)> = read
        .filter_map(Result::ok)
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (format!(".git/hooks/{name}"), entry.path())
        })
        .collect();
    entries.sort();
    entries.truncate(HOOKS_CAP);
    entries
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

fn put_back(path: &Path, before: Option<&Entry>) -> std::io::Result<()> {
    match before {
        None => remove_any(path),
        Some(Entry::Directory) => {
            if !fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir()) {
                remove_any(path)?;
                fs::create_dir_all(path)?;
            }
            Ok(())
        }
        Some(Entry::Symlink(target)) => {
            remove_any(path)?;
            symlink(target, path)
        }
        Some(Entry::File { mode, bytes }) => {
            remove_any(path)?;
            fs::write(path, bytes)?;
            fs::set_permissions(path, fs::Permissions::from_mode(*mode))
        }
        Some(Entry::TooLarge { .. }) => Err(std::io::Error::other(
            "it was larger than peers keeps a copy of",
        )),
    }
}

#[cfg(test)]
#[path = "git_control_tests.rs"]
mod tests;
