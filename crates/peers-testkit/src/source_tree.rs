//! The workspace's own sources, for tests that check a rule across every crate (no module
//! cycles, no type name defined twice): the crate directories, their `.rs` files, and which
//! of those are test files rather than code the crate ships.

use std::path::{Path, PathBuf};

/// Every crate directory of the workspace that has a `src/`, sorted.
pub fn workspace_crates() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("the crates directory")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("src").is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every `.rs` file below `dir`, appended to `out` (unreadable directories are skipped).
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// `tests.rs` or `*_tests.rs`: the project's convention for unit tests kept in their own file.
pub fn is_test_file(file: &Path) -> bool {
    file.file_stem()
        .and_then(|stem| stem.to_str())
        .is_some_and(|stem| stem == "tests" || stem.ends_with("_tests"))
}
