//! Soft goals judged by peer reviews: parsing a review commit, counting it toward consensus,
//! deciding whom to ask and when, and whether a goal has passed.
//!
//! Fixes over the original: a peer never reviews its own work, `review_interval`
//! is honoured, alternating duty is enforced, rejected reviews are counted with a reason, and a
//! quorum larger than the number of peers is capped at the number of peers.

mod status;

pub use status::{
    HISTORY_LEN, NOTES_CHARS, PeerConsensus, ReviewRecord, SoftGoalStatus, status, store,
};

use crate::goals::{GoalKind, GoalSet, ReviewerMode, SoftGoal};
use crate::state::State;
use crate::trailer;

/// A parsed `## Review` commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// From the `Peer-Review-Of:` trailer.
    pub goal: String,
    pub pass: bool,
    pub notes: String,
}

/// Why a review does not count. The text is a warning for the reviewer's next prompt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    #[error("review of `{goal}` has no `## Review` heading line; put the JSON under `## Review`")]
    MissingSection { goal: String },
    #[error(
        "review of `{goal}` has no JSON object after `## Review`; write {{\"pass\": true, \"notes\": \"...\"}}"
    )]
    MissingJson { goal: String },
    #[error("review of `{goal}`: `pass` must be true or false")]
    PassNotBoolean { goal: String },
    #[error("review names goal `{goal}`, which is not a configured goal")]
    UnknownGoal { goal: String },
    #[error("review names goal `{goal}`, which is a hard goal; only soft goals take reviews")]
    NotSoftGoal { goal: String },
    #[error("review of `{goal}` by {reviewer}, who is not a configured peer")]
    UnknownReviewer { goal: String, reviewer: String },
    #[error(
        "review of `{goal}` by {reviewer} judges {reviewer}'s own work; another peer must review it"
    )]
    SelfReview { goal: String, reviewer: String },
    #[error(
        "review of `{goal}` by {reviewer}, but it is {duty}'s turn to review it (reviewer: alternating)"
    )]
    NotOnDuty {
        goal: String,
        reviewer: String,
        duty: String,
    },
    #[error("review of `{goal}` in commit {sha} was already counted")]
    Duplicate { goal: String, sha: String },
}

/// The review in a commit message: `None` when the message has no `Peer-Review-Of:` trailer
/// or names a commit rather than a goal (a SHA-looking value, as in the original).
pub fn parse_review(message: &str) -> Option<Result<Review, RejectReason>> {
    let trailers = trailer::parse_trailers(message);
    let goal = trailer::last_value(&trailers, "Peer-Review-Of")?.trim();
    if goal.is_empty() || looks_like_sha(goal) {
        return None;
    }
    let goal = goal.to_owned();
    let Some(body) = after_review_heading(message) else {
        return Some(Err(RejectReason::MissingSection { goal }));
    };
    let Some(object) = trailer::json_objects(body).into_iter().next() else {
        return Some(Err(RejectReason::MissingJson { goal }));
    };
    let Some(pass) = object.get("pass").and_then(serde_json::Value::as_bool) else {
        return Some(Err(RejectReason::PassNotBoolean { goal }));
    };
    let notes = object
        .get("notes")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(Ok(Review { goal, pass, notes }))
}

/// The verdict of a reply that is not a commit (the second-model honesty audit): the first
/// JSON object after a `## Review` line, with a boolean `pass` and its `notes`. The error
/// says what is missing.
pub fn parse_verdict(text: &str) -> Result<(bool, String), &'static str> {
    let body = after_review_heading(text).ok_or("no `## Review` line in the reply")?;
    let object = trailer::json_objects(body)
        .into_iter()
        .next()
        .ok_or("no JSON object after `## Review`")?;
    let pass = object
        .get("pass")
        .and_then(serde_json::Value::as_bool)
        .ok_or("`pass` is not true or false")?;
    let notes = object
        .get("notes")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok((pass, notes))
}

