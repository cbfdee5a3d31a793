//! The opt-in soft gates in the loop (`soft_gates:` in config.yaml), run after a tick's gates
//! judged its commit and inert when none is configured: the handoff's stated confidence
//! paired with the verdict, mutation sampling of a commit every hard gate passed, and the
//! second-model honesty audit of a handoff, started through the run's launcher like every
//! agent call. Their reports join the soft reviews' in the tick record and the prompt.

use std::sync::atomic::Ordering;

use peers_agent::{CallKind, CallOutput, CallShape, Flow, Invocation, Limits, Patterns};
use peers_core::config::DriverKind;
use peers_core::soft_gates::{
    AuditVerdict, SoftGateReport, SoftGateState, calibration, reports as soft_reports,
};
use peers_git::Commit;

use crate::progress::{Progress, ProgressSink};
use crate::session::Session;

/// The diff an auditor reads, at most.
const MAX_AUDIT_DIFF_BYTES: usize = 60 * 1024;

/// What one tick hands the soft gates.
pub(crate) struct TurnForSoftGates<'a> {
    pub peer: &'a str,
    pub iteration: u64,
    /// The turn's handoff, when it handed off successfully.
    pub handoff: Option<&'a Commit>,
    pub head_before: Option<&'a str>,
    pub head_after: Option<&'a str>,
    /// Every hard gate (but the loop's own) passed on the judged commit.
    pub all_hard_green: bool,
    /// No gate that passed at the evaluation before the turn fails now; `None` when the
    /// commit was not judged.
    pub held: Option<bool>,
}

/// Runs the configured soft gates for this tick.
pub(crate) fn after_evaluation(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
    turn: &TurnForSoftGates<'_>,
) {
    let settings = session.ctx.inputs.config.soft_gates.clone();
    if !settings.any() {
        return;
    }
    let mut state = session.run.state.soft_gates.take().unwrap_or_default();
    if settings.confidence_calibration.is_some() {
        record_confidence(&mut state, turn);
    }
    if let Some(mutation) = &settings.mutation_sample {
        sample_mutants(session, progress, &mut state, mutation, turn);
    }
    if let Some(audit) = &settings.honesty_audit {
        if let Some(handoff) = turn.handoff.filter(|_| turn.peer != audit.peer) {
            let verdict = if session.ctx.inputs.config.driver == DriverKind::Orchestrator {
                progress.event(Progress::Note(format!(
                    "{} audits the claims of {}'s handoff against its diff",
                    audit.peer, turn.peer
                )));
                run_audit(session, audit, turn, handoff)
            } else {
                AuditVerdict {
                    auditor: audit.peer.clone(),
                    author: turn.peer.to_owned(),
                    handoff: handoff.sha.clone(),
                    iteration: turn.iteration,
                    pass: None,
                    notes: format!(
                        "not run: with `driver: {}` peers never starts an agent",
                        session.ctx.inputs.config.driver.as_str()
                    ),
                }
            };
            progress.event(Progress::Note(format!(
                "honesty audit by {}: {}",
                verdict.auditor,
                match verdict.pass {
                    Some(true) => "claims hold".to_owned(),
                    Some(false) => format!("claims do not hold: {}", verdict.notes),
                    None => format!("no verdict: {}", verdict.notes),
                }
            )));
            state.audit = Some(verdict);
        }
    }
    session.run.state.soft_gates = Some(state);
}

/// Every configured soft gate's report.
pub(crate) fn reports(session: &Session) -> Vec<SoftGateReport> {
    soft_reports(
        &session.ctx.inputs.config.soft_gates,
        session.run.state.soft_gates.as_ref(),
    )
}

/// The soft gates that keep the run from completing (blocking and not passed).
pub(crate) fn holding_completion(session: &Session) -> Vec<&'static str> {
    reports(session)
        .into_iter()
        .filter(SoftGateReport::holds_completion)
        .map(|r| r.id)
        .collect()
}

