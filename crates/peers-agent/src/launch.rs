//! The one launch interface every agent process starts through: loop turns, skeptic turns,
//! the second-model honesty audit, review rounds and the preflight's `--version` probe. [`crate::invoke`] (and the probe)
//! hand a [`Launcher`] the fully prepared [`CommandSpec`] with what the call is
//! ([`LaunchCall`]); the launcher runs it under the supervision `invoke` asks for. The host
//! launcher runs it as is; a confining launcher only rewrites the spec
//! ([`Launcher::command`]) and may refuse, which stops the call before anything starts.

use std::fmt;
use std::path::Path;

use peers_core::config::ToolKind;
use peers_process::{CommandSpec, Observed, Observer, SpawnError, Watch, run_observed};

/// Which agent call is being started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallKind {
    /// A peer's turn in the loop.
    LoopTurn,
    /// The skeptic's re-audit turn before the loop declares completion.
    SkepticTurn,
    /// The second-model honesty audit of a handoff (`soft_gates.honesty_audit`), read-only.
    HonestyAudit,
    /// One call of a reviewer in `peers review` (a retry or a fallback is a call of its round).
    ReviewRound { round: u32 },
    /// `program --version` in the preflight (`peers run`, `peers doctor`).
    VersionProbe,
}

impl CallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoopTurn => "loop turn",
            Self::SkepticTurn => "skeptic turn",
            Self::HonestyAudit => "honesty audit",
            Self::ReviewRound { .. } => "review round",
            Self::VersionProbe => "version probe",
        }
    }
}

impl fmt::Display for CallKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReviewRound { round } => write!(f, "review round {round}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// What a launcher knows about one call besides its command.
#[derive(Debug, Clone, Copy)]
pub struct LaunchCall<'a> {
    pub kind: CallKind,
    /// The peer (or reviewer) name, as configured.
    pub peer: &'a str,
    pub tool: &'a ToolKind,
    /// The repository the agent works on; the command's working directory for turns and
    /// review rounds.
    pub repo: &'a Path,
}

/// Why a call was not started.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The launcher cannot run this call as it must (fail closed: the call does not run
    /// unconfined instead).
    #[error("the {launcher} launcher refused: {reason}")]
    Refused {
        launcher: &'static str,
        reason: String,
        /// How to fix it, for the user.
        hint: String,
    },
    /// The (possibly rewritten) command could not be spawned.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
}

/// Starts agent processes. One value is built per `peers` invocation (from its options) and
/// carried by the run and by `peers review`; every agent process goes through it.
///
/// A confining launcher implements [`Launcher::command`] only; [`Launcher::launch`] keeps
/// the supervision (process group, timers, observer, descendant sweep) of
/// `peers_process::run_observed` for whatever command comes out.
pub trait Launcher: fmt::Debug + Send + Sync {
    /// A short name for errors ("host", "sandbox").
    fn name(&self) -> &'static str;

    /// The command as it will really run (the host launcher's is `spec` unchanged). `Err`
    /// stops the call.
    fn command(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
    ) -> Result<CommandSpec, LaunchError> {
        let _ = call;
        Ok(spec)
    }

    /// Runs the call under `watch`, showing its output to `observer`.
    fn launch(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
        watch: &Watch,
        observer: &mut dyn Observer,
    ) -> Result<Observed, LaunchError> {
        let spec = self.command(spec, call)?;
        Ok(run_observed(&spec, watch, observer)?)
    }
}

/// Runs every agent process directly on this machine, as the user's own process.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostLauncher;

impl Launcher for HostLauncher {
    fn name(&self) -> &'static str {
        "host"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A launcher that rewrites the program, as a confining one would.
    #[derive(Debug)]
    struct Rewrite;

    impl Launcher for Rewrite {
        fn name(&self) -> &'static str {
            "rewrite"
        }

        fn command(
            &self,
            mut spec: CommandSpec,
            call: &LaunchCall<'_>,
        ) -> Result<CommandSpec, LaunchError> {
            if call.kind == CallKind::VersionProbe {
                return Err(LaunchError::Refused {
                    launcher: self.name(),
                    reason: "no probes".to_owned(),
                    hint: "none".to_owned(),
                });
            }
            spec.args = vec!["-c".into(), "echo rewritten".into()];
            spec.program = "/bin/sh".into();
            Ok(spec)
        }
    }

    struct Collect(Vec<u8>);

    impl Observer for Collect {
        fn output(&mut self, _: peers_process::Stream, bytes: &[u8]) -> peers_process::Control {
            self.0.extend_from_slice(bytes);
            peers_process::Control::Continue
        }
    }

    fn call(kind: CallKind) -> LaunchCall<'static> {
        LaunchCall {
            kind,
            peer: "alice",
            tool: &ToolKind::Claude,
            repo: Path::new("/"),
        }
    }

    #[test]
    fn a_rewritten_command_is_what_runs_and_a_refusal_runs_nothing() {
        let spec = CommandSpec::new("/bin/false", "/");
        let mut seen = Collect(Vec::new());
        let observed = Rewrite
            .launch(
                spec.clone(),
                &call(CallKind::LoopTurn),
                &Watch::default(),
                &mut seen,
            )
            .unwrap();
        assert_eq!(observed.outcome.exit.code, Some(0));
        assert_eq!(seen.0, b"rewritten\n");
        let refused = Rewrite.launch(
            spec,
            &call(CallKind::VersionProbe),
            &Watch::default(),
            &mut seen,
        );
        assert!(matches!(refused, Err(LaunchError::Refused { .. })));
    }

    #[test]
    fn the_host_launcher_runs_the_command_unchanged() {
        let mut spec = CommandSpec::new("/bin/sh", "/");
        spec.args = vec!["-c".into(), "echo host".into()];
        let mut seen = Collect(Vec::new());
        HostLauncher
            .launch(
                spec,
                &call(CallKind::SkepticTurn),
                &Watch::default(),
                &mut seen,
            )
            .unwrap();
        assert_eq!(seen.0, b"host\n");
        assert_eq!(
            CallKind::ReviewRound { round: 2 }.to_string(),
            "review round 2"
        );
    }
}
