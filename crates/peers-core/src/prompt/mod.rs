//! The per-turn prompt: what a peer is told at the start of its turn, built from embedded
//! templates and the driver's [`PromptContext`].
//!
//! Blocks, joined by blank lines, in this order (the original's order):
//! `[critical re-audit]` (skeptic turns only), identity and role, core directive, mode
//! instructions (the applied modes' overlay), project
//! context, GOAL STATUS, OPEN GOALS, WARNINGS, SOFT REVIEWS REQUESTED, INBOX, YOUR BUGS,
//! TASK, thorough testing, bug-hunt protocol, self-review and handoff, conventions.
//!
//! Two deliberate departures from the original:
//! * Every protocol example is valid JSON and every example commit is accepted as is by
//!   the ledger and the trailer parser (tests prove it), because peers copy examples
//!   verbatim and an unreadable Bug-Report used to become a non-blocking `info`.
//! * Every variable part is capped (see the `MAX_*` constants), so the prompt stays under
//!   [`TARGET_PROMPT_BYTES`] whatever the inbox, warnings or gate output hold;
//!   [`Prompt::truncated_sections`] says what was cut.

mod blocks;
mod context;
mod render;
mod sections;

pub use blocks::MAX_SOFT_REVIEWS;
pub use context::{
    AssignedBug, HardGoalStatus, InboxCommit, PromptContext, SoftGoalProgress, next_bug_id,
};
pub use sections::{
    MAX_BUGS, MAX_DIAGNOSTIC_BYTES, MAX_DIAGNOSTIC_LINES, MAX_INBOX_ENTRIES,
    MAX_OPEN_GOALS_WITH_OUTPUT, MAX_STATUS_GOALS, WARNINGS_HEAD, WARNINGS_TAIL,
};

use sections::{Cuts, MAX_NAME_BYTES, field};

/// The size every prompt stays under, whatever its inputs: far below Linux's 128 KiB limit
/// on one argv string, and small enough to leave an agent room to work.
pub const TARGET_PROMPT_BYTES: usize = 64 * 1024;

/// A built prompt and the names of the sections that lost content to a cap
/// (`identity`, `goal-status`, `open-goals`, `diagnostics`, `warnings`, `soft-reviews`,
/// `inbox`, `bugs`, `task`, `project-context`, `mode-instructions`), in the order they were cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
    pub truncated_sections: Vec<&'static str>,
}

/// The prompt for one turn.
pub fn build(ctx: &PromptContext) -> Prompt {
    let mut cuts = Cuts::default();
    let names = blocks::names(ctx, &mut cuts);
    let bug_id = match field(&ctx.next_bug_id, MAX_NAME_BYTES, "identity", &mut cuts) {
        id if id.is_empty() => "BUG-001".to_owned(),
        id => id,
    };
    let mut parts: Vec<String> = Vec::new();
    if ctx.skeptic {
        parts.push(blocks::SKEPTIC.to_owned());
    }
    parts.push(blocks::identity(ctx, &names, &mut cuts));
    parts.push(blocks::CORE_DIRECTIVE.to_owned());
    parts.extend(blocks::mode_instructions(ctx, &mut cuts));
    let variable = [
        blocks::project_context(ctx, &mut cuts),
        sections::goal_status(ctx, &mut cuts),
        sections::open_goals(ctx, &mut cuts),
        sections::warnings(ctx, &mut cuts),
        blocks::soft_reviews(ctx, &names.peer, &mut cuts),
        sections::inbox(ctx, &mut cuts),
        sections::bugs(ctx, &mut cuts),
    ];
    parts.extend(variable.into_iter().flatten());
    parts.push(blocks::task(ctx, &mut cuts));
    parts.extend(blocks::protocol(&names, &bug_id));
    let text = parts
        .iter()
        .map(|part| part.trim_end())
        .collect::<Vec<_>>()
        .join("\n\n");
    Prompt {
        text: format!("{text}\n"),
        truncated_sections: cuts.0,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod cap_tests;

#[cfg(test)]
mod protocol_tests;
