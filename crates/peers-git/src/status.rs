//! `git status --porcelain -z` parsed into `StatusEntry` values.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::command::GitCommand;
use crate::error::GitError;

/// One changed, staged or untracked path. `index`/`worktree` are porcelain v1's X and Y
/// codes (`?` `?` for untracked). Paths are relative to the repository root, kept as raw
/// bytes so a non-UTF-8 file name still names the right file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    pub index: char,
    pub worktree: char,
    pub path: PathBuf,
    /// The source of a rename or copy.
    pub orig_path: Option<PathBuf>,
}

impl StatusEntry {
    pub fn is_untracked(&self) -> bool {
        self.index == '?' && self.worktree == '?'
    }
}

pub(crate) fn parse_status(
    command: &GitCommand<'_>,
    stdout: &[u8],
) -> Result<Vec<StatusEntry>, GitError> {
    let mut entries = Vec::new();
    let mut records = stdout.split(|b| *b == 0).filter(|r| !r.is_empty());
    while let Some(record) = records.next() {
        let [x, y, b' ', path @ ..] = record else {
            let shown = String::from_utf8_lossy(record);
            return Err(command.unexpected(format!("status record `{shown}`")));
        };
        let (index, worktree) = (char::from(*x), char::from(*y));
        // Renames and copies are followed by their source path as a separate record.
        let orig_path = if matches!(index, 'R' | 'C') || matches!(worktree, 'R' | 'C') {
            let Some(orig) = records.next() else {
                return Err(command.unexpected("rename without its source path"));
            };
            Some(to_path(orig))
        } else {
            None
        };
        entries.push(StatusEntry {
            index,
            worktree,
            path: to_path(path),
            orig_path,
        });
    }
    Ok(entries)
}

fn to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn parses_untracked_modified_and_renamed_entries() {
        let command = GitCommand::new(Path::new("/"), &["status"]);
        let out = b"?? new file.txt\0 M src/a.rs\0R  b.rs\0a.rs\0";
        let entries = parse_status(&command, out).unwrap();
        assert_eq!(entries.len(), 3);
        assert!(entries[0].is_untracked());
        assert_eq!(entries[0].path, Path::new("new file.txt"));
        assert_eq!((entries[1].index, entries[1].worktree), (' ', 'M'));
        assert_eq!(entries[2].path, Path::new("b.rs"));
        assert_eq!(entries[2].orig_path.as_deref(), Some(Path::new("a.rs")));
    }

    #[test]
    fn rejects_a_record_without_the_separator_space() {
        let command = GitCommand::new(Path::new("/"), &["status"]);
        assert!(parse_status(&command, b"??x\0").is_err());
    }
}
