//! `confine`: turn a prepared command into one that runs inside the sandbox, and the helper's
//! argument format (written here, read by [`crate::helper`]; nothing else builds it).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use peers_process::CommandSpec;
use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::policy::Policy;

/// The hidden `peers` subcommand that builds the sandbox and runs the command in it.
pub const HELPER_SUBCOMMAND: &str = "__sandbox-exec";

/// Exit code of the confined command when the sandbox could not be set up: the command did
/// not run, and stderr says which kernel feature was missing and how to fix it.
pub const SETUP_FAILED_EXIT_CODE: i32 = 125;

const REQUEST_FLAG: &str = "--request";
pub(crate) const PROBE_FLAG: &str = "--probe";

/// What the helper receives besides the command: the policy and the working directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Request {
    pub policy: Policy,
    pub cwd: PathBuf,
}

/// Returns a spec that runs `spec` confined by `policy` through `peers_exe __sandbox-exec`.
///
/// Pure: it reads nothing and starts nothing. Run the result with `peers_process` as usual:
/// environment, stdin, timeout and output capture are the original's (the environment is
/// passed through unchanged to the confined program, so build it clean). The policy travels
/// in the helper's argv, which the orchestrator writes and the repository cannot touch. A
/// setup failure ends the helper with [`SETUP_FAILED_EXIT_CODE`] before the program starts.
pub fn confine(
    spec: &CommandSpec,
    policy: &Policy,
    peers_exe: &Path,
) -> Result<CommandSpec, SandboxError> {
    policy.validate()?;
    if !spec.cwd.is_absolute() || !policy.shows(&spec.cwd) {
        return Err(SandboxError::CwdNotVisible {
            cwd: spec.cwd.clone(),
        });
    }
    let request = Request {
        policy: policy.clone(),
        cwd: spec.cwd.clone(),
    };
    let encoded = serde_json::to_string(&request).map_err(SandboxError::Encode)?;
    let mut confined = spec.clone();
    confined.program = peers_exe.as_os_str().to_owned();
    confined.args = [
        OsString::from(HELPER_SUBCOMMAND),
        OsString::from(REQUEST_FLAG),
        OsString::from(encoded),
        OsString::from("--"),
        spec.program.clone(),
    ]
    .into_iter()
    .chain(spec.args.iter().cloned())
    .collect();
    Ok(confined)
}

/// What the helper was asked to do.
#[derive(Debug)]
pub(crate) enum Invocation {
    Run {
        request: Request,
        program: OsString,
        args: Vec<OsString>,
    },
    /// Build the sandbox around nothing and report: the `peers doctor` check.
    Probe { request: Request },
}

impl Invocation {
    pub(crate) fn request(&self) -> &Request {
        match self {
            Self::Run { request, .. } | Self::Probe { request } => request,
        }
    }
}

/// Parses the helper's arguments (those after the subcommand name).
pub(crate) fn parse_invocation(args: &[OsString]) -> Result<Invocation, SandboxError> {
    let bad = |reason: &str| SandboxError::BadInvocation {
        reason: reason.to_owned(),
    };
    let (probe, rest) = match args.first().map(OsString::as_os_str) {
        Some(flag) if flag == OsStr::new(PROBE_FLAG) => (true, &args[1..]),
        _ => (false, args),
    };
    let [flag, encoded, rest @ ..] = rest else {
        return Err(bad("expected --request <json>"));
    };
    if flag != OsStr::new(REQUEST_FLAG) {
        return Err(bad("expected --request <json>"));
    }
    let encoded = encoded
        .to_str()
        .ok_or_else(|| bad("the request is not UTF-8"))?;
    let request: Request = serde_json::from_str(encoded)
        .map_err(|err| bad(&format!("the request is not valid: {err}")))?;
    request.policy.validate()?;
    if probe {
        return Ok(Invocation::Probe { request });
    }
    match rest {
        [separator, program, args @ ..] if separator == OsStr::new("--") => Ok(Invocation::Run {
            request,
            program: program.clone(),
            args: args.to_vec(),
        }),
        _ => Err(bad("expected -- <program> [args...] after the request")),
    }
}

/// The helper arguments for a probe with `request` (used by [`crate::probe`]).
pub(crate) fn probe_args(request: &Request) -> Result<Vec<OsString>, SandboxError> {
    let encoded = serde_json::to_string(request).map_err(SandboxError::Encode)?;
    Ok(vec![
        OsString::from(HELPER_SUBCOMMAND),
        OsString::from(PROBE_FLAG),
        OsString::from(REQUEST_FLAG),
        OsString::from(encoded),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_wraps_the_command_and_keeps_its_environment() {
        let mut spec = CommandSpec::new("git", "/work/repo/sub");
        spec.args = vec!["status".into(), "--short".into()];
        spec.env = vec![("PATH".into(), "/usr/bin".into())];
        let policy = Policy::new("/work/repo", "/work/scratch", "/home/u");
        let confined = confine(&spec, &policy, Path::new("/opt/peers")).unwrap();
        assert_eq!(confined.program, OsString::from("/opt/peers"));
        assert_eq!(confined.env, spec.env);
        assert_eq!(confined.cwd, spec.cwd);
        assert_eq!(confined.args[0], OsString::from(HELPER_SUBCOMMAND));
        let Invocation::Run {
            request,
            program,
            args,
        } = parse_invocation(&confined.args[1..]).unwrap()
        else {
            panic!("expected a run invocation");
        };
        assert_eq!(request.policy, policy);
        assert_eq!(request.cwd, spec.cwd);
        assert_eq!(program, OsString::from("git"));
        assert_eq!(args, spec.args);
    }

    #[test]
    fn confine_refuses_a_cwd_outside_the_view() {
        let spec = CommandSpec::new("true", "/root");
        let policy = Policy::new("/work/repo", "/work/scratch", "/home/u");
        let err = confine(&spec, &policy, Path::new("/opt/peers")).unwrap_err();
        assert!(matches!(err, SandboxError::CwdNotVisible { .. }));
    }

    #[test]
    fn malformed_helper_arguments_are_refused() {
        for args in [
            vec![],
            vec!["--request".into()],
            vec!["--request".into(), "{}".into(), "--".into(), "x".into()],
            vec!["--policy".into(), "{}".into()],
        ] {
            assert!(parse_invocation(&args).is_err(), "{args:?}");
        }
    }
}
