//! The second half of a tick: apply what the turn did to the ledger and the soft reviews,
//! re-evaluate the gates, update turns, health, budget and the clean-tick streak, then make it
//! durable (state first, then the run-log record) and decide whether the run stops.

use std::time::Duration;

use peers_agent::{Classification, PeerRun};
use peers_core::convergence::CleanTickFacts;
use peers_core::ledger::blocking_or_flag_reports;
use peers_core::soft_review::{self, IngestOutcome, Submission};
use peers_core::stop_reason::StopReason;
use peers_core::trailer;
use peers_core::turns::NoTurn;

use crate::error::DriverError;
use crate::post_tick::TurnFacts;
use crate::progress::{Progress, ProgressSink};
use crate::record::{GateSnapshot, RECORD_VERSION, TickRecord};
use crate::rules::{self, TickOutcome};
use crate::session::{RunContext, Session};

pub struct FinishedTurn<'a> {
    pub peer: &'a str,
    pub iteration: u64,
    pub skeptic: bool,
    pub head_before: Option<String>,
    pub run: PeerRun,
    pub facts: TurnFacts,
    pub tampering: Vec<String>,
    pub duration: Duration,
    pub budget_stop: Option<StopReason>,
    pub delivery: String,
}

#[derive(Default)]
struct SoftCounts {
    seen: u32,
    ingested: u32,
    rejected: u32,
}

/// How a stash is named to the user: its message, its commit, and how to get it back.
pub fn stash_name(stash: &str, label: &str) -> String {
    let short = stash.get(..12).unwrap_or(stash);
    format!("\"{label}\" (stash commit {short}; `git stash apply {short}` brings it back)")
}

