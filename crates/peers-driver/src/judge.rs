//! Judging the commit at HEAD: every hard gate in the scratch worktree (never the live tree),
//! the verdicts recorded in the state, the implement mode's progress reset applied.

use crate::error::DriverError;
use crate::evaluate::{self, Evaluator};
use crate::progress::{Progress, ProgressSink};
use crate::session::Session;

/// Every hard gate on the commit at HEAD, in the scratch worktree (never the live tree).
pub(crate) fn evaluate(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
) -> Result<(), DriverError> {
    let head = match session.run.known_head.clone() {
        Some(head) => head,
        None => session.ctx.inputs.git.head()?,
    };
    let head = head.ok_or(DriverError::NoCommitToJudge)?;
    let mut waited = false;
    let tree = session
        .run
        .gate_tree
        .prepare(&session.ctx.inputs.git, &head, || waited = true)?;
    if waited {
        progress.event(Progress::Note(
            "waited for another evaluation (a `peers verify`) to release the gates' scratch tree"
                .to_owned(),
        ));
    }
    for note in &tree.notes {
        progress.event(Progress::Note(note.clone()));
    }
    let mut settings = session.ctx.runner.clone();
    settings.repo = tree.root().to_path_buf();
    let evaluator = Evaluator {
        config: &session.ctx.inputs.config,
        goals: &session.ctx.inputs.goals,
        settings: &settings,
    };
    let mut evaluation = evaluator.evaluate(session.builtin_sources().judging(&tree))?;
    session.run.gate_tree.finish(&tree, &mut evaluation.results);
    if settings.cancelled() {
        // Gates stopped by Ctrl-C judged nothing: no verdict, no failure counted, and the
        // tick that just ran cannot be clean. The next pre-tick check stops the run.
        session.run.evaluation = None;
        return Ok(());
    }
    let results = evaluation.results.iter().map(|r| (r.id.as_str(), r.pass));
    peers_core::convergence::record_gate_results(
        &mut session.run.state,
        results,
        peers_core::convergence::EvaluationKind::Full,
    );
    for gate in crate::implement_run::after_gate_results(session, tree.root()) {
        progress.event(Progress::Note(format!(
            "a PLAN.md step was checked off: {gate}'s stuck counter starts over"
        )));
    }
    evaluate::record_status(&mut session.run.state, &evaluation);
    session.run.evaluation = Some(evaluation);
    Ok(())
}
