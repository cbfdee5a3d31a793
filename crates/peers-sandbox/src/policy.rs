//! The sandbox policy: which host paths a confined command sees, how, and what network it has.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::SandboxError;

/// Host directories every confined command sees read-only (only those that exist; a symlink
/// such as Debian's `/bin -> usr/bin` is recreated as the same symlink).
pub const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
];

/// Paths inside the repository that are always read-only: a planted hook or `core.fsmonitor`
/// would otherwise run on the host the next time peers (or the user) runs git.
pub const PROTECTED_GIT_PATHS: &[&str] = &[".git/config", ".git/hooks"];

/// What a confined command may see and reach.
///
/// Everything not named here is absent: the root is an empty tmpfs, HOME is an empty private
/// tmpfs, `/tmp` is private, `/proc` shows only the sandbox's processes, `/sys` and `/run` do
/// not exist. Every path is absolute and appears inside at the same path as on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The repository root: read-write, with `.git` pinned (it cannot be renamed or replaced)
    /// and `.git/config`, `.git/hooks` and [`Policy::protected`] read-only.
    pub repository: PathBuf,
    /// The per-project scratch directory for builds and caches: read-write, kept across turns.
    pub scratch: PathBuf,
    /// The HOME the command sees: an empty private tmpfs mounted at this path, gone after the turn.
    pub home: PathBuf,
    /// Host directories bound read-write at the same path: the agent CLI's own config and
    /// state directories (they must not hold the user's credentials).
    pub writable: Vec<PathBuf>,
    /// Host directories or files bound read-only at the same path: toolchains outside the
    /// system directories (`~/.rustup`, `~/.cargo/bin`, an nvm install).
    pub read_only: Vec<PathBuf>,
    /// Repository-relative paths kept read-only besides `.git/config` and `.git/hooks`
    /// (`.peers` when the orchestrator trusts files there). Missing ones are skipped.
    pub protected: Vec<PathBuf>,
    pub network: Network,
}

/// The network a confined command has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// A private network namespace with only its own `lo` up: servers a test starts on
    /// 127.0.0.1 work, nothing on the host or beyond is reachable.
    #[default]
    Loopback,
    /// [`Network::Loopback`] plus listeners on `127.0.0.1:<port>` created inside the
    /// namespace and handed to the orchestrator, which serves them (the egress and model-API
    /// proxies): the sandbox's only way out.
    HandOver(crate::handover::HandOver),
}

impl Policy {
    /// A policy with the repository, scratch and HOME, no extra paths, loopback-only network.
    pub fn new(
        repository: impl Into<PathBuf>,
        scratch: impl Into<PathBuf>,
        home: impl Into<PathBuf>,
    ) -> Self {
        Self {
            repository: repository.into(),
            scratch: scratch.into(),
            home: home.into(),
            writable: Vec::new(),
            read_only: Vec::new(),
            protected: Vec::new(),
            network: Network::Loopback,
        }
    }

    /// Checks the shape of every path without touching the file system: absolute, no `..`,
    /// not `/`, protected paths relative and inside the repository.
    pub fn validate(&self) -> Result<(), SandboxError> {
        for (field, path) in self.absolute_paths() {
            check_absolute(field, path)?;
        }
        if let Network::HandOver(hand_over) = &self.network {
            check_absolute("network.socket", &hand_over.socket)?;
            if hand_over.ports.is_empty() || hand_over.ports.len() > crate::handover::MAX_LISTENERS
            {
                return Err(SandboxError::BadPolicy {
                    field: "network.ports",
                    path: hand_over.socket.clone(),
                    reason: "between 1 and 8 ports must be handed over",
                });
            }
        }
        for path in &self.protected {
            let inside = path
                .components()
                .all(|component| matches!(component, Component::Normal(_)));
            if !inside || path.as_os_str().is_empty() {
                return Err(SandboxError::BadPolicy {
                    field: "protected",
                    path: path.clone(),
                    reason: "must be a relative path inside the repository without `..`",
                });
            }
        }
        Ok(())
    }

    /// Every absolute path of the policy with the name of its field.
    fn absolute_paths(&self) -> impl Iterator<Item = (&'static str, &Path)> {
        [
            ("repository", self.repository.as_path()),
            ("scratch", self.scratch.as_path()),
            ("home", self.home.as_path()),
        ]
        .into_iter()
        .chain(
            self.writable
                .iter()
                .map(|path| ("writable", path.as_path())),
        )
        .chain(
            self.read_only
                .iter()
                .map(|path| ("read_only", path.as_path())),
        )
    }

    /// Whether `path` is visible inside the sandbox (under one of the mounted trees).
    pub fn shows(&self, path: &Path) -> bool {
        self.absolute_paths()
            .map(|(_, root)| root)
            .chain(SYSTEM_DIRS.iter().map(Path::new))
            .chain([Path::new("/tmp")])
            .any(|root| path.starts_with(root))
    }
}

fn check_absolute(field: &'static str, path: &Path) -> Result<(), SandboxError> {
    let reason = if !path.is_absolute() {
        Some("must be an absolute path")
    } else if path.components().any(|c| matches!(c, Component::ParentDir)) {
        Some("must not contain `..`")
    } else if path.parent().is_none() {
        Some("must not be `/`")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SandboxError::BadPolicy {
            field,
            path: path.to_path_buf(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_or_root_paths_are_refused() {
        let good = Policy::new("/r", "/s", "/h");
        assert!(good.validate().is_ok());
        for bad in [
            Policy::new("r", "/s", "/h"),
            Policy::new("/r", "/", "/h"),
            Policy::new("/r", "/s", "/h/../etc"),
        ] {
            assert!(matches!(
                bad.validate(),
                Err(SandboxError::BadPolicy { .. })
            ));
        }
        let mut escaping = good.clone();
        escaping.protected.push(PathBuf::from("../outside"));
        assert!(escaping.validate().is_err());
        let mut absolute = good;
        absolute.protected.push(PathBuf::from("/etc"));
        assert!(absolute.validate().is_err());
    }

    #[test]
    fn shows_only_mounted_trees() {
        let policy = Policy::new("/work/repo", "/var/scratch", "/home/u");
        assert!(policy.shows(Path::new("/work/repo/src")));
        assert!(policy.shows(Path::new("/usr/bin")));
        assert!(!policy.shows(Path::new("/work/other")));
        assert!(!policy.shows(Path::new("/root/.ssh")));
    }
}