fn looks_like_sha(value: &str) -> bool {
    (7..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The text after the first line `## Review` (case-insensitive, trailing blanks allowed).
fn after_review_heading(message: &str) -> Option<&str> {
    let mut offset = 0;
    for line in message.split_inclusive('\n') {
        offset += line.len();
        let Some(rest) = line.trim_end().strip_prefix("##") else {
            continue;
        };
        let title = rest.trim_start_matches([' ', '\t']);
        if title.len() < rest.len() && title.eq_ignore_ascii_case("review") {
            return Some(&message[offset..]);
        }
    }
    None
}

/// Who submitted a review and what it judged. Identity comes from the orchestrator (the peer
/// whose turn made the commit), never from the commit's own trailers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submission<'a> {
    pub reviewer: &'a str,
    /// The peer whose work is under review: the author of the newest handoff before the
    /// reviewer's turn began (the work its prompt showed; the same value given to
    /// [`requested`]). `None` when nobody has handed off yet.
    pub author_of_reviewed_work: Option<&'a str>,
    pub sha: &'a str,
    pub iteration: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// The review counted; `goal_passed` is whether the goal has consensus now.
    Counted {
        goal_passed: bool,
    },
    Rejected(RejectReason),
}

/// Counts `review` toward its goal, or records why it cannot count.
pub fn ingest(
    state: &mut State,
    goals: &GoalSet,
    review: &Review,
    submission: &Submission<'_>,
) -> IngestOutcome {
    let soft = match soft_goal(goals, &review.goal) {
        Ok(soft) => soft,
        Err(reason) => return IngestOutcome::Rejected(reason),
    };
    let mut status = status(state, &review.goal);
    if let Err(reason) = admissible(state, soft, &status, review, submission) {
        status.rejected += 1;
        status.last_rejection = Some(reason.to_string());
        store(state, &review.goal, &status);
        return IngestOutcome::Rejected(reason);
    }
    count(&mut status, review, submission);
    store(state, &review.goal, &status);
    IngestOutcome::Counted {
        goal_passed: passed(state, &review.goal, soft, &state.peer_order),
    }
}

fn soft_goal<'g>(goals: &'g GoalSet, id: &str) -> Result<&'g SoftGoal, RejectReason> {
    let goal = goals.goals.iter().find(|g| g.id == id);
    match goal.map(|g| &g.kind) {
        Some(GoalKind::Soft(soft)) => Ok(soft),
        Some(GoalKind::Hard(_)) => Err(RejectReason::NotSoftGoal {
            goal: id.to_owned(),
        }),
        None => Err(RejectReason::UnknownGoal {
            goal: id.to_owned(),
        }),
    }
}

fn admissible(
    state: &State,
    soft: &SoftGoal,
    status: &SoftGoalStatus,
    review: &Review,
    submission: &Submission<'_>,
) -> Result<(), RejectReason> {
    let goal = review.goal.clone();
    let reviewer = submission.reviewer.to_owned();
    if !state.peer_order.contains(&reviewer) {
        return Err(RejectReason::UnknownReviewer { goal, reviewer });
    }
    if status.seen(submission.sha) {
        let sha = submission.sha.to_owned();
        return Err(RejectReason::Duplicate { goal, sha });
    }
    if submission.author_of_reviewed_work == Some(submission.reviewer) {
        return Err(RejectReason::SelfReview { goal, reviewer });
    }
    if soft.reviewer == ReviewerMode::Alternating {
        let duty = on_duty(state, status).unwrap_or_default().to_owned();
        if duty != reviewer {
            return Err(RejectReason::NotOnDuty {
                goal,
                reviewer,
                duty,
            });
        }
    }
    Ok(())
}

/// The original's counters: a pass by a different reviewer than the last passing one adds
/// one, a pass by the same reviewer restarts at one, a fail resets to zero.
fn count(status: &mut SoftGoalStatus, review: &Review, submission: &Submission<'_>) {
    let reviewer = submission.reviewer.to_owned();
    if review.pass {
        let other_reviewer = status.last_reviewer.as_deref() != Some(submission.reviewer);
        status.consensus_count = if status.last_pass && other_reviewer {
            status.consensus_count + 1
        } else {
            1
        };
    } else {
        status.consensus_count = 0;
    }
    let own = status.per_peer.entry(reviewer.clone()).or_default();
    own.consensus_count = if review.pass {
        own.consensus_count + 1
    } else {
        0
    };
    own.last_pass = review.pass;
    status.last_pass = review.pass;
    status.last_reviewer = Some(reviewer.clone());
    status.alt_cursor += 1;
    status.push_history(ReviewRecord {
        pass: review.pass,
        reviewer,
        sha: submission.sha.to_owned(),
        notes: status::clip_notes(&review.notes),
        iteration: Some(submission.iteration),
        extra: Default::default(),
    });
}

fn on_duty<'s>(state: &'s State, status: &SoftGoalStatus) -> Option<&'s str> {
    let n = state.peer_order.len() as u64;
    let index = status.alt_cursor.checked_rem(n)?;
    state.peer_order.get(index as usize).map(String::as_str)
}

/// Whether `goal` has reached consensus among `peer_names`.
pub fn passed(state: &State, goal: &str, soft: &SoftGoal, peer_names: &[String]) -> bool {
    let status = status(state, goal);
    let needed = soft.consensus_needed.max(1);
    match soft.reviewer {
        ReviewerMode::Other | ReviewerMode::Alternating => status.consensus_count >= needed,
        ReviewerMode::Both => {
            !peer_names.is_empty()
                && peer_names.iter().all(|peer| {
                    status
                        .per_peer
                        .get(peer)
                        .is_some_and(|p| p.consensus_count >= needed)
                })
        }
        ReviewerMode::Quorum => quorum_passed(&status, soft, peer_names.len()),
    }
}

