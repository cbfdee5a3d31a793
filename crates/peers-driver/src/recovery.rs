//! Resuming after a crash or `kill -9`: a tick that was in flight is finalised exactly once
//! (its commits attested to the peer whose turn it was, an `interrupted` record written, the
//! iteration counted), and a record that was saved in state but not yet appended is appended.
//! Processes the interrupted tick left running are stopped first and named (terminal, record).

use peers_core::state::State;

use crate::error::DriverError;
use crate::ledger_view::LedgerView;
use crate::progress::{Progress, ProgressSink};
use crate::record::{RECORD_VERSION, TickRecord};
use crate::session::{RunContext, Session};

/// The iteration of the newest tick record in runs.jsonl (through its index).
fn last_logged_iteration(ctx: &RunContext) -> Result<Option<u64>, DriverError> {
    Ok(peers_store::run_log::last_tick_iteration(&ctx.inputs.dir)?)
}

pub fn finish_interrupted_tick(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
) -> Result<(), DriverError> {
    if let Some(record) = session.run.loop_state.pending_record.take() {
        let iteration = record.get("iteration").and_then(|v| v.as_u64());
        if iteration.is_some() && last_logged_iteration(&session.ctx)? != iteration {
            peers_store::run_log::append_record(&session.ctx.inputs.dir, &record)?;
            progress.event(Progress::Resumed {
                detail: format!(
                    "appended the record of tick {} that a crash left unwritten",
                    iteration.unwrap_or(0)
                ),
            });
        }
        session.save()?;
    }
    let resumed_at = std::time::SystemTime::now();
    let Some(flight) = session.run.loop_state.in_flight.take() else {
        return Ok(());
    };
    // Before anything is judged: a job the peer left running could still commit.
    let grace = std::time::Duration::from_secs(session.ctx.inputs.config.health.grace_s);
    let stopped =
        crate::tick_trace::stop_left_behind(flight.marker.as_deref(), flight.leader, grace);
    let left_note = (!stopped.is_empty()).then(|| {
        format!(
            "tick {} ({}) was interrupted and left {} process(es) running; stopped on resume: {}",
            flight.iteration,
            flight.peer,
            stopped.len(),
            stopped.join("; ")
        )
    });
    if let Some(note) = &left_note {
        progress.event(Progress::Resumed {
            detail: note.clone(),
        });
    }
    if let Some(note) = remove_stale_git_locks(&session.ctx.inputs.git, resumed_at) {
        progress.event(Progress::Resumed { detail: note });
    }
    // What the interrupted turn left uncommitted is that peer's, not the user's: set it
    // aside under the peer's name (nothing lost), so the resumed run starts on a clean tree.
    let stash_note = {
        let label = format!(
            "peers: uncommitted edits of {} at interrupted tick {}",
            flight.peer, flight.iteration
        );
        let dirty = !crate::preflight::uncommitted_paths(&session.ctx.inputs.git)?.is_empty();
        match dirty
            .then(|| session.ctx.inputs.git.stash_all(&label))
            .transpose()?
        {
            Some(Some(stash)) => {
                let note = format!(
                    "{}'s uncommitted edits in interrupted tick {} were stashed as {}",
                    flight.peer,
                    flight.iteration,
                    crate::tick_finish::stash_name(&stash, &label)
                );
                progress.event(Progress::Resumed {
                    detail: note.clone(),
                });
                Some(note)
            }
            _ => None,
        }
    };
    let range = match &flight.head_before {
        Some(before) => format!("{before}..HEAD"),
        None => "HEAD".to_owned(),
    };
    let commits = session.ctx.inputs.git.commits(&range).unwrap_or_default();
    let shas: Vec<&str> = commits.iter().map(|c| c.sha.as_str()).collect();
    session.run.attest.record_all(
        &session.ctx.inputs.dir,
        &shas,
        &flight.peer,
        flight.iteration,
    )?;
    let peers = session.run.state.peer_order.clone();
    session
        .run
        .loop_state
        .deliver(&peers, &flight.peer, &commits);
    // Authorship may have changed for those commits: rebuild rather than patch.
    session.run.ledger = LedgerView::build(&session.ctx.inputs.git, &session.run.attest)?;
    if let Some(handoff) = commits
        .iter()
        .rev()
        .find(|c| peers_core::trailer::is_handoff(&c.message))
    {
        session.run.last_handoff = Some(handoff.clone());
    }
    count_interrupted_tick(&mut session.run.state, flight.iteration);
    let record = TickRecord {
        v: RECORD_VERSION,
        ts: peers_store::timestamp::now_iso_utc(),
        iteration: flight.iteration,
        peer: flight.peer.clone(),
        classification: crate::record::TurnClass::Interrupted,
        success: false,
        skeptic: flight.skeptic,
        soft_fail_reason: Some(
            "the run stopped during this tick (crash or kill); finalised on resume".to_owned(),
        ),
        head_before: flight.head_before.clone(),
        head_after: session.ctx.inputs.git.head()?,
        commits: commits.iter().map(|c| c.sha.clone()).collect(),
        peer_state_after: session
            .run
            .state
            .peers
            .get(&flight.peer)
            .map(|p| p.state)
            .unwrap_or_default(),
        spent_tokens_total: session.run.state.budget.spent_tokens,
        spent_usd_total: session.run.state.budget.spent_usd,
        usd_unknown: true,
        integrity: left_note.into_iter().chain(stash_note).collect(),
        ..TickRecord::default()
    };
    session.make_durable(&record)?;
    // Clears the pending copy on disk now rather than at the next save.
    session.save()?;
    progress.event(Progress::Resumed {
        detail: format!(
            "tick {} ({}) was interrupted by a crash; recorded it as interrupted with {} commit(s)",
            flight.iteration,
            flight.peer,
            commits.len()
        ),
    });
    Ok(())
}

