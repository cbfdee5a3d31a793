//! The hermetic git repository: a temporary directory, no system or global git configuration,
//! a cleared environment, fixed identity and dates, and `git` helpers that panic with git's
//! stderr when a setup step fails.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const AUTHOR_NAME: &str = "Test Author";
pub const AUTHOR_EMAIL: &str = "author@example.invalid";
pub const COMMITTER_NAME: &str = "Test Committer";
pub const COMMITTER_EMAIL: &str = "committer@example.invalid";
/// Author and committer date of every fixture commit.
pub const DATE: &str = "2026-01-01T00:00:00Z";

/// `program` with a cleared environment: `PATH` kept, `HOME` set to `home`, C locale, UTC,
/// no system or global git configuration, the fixed identity and dates; stdin null.
pub fn hermetic_command(program: impl AsRef<OsStr>, home: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env(
            "GIT_CONFIG_GLOBAL",
            peers_core::git_env::NO_GLOBAL_GIT_CONFIG,
        )
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", AUTHOR_NAME)
        .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
        .env("GIT_COMMITTER_NAME", COMMITTER_NAME)
        .env("GIT_COMMITTER_EMAIL", COMMITTER_EMAIL)
        .env("GIT_AUTHOR_DATE", DATE)
        .env("GIT_COMMITTER_DATE", DATE)
        .stdin(Stdio::null());
    command
}

/// Runs git hermetically in `dir` (`HOME` is `dir`) and returns its stdout as git printed
/// it; panics with git's stderr when git fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_with_home(dir, dir, args)
}

/// [`git`] with `HOME` set to `home`.
pub fn git_with_home(dir: &Path, home: &Path, args: &[&str]) -> String {
    let output = hermetic_command("git", home)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run git (is it installed?)");
    assert!(
        output.status.success(),
        "git {args:?} failed in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A temporary git repository on an unborn `main`, removed when dropped.
pub struct TestRepo {
    dir: tempfile::TempDir,
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl TestRepo {
    /// An initialised, empty repository (unborn `main`).
    pub fn new() -> TestRepo {
        let repo = TestRepo {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo
    }

    /// A repository with one commit, "initial", holding `README.md`.
    pub fn with_commit() -> TestRepo {
        let repo = TestRepo::new();
        repo.write("README.md", "# sample\n");
        repo.commit_all("initial");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git hermetically here; stdout with surrounding whitespace trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        git(self.path(), args).trim().to_owned()
    }

    /// Writes `content` to `relative`, creating parent directories; returns the full path.
    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        std::fs::write(&path, content).expect("write a fixture file");
        path
    }

    /// Stages everything and commits it with `message` (empty commits allowed); returns the
    /// new commit id.
    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// The temporary directory itself, for callers that keep it alive on their own.
    pub fn into_temp_dir(self) -> tempfile::TempDir {
        self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_carry_the_fixed_identity_and_date() {
        let repo = TestRepo::with_commit();
        let line = repo.git(&["log", "-1", "--format=%an <%ae> %cn <%ce> %aI"]);
        assert_eq!(
            line,
            "Test Author <author@example.invalid> Test Committer <committer@example.invalid> \
             2026-01-01T00:00:00Z"
        );
        assert_eq!(repo.git(&["branch", "--show-current"]), "main");
    }

    #[test]
    fn global_configuration_is_not_read() {
        let repo = TestRepo::new();
        std::fs::write(repo.path().join(".gitconfig"), "[user]\n\tname = Leaked\n").expect("write");
        assert_eq!(
            hermetic_command("git", repo.path())
                .current_dir(repo.path())
                .args(["config", "user.name"])
                .output()
                .expect("git")
                .stdout,
            b""
        );
    }

    #[test]
    #[should_panic(expected = "Needed a single revision")]
    fn a_failing_git_panics_with_its_stderr() {
        TestRepo::new().git(&["rev-parse", "--verify", "no-such-rev^{commit}", "--"]);
    }
}
