//! The run's durable record on the git remote, for runs whose machine may vanish (a Kubernetes
//! pod): after every finished tick and when the run stops, HEAD goes to its branch and a snapshot
//! of `.peers/` (state, run log, attestations; not the gate cache, the lock or the live file) to
//! `refs/peers/<run>/state`, through peers-git's inert push. A failed push never stops the run
//! and is never silent: it is a progress note and a `state_push_failed` record in runs.jsonl,
//! and the next push (next tick, or the stop) sends everything again.

use peers_git::{Identity, StatePush};

use crate::options::PushTarget;

use crate::progress::{Progress, ProgressSink};
use crate::session::Session;

fn identity() -> Identity {
    Identity {
        name: "peers-state".to_owned(),
        email: "peers-state@local".to_owned(),
    }
}

/// Pushes the branch and the `.peers/` snapshot when the run is configured to; `moment` says
/// when (`tick 3`, `stop`) in the snapshot's message and in a failure's record.
pub(crate) fn push(session: &mut Session, progress: &mut dyn ProgressSink, moment: &str) {
    let Some(target) = session.ctx.inputs.options.push_state.clone() else {
        return;
    };
    let iteration = session.run.state.iteration;
    let state_ref = target.state_ref();
    let result = attempt(session, &target, &state_ref, moment);
    match result {
        Ok(_) => {
            if session.run.push_failing {
                progress.event(Progress::Note(format!(
                    "the run's state reached {} again ({state_ref}, after {moment})",
                    target.remote
                )));
            }
            session.run.push_failing = false;
        }
        Err(error) => {
            session.run.push_failing = true;
            progress.event(Progress::Note(format!(
                "could not push the branch and {state_ref} to {} after {moment}: {error} (retried at the next tick; nothing is lost locally)",
                target.remote
            )));
            let record = serde_json::json!({
                "event": "state_push_failed",
                "ts": peers_store::timestamp::now_iso_utc(),
                "after_iteration": iteration,
                "moment": moment,
                "remote": target.remote,
                "state_ref": state_ref,
                "error": error.to_string(),
            });
            if let Err(err) = peers_store::run_log::append_record(&session.ctx.inputs.dir, &record)
            {
                progress.event(Progress::Note(format!(
                    "could not record the failed push in runs.jsonl: {err}"
                )));
            }
        }
    }
}

/// Why a push of the run's state did not happen.
#[derive(Debug, thiserror::Error)]
enum PushError {
    #[error("HEAD is detached, so there is no branch to push")]
    Detached,
    #[error(transparent)]
    Git(#[from] peers_git::GitError),
}

fn attempt(
    session: &Session,
    target: &PushTarget,
    state_ref: &str,
    moment: &str,
) -> Result<String, PushError> {
    let git = &session.ctx.inputs.git;
    let branch = git.current_branch()?.ok_or(PushError::Detached)?;
    let message = format!(
        "peers: .peers/ of run {} after {moment} (iteration {})",
        target.run, session.run.state.iteration
    );
    Ok(git.push_state(
        &StatePush {
            remote: &target.remote,
            branch: &branch,
            state_ref,
            dir: peers_store::layout::PEERS_DIR_NAME,
            exclude: peers_store::layout::SNAPSHOT_EXCLUDE,
            message: &message,
        },
        &identity(),
    )?)
}
