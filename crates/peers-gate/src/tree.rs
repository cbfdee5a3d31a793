//! The tree the hard gates judge: a scratch worktree of the commit under judgement, so build
//! output never dirties the user's tree and ignored or untracked files cannot change a verdict.
//!
//! It lives at `<git-dir>/peers-scratch/peers-gates`: inside the git directory, so no
//! `git status`, `git clean`, `git add -A`, editor or file watcher of the user's tree sees it.
//! Before each evaluation it is forced to the commit and cleaned of everything else, except:
//! - the Rust build cache `target/` and an untracked `Cargo.lock` (only when the commit has a
//!   root `Cargo.toml`), so cargo stays incremental and does not re-resolve dependencies. peers trusts it only while its metadata stamp equals the one peers
//!   recorded after its own last evaluation (in memory within a run; on disk across runs, a
//!   record deleted before every turn); anything else written there, by anyone, and the cache
//!   is discarded. No other cache is kept: Python bytecode and pytest's cache can be planted
//!   to change what runs, and Go's build cache lives outside the tree already.
//! - the directories `gates.outside_git` declares (a virtualenv, `node_modules`), linked into
//!   the tree from the user's worktree. A symlink is not read-only, so each is stamped before
//!   and after the gates run; a gate that changed one fails the evaluation, naming it.

mod stamp;

use std::path::{Path, PathBuf};

use crate::runner::GateResult;
use peers_git::Git;

use crate::error::GateSetupError;

/// What is kept warm between evaluations (Rust, next to a root `Cargo.toml`): the build cache
/// and the lock file cargo writes when the commit has none.
const KEPT: &[&str] = &["target", "Cargo.lock"];

/// The scratch tree between evaluations, and what peers last recorded about its kept cache.
#[derive(Debug)]
pub struct GateTree {
    worktree: peers_git::ScratchWorktree,
    path: PathBuf,
    record_path: PathBuf,
    outside_git: Vec<String>,
    /// The kept cache's stamp after this process's last evaluation (`Some(None)`: no cache).
    trusted: Option<Option<String>>,
}

#[derive(Debug)]
struct Linked {
    relative: String,
    source: PathBuf,
    before: Option<String>,
}

/// The tree prepared for one evaluation.
#[derive(Debug)]
pub struct PreparedTree {
    /// The scratch worktree (history is the repository's own: refs and objects are shared,
    /// and its detached HEAD is the judged commit).
    pub git: Git,
    pub commit: String,
    /// Declared outside-git directories linked in: the path as declared, where it really is,
    /// and its stamp before the gates ran.
    linked: Vec<Linked>,
    /// Things the user should know (a discarded cache, a declared directory the commit tracks).
    pub notes: Vec<String>,
    /// Held until this evaluation is done: one evaluation uses the tree at a time.
    _lock: peers_store::tree_lock::TreeLock,
}

impl PreparedTree {
    pub fn root(&self) -> &Path {
        self.git.root()
    }

    /// A key for cached passes: the commit plus the state of every linked directory.
    pub fn cache_key(&self) -> String {
        let mut key = self.commit.clone();
        for linked in &self.linked {
            let stamp = linked.before.as_deref().unwrap_or("-");
            key.push_str(&format!("\0{}={stamp}", linked.relative));
        }
        key
    }
}

