//! A temporary repository with an empty `.peers/` (peers-testkit's fixture) and the store's
//! handle on it.

use std::path::Path;

use peers_store::PeersDir;
use peers_testkit::TempPeersDir;

pub struct TempRepo {
    pub temp: TempPeersDir,
    pub dir: PeersDir,
}

#[expect(
    clippy::unwrap_used,
    reason = "test setup: a failure here should abort the test"
)]
impl TempRepo {
    pub fn new() -> Self {
        let temp = TempPeersDir::new();
        let dir = PeersDir::discover(temp.root()).unwrap();
        Self { temp, dir }
    }

    pub fn root(&self) -> &Path {
        self.temp.root()
    }

    /// Names of the entries of `.peers/`, sorted.
    pub fn peers_entries(&self) -> Vec<String> {
        self.temp.entries()
    }
}
