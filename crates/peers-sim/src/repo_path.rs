//! Resolving a script's file path inside the repository, refusing anything that leaves it,
//! and writing a file there.

use std::path::{Component, Path, PathBuf};

use crate::error::SimError;

/// `repo/relative`, provided `relative` is relative and has no `..` component.
pub(crate) fn resolve(repo: &Path, relative: &str) -> Result<PathBuf, SimError> {
    let path = Path::new(relative);
    let inside = !relative.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err(SimError::PathOutsideRepository {
            path: relative.to_owned(),
        });
    }
    Ok(repo.join(path))
}

/// Writes `text` to `relative` inside the repository, creating its directory.
pub(crate) fn write(repo: &Path, relative: &str, text: &str) -> Result<(), SimError> {
    let full = resolve(repo, relative)?;
    let io = |action, source| SimError::Io {
        action,
        path: full.clone(),
        source,
    };
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io("create the directory of", e))?;
    }
    std::fs::write(&full, text).map_err(|e| io("write", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_under_the_repository() {
        let path = resolve(Path::new("/r"), "src/./a.txt").unwrap();
        assert_eq!(path, PathBuf::from("/r/src/./a.txt"));
    }

    #[test]
    fn absolute_and_parent_paths_are_refused() {
        for bad in ["/etc/passwd", "../x", "a/../../b", ""] {
            assert!(resolve(Path::new("/r"), bad).is_err(), "{bad}");
        }
    }
}