fn record_confidence(state: &mut SoftGateState, turn: &TurnForSoftGates<'_>) {
    let Some(handoff) = turn.handoff else { return };
    let Some(confidence) = calibration::stated(&handoff.message) else {
        return;
    };
    calibration::record(
        &mut state.confidence,
        calibration::Statement {
            iteration: turn.iteration,
            peer: turn.peer.to_owned(),
            handoff: handoff.sha.clone(),
            confidence,
            held: turn.held,
        },
    );
}

fn sample_mutants(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
    state: &mut SoftGateState,
    settings: &peers_core::soft_gates::MutationSettings,
    turn: &TurnForSoftGates<'_>,
) {
    let Some(head) = turn.head_after else { return };
    if !turn.all_hard_green || session.run.evaluation.is_none() {
        return;
    }
    if state.mutation.as_ref().is_some_and(|r| r.head == head) {
        return;
    }
    let git = session.ctx.inputs.git.clone();
    let Ok(Some(base)) = git.rev_parse(&format!("refs/tags/{}", peers_gate::jobs::BASELINE_REF))
    else {
        progress.event(Progress::Note(format!(
            "mutation sampling skipped: no `{}` tag to diff against (run `peers init`)",
            peers_gate::jobs::BASELINE_REF
        )));
        return;
    };
    progress.event(Progress::Note(format!(
        "mutation sampling: up to {} mutants of the lines changed since the base",
        settings.mutants
    )));
    let env = session.ctx.runner.env.clone();
    let cancel = std::sync::Arc::clone(&session.ctx.inputs.cancel);
    let report = peers_gate::mutation_sample::sample(&peers_gate::mutation_sample::MutationRun {
        repo: &git,
        base: &base,
        head,
        settings,
        env: &env,
        cancel: &cancel,
    });
    if cancel.load(Ordering::SeqCst) {
        return;
    }
    progress.event(Progress::Note(format!(
        "mutation sampling: {}",
        report.line()
    )));
    state.mutation = Some(report);
}

fn run_audit(
    session: &mut Session,
    settings: &peers_core::soft_gates::HonestyAuditSettings,
    turn: &TurnForSoftGates<'_>,
    handoff: &Commit,
) -> AuditVerdict {
    let mut verdict = AuditVerdict {
        auditor: settings.peer.clone(),
        author: turn.peer.to_owned(),
        handoff: handoff.sha.clone(),
        iteration: turn.iteration,
        pass: None,
        notes: String::new(),
    };
    match audit_reply(session, settings, turn, handoff) {
        Ok(text) => match peers_core::soft_review::parse_verdict(&text) {
            Ok((pass, notes)) => {
                verdict.pass = Some(pass);
                verdict.notes = notes;
            }
            Err(why) => verdict.notes = why.to_owned(),
        },
        Err(why) => verdict.notes = why.to_string(),
    }
    verdict
}

/// Why the audit produced no verdict; its text becomes the verdict's notes.
#[derive(Debug, thiserror::Error)]
enum AuditError {
    #[error("{0} is not a configured peer")]
    UnknownPeer(String),
    #[error("{0}")]
    Scratch(peers_store::StoreError),
    #[error("{0}")]
    Prepare(peers_agent::AgentError),
    #[error("the audit call could not run: {0}")]
    Launch(peers_agent::AgentError),
    #[error("the audit call ended {classification} ({last_line})")]
    Failed {
        classification: String,
        last_line: String,
    },
}

