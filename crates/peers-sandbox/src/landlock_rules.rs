//! Landlock as defence in depth: the same allow-list as the mounts (read and execute on the
//! system and read-only trees, full access on the repository, scratch, HOME, `/tmp` and `/dev`),
//! plus the signal and abstract-socket scopes. A mount mistake is caught here; read-only holes
//! inside the repository come from the mounts, since Landlock rights only add up.

use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access as _, AccessFs, CompatLevel, Compatible as _, PathBeneath, PathFd, Ruleset,
    RulesetAttr as _, RulesetCreated, RulesetCreatedAttr as _, Scope,
};

use crate::error::{SandboxError, SetupStep};
use crate::policy::{Policy, SYSTEM_DIRS};

/// The newest ABI whose rights this code was written and tested against.
const ABI_TARGET: ABI = ABI::V6;

/// Builds the ruleset (paths as seen inside, after pivot_root), ready for `restrict_self` in
/// the command's process. `None` when the kernel has no Landlock: the namespaces still hold.
pub(crate) fn ruleset(policy: &Policy) -> Result<Option<RulesetCreated>, SandboxError> {
    if crate::sys::landlock_abi().is_none() {
        return Ok(None);
    }
    let read = AccessFs::from_read(ABI_TARGET);
    let all = AccessFs::from_all(ABI_TARGET);
    let read_only: Vec<PathBuf> = SYSTEM_DIRS
        .iter()
        .map(PathBuf::from)
        .chain(policy.read_only.iter().cloned())
        .chain([PathBuf::from("/proc")])
        .collect();
    let writable: Vec<PathBuf> = [
        policy.repository.clone(),
        policy.scratch.clone(),
        policy.home.clone(),
        PathBuf::from("/tmp"),
        PathBuf::from("/dev"),
    ]
    .into_iter()
    .chain(policy.writable.iter().cloned())
    // A linked worktree's common git directory lies outside the repository.
    .chain(
        crate::gitdirs::layout(&policy.repository)
            .ok()
            .filter(|layout| layout.dot_git_file.is_some())
            .map(|layout| layout.git_dir),
    )
    .collect();
    let landlock_error = |err: landlock::RulesetError| {
        SandboxError::setup(SetupStep::Landlock, std::io::Error::other(err.to_string()))
    };
    // Listing `/` shows only the sandbox's own mount points.
    let root = [(PathBuf::from("/"), AccessFs::ReadDir.into())];
    let mut created = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(all)
        .and_then(|ruleset| ruleset.scope(Scope::from_all(ABI_TARGET)))
        .and_then(Ruleset::create)
        .map_err(landlock_error)?;
    let rules = root
        .into_iter()
        .chain(read_only.into_iter().map(|path| (path, read)))
        .chain(writable.into_iter().map(|path| (path, all)));
    for (path, access) in rules {
        if Path::new(&path).exists() {
            let fd = PathFd::new(&path).map_err(|err| {
                SandboxError::setup(SetupStep::Landlock, std::io::Error::other(err.to_string()))
            })?;
            created = created
                .add_rule(PathBeneath::new(fd, access))
                .map_err(landlock_error)?;
        }
    }
    Ok(Some(created))
}
