//! The two built-in demo peers. Each turn is decided by the repository state (calc.sh and
//! the bug ledger), never by the prompt's wording, so the story is deterministic:
//! 1. implementer adds `mul` with tests and hands off;
//! 2. reviewer files the planted division bug (high, fix_by the implementer), reviews, hands off;
//! 3. implementer fixes it with regression cases, resolves it, hands off;
//! 4. from then on each peer submits the requested soft reviews and hands off, changing nothing.

mod history;
mod project;
mod roles;

use crate::SimContext;
use crate::engine::Streams;
use crate::error::SimError;
use crate::prompt_reading;

pub use project::write_demo_repository;

/// The built-in peer names `run_builtin` accepts.
pub const BUILTINS: &[&str] = &["demo-implementer", "demo-reviewer"];

/// Soft goals reviewed when the prompt has no soft-review section.
const FALLBACK_REVIEW_GOALS: &[&str] = &["bug-hunt-round-1", "test-coverage-3-class"];

pub(crate) fn run(
    name: &str,
    ctx: &SimContext,
    streams: &mut Streams<'_>,
) -> Result<i32, SimError> {
    let role = match name {
        "demo-implementer" => roles::Role::Implementer,
        "demo-reviewer" => roles::Role::Reviewer,
        _ => {
            return Err(SimError::UnknownBuiltin {
                name: name.to_owned(),
                known: [BUILTINS, crate::DOC_BUILTINS].concat().join(", "),
            });
        }
    };
    let history = history::read(&ctx.repo, &ctx.peer)?;
    let requested = prompt_reading::requested_soft_reviews(&ctx.prompt).unwrap_or_else(|| {
        FALLBACK_REVIEW_GOALS
            .iter()
            .map(|goal| (*goal).to_owned())
            .collect()
    });
    let other = history
        .last_other_peer
        .clone()
        .or_else(|| prompt_reading::counterpart(&ctx.prompt));
    let mut turn = roles::Turn {
        ctx,
        history,
        other,
        requested,
        streams,
    };
    turn.play(role)?;
    Ok(0)
}
