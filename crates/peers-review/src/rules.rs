//! The symmetric blind-debate review, as pure rules: the reviewers' output format, canonical
//! issues with content-hashed ids, the per-issue debate state machine for n ≥ 2 reviewers,
//! derived convergence, and the verdict report. Running the reviewers lives in the
//! rest of this crate.

pub mod block;
pub mod canon;
pub mod debate;
pub mod finding;
pub mod render;
pub mod state;
pub mod verdict;

pub use block::{
    FindingsBlock, LineError, LineProblem, Stance, StanceLine, StancesBlock, parse_findings,
    parse_stances,
};
pub use canon::{Issue, finding_id, normalise_claim};
pub use debate::{Debate, RoundResponse, short_id};
pub use finding::{Category, FindingSeverity, RawFinding};
pub use render::render_markdown;
pub use state::{IssueState, ReviewerStance, decide};
pub use verdict::{ReviewVerdict, ReviewerReport, VerdictEntry, View, build};

#[cfg(test)]
mod tests;