pub fn finish(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
    done: FinishedTurn<'_>,
) -> Result<TickOutcome, DriverError> {
    let FinishedTurn {
        peer,
        iteration,
        skeptic,
        head_before,
        run,
        mut facts,
        tampering,
        duration,
        budget_stop,
        delivery,
    } = done;
    repair_tampering(&session.ctx, &tampering)?;
    session.run.known_head = Some(facts.head_after.clone());
    if facts.dirty && facts.fail_reason.is_some() {
        let label = format!("peers: uncommitted edits of {peer} at tick {iteration}");
        if let Ok(Some(stash)) = session.ctx.inputs.git.stash_all(&label) {
            let named = stash_name(&stash, &label);
            facts.warnings.push(format!(
                "your uncommitted edits were stashed as {named}; commit your work before you hand off"
            ));
            progress.event(Progress::Note(format!(
                "{peer}'s uncommitted edits were stashed as {named}"
            )));
            facts.integrity.push(format!(
                "{peer}'s uncommitted edits were stashed as {named}"
            ));
        }
    }
    session.run.state.dirty_worktree = facts.dirty;
    let author_of_reviewed_work = session.run.loop_state.last_handoff_peer.clone();
    let (filed, resolved) = apply_ledger(session, &facts);
    let peers = session.run.state.peer_order.clone();
    session.run.loop_state.deliver(&peers, peer, &facts.commits);
    let mut review_warnings = Vec::new();
    let soft = ingest_reviews(
        session,
        &facts,
        peer,
        author_of_reviewed_work.as_deref(),
        iteration,
        &mut review_warnings,
    );
    facts.warnings.extend(review_warnings);
    if facts.fail_reason.is_none() {
        if let Some(handoff) = &facts.handoff {
            session.run.last_handoff = Some(handoff.clone());
            session.run.loop_state.last_handoff_peer = Some(peer.to_owned());
        }
    }
    let passing_before: Vec<String> = (session.run.evaluation.as_ref())
        .map(|e| {
            e.results
                .iter()
                .filter(|r| r.pass)
                .map(|r| r.id.clone())
                .collect()
        })
        .unwrap_or_default();
    crate::judge::evaluate(session, progress)?;
    let held = session.run.evaluation.as_ref().map(|e| {
        !e.results
            .iter()
            .any(|r| !r.pass && passing_before.contains(&r.id))
    });
    let loop_gates: Vec<String> = peers_gate::jobs::loop_gate_ids(&session.ctx.inputs.goals)
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    let all_hard_green =
        (session.run.evaluation.as_ref()).is_some_and(|e| e.all_green_except(&loop_gates));
    let handoff = facts
        .handoff
        .as_ref()
        .filter(|_| facts.fail_reason.is_none());
    crate::soft_gates_run::after_evaluation(
        session,
        progress,
        &crate::soft_gates_run::TurnForSoftGates {
            peer,
            iteration,
            handoff,
            head_before: head_before.as_deref(),
            head_after: facts.head_after.as_deref(),
            all_hard_green,
            held,
        },
    );
    if let Some(note) = crate::implement_run::after_turn(session, peer, iteration, &facts.commits) {
        progress.event(Progress::Note(note));
    }
    let (turn_outcome, health_event, tick_result) = rules::judge_outcome(&run, &facts);
    rules::account(session, peer, turn_outcome, duration.as_secs_f64(), &run);
    let health_warnings = rules::advance(session, peer, turn_outcome, health_event, iteration);
    let health_notes = health_warnings.clone();
    let new_blocking: usize = facts
        .commits
        .iter()
        .map(|c| {
            blocking_or_flag_reports(&peers_core::ledger::LedgerCommit::from_message(
                &c.sha, &c.message,
            ))
        })
        .sum();
    let clean = CleanTickFacts {
        tick: tick_result,
        all_hard_green,
        open_blocking_bugs: session.run.ledger.ledger.open_blocking().len(),
        soft_consensus: (!session.ctx.inputs.config.goals.soft_consensus_required
            || soft_review::all_passed(&session.run.state, &session.ctx.inputs.goals))
            && crate::soft_gates_run::holding_completion(session).is_empty(),
        new_blocking_reports: new_blocking,
    };
    let decision = rules::decide(session, &clean);
    // With the streak updated, judge the loop's own gates again; completion needs them green.
    let loop_green = session.rejudge_loop_gates();
    let decision = decision.filter(|reason| *reason != StopReason::Complete || loop_green);
    for warning in facts.warnings.iter() {
        session.run.loop_state.warn(peer, warning.clone());
    }
    let record = build_record(
        session,
        &BuildInput {
            peer,
            iteration,
            skeptic,
            head_before,
            run: &run,
            facts: &facts,
            soft,
            filed,
            resolved,
            health_warnings,
            delivery,
        },
    );
    session.make_durable(&record)?;
    crate::state_push::push(session, progress, &format!("tick {iteration}"));
    progress.event(Progress::TickFinished { record: &record });
    // A peer going out (not installed, a missing variable, a login) is said where the user looks.
    for note in health_notes {
        progress.event(Progress::Note(note));
    }
    let stop = budget_stop
        .or_else(|| {
            (run.classification == Classification::Interrupted).then_some(StopReason::Interrupted)
        })
        .or(decision)
        .or_else(|| {
            peers_core::peer_health::stranded(&session.run.state)
                .map(|s| StopReason::PeerUnavailable(NoTurn::Stranded(s)))
        });
    if matches!(stop, Some(StopReason::PeerUnavailable(_))) {
        crate::halted::write_if_stranded(session)?;
    }
    Ok(TickOutcome { stop })
}

/// Puts back what peers owns when the turn touched it: the stop reason is cleared, the state is
/// rewritten below from memory; goals.yaml is left for the pre-tick mutation check to halt on.
fn repair_tampering(ctx: &RunContext, tampering: &[String]) -> Result<(), DriverError> {
    for note in tampering {
        if note.contains("last-stop-reason.txt") {
            let path = ctx.inputs.dir.last_stop_reason();
            if std::fs::symlink_metadata(&path).is_ok() {
                std::fs::remove_file(&path).map_err(|e| DriverError::io(&path, e))?;
            }
        }
        if note.contains("state.json") {
            let path = ctx.inputs.dir.state_json();
            if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
                std::fs::remove_file(&path).map_err(|e| DriverError::io(&path, e))?;
            }
        }
    }
    Ok(())
}

