//! Results measured once at the `peers-baseline` commit and kept in the cache directory:
//! a detached worktree of the baseline is checked out, the tool runs there, the result is
//! stored as JSON keyed by the baseline commit and the command, and the worktree is removed.
//!
//! The worktree lives in the system temp directory, not under `.peers/cache/`: jest (and
//! other crawlers) find test files inside dot-directories of the project, so a baseline
//! checked out there would be picked up by a test run of the current tree.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::error::BuiltinError;
use super::runners::{Toolbox, all_output, excerpt};

/// Untracked tool directories linked into the baseline checkout so its tests find the same
/// installed runners as the current tree.
const LINKED_TOOL_DIRS: &[&str] = &["node_modules", ".venv", "venv"];

/// The cache file for `what` (e.g. `tests-rust`) at `sha` measured by `command_key`.
pub fn cache_path(cache_dir: &Path, sha: &str, what: &str, command_key: &str) -> PathBuf {
    let digest = Sha256::digest(command_key.as_bytes());
    let key: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let short = sha.get(..12).unwrap_or(sha);
    cache_dir
        .join("baseline")
        .join(format!("{what}-{short}-{key}.json"))
}

/// A stored result, or `None` when absent or unreadable (it is measured again).
pub fn load<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn store<T: Serialize>(path: &Path, value: &T) -> Result<(), BuiltinError> {
    let text = serde_json::to_string_pretty(value).map_err(|source| BuiltinError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| BuiltinError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|source| BuiltinError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// A detached checkout of one commit, removed (worktree and registration) on drop.
pub struct BaselineWorktree {
    repo: PathBuf,
    path: PathBuf,
    tools: Toolbox,
}

static SEQUENCE: AtomicUsize = AtomicUsize::new(0);

impl BaselineWorktree {
    /// `git worktree add --detach <temp>/peers-baseline-<sha>-<pid>-<n> <sha>` in `repo`.
    pub fn add(repo: &Path, sha: &str, tools: &Toolbox) -> Result<BaselineWorktree, BuiltinError> {
        let short = sha.get(..12).unwrap_or(sha);
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("peers-baseline-{short}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let path_arg = path.to_string_lossy().into_owned();
        git(
            repo,
            tools,
            &["worktree", "add", "--detach", "--quiet", &path_arg, sha],
        )
        .map_err(|error| BuiltinError::BaselineCheckout {
            commit: short.to_owned(),
            source: Box::new(error),
        })?;
        Ok(BaselineWorktree {
            repo: repo.to_path_buf(),
            path,
            tools: tools.clone(),
        })
    }

    /// The directory in the baseline matching `project` in the current tree, with the
    /// current tree's untracked tool directories linked in.
    pub fn project(&self, project: &Path) -> PathBuf {
        let relative = project.strip_prefix(&self.repo).unwrap_or(Path::new(""));
        let dir = self.path.join(relative);
        for name in LINKED_TOOL_DIRS {
            let source = project.join(name);
            let target = dir.join(name);
            if source.is_dir() && dir.is_dir() && !target.exists() {
                let _ = std::os::unix::fs::symlink(&source, &target);
            }
        }
        dir
    }
}

impl Drop for BaselineWorktree {
    fn drop(&mut self) {
        let path = self.path.to_string_lossy().into_owned();
        let _ = git(
            &self.repo,
            &self.tools,
            &["worktree", "remove", "--force", &path],
        );
        let _ = std::fs::remove_dir_all(&self.path);
        let _ = git(&self.repo, &self.tools, &["worktree", "prune"]);
    }
}

/// The result of `measure` run in a checkout of `sha`, from the cache when it was measured
/// before with the same `command_key`. `measure` gets the baseline's counterpart of
/// `project` and a toolbox whose Rust builds go to a target directory of its own in the cache.
/// Errors are not cached: the next evaluation tries again.
#[expect(
    clippy::too_many_arguments,
    reason = "each names one part of the cache key or the checkout"
)]
pub fn measured<T: Serialize + DeserializeOwned>(
    repo: &Path,
    cache_dir: &Path,
    sha: &str,
    what: &str,
    command_key: &str,
    project: &Path,
    tools: &Toolbox,
    measure: impl FnOnce(&Path, &Toolbox) -> Result<T, BuiltinError>,
) -> Result<T, BuiltinError> {
    let path = cache_path(cache_dir, sha, what, command_key);
    if let Some(value) = load(&path) {
        return Ok(value);
    }
    // Never the current tree's target directory: cargo judges freshness by mtimes, so a
    // crate built from another checkout at the same name is taken as up to date and the
    // wrong code runs (seen: a broken test "passed" on re-run with the baseline's binary).
    let short = sha.get(..12).unwrap_or(sha);
    let baseline_tools = tools.with_var(
        "CARGO_TARGET_DIR",
        cache_dir.join(format!("baseline-target-{short}")),
    );
    let worktree = BaselineWorktree::add(repo, sha, &baseline_tools)?;
    let value = measure(&worktree.project(project), &baseline_tools)?;
    drop(worktree);
    store(&path, &value)?;
    Ok(value)
}

/// Runs git with the tool environment (minus variables that would redirect it or name a
/// program), inertly.
pub fn git(repo: &Path, tools: &Toolbox, args: &[&str]) -> Result<String, BuiltinError> {
    // PATH only: a `git` under the project's node_modules/.bin or .venv/bin is the
    // repository's program, not ours.
    let program = tools
        .find_on_path("git")
        .unwrap_or_else(|| PathBuf::from("git"));
    let mut tools = tools.clone();
    tools.env.retain(|(key, _)| {
        !peers_git::inert::SCRUBBED_VARIABLES
            .iter()
            .any(|name| key == name)
    });
    // Inert: no program named by the repository's configuration runs (peers_git::inert).
    let inert: Vec<String> = peers_git::inert::argv(repo, args)
        .into_iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let outcome = tools.run(&program, &inert, repo)?;
    if outcome.success() {
        Ok(outcome.stdout.to_string_lossy())
    } else {
        Err(BuiltinError::Failed {
            command: format!("git {}", args.join(" ")),
            status: outcome.exit.to_string(),
            output_tail: excerpt(&all_output(&outcome), 4),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_paths_differ_by_commit_subject_and_command() {
        let dir = Path::new("/c");
        let a = cache_path(dir, "0123456789abcdef", "tests-rust", "cargo test");
        assert_eq!(a.parent(), Some(Path::new("/c/baseline")));
        assert!(a.to_string_lossy().contains("tests-rust-0123456789ab-"));
        assert_ne!(
            a,
            cache_path(dir, "0123456789abcdef", "tests-rust", "cargo nextest run")
        );
        assert_ne!(
            a,
            cache_path(dir, "fedcba9876543210", "tests-rust", "cargo test")
        );
        assert_ne!(
            a,
            cache_path(dir, "0123456789abcdef", "coverage-rust", "cargo test")
        );
    }

    #[test]
    fn stored_values_load_back_and_garbage_reads_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline/x.json");
        store(&path, &vec![1, 2, 3]).unwrap();
        assert_eq!(load::<Vec<u32>>(&path), Some(vec![1, 2, 3]));
        std::fs::write(&path, "{").unwrap();
        assert_eq!(load::<Vec<u32>>(&path), None);
    }
}