impl GateTree {
    pub fn new(repo: &Git, outside_git: &[String]) -> Result<Self, GateSetupError> {
        let base = repo.git_dir()?.join("peers-scratch");
        let path = base.join("peers-gates");
        Ok(Self {
            worktree: peers_git::ScratchWorktree::new(repo, path.clone())?,
            path,
            record_path: base.join("kept-cache.stamp"),
            outside_git: outside_git.to_vec(),
            trusted: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Forces the scratch tree to `commit` and links the declared outside-git directories.
    /// `waiting` is told when another evaluation (a run's, a `peers verify`) holds the tree.
    pub fn prepare(
        &mut self,
        repo: &Git,
        commit: &str,
        waiting: impl FnOnce(),
    ) -> Result<PreparedTree, GateSetupError> {
        let base = self.record_path.parent().unwrap_or(&self.path);
        std::fs::create_dir_all(base).map_err(|error| GateSetupError::io(base, error))?;
        let lock = peers_store::tree_lock::TreeLock::acquire(&base.join("lock"), waiting)?;
        let mut notes = Vec::new();
        self.check_kept_cache(&mut notes)?;
        let git = self.worktree.checkout(commit)?;
        let keep: &[&str] = if self.path.join("Cargo.toml").is_file() {
            KEPT
        } else {
            &[]
        };
        git.clean_untracked(keep)?;
        let linked = self.link_outside_git(repo.root(), &mut notes)?;
        Ok(PreparedTree {
            git,
            commit: commit.to_owned(),
            linked,
            notes,
            _lock: lock,
        })
    }

    /// After the gates ran: a changed outside-git directory fails the evaluation; the kept
    /// cache's stamp is recorded so the next evaluation can trust it.
    pub fn finish(&mut self, prepared: &PreparedTree, results: &mut [GateResult]) {
        let changed: Vec<&str> = prepared
            .linked
            .iter()
            .filter(|linked| {
                let after = stamp::stamp(&linked.source, stamp::TOOL_CACHES);
                after.ok().flatten() != linked.before
            })
            .map(|linked| linked.relative.as_str())
            .collect();
        if !changed.is_empty() {
            let note = format!(
                "the gates changed {}, which gates.outside_git makes visible read-only: a gate \
                 must not write there (peers cannot tell which gate did)",
                changed.join(", ")
            );
            for result in results.iter_mut().filter(|r| !r.cached) {
                result.pass = false;
                result.diagnostic = format!("{}\n{note}", result.diagnostic);
            }
        }
        let kept = self.kept_stamp().ok().flatten();
        let _ = std::fs::write(&self.record_path, kept.as_deref().unwrap_or("-"));
        self.trusted = Some(kept);
    }

    /// Before a peer's turn: the on-disk record stops vouching for the cache, so a run that
    /// dies mid-turn leaves a cache the next process discards rather than trusts.
    pub fn before_turn(&self) {
        let _ = std::fs::remove_file(&self.record_path);
    }

    /// One stamp over everything kept (`None` when none of it exists).
    fn kept_stamp(&self) -> std::io::Result<Option<String>> {
        let mut parts = Vec::new();
        for name in KEPT {
            if let Some(stamp) = stamp::stamp(&self.path.join(name), &[])? {
                parts.push(format!("{name}={stamp}"));
            }
        }
        Ok((!parts.is_empty()).then(|| parts.join(",")))
    }

    /// Discards what is kept unless its stamp is the one peers recorded after its own last
    /// evaluation.
    fn check_kept_cache(&mut self, notes: &mut Vec<String>) -> Result<(), GateSetupError> {
        let actual = self
            .kept_stamp()
            .map_err(|source| GateSetupError::io(self.path.clone(), source))?;
        let Some(actual) = actual else {
            return Ok(());
        };
        let recorded = match &self.trusted {
            Some(stamp) => stamp.clone(),
            None => std::fs::read_to_string(&self.record_path)
                .ok()
                .filter(|text| text != "-"),
        };
        if recorded.as_deref() == Some(actual.as_str()) {
            return Ok(());
        }
        if recorded.is_some() {
            notes.push(format!(
                "discarded the gates' build cache (target/, Cargo.lock) in {}: it changed after \
                 peers' last evaluation, so it could hold files no gate built from the commit",
                self.path.display()
            ));
        }
        for name in KEPT {
            let path = self.path.join(name);
            let removed = match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
                Ok(_) => std::fs::remove_file(&path),
                Err(_) => Ok(()),
            };
            removed.map_err(|source| GateSetupError::io(path, source))?;
        }
        Ok(())
    }

    /// Links each declared directory of the user's tree into the scratch tree (absolute
    /// symlink), unless the commit itself holds that path. Returns each with its stamp.
    fn link_outside_git(
        &self,
        worktree: &Path,
        notes: &mut Vec<String>,
    ) -> Result<Vec<Linked>, GateSetupError> {
        let mut linked = Vec::new();
        for relative in &self.outside_git {
            let source = worktree.join(relative);
            let target = self.path.join(relative);
            if !source.is_dir() {
                continue;
            }
            if let Some(link) = symlink_on_the_way(&self.path, relative) {
                notes.push(format!(
                    "gates.outside_git: `{relative}` is not linked: `{link}` is a symlink in the \
                     commit"
                ));
                continue;
            }
            if std::fs::symlink_metadata(&target).is_ok() {
                notes.push(format!(
                    "gates.outside_git: `{relative}` is in the commit itself; the gates see the \
                     commit's copy"
                ));
                continue;
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|error| GateSetupError::io(parent.to_path_buf(), error))?;
            }
            std::os::unix::fs::symlink(&source, &target)
                .map_err(|error| GateSetupError::io(target.clone(), error))?;
            let before = stamp::stamp(&source, stamp::TOOL_CACHES)
                .map_err(|error| GateSetupError::io(source.clone(), error))?;
            linked.push(Linked {
                relative: relative.clone(),
                source,
                before,
            });
        }
        Ok(linked)
    }
}

/// The first proper prefix of `relative` that is a symlink inside `root`, if any: linking
/// through it would place the link (or create directories) outside the scratch tree.
fn symlink_on_the_way(root: &Path, relative: &str) -> Option<String> {
    let parts: Vec<&str> = relative.split('/').collect();
    (1..parts.len())
        .map(|end| parts[..end].join("/"))
        .find(|prefix| {
            std::fs::symlink_metadata(root.join(prefix)).is_ok_and(|m| m.file_type().is_symlink())
        })
}