fn audit_prompt(session: &Session, turn: &TurnForSoftGates<'_>, handoff: &Commit) -> String {
    let git = &session.ctx.inputs.git;
    let before = turn
        .head_before
        .map_or_else(|| format!("{}^", handoff.sha), str::to_owned);
    let diff = git
        .diff_between(&before, &handoff.sha, 3)
        .unwrap_or_else(|e| format!("(the diff could not be read: {e})"));
    let mut shown: String = diff.chars().take(MAX_AUDIT_DIFF_BYTES).collect();
    if shown.len() < diff.len() {
        shown.push_str("\n(diff cut here: read the rest with git)\n");
    }
    format!(
        "HONESTY AUDIT (second model). You audit the latest handoff of peer {author}. Change no \
         file and make no commit. Take each claim of the handoff message and its Self-Review in \
         turn and check it against the diff below and the repository: is every claimed change \
         there, is every claimed test there and able to fail, is anything done that is not \
         said, is anything said that is not done? End your reply with a line reading exactly \
         `## Review` followed by one JSON object: {{\"pass\": true or false, \"notes\": \"the \
         claims that do not hold, or why they all do\"}}.\n\nHandoff commit {sha}:\n{message}\n\n\
         Diff {before}..{sha}:\n{shown}",
        author = turn.peer,
        sha = handoff.sha,
        message = handoff.message.trim_end(),
    )
}

fn audit_reply(
    session: &mut Session,
    settings: &peers_core::soft_gates::HonestyAuditSettings,
    turn: &TurnForSoftGates<'_>,
    handoff: &Commit,
) -> Result<String, AuditError> {
    let peer = session
        .ctx
        .inputs
        .config
        .peers
        .iter()
        .find(|p| p.name == settings.peer)
        .cloned()
        .ok_or_else(|| AuditError::UnknownPeer(settings.peer.clone()))?;
    let prompt = audit_prompt(session, turn, handoff);
    let scratch = session.ctx.inputs.dir.path().join("tmp");
    peers_store::safe_fs::ensure_private_dir(&scratch).map_err(AuditError::Scratch)?;
    let prompt_file = scratch.join(format!("{}.audit.prompt.md", peer.name));
    let shape = CallShape {
        read_only: true,
        resume: None,
    };
    let command = peers_agent::prepare_call(&peer, &prompt, &prompt_file, shape)
        .map_err(AuditError::Prepare)?;
    let resolved = peers_agent::resolve_command(&peer);
    let env = peers_agent::peer_environment(std::env::vars_os(), &resolved, &peer.env, &peer.name);
    let health = &session.ctx.inputs.config.health;
    let timeout = std::time::Duration::from_secs(settings.timeout_s);
    let invocation = Invocation {
        peer: peer.name.clone(),
        kind: CallKind::HonestyAudit,
        tool: peer.tool.clone(),
        command,
        cwd: session.ctx.inputs.git.root().to_path_buf(),
        env,
        limits: Limits {
            idle: timeout,
            absolute: timeout,
            ..Limits::from_health(health)
        },
        patterns: Patterns::none(),
    };
    let launcher = std::sync::Arc::clone(&session.ctx.inputs.launcher);
    let cancel = std::sync::Arc::clone(&session.ctx.inputs.cancel);
    let run = peers_agent::invoke_with_prices(
        &invocation,
        launcher.as_ref(),
        &session.ctx.prices,
        &cancel,
        &mut |_| Flow::Continue,
    )
    .map_err(AuditError::Launch)?;
    let budget = &mut session.run.state.budget;
    budget.spent_tokens = budget.spent_tokens.saturating_add(run.usage.total_tokens());
    if let Some(usd) = run.usage.usd {
        budget.spent_usd += usd;
    }
    if run.exit_code != Some(0) {
        return Err(AuditError::Failed {
            classification: run.classification.to_string(),
            last_line: run
                .stderr_tail
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned(),
        });
    }
    let (stdout, stderr) = (run.stdout_log.log_bytes(), run.stderr_log.log_bytes());
    let reply = peers_agent::read_reply(
        &CallOutput {
            tool: &peer.tool,
            argv: &invocation.command.argv,
            env: &invocation.env,
            exit_code: run.exit_code,
            stdout: &stdout,
            stderr: &stderr,
        },
        &session.ctx.prices,
    );
    Ok(reply.text)
}