fn apply_ledger(session: &mut Session, facts: &TurnFacts) -> (Vec<String>, Vec<String>) {
    let warnings_before = session.run.ledger.ledger.warnings().len();
    session
        .run
        .ledger
        .apply(&facts.commits, &session.run.attest);
    let mut filed = Vec::new();
    let mut resolved = Vec::new();
    for commit in &facts.commits {
        let trailers = trailer::parse_trailers(&commit.message);
        filed.extend(trailer::values(&trailers, "Bug-Report").map(str::to_owned));
        resolved.extend(trailer::values(&trailers, "Bug-Resolves").map(str::to_owned));
    }
    let new_warnings: Vec<(Option<String>, String)> = session.run.ledger.ledger.warnings()
        [warnings_before..]
        .iter()
        .map(|w| (w.peer.clone(), w.to_string()))
        .collect();
    for (author, warning) in new_warnings {
        match author {
            Some(author) => session
                .run
                .loop_state
                .warn(&author, format!("bug ledger: {warning}")),
            None => {
                let peers = session.run.state.peer_order.clone();
                session
                    .run
                    .loop_state
                    .warn_all(&peers, format!("bug ledger: {warning}"));
            }
        }
    }
    (filed, resolved)
}

fn ingest_reviews(
    session: &mut Session,
    facts: &TurnFacts,
    peer: &str,
    author: Option<&str>,
    iteration: u64,
    warnings: &mut Vec<String>,
) -> SoftCounts {
    let mut counts = SoftCounts::default();
    for commit in &facts.commits {
        let Some(parsed) = soft_review::parse_review(&commit.message) else {
            continue;
        };
        counts.seen += 1;
        let review = match parsed {
            Ok(review) => review,
            Err(reason) => {
                counts.rejected += 1;
                warnings.push(format!(
                    "review in {} rejected: {reason}",
                    crate::post_tick::short(&commit.sha)
                ));
                continue;
            }
        };
        let submission = Submission {
            reviewer: peer,
            author_of_reviewed_work: author,
            sha: &commit.sha,
            iteration,
        };
        match soft_review::ingest(
            &mut session.run.state,
            &session.ctx.inputs.goals,
            &review,
            &submission,
        ) {
            IngestOutcome::Counted { .. } => counts.ingested += 1,
            IngestOutcome::Rejected(reason) => {
                counts.rejected += 1;
                warnings.push(format!(
                    "review of {} in {} rejected: {reason}",
                    review.goal,
                    crate::post_tick::short(&commit.sha)
                ));
            }
        }
    }
    counts
}

struct BuildInput<'a> {
    peer: &'a str,
    iteration: u64,
    skeptic: bool,
    head_before: Option<String>,
    run: &'a PeerRun,
    facts: &'a TurnFacts,
    soft: SoftCounts,
    filed: Vec<String>,
    resolved: Vec<String>,
    health_warnings: Vec<String>,
    delivery: String,
}

