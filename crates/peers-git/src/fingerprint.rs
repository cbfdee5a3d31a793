//! The worktree fingerprint: a cheap, exact key for "has anything a gate could see changed".

use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::GitError;
use crate::status::StatusEntry;

/// Hash the HEAD tree id plus every changed or untracked path and its current content.
///
/// Tracked, unchanged files are covered by the tree id; everything else is read here, in
/// process, instead of staging the whole tree (`git add -A`) as the original did. Ignored
/// files are not part of the key: status honours `.gitignore`.
pub(crate) fn fingerprint(
    root: &Path,
    head_tree: Option<&str>,
    entries: &[StatusEntry],
) -> Result<String, GitError> {
    let mut hasher = Sha256::new();
    hasher.update(b"tree\0");
    hasher.update(head_tree.unwrap_or("unborn").as_bytes());
    hasher.update(b"\0");
    // A rename's source is keyed too, so restoring it changes the fingerprint.
    let mut paths: Vec<&Path> = entries
        .iter()
        .flat_map(|e| std::iter::once(e.path.as_path()).chain(e.orig_path.as_deref()))
        .collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        hasher.update(path.as_os_str().as_bytes());
        hasher.update(b"\0");
        hasher.update(content_marker(&root.join(path))?.as_bytes());
        hasher.update(b"\0");
    }
    Ok(to_hex(&hasher.finalize()))
}

/// What is at `path` now: a file's content hash, a symlink's target, or a kind marker.
fn content_marker(path: &Path) -> Result<String, GitError> {
    let read_error = |source| GitError::ReadWorktree {
        path: path.to_path_buf(),
        source,
    };
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok("deleted".to_owned());
        }
        Err(error) => return Err(read_error(error)),
    };
    if metadata.file_type().is_symlink() {
        let target = fs::read_link(path).map_err(read_error)?;
        return Ok(format!("link:{}", to_hex(target.as_os_str().as_bytes())));
    }
    if metadata.is_dir() {
        // A submodule or nested repository: its own HEAD is outside this repository's key.
        return Ok("dir".to_owned());
    }
    let mut file = fs::File::open(path).map_err(read_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer).map_err(read_error)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(format!("file:{}", to_hex(&hasher.finalize())))
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_encodes_every_nibble() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn deleted_and_present_files_differ() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        assert_eq!(content_marker(&file).unwrap(), "deleted");
        fs::write(&file, "x").unwrap();
        assert!(content_marker(&file).unwrap().starts_with("file:"));
    }
}
