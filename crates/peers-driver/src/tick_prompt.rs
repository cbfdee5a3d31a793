//! The prompt of one tick, assembled from the loop's live knowledge: goal verdicts, soft reviews
//! due, the inbox of other peers' commits, this peer's open bugs and the warnings meant for it.

use peers_core::goals::GoalKind;
use peers_core::prompt::{
    self, AssignedBug, HardGoalStatus, InboxCommit, Prompt, PromptContext, SoftGoalProgress,
};
use peers_core::soft_review::{self, RequestContext};

use crate::error::DriverError;
use crate::session::{RunContext, RunState, Session};

pub fn build(session: &mut Session, peer: &str, skeptic: bool, recovery: bool) -> Prompt {
    let iteration = session.run.state.iteration + 1;
    let settings = session
        .ctx
        .inputs
        .config
        .peers
        .iter()
        .find(|p| p.name == peer);
    let role = settings
        .map(|p| p.role)
        .unwrap_or(peers_core::config::PeerRole::Default);
    let counterparts: Vec<String> = session
        .ctx
        .inputs
        .config
        .peers
        .iter()
        .filter(|p| p.name != peer)
        .map(|p| p.name.clone())
        .collect();
    let task = if recovery {
        "You are back after a recovery pause. Take ONE concrete, verified step toward the open goals.".to_owned()
    } else {
        "Take ONE concrete step toward the open goals, verify it, and hand off.".to_owned()
    };
    let hard_goals = hard_statuses(session);
    let soft_goals = soft_statuses(session, peer, iteration);
    let inbox = inbox(&mut session.run, peer);
    let bugs = assigned_bugs(session, peer);
    let messages = crate::comms_inbox::collect(session, peer);
    let mut warnings = session.run.loop_state.take_warnings(peer);
    if session.run.state.dirty_worktree {
        warnings.push("the working tree had uncommitted changes after the last turn; they were stashed (git stash list)".to_owned());
    }
    let path_if = |name: &str| {
        let path = session.ctx.inputs.dir.path().join(name);
        path.is_file().then(|| format!(".peers/{name}"))
    };
    let context = PromptContext {
        peer: peer.to_owned(),
        counterparts,
        role,
        task,
        iteration,
        skeptic,
        hard_goals,
        soft_goals,
        soft_gates: crate::soft_gates_run::reports(session)
            .into_iter()
            .map(|report| (report.id.to_owned(), report.line))
            .collect(),
        inbox,
        bugs,
        warnings,
        next_bug_id: prompt::next_bug_id(&session.run.ledger.ledger),
        recon_path: path_if("recon.md"),
        codemap_path: path_if("codemap.md"),
        mode_instructions: session.ctx.inputs.goals.instructions.clone(),
    };
    let mut built = prompt::build(&context);
    if let Some(messages) = messages {
        built.text.push_str(&messages);
    }
    built
}

fn hard_statuses(session: &Session) -> Vec<HardGoalStatus> {
    session
        .ctx
        .inputs
        .goals
        .hard()
        .map(|(goal, _)| {
            let result = session
                .run
                .evaluation
                .as_ref()
                .and_then(|e| e.results.iter().find(|r| r.id == goal.id));
            HardGoalStatus {
                id: goal.id.clone(),
                description: goal.description.clone(),
                passing: result.map(|r| r.pass),
                diagnostic: result.map(|r| r.diagnostic.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

fn soft_statuses(session: &mut Session, peer: &str, iteration: u64) -> Vec<SoftGoalProgress> {
    let last_author = session.run.loop_state.last_handoff_peer.clone();
    let names = session.run.state.peer_order.clone();
    let mut out = Vec::new();
    for goal in &session.ctx.inputs.goals.goals {
        let GoalKind::Soft(soft) = &goal.kind else {
            continue;
        };
        let ctx = RequestContext {
            peer,
            last_author: last_author.as_deref(),
            iteration,
        };
        let requested = soft_review::requested(&session.run.state, &goal.id, soft, &ctx);
        if requested {
            soft_review::mark_requested(&mut session.run.state, &goal.id, peer, iteration);
        }
        let passed = soft_review::passed(&session.run.state, &goal.id, soft, &names);
        out.push(SoftGoalProgress {
            id: goal.id.clone(),
            description: goal.description.clone(),
            prompt: soft.prompt.clone(),
            status: soft_review::status_line(&session.run.state, &goal.id, soft, passed),
            requested,
        });
    }
    out
}

/// Other peers' commits since this peer's last turn (oldest first, capped), kept by the loop
/// as ticks happen rather than read back from git.
fn inbox(run: &mut RunState, peer: &str) -> Vec<InboxCommit> {
    run.loop_state
        .take_inbox(peer)
        .into_iter()
        .map(|entry| InboxCommit {
            sha: entry.sha,
            peer: entry.peer,
            subject: entry.subject,
        })
        .collect()
}

fn assigned_bugs(session: &Session, peer: &str) -> Vec<AssignedBug> {
    session
        .run
        .ledger
        .ledger
        .bugs()
        .iter()
        .filter(|b| b.is_open() && b.fields.fix_by.as_deref() == Some(peer))
        .map(|b| AssignedBug {
            id: b.id.clone(),
            severity: b.severity,
            location: b.fields.location.clone(),
            description: b
                .fields
                .description
                .clone()
                .or_else(|| b.fields.title.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// Keeps the prompt as `.peers/log/prompts/tick-NNNNN-<peer>.txt` for `peers replay`.
pub fn keep(ctx: &RunContext, iteration: u64, peer: &str, text: &str) -> Result<(), DriverError> {
    let dir = ctx.inputs.dir.log_dir().join("prompts");
    peers_store::safe_fs::ensure_private_dir(&dir)?;
    let path = dir.join(format!("tick-{iteration:05}-{peer}.txt"));
    peers_store::safe_fs::write_replacing_unsynced(&path, text.as_bytes())?;
    Ok(())
}