fn build_record(session: &Session, input: &BuildInput<'_>) -> TickRecord {
    let run = input.run;
    let facts = input.facts;
    let settings = session
        .ctx
        .inputs
        .config
        .peers
        .iter()
        .find(|p| p.name == input.peer);
    let tool = settings
        .map(|p| p.tool.as_str().to_owned())
        .unwrap_or_default();
    let model = settings.and_then(|p| p.model.clone());
    let (out_cap, err_cap) = if facts.fail_reason.is_none() {
        (200, 400)
    } else {
        (400, 800)
    };
    let mut soft: std::collections::BTreeMap<String, String> = session
        .ctx
        .inputs
        .goals
        .soft()
        .map(|(goal, soft)| {
            let passed = soft_review::passed(
                &session.run.state,
                &goal.id,
                soft,
                &session.run.state.peer_order,
            );
            (
                goal.id.clone(),
                soft_review::status_line(&session.run.state, &goal.id, soft, passed),
            )
        })
        .collect();
    for report in crate::soft_gates_run::reports(session) {
        soft.insert(report.id.to_owned(), report.line);
    }
    let mut warnings = facts.warnings.clone();
    warnings.extend(input.health_warnings.iter().cloned());
    TickRecord {
        v: RECORD_VERSION,
        ts: peers_store::timestamp::now_iso_utc(),
        iteration: input.iteration,
        peer: input.peer.to_owned(),
        tool,
        model,
        classification: (&run.classification).into(),
        exit_code: run.exit_code,
        duration_ms: u64::try_from(run.duration.as_millis()).unwrap_or(u64::MAX),
        success: facts.fail_reason.is_none(),
        soft_fail_reason: facts.fail_reason.clone(),
        skeptic: input.skeptic,
        tokens_this_tick: run.usage.total_tokens(),
        usd_this_tick: run.usage.usd,
        usd_unknown: run.usage.usd.is_none() && run.usage.total_tokens() > 0,
        spent_tokens_total: session.run.state.budget.spent_tokens,
        spent_usd_total: session.run.state.budget.spent_usd,
        head_before: input.head_before.clone(),
        head_after: facts.head_after.clone(),
        commits: facts.commits.iter().map(|c| c.sha.clone()).collect(),
        peer_state_after: session
            .run
            .state
            .peers
            .get(input.peer)
            .map(|p| p.state)
            .unwrap_or_default(),
        warnings_emitted: warnings,
        matched_error_pattern: run.matched.as_ref().map(|m| m.pattern.clone()),
        matched_error_snippet: run
            .matched
            .as_ref()
            .map(|m| m.snippet.chars().take(200).collect()),
        matched_error_source: run.matched.as_ref().map(|m| m.source.to_owned()),
        stdout_tail: tail(&run.stdout_tail, out_cap),
        stderr_tail: tail(&run.stderr_tail, err_cap),
        truncated: run.truncated,
        prompt_delivery: input.delivery.clone(),
        soft_reviews_seen: input.soft.seen,
        soft_reviews_ingested: input.soft.ingested,
        soft_reviews_rejected: input.soft.rejected,
        bugs_filed: input.filed.clone(),
        bugs_resolved: input.resolved.clone(),
        identity_violations: facts.identity_violations.clone(),
        integrity: facts.integrity.clone(),
        gates: GateSnapshot {
            hard: session
                .run
                .evaluation
                .as_ref()
                .map(|e| e.snapshot())
                .unwrap_or_default(),
            soft,
        },
        gate_durations_ms: session
            .run
            .evaluation
            .as_ref()
            .map(|e| e.durations())
            .unwrap_or_default(),
    }
}

fn tail(text: &str, max_chars: usize) -> String {
    let count = text.chars().count();
    text.chars().skip(count.saturating_sub(max_chars)).collect()
}

/// Writes what the peer printed to `.peers/log/peers/tick-NNNNN-<peer>.{stdout,stderr}.log`
/// as soon as it exits, then lets go of the bytes: judging the turn (gates, git) no longer
/// holds up to `health.buf_cap_bytes` per stream, and a crash while judging keeps the output.
/// Forensic copies: a failed write costs nothing but the copy.
pub(crate) fn keep_output_logs(ctx: &RunContext, iteration: u64, peer: &str, run: &mut PeerRun) {
    let stdout = std::mem::take(&mut run.stdout_log);
    let stderr = std::mem::take(&mut run.stderr_log);
    let dir = ctx.inputs.dir.log_dir().join("peers");
    if peers_store::safe_fs::ensure_private_dir(&dir).is_err() {
        return;
    }
    for (suffix, captured) in [("stdout", stdout), ("stderr", stderr)] {
        if captured.kept_len() > 0 {
            let path = dir.join(format!("tick-{iteration:05}-{peer}.{suffix}.log"));
            let _ = peers_store::safe_fs::write_replacing_unsynced_with(&path, &mut |file| {
                captured.write_log(file)
            });
        }
    }
}
