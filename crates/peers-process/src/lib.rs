//! Child processes for peers: own process group, explicit environment, bounded capture, grace-then-kill.
//!
//! [`run`] is the one entry point: it blocks until the child is gone and returns an [`Outcome`].
//! Every child starts from an empty environment, reads `/dev/null` unless given bytes, leads its
//! own process group (signalled on timeout and SIGKILLed after exit, so nothing it started in
//! the background survives), and is SIGKILLed by Linux if peers itself dies.

mod capture;
mod death_signal;
mod error;
mod group;
mod pump;
mod run;
mod spec;

pub use capture::Captured;
pub use error::SpawnError;
pub use run::{ExitInfo, Outcome, run};
pub use spec::{CommandSpec, StdinSource};
