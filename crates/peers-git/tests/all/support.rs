//! A hermetic test repository: temp dir, no system or global config, fixed dates.

use std::path::{Path, PathBuf};
use std::process::Command;

use peers_git::{Git, Identity};

pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    /// An initialised, empty repository (unborn `main`).
    pub fn new() -> TestRepo {
        let repo = TestRepo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git_cli(&["init", "--quiet", "--initial-branch=main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self) -> Git {
        Git::discover(self.path()).unwrap()
    }

    /// Run git the way a user would, but hermetically; for setting up fixtures.
    pub fn git_cli(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.path())
            .env("GIT_AUTHOR_NAME", "Fixture")
            .env("GIT_AUTHOR_EMAIL", "fixture@example.invalid")
            .env("GIT_COMMITTER_NAME", "Fixture")
            .env("GIT_COMMITTER_EMAIL", "fixture@example.invalid")
            .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// A fixture commit with `message`, staging everything first. Returns its id.
    pub fn commit_all(&self, message: &str) -> String {
        self.git_cli(&["add", "--all"]);
        self.git_cli(&["commit", "--quiet", "--allow-empty", "-m", message]);
        self.git_cli(&["rev-parse", "HEAD"])
    }
}

pub fn identity(name: &str) -> Identity {
    Identity {
        name: name.to_owned(),
        email: format!("{name}@peers.invalid"),
    }
}
