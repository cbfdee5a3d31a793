//! The hooks driver's tick (`peers tick --after <peer>`): the peer worked in its own interactive
//! session and stopped; judge that turn exactly as the loop judges a headless one (identity,
//! history, handoff, test-only diffs, ledger, gates, budget, health), hand the turn on, and write
//! the next peer's prompt. No agent is started here, ever.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use peers_agent::{Classification, PeerRun};
use peers_core::stop_reason::StopReason;
use peers_store::run_lock::RunLock;
use serde::{Deserialize, Serialize};

use crate::error::DriverError;
use crate::loop_state::InFlight;
use crate::post_tick::{self, TurnContext};
use crate::progress::{Progress, ProgressSink};
use crate::session::{RunInputs, RunSummary, Session};

/// Where in state.json the start of the interactive turn is kept.
const KEY: &str = "interactive_turn";

/// The prompt the next peer should read, rewritten after every judged turn.
pub const NEXT_PROMPT: &str = "next-prompt.md";

/// When the current interactive turn began: HEAD then, and the time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TurnStart {
    pub head: Option<String>,
    pub at_s: f64,
}

/// What `after` did.
#[derive(Debug)]
pub enum AfterOutcome {
    /// Another tick (or a run) holds the lock: nothing was judged.
    Busy { pid: Option<u32> },
    /// The turn was judged and recorded.
    Judged {
        summary: RunSummary,
        /// The peer whose turn it is now, and where its prompt was written.
        next: Option<(String, std::path::PathBuf)>,
        /// `peer` stopped while it was another peer's turn (its work is judged as its own).
        out_of_turn: Option<String>,
    },
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Judges the interactive turn `peer` just finished. Never blocks on the lock: a second call
/// while a tick runs returns [`AfterOutcome::Busy`].
pub fn after(
    inputs: RunInputs,
    peer: &str,
    progress: &mut dyn ProgressSink,
) -> Result<AfterOutcome, DriverError> {
    if !inputs.config.peers.iter().any(|p| p.name == peer) {
        return Err(DriverError::MissingPeer {
            peer: peer.to_owned(),
        });
    }
    let dir = inputs.dir.clone();
    let lock = match RunLock::acquire(&inputs.dir) {
        Ok(lock) => lock,
        Err(peers_store::error::StoreError::LockHeld { pid, .. }) => {
            return Ok(AfterOutcome::Busy { pid });
        }
        Err(other) => return Err(other.into()),
    };
    peers_store::last_stop::clear_last_stop(&dir)?;
    let mut session = match crate::run_loop::open(inputs, progress) {
        Ok(session) => session,
        Err(err) => {
            let reason = StopReason::Error(err.label().to_owned());
            let _ = peers_store::last_stop::write_last_stop(&dir, &reason.to_string());
            return Err(err);
        }
    };
    let outcome = judge(&mut session, peer, progress);
    let (reason, out_of_turn) = match &outcome {
        Ok((reason, out_of_turn)) => (reason.clone(), out_of_turn.clone()),
        Err(err) => (StopReason::Error(err.label().to_owned()), None),
    };
    let next = if outcome.is_ok() && reason == StopReason::Budget(peers_core::budget::Cap::MaxTicks)
    {
        write_next_prompt(&mut session)?
    } else {
        None
    };
    let summary = crate::run_loop::finish(&mut session, &reason, progress);
    drop(lock);
    outcome.map(|_| AfterOutcome::Judged {
        summary,
        next,
        out_of_turn,
    })
}

/// The turn's facts, finished like a loop tick. Returns the stop reason (`max_ticks` when the
/// work goes on) and the peer whose turn it really was, when that was someone else.
fn judge(
    session: &mut Session,
    peer: &str,
    progress: &mut dyn ProgressSink,
) -> Result<(StopReason, Option<String>), DriverError> {
    if let Some(detail) = session.goals_mutation()? {
        progress.event(Progress::Note(format!(
            "goals.yaml changed: {detail}; the turn was not judged"
        )));
        return Ok((StopReason::GoalsMutated, None));
    }
    let expected = peers_core::turns::pick(
        &session.run.state,
        &session.ctx.inputs.config.peers,
        &session.ctx.inputs.config.turns,
    )
    .ok()
    .map(|pick| pick.peer)
    .filter(|owner| owner != peer);
    if let Some(owner) = &expected {
        session.run.loop_state.warn(
            peer,
            format!("you worked while it was {owner}'s turn; your work was judged as yours"),
        );
    }
    let start = turn_start(session)?;
    let iteration = session.run.state.iteration + 1;
    progress.event(Progress::TickStarted {
        iteration,
        peer,
        skeptic: false,
    });
    session.run.loop_state.in_flight = Some(InFlight {
        iteration,
        peer: peer.to_owned(),
        head_before: start.head.clone(),
        started_at: peers_store::timestamp::now_iso_utc(),
        skeptic: false,
        marker: None,
        leader: None,
    });
    session.save_quick()?;
    progress.event(Progress::Judging { iteration });
    let ctx = TurnContext {
        git: &session.ctx.inputs.git,
        dir: &session.ctx.inputs.dir,
        peer,
        iteration,
        head_before: start.head.as_deref(),
        process_ok: true,
        process_reason: None,
    };
    let facts = post_tick::analyse(&ctx, &mut session.run.attest, &session.run.state)?;
    let duration = Duration::from_secs_f64((now_s() - start.at_s).clamp(0.0, 86_400.0 * 30.0));
    let finished = crate::tick_finish::finish(
        session,
        progress,
        crate::tick_finish::FinishedTurn {
            peer,
            iteration,
            skeptic: false,
            head_before: start.head,
            run: interactive_run(duration),
            facts,
            tampering: Vec::new(),
            duration,
            budget_stop: None,
            delivery: "interactive".to_owned(),
        },
    )?;
    session.run.ticks_in_run += 1;
    let head = session.ctx.inputs.git.head()?;
    set_turn_start(session, head);
    session.save()?;
    let reason = finished
        .stop
        .unwrap_or(StopReason::Budget(peers_core::budget::Cap::MaxTicks));
    Ok((reason, expected))
}

/// An interactive turn as the loop's bookkeeping sees it: it ran, nothing of it was metered.
fn interactive_run(duration: Duration) -> PeerRun {
    PeerRun {
        classification: Classification::Success,
        exit_code: Some(0),
        signal: None,
        duration,
        stdout_tail: String::new(),
        stderr_tail: String::new(),
        stdout_log: peers_process::Captured::default(),
        stderr_log: peers_process::Captured::default(),
        truncated: false,
        matched: None,
        usage: peers_agent::Usage::default(),
        session_id: None,
        left_running: Vec::new(),
        git_maintenance_stopped: Vec::new(),
    }
}

/// Where the current turn began: the head recorded after the previous judged turn, or (for
/// the first one) the commit tagged `peers-baseline` by `peers init`.
fn turn_start(session: &Session) -> Result<TurnStart, DriverError> {
    start_of_turn(&session.ctx.inputs.git, &session.run.state)
}

fn start_of_turn(
    git: &peers_git::Git,
    state: &peers_core::state::State,
) -> Result<TurnStart, DriverError> {
    if let Some(start) = read_turn_start(state) {
        return Ok(start);
    }
    let head = match git.rev_parse("refs/tags/peers-baseline")? {
        Some(sha) => Some(sha),
        None => git.head()?,
    };
    Ok(TurnStart {
        head,
        at_s: now_s(),
    })
}

/// Whether a commit since the turn began hands off. An interactive agent's Stop hook fires
/// after every answer; only a handoff ends its turn, so the hook judges nothing before one.
/// Reads only. When the range cannot be read (history rewritten), the turn is judged.
pub fn handed_off(inputs: &RunInputs) -> Result<bool, DriverError> {
    let names: Vec<String> = inputs.config.peers.iter().map(|p| p.name.clone()).collect();
    let state = peers_store::state_file::load_state(&inputs.dir, &names)?.state;
    let start = start_of_turn(&inputs.git, &state)?;
    if inputs.git.head()?.is_none() {
        return Ok(false);
    }
    let range = match start.head {
        Some(head) => format!("{head}..HEAD"),
        None => "HEAD".to_owned(),
    };
    Ok(inputs.git.commits(&range).map_or(true, |commits| {
        commits
            .iter()
            .any(|c| peers_core::trailer::is_handoff(&c.message))
    }))
}

pub fn read_turn_start(state: &peers_core::state::State) -> Option<TurnStart> {
    state
        .extra
        .get(KEY)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn set_turn_start(session: &mut Session, head: Option<String>) {
    let start = TurnStart {
        head,
        at_s: now_s(),
    };
    if let Ok(value) = serde_json::to_value(&start) {
        session.run.state.extra.insert(KEY.to_owned(), value);
    }
}

/// Writes the prompt of the peer whose turn it is now (for the first turn, or again), without
/// judging anything or recording a tick. `Ok(None)` when no peer can take a turn.
pub fn prompt_now(
    inputs: RunInputs,
    progress: &mut dyn ProgressSink,
) -> Result<Option<(String, std::path::PathBuf)>, DriverError> {
    let _lock = RunLock::acquire(&inputs.dir).map_err(|err| match err {
        peers_store::error::StoreError::LockHeld { pid, .. } => DriverError::LockHeld { pid },
        other => DriverError::Store(other),
    })?;
    let mut session = crate::run_loop::open(inputs, progress)?;
    write_next_prompt(&mut session)
}

/// Builds the prompt of the peer whose turn it is now (its inbox, warnings, soft reviews due)
/// and keeps it as `.peers/hooks/next-prompt.md` and in `log/prompts/`.
fn write_next_prompt(
    session: &mut Session,
) -> Result<Option<(String, std::path::PathBuf)>, DriverError> {
    let Ok(pick) = peers_core::turns::pick(
        &session.run.state,
        &session.ctx.inputs.config.peers,
        &session.ctx.inputs.config.turns,
    ) else {
        return Ok(None);
    };
    let iteration = session.run.state.iteration + 1;
    let skeptic = peers_core::convergence::skeptic_due(&session.run.state);
    let prompt = crate::tick_prompt::build(session, &pick.peer, skeptic, pick.recovery);
    crate::tick_prompt::keep(&session.ctx, iteration, &pick.peer, &prompt.text)?;
    let hooks = session.ctx.inputs.dir.path().join("hooks");
    peers_store::safe_fs::ensure_private_dir(&hooks)?;
    let path = hooks.join(NEXT_PROMPT);
    let text = format!(
        "<!-- peers: it is {}'s turn (tick {iteration}); paste this into its session -->\n{}",
        pick.peer, prompt.text
    );
    peers_store::safe_fs::write_atomic(&path, text.as_bytes())?;
    // The inbox and warnings it showed are delivered now.
    session.save()?;
    Ok(Some((pick.peer, path)))
}
