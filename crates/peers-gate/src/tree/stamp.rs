//! A metadata stamp of a directory tree: every entry's path, kind, size, mode, inode, mtime and
//! ctime, hashed. It changes when anything under the tree is written, replaced or touched
//! (ctime cannot be set back from user space), without reading file contents.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Directory names left out of an outside-git stamp: caches interpreters and tools write on
/// their own while merely running code (`__pycache__` bytecode, `node_modules/.cache`).
pub(crate) const TOOL_CACHES: &[&str] = &["__pycache__", ".cache"];

/// The stamp of `dir` (`None` when it does not exist). Symlinks are stamped, never followed.
/// Directories named in `skip` are left out wherever they appear.
pub(crate) fn stamp(dir: &Path, skip: &[&str]) -> std::io::Result<Option<String>> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut hasher = Sha256::new();
    entry(&mut hasher, b"", &meta);
    if meta.is_dir() {
        walk(&mut hasher, dir, Vec::new(), skip)?;
    }
    let digest = hasher.finalize();
    Ok(Some(digest.iter().map(|b| format!("{b:02x}")).collect()))
}

fn walk(hasher: &mut Sha256, dir: &Path, relative: Vec<u8>, skip: &[&str]) -> std::io::Result<()> {
    let mut children: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    children.sort_by_key(fs::DirEntry::file_name);
    for child in children {
        let name = child.file_name();
        let meta = fs::symlink_metadata(child.path())?;
        if meta.is_dir() && skip.iter().any(|s| name.as_bytes() == s.as_bytes()) {
            continue;
        }
        let mut path = relative.clone();
        path.push(b'/');
        path.extend_from_slice(name.as_bytes());
        entry(hasher, &path, &meta);
        if meta.is_dir() {
            walk(hasher, &child.path(), path, skip)?;
        }
    }
    Ok(())
}

/// A directory is stamped by its mode and inode only: its size and times change whenever a
/// skipped cache is created inside it, and its children are listed anyway.
fn entry(hasher: &mut Sha256, path: &[u8], meta: &fs::Metadata) {
    hasher.update(path);
    hasher.update(b"\0");
    if meta.is_dir() {
        hasher.update(u64::from(meta.mode()).to_le_bytes());
        hasher.update(meta.ino().to_le_bytes());
        return;
    }
    for value in [
        u64::from(meta.mode()),
        meta.size(),
        meta.ino(),
        meta.mtime().unsigned_abs(),
        meta.mtime_nsec().unsigned_abs(),
        meta.ctime().unsigned_abs(),
        meta.ctime_nsec().unsigned_abs(),
    ] {
        hasher.update(value.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_changes_on_any_write_but_not_on_reads_or_skipped_caches() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("venv");
        assert_eq!(stamp(&root, TOOL_CACHES).unwrap(), None);
        fs::create_dir_all(root.join("lib")).unwrap();
        fs::write(root.join("lib/mod.py"), "x = 1\n").unwrap();
        let first = stamp(&root, TOOL_CACHES).unwrap();
        let _ = fs::read(root.join("lib/mod.py")).unwrap();
        assert_eq!(stamp(&root, TOOL_CACHES).unwrap(), first);
        fs::create_dir_all(root.join("lib/__pycache__")).unwrap();
        fs::write(root.join("lib/__pycache__/mod.pyc"), "b").unwrap();
        assert_eq!(stamp(&root, TOOL_CACHES).unwrap(), first);
        fs::write(root.join("lib/mod.py"), "x = 2\n").unwrap();
        assert_ne!(stamp(&root, TOOL_CACHES).unwrap(), first);
        let second = stamp(&root, TOOL_CACHES).unwrap();
        fs::write(root.join("lib/new.py"), "").unwrap();
        assert_ne!(stamp(&root, TOOL_CACHES).unwrap(), second);
    }
}