/// Passes from at least N distinct reviewers among the last M reviews, N capped at the number
/// of peers (else the goal could never pass; see [`quorum_notice`]).
fn quorum_passed(status: &SoftGoalStatus, soft: &SoftGoal, peer_count: usize) -> bool {
    let Some(quorum) = soft.quorum else {
        return false;
    };
    let window = (quorum.window as usize).min(status.history.len());
    let recent = &status.history[status.history.len() - window..];
    let mut reviewers: Vec<&str> = recent
        .iter()
        .filter(|r| r.pass)
        .map(|r| r.reviewer.as_str())
        .collect();
    reviewers.sort_unstable();
    reviewers.dedup();
    let needed = (quorum.needed as usize).min(peer_count).max(1);
    reviewers.len() >= needed
}

/// A start-of-run notice when a quorum asks for more distinct reviewers than there are peers.
pub fn quorum_notice(goal: &str, soft: &SoftGoal, peer_count: usize) -> Option<String> {
    let quorum = soft.quorum?;
    (quorum.needed as usize > peer_count).then(|| {
        format!(
            "soft goal `{goal}`: quorum {}/{} needs {} distinct reviewers but there are only {peer_count} peers; \
             it passes with {peer_count}",
            quorum.needed, quorum.window, quorum.needed
        )
    })
}

/// Every soft goal has passed (the `soft_consensus` convergence fact).
pub fn all_passed(state: &State, goals: &GoalSet) -> bool {
    goals
        .soft()
        .all(|(goal, soft)| passed(state, &goal.id, soft, &state.peer_order))
}

/// Whom the upcoming tick is for, to decide review requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestContext<'a> {
    pub peer: &'a str,
    /// The author of the newest handoff: the work a review would judge.
    pub last_author: Option<&'a str>,
    pub iteration: u64,
}

/// Whether `ctx.peer` should be asked to review `goal` this tick: not yet passed, not the
/// author of the work, the peer's duty under the goal's mode, and `review_interval`
/// iterations since the last request.
pub fn requested(state: &State, goal: &str, soft: &SoftGoal, ctx: &RequestContext<'_>) -> bool {
    if passed(state, goal, soft, &state.peer_order) || ctx.last_author == Some(ctx.peer) {
        return false;
    }
    let status = status(state, goal);
    let duty = match soft.reviewer {
        ReviewerMode::Other | ReviewerMode::Quorum => true,
        ReviewerMode::Alternating => on_duty(state, &status) == Some(ctx.peer),
        ReviewerMode::Both => status
            .per_peer
            .get(ctx.peer)
            .is_none_or(|p| p.consensus_count < soft.consensus_needed.max(1)),
    };
    let last_asked = status
        .per_peer
        .get(ctx.peer)
        .and_then(|p| p.last_requested_iter);
    let interval_elapsed = last_asked.is_none_or(|last| {
        ctx.iteration.saturating_sub(last) >= u64::from(soft.review_interval.max(1))
    });
    duty && interval_elapsed
}

/// Records that `peer` was asked to review `goal` at `iteration` (its prompt carried it).
pub fn mark_requested(state: &mut State, goal: &str, peer: &str, iteration: u64) {
    let mut status = status(state, goal);
    status.last_requested_iter = Some(iteration);
    status
        .per_peer
        .entry(peer.to_owned())
        .or_default()
        .last_requested_iter = Some(iteration);
    store(state, goal, &status);
}

#[cfg(test)]
mod tests;

/// A short progress line for prompts and records: `passed`, or `count/needed` (mode `both`:
/// peers that reached consensus / peers; mode `quorum`: distinct passing reviewers / needed).
pub fn status_line(state: &State, goal: &str, soft: &SoftGoal, passed: bool) -> String {
    if passed {
        return "passed".to_owned();
    }
    let status = status(state, goal);
    let needed = soft.consensus_needed.max(1);
    match soft.reviewer {
        ReviewerMode::Both => {
            let done = status
                .per_peer
                .values()
                .filter(|p| p.consensus_count >= needed)
                .count();
            format!("{done}/{} peers", state.peer_order.len())
        }
        ReviewerMode::Quorum => {
            let quorum = soft.quorum.map(|q| q.needed).unwrap_or(needed);
            let window = soft.quorum.map(|q| q.window as usize).unwrap_or(usize::MAX);
            let mut reviewers: Vec<&str> = status
                .history
                .iter()
                .rev()
                .take(window)
                .filter(|r| r.pass)
                .map(|r| r.reviewer.as_str())
                .collect();
            reviewers.sort_unstable();
            reviewers.dedup();
            format!("{}/{quorum} reviewers", reviewers.len())
        }
        ReviewerMode::Other | ReviewerMode::Alternating => {
            format!("{}/{needed}", status.consensus_count)
        }
    }
}
