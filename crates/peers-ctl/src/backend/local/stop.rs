//! The local backend's `stop`: SIGTERM through a pidfd after checking PID + start time + boot,
//! SIGKILL to what is left after the grace period; a recycled PID is never signalled.

use std::path::Path;
use std::time::{Duration, Instant};

use peers_process::{TurnTrace, leader_identity, stop_left_behind};
use rustix::process::Signal;

use crate::error::{CtlError, CtlResult};
use crate::identity::{Liveness, RunHandle, boot_id, liveness};
use crate::launch::RUN_MARKER_ENV;
use crate::project::{print_json, registry};
use crate::reconcile::{apply, observe, recorded_stop_since};
use crate::registry::{ProjectState, Registry, RunRecord};
use crate::run_args::StopArgs;

const POLL: Duration = Duration::from_millis(50);
/// How long to wait for the killed run to disappear after SIGKILL.
const AFTER_KILL: Duration = Duration::from_secs(5);

/// The local backend's stop: SIGTERM to the recorded process, SIGKILL after the grace period.
pub fn run(config: &Path, name: &str, args: &StopArgs) -> CtlResult<u8> {
    let registry = registry(config)?;
    let name = name.to_owned();
    let project = registry.find(&name)?;
    let Some(run) = project.run.clone() else {
        return not_running(&name, project.state, project.note.as_deref(), args.json);
    };
    let killed = match RunHandle::open(&run) {
        Some(handle) => terminate(&handle, &run, &name, Duration::from_secs_f64(args.grace_s)),
        None => false,
    };
    let project = Registry::mutate(config, |registry| {
        let project = registry
            .get_mut(&name)
            .ok_or_else(|| registry_changed(&name))?;
        if let Some(transition) = observe(project, &boot_id()) {
            apply(project, transition);
        }
        if killed && project.state == ProjectState::Crashed {
            // We killed it on purpose after the grace period: stopped, with what that means.
            project.state = ProjectState::Stopped;
            project.note = Some(format!(
                "killed after the {}s grace period without recording a stop reason; the last saved tick stands and `peers-ctl start {name}` resumes",
                args.grace_s
            ));
        }
        Ok(project.clone())
    })?;
    let reason =
        peers_store::last_stop::read_last_stop(&peers_store::layout::PeersDir::at(&project.path))
            .ok()
            .flatten()
            .filter(|_| recorded_stop_since(&project.path, &run.started_at))
            .map(|stop| stop.reason);
    if args.json {
        print_json(&serde_json::json!({
            "name": name, "state": project.state.as_str(), "stop_reason": reason,
            "killed": killed, "note": project.note,
        }))?;
    } else {
        match project.state {
            ProjectState::Stopped => println!(
                "Stopped '{name}' ({})",
                reason.as_deref().unwrap_or("killed after the grace period")
            ),
            state => println!("'{name}' is {}", state.as_str()),
        }
        if let Some(note) = &project.note {
            println!("note: {note}");
        }
    }
    Ok(0)
}

fn not_running(name: &str, state: ProjectState, note: Option<&str>, json: bool) -> CtlResult<u8> {
    if json {
        print_json(&serde_json::json!({"name": name, "state": state.as_str(), "note": note}))?;
    } else {
        println!("'{name}' is not running (state: {})", state.as_str());
        if let Some(note) = note {
            println!("note: {note}");
        }
    }
    Ok(0)
}

/// SIGTERM, wait up to `grace`, then SIGKILL what is left. True when SIGKILL was needed.
fn terminate(handle: &RunHandle, run: &RunRecord, name: &str, grace: Duration) -> bool {
    // Where the run's group and session are, known only while it is the recorded process.
    let leader = leader_identity(run.pid).filter(|id| id.start == run.start_ticks);
    if !handle.signal(Signal::TERM) {
        return false;
    }
    let boot = boot_id();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if liveness(run, &boot) != Liveness::Alive {
            return false;
        }
        std::thread::sleep(POLL);
    }
    if liveness(run, &boot) != Liveness::Alive {
        return false;
    }
    let trace = TurnTrace {
        leader,
        marker: Some(format!("{RUN_MARKER_ENV}={name}:{}", run.started_at)),
    };
    stop_left_behind(&trace, Duration::ZERO);
    handle.signal(Signal::KILL);
    let deadline = Instant::now() + AFTER_KILL;
    while liveness(run, &boot) == Liveness::Alive && Instant::now() < deadline {
        std::thread::sleep(POLL);
    }
    true
}

fn registry_changed(name: &str) -> CtlError {
    CtlError::failed(format!(
        "project {name:?} disappeared from the registry meanwhile"
    ))
}
