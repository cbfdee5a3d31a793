//! The shared hermetic repository (peers-testkit) and the peers-git handle on it.

use peers_git::{Git, Identity};
pub use peers_testkit::TestRepo;

/// peers-git's handle on `repo`.
pub fn open(repo: &TestRepo) -> Git {
    Git::discover(repo.path()).unwrap()
}

pub fn identity(name: &str) -> Identity {
    Identity {
        name: name.to_owned(),
        email: format!("{name}@peers.invalid"),
    }
}
