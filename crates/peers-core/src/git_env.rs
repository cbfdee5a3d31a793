//! Environment values for the git processes peers starts or hands to peers.

/// What `GIT_CONFIG_GLOBAL` names when a git must not read the user's global configuration.
///
/// Not `/dev/null`: `git config --global` writes by renaming a lock file over the configured
/// path, so any process running as root that set a global key would replace the machine's
/// `/dev/null` with a regular file, and every program after it would read that file's bytes.
/// A path below a character device reads as a missing file (git ignores `ENOTDIR`) and can
/// never be created.
pub const NO_GLOBAL_GIT_CONFIG: &str = "/dev/null/peers-no-global-gitconfig";