/// An interrupted tick counts as a tick (iteration and budget) but not as the peer's failure.
fn count_interrupted_tick(state: &mut State, iteration: u64) {
    state.iteration = state.iteration.max(iteration);
    state.budget.spent_iterations += 1;
}

/// Repairs what an interrupted write left, once the run lock is held (`lock_taken_at`): a torn
/// last line of runs.jsonl or attest.jsonl is quarantined next to the log, and temporary files
/// of atomic writes older than this run are removed. Each repair is named in the run's header.
pub fn heal_interrupted_writes(
    dir: &peers_store::PeersDir,
    lock_taken_at: std::time::SystemTime,
    progress: &mut dyn ProgressSink,
) -> Result<(), DriverError> {
    use peers_store::heal;
    let mut torn = Vec::new();
    if let Some(tail) = peers_store::run_log::repair_torn_tail(dir)? {
        torn.push(("runs.jsonl", tail));
    }
    if let Some(tail) = heal::repair_torn_tail(&crate::attest::log_path(dir))? {
        torn.push(("attest.jsonl", tail));
    }
    for (log, tail) in torn {
        progress.event(Progress::Note(format!(
            ".peers/log/{log} ended in an incomplete line ({} bytes, from an interrupted \
             write); it was moved to {} and the log continues after its last complete record",
            tail.bytes,
            tail.quarantine.display()
        )));
    }
    let mut removed = Vec::new();
    for place in [dir.path().to_path_buf(), dir.log_dir(), dir.cache_dir()] {
        removed.extend(heal::remove_stale_temp_files(&place, lock_taken_at)?);
    }
    if !removed.is_empty() {
        progress.event(Progress::Note(format!(
            "removed {} temporary file(s) left by interrupted writes: {}",
            removed.len(),
            removed.join(", ")
        )));
    }
    Ok(())
}

/// A git of the interrupted turn killed mid-write leaves its lock files behind (a sandboxed turn
/// ends with SIGKILL, which gives git no chance to remove them): `index.lock` refuses every
/// later `git add`/`stash`, a ref's lock every later commit. The turn's processes are stopped
/// by now and this run holds the run lock, so a lock older than this resume is stale; a newer
/// one belongs to a live git and stays. Locks are removed as files (a symlink is never
/// followed, and `refs/` is walked without entering a symlinked directory).
fn remove_stale_git_locks(
    git: &peers_git::Git,
    resumed_at: std::time::SystemTime,
) -> Option<String> {
    let dirs = git.dirs().ok()?;
    let mut roots = vec![dirs.git_dir.clone()];
    if dirs.common_dir != dirs.git_dir {
        roots.push(dirs.common_dir.clone());
    }
    let mut candidates = Vec::new();
    for root in &roots {
        for name in GIT_LOCKS {
            candidates.push(root.join(name));
        }
        lock_files_under(&root.join("refs"), &mut candidates, &mut 0);
    }
    let removed: Vec<String> = candidates
        .into_iter()
        .filter(|lock| {
            std::fs::symlink_metadata(lock)
                .is_ok_and(|m| !m.is_dir() && m.modified().is_ok_and(|t| t <= resumed_at))
                && std::fs::remove_file(lock).is_ok()
        })
        .map(|lock| lock.display().to_string())
        .collect();
    (!removed.is_empty()).then(|| {
        format!(
            "removed {}: a git of the interrupted tick was killed while holding it",
            removed.join(", ")
        )
    })
}

/// Lock files git keeps at the top of a git directory.
const GIT_LOCKS: &[&str] = &[
    "index.lock",
    "HEAD.lock",
    "ORIG_HEAD.lock",
    "packed-refs.lock",
    "shallow.lock",
    "config.lock",
];

/// Most directory entries looked at under `refs/` (a hostile repository may hold millions).
const REF_WALK_CAP: usize = 100_000;

fn lock_files_under(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>, seen: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        *seen += 1;
        if *seen > REF_WALK_CAP {
            return;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            lock_files_under(&path, found, seen);
        } else if path.extension().is_some_and(|e| e == "lock") {
            found.push(path);
        }
    }
}
