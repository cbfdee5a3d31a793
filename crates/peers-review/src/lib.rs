//! peers-review: `peers review`, the symmetric blind-debate review with n reviewer CLIs.
//!
//! The rules (parsing, canonical ids, the debate state machine, the verdict) live in [`rules`]
//! and do no I/O; the rest of the crate runs them: it collects the scope from git, builds the
//! prompts, runs each round's reviewers concurrently and read-only, retries malformed output
//! once, resumes sessions where the CLI can, and archives everything under
//! `.peers/reviews/<timestamp>/`.

pub mod archive;
mod call;
pub mod engine;
pub mod error;
pub mod prompt;
pub mod reviewer;
pub mod rules;
pub mod scope;

pub use archive::Archive;
pub use call::CallLimits;
pub use engine::{ReviewOutcome, ReviewSettings, run_review};
pub use error::ReviewError;
pub use reviewer::Reviewer;
pub use scope::{Material, Scope, collect};
