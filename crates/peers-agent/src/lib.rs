//! peers-agent: one peer's agent CLI under supervision. [`prepare_command`] fills the prompt
//! into the command line (never E2BIG); [`invoke`] starts it through the [`Launcher`] every
//! agent process goes through, in its own process group with
//! idle/absolute timeouts, a cancel flag and a live observer, kills everything it started,
//! and returns a [`PeerRun`]: the [`Classification`], the output, and the [`Usage`] read from
//! the CLI's own output format (claude, codex, opencode, gemini; generic tools have none).
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod adapter;
mod classify;
mod env_allowlist;
mod environment;
mod error;
mod git_leftover;
mod invocation;
mod launch;
mod lines;
mod outcome;
mod patterns;
mod prepare;
mod prices;
mod supervisor;
mod usage;

pub use adapter::argv::{read_only_label, resumes_sessions};
pub use adapter::command::{
    OPENROUTER_ANTHROPIC_BASE_URL, OPENROUTER_KEY_VAR, OPENROUTER_OPENAI_BASE_URL, PeerCommand,
    default_argv, resolve_command,
};
pub use adapter::reply::{CallOutput, Reply, read_reply};
pub use adapter::resumed::{SessionMeter, per_call};
pub use env_allowlist::{allowed, allowlist_summary};
pub use environment::{PEER_GIT_CONFIG, peer_environment};
pub use error::AgentError;
pub use invocation::{
    Flow, Invocation, Limits, LiveEvent, PreparedCommand, PromptDelivery, Stream,
};
pub use launch::{CallKind, HostLauncher, LaunchCall, LaunchError, Launcher};
pub use lines::MAX_LINE_BYTES;
pub use outcome::{Classification, PatternMatch, PeerRun};
pub use patterns::Patterns;
pub use prepare::{ARGV_PROMPT_LIMIT, CallShape, prepare_call, prepare_command};
pub use prices::{BUILTIN_PRICES_AS_OF, ModelPrice, PriceTable};
pub use supervisor::{invoke, invoke_with_prices};
pub use usage::Usage;
