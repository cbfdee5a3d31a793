//! The confined command's own process: new session, inherited descriptors closed at exec, every
//! capability dropped, `no_new_privs`, Landlock, seccomp, then `execve` of the program.

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Command;

use landlock::RulesetCreated;
use rustix::thread::{CapabilitiesSecureBits, CapabilitySet, CapabilitySets};
use seccompiler::BpfProgram;

use crate::error::{SandboxError, SetupStep};

/// Highest capability number to drop from the bounding set (unknown ones are skipped).
const LAST_CAPABILITY: u32 = 63;

/// Confines this process and execs the program; returns only on failure.
pub(crate) fn exec(
    cwd: &Path,
    program: &OsString,
    args: &[OsString],
    ruleset: Option<RulesetCreated>,
    filters: &[BpfProgram],
) -> SandboxError {
    // No controlling terminal to inject keystrokes into, and out of init's process group.
    let _ = rustix::process::setsid();
    if let Err(err) = confine_self(ruleset, filters) {
        return err;
    }
    // The environment is the helper's, which is exactly the spec's.
    let err = Command::new(program).args(args).current_dir(cwd).exec();
    SandboxError::setup(SetupStep::Exec(program.to_string_lossy().into_owned()), err)
}

/// Everything but the exec: descriptors, capabilities, no_new_privs, Landlock, seccomp.
pub(crate) fn confine_self(
    ruleset: Option<RulesetCreated>,
    filters: &[BpfProgram],
) -> Result<(), SandboxError> {
    close_inherited_at_exec()?;
    drop_privileges()?;
    rustix::thread::set_no_new_privs(true)
        .map_err(|err| SandboxError::setup(SetupStep::NoNewPrivs, err))?;
    if let Some(ruleset) = ruleset {
        ruleset.restrict_self().map_err(|err| {
            SandboxError::setup(SetupStep::Landlock, std::io::Error::other(err.to_string()))
        })?;
    }
    for filter in filters {
        seccompiler::apply_filter(filter).map_err(|err| {
            SandboxError::setup(SetupStep::Seccomp, std::io::Error::other(err.to_string()))
        })?;
    }
    Ok(())
}

/// Empties the bounding and ambient sets, locks root out of regaining capabilities at exec,
/// then clears the effective, permitted and inheritable sets. Used by init too once the
/// command is started.
pub(crate) fn drop_privileges() -> Result<(), SandboxError> {
    let step = |err| SandboxError::setup(SetupStep::Capabilities, err);
    rustix::thread::set_capabilities_secure_bits(
        CapabilitiesSecureBits::NO_ROOT
            | CapabilitiesSecureBits::NO_ROOT_LOCKED
            | CapabilitiesSecureBits::NO_SETUID_FIXUP
            | CapabilitiesSecureBits::NO_SETUID_FIXUP_LOCKED
            | CapabilitiesSecureBits::NO_CAP_AMBIENT_RAISE
            | CapabilitiesSecureBits::NO_CAP_AMBIENT_RAISE_LOCKED,
    )
    .map_err(step)?;
    for capability in 0..=LAST_CAPABILITY {
        let single = CapabilitySet::from_bits_retain(1 << capability);
        match rustix::thread::remove_capability_from_bounding_set(single) {
            Ok(()) | Err(rustix::io::Errno::INVAL) => {}
            Err(err) => return Err(step(err)),
        }
    }
    rustix::thread::clear_ambient_capability_set().map_err(step)?;
    rustix::thread::set_capabilities(
        None,
        CapabilitySets {
            effective: CapabilitySet::empty(),
            permitted: CapabilitySet::empty(),
            inheritable: CapabilitySet::empty(),
        },
    )
    .map_err(step)
}

/// Marks every descriptor above stderr close-on-exec (the error pipe included), so nothing
/// peers or the helper held reaches the program.
fn close_inherited_at_exec() -> Result<(), SandboxError> {
    crate::sys::cloexec_from(3)
        .map_err(|err| SandboxError::setup(SetupStep::Exec("close_range".into()), err))
}
