//! A temporary repository with an empty `.peers/`.

use std::path::Path;

use peers_store::PeersDir;

pub struct TempRepo {
    pub temp: tempfile::TempDir,
    pub dir: PeersDir,
}

#[expect(
    clippy::unwrap_used,
    reason = "test setup: a failure here should abort the test"
)]
impl TempRepo {
    pub fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir(temp.path().join(".peers")).unwrap();
        let dir = PeersDir::discover(temp.path()).unwrap();
        Self { temp, dir }
    }

    pub fn root(&self) -> &Path {
        self.temp.path()
    }

    /// Names of the entries of `.peers/`, sorted.
    pub fn peers_entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}
