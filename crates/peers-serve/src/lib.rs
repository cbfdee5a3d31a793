//! peers-serve: the morning report in a browser. An HTTP server (hyper 1 on a current-thread
//! tokio runtime) over the projects a caller lists — peers-ctl's registry or one repository —
//! reading their `.peers/` records and git only: the fleet, one run with its gate heat map and
//! plots, a tick, the diff since the baseline, the bug ledger, the reviews, the findings, and the
//! analytics (`stats`). Every page is server-rendered HTML with inline SVG; a small embedded
//! script applies live updates from server-sent events. Nothing is fetched from the internet.

pub mod action_command;
pub mod app;
pub mod args;
pub mod auth;
pub mod highlight;
pub mod html;
pub mod pages;
pub mod read;
mod routes;
pub mod server;
pub mod source;
mod sse;
pub mod stats;
pub mod svg;

pub use action_command::{ActionCommand, this_binary};
pub use args::ServerArgs;
pub use server::{ServeError, ServeSettings, serve};
pub use source::{
    ActionError, Actions, ListError, NoActions, ProjectEntry, ProjectSource, SourceAction,
};
pub use stats::{Stats, collect_stats};
