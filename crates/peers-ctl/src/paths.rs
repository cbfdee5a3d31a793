//! Where peers-ctl keeps its files (the config dir: registry, lock, controller logs, reports)
//! and where bare project names land (the projects root).

use std::path::{Path, PathBuf};

use crate::error::{CtlError, CtlResult};

/// Environment variable overriding the config dir (like `--config-dir`).
pub const CONFIG_DIR_ENV: &str = "PEERS_CTL_CONFIG_DIR";
/// Environment variable naming the root bare project names land under.
pub const PROJECTS_ROOT_ENV: &str = "PEERS_PROJECTS_ROOT";

/// The config dir: `--config-dir`, else `$PEERS_CTL_CONFIG_DIR`, else
/// `$XDG_CONFIG_HOME/peers-ctl`, else `~/.config/peers-ctl`.
pub fn config_dir(flag: Option<&Path>) -> CtlResult<PathBuf> {
    if let Some(dir) = flag {
        return Ok(absolute(dir));
    }
    if let Some(dir) = non_empty_env(CONFIG_DIR_ENV) {
        return Ok(absolute(Path::new(&dir)));
    }
    if let Some(dir) = non_empty_env("XDG_CONFIG_HOME") {
        return Ok(absolute(Path::new(&dir)).join("peers-ctl"));
    }
    home()
        .map(|home| home.join(".config").join("peers-ctl"))
        .ok_or_else(|| {
            CtlError::usage("cannot find the config dir: neither XDG_CONFIG_HOME nor HOME is set")
                .hint(format!("pass --config-dir DIR or set {CONFIG_DIR_ENV}"))
        })
}

/// Where bare names (`peers-ctl new mything`) land: `$PEERS_PROJECTS_ROOT`, else
/// `~/peers-projects`.
pub fn projects_root() -> CtlResult<PathBuf> {
    if let Some(dir) = non_empty_env(PROJECTS_ROOT_ENV) {
        return Ok(absolute(Path::new(&dir)));
    }
    home()
        .map(|home| home.join("peers-projects"))
        .ok_or_else(|| {
            CtlError::usage("cannot find the projects root: HOME is not set")
                .hint(format!("set {PROJECTS_ROOT_ENV} to a directory"))
        })
}

/// `arg` as a project directory: a path (contains `/`, or is `.`/`..`) is made absolute; a bare
/// name goes under the projects root.
pub fn project_path(arg: &str) -> CtlResult<PathBuf> {
    if arg.contains('/') || arg == "." || arg == ".." {
        Ok(absolute(Path::new(arg)))
    } else {
        Ok(projects_root()?.join(arg))
    }
}

pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    normalise(&joined)
}

/// Removes `.` and resolves `..` lexically (the directory may not exist yet).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn home() -> Option<PathBuf> {
    non_empty_env("HOME").map(PathBuf::from)
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The project-name rule: starts with a letter or digit, then letters, digits, `_`, `.`, `-`;
/// at most 64 characters (so it is safe as a file name for the controller log).
pub fn validate_name(name: &str) -> CtlResult<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if first_ok && rest_ok && name.len() <= 64 {
        Ok(())
    } else {
        Err(CtlError::usage(format!("invalid project name {name:?}")).hint(
            "a name starts with a letter or digit, then letters, digits, '_', '.', '-' (at most 64)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        assert!(validate_name("my-thing_2.x").is_ok());
        assert!(validate_name("-bad").is_err());
        assert!(validate_name("a/b").is_err());
        assert!(validate_name("").is_err());
        assert!(validate_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalise(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
