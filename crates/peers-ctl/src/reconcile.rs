//! Reconcile: bring each project's recorded state up to date with what is true now — its run's
//! process (PID + start time + boot) and what the run recorded when it ended. Every read command
//! calls [`load_reconciled`]; the registry is rewritten (under its lock) only when a state
//! changed.
//!
//! A run is `stopped` only if `.peers/last-stop-reason.txt` was written at or after the moment
//! peers-ctl started it (a reason left by an earlier run never hides a crash); otherwise a run
//! that is gone is `crashed`, and `start` resumes it.

use std::path::Path;

use peers_store::last_stop::read_last_stop;
use peers_store::layout::PeersDir;

use crate::error::CtlResult;
use crate::identity::{Liveness, boot_id, liveness};
use crate::registry::{Project, ProjectState, Registry, RunRecord};

/// A state change found by [`observe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: ProjectState,
    pub note: Option<String>,
}

/// What changed for `project`, if anything.
pub fn observe(project: &Project, boot: &str) -> Option<Transition> {
    if !project.backend.is_local() {
        // The cluster is the record of a Kubernetes run: read it there, not from processes.
        return None;
    }
    let Some(run) = &project.run else {
        return (project.state == ProjectState::Running).then(|| Transition {
            state: ProjectState::Crashed,
            note: Some("the registry said running but held no process identity".into()),
        });
    };
    match liveness(run, boot) {
        Liveness::Alive if project.state == ProjectState::Running => None,
        Liveness::Alive => Some(Transition {
            state: ProjectState::Running,
            note: None,
        }),
        Liveness::Gone => Some(ended(project, run, None)),
        Liveness::Recycled => Some(ended(
            project,
            run,
            Some(format!(
                "recorded PID {} now belongs to another program (different start time); it was not signalled",
                run.pid
            )),
        )),
    }
}

/// The state of a run whose process is gone.
fn ended(project: &Project, run: &RunRecord, recycled: Option<String>) -> Transition {
    if recorded_stop_since(&project.path, &run.started_at) {
        Transition {
            state: ProjectState::Stopped,
            note: waiting_note(project),
        }
    } else {
        Transition {
            state: ProjectState::Crashed,
            note: Some(recycled.unwrap_or_else(|| {
                format!(
                    "peers run (PID {}) ended without recording why (killed or crashed); `peers-ctl start {}` resumes it",
                    run.pid, project.name
                )
            })),
        }
    }
}

/// The stop reason of a run that paused for the operator (`start --checkpoint`).
pub const CHECKPOINT_STOP: &str = "checkpoint";

/// What the operator does when the run paused at the implement mode's architecture checkpoint.
pub fn checkpoint_note(name: &str) -> String {
    format!(
        "waiting for you at the architecture checkpoint: read ARCHITECTURE.intended.md (and PLAN.aligned.md), edit and commit them if needed, then `peers-ctl start {name}` continues into the implementation"
    )
}

/// The note of a run that stopped waiting for the operator, if it did.
fn waiting_note(project: &Project) -> Option<String> {
    match read_last_stop(&PeersDir::at(&project.path)) {
        Ok(Some(stop)) if stop.reason == CHECKPOINT_STOP => Some(checkpoint_note(&project.name)),
        _ => None,
    }
}

/// Whether the project's run recorded a stop reason at or after `since` (ISO UTC, seconds).
pub fn recorded_stop_since(path: &Path, since: &str) -> bool {
    match read_last_stop(&PeersDir::at(path)) {
        Ok(Some(stop)) => stop.at.as_str() >= since,
        _ => false,
    }
}

/// Applies `transition` to `project`.
pub fn apply(project: &mut Project, transition: Transition) {
    if transition.state != ProjectState::Running
        && let Some(run) = project.run.take()
    {
        project.last_pid = Some(run.pid);
        project.last_stopped_at = Some(peers_store::timestamp::now_iso_utc());
    }
    project.state = transition.state;
    project.note = transition.note;
}

/// The registry with every state reconciled (written back only if something changed).
pub fn load_reconciled(dir: &Path) -> CtlResult<Registry> {
    let registry = Registry::load(dir)?;
    let boot = boot_id();
    if registry
        .projects
        .iter()
        .all(|project| observe(project, &boot).is_none())
    {
        return Ok(registry);
    }
    Registry::mutate(dir, |registry| {
        for project in &mut registry.projects {
            if let Some(transition) = observe(project, &boot) {
                apply(project, transition);
            }
        }
        Ok(registry.clone())
    })
}
