//! The temporary `.peers/` fixture: a temporary directory holding an empty `.peers/`.

use std::path::{Path, PathBuf};

/// A temporary directory with an empty `.peers/` in it, removed when dropped.
pub struct TempPeersDir {
    temp: tempfile::TempDir,
}

impl Default for TempPeersDir {
    fn default() -> Self {
        Self::new()
    }
}

impl TempPeersDir {
    pub fn new() -> TempPeersDir {
        let temp = tempfile::tempdir().expect("create a temporary directory");
        std::fs::create_dir(temp.path().join(".peers")).expect("create .peers/");
        TempPeersDir { temp }
    }

    /// The directory holding `.peers/` (the repository root).
    pub fn root(&self) -> &Path {
        self.temp.path()
    }

    /// `<root>/.peers`.
    pub fn peers(&self) -> PathBuf {
        self.root().join(".peers")
    }

    /// Names of the entries of `.peers/`, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.peers())
            .expect("read .peers/")
            .map(|entry| {
                entry
                    .expect("read a .peers/ entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}
