//! Child processes for peers: own process group, explicit environment, bounded capture, grace-then-kill.
//!
//! [`run`] is the one entry point: it blocks until the child is gone and returns an [`Outcome`].
//! Every child starts from an empty environment, reads `/dev/null` unless given bytes, leads its
//! own process group (signalled on timeout and SIGKILLed after exit, so nothing it started in
//! the background survives), and is SIGKILLed by Linux if peers itself dies.
//!
//! [`run_cancellable`] also stops the child's group as soon as a shared flag is set (Ctrl-C).
//!
//! [`run_observed`] is the live variant for agents: an [`Observer`] sees output as it arrives
//! and may stop the child, an idle timeout applies, and with `Watch::sweep_descendants` every
//! process the child started is killed at the end, even one that left its group or session.

mod cancellable;
mod capture;
mod death_signal;
mod descendants;
mod error;
mod group;
mod left_behind;
mod observe;
mod pump;
mod registry;
mod run;
mod spec;

pub use cancellable::run_cancellable;
pub use capture::Captured;
pub use descendants::{Leftover, become_subreaper, reap_orphans};
pub use error::SpawnError;
pub use left_behind::{
    LeaderIdentity, TurnTrace, find_left_behind, leader_identity, stop_left_behind,
};
pub use observe::{Control, Ending, Observed, Observer, Stream, Watch, run_observed};
pub use run::{ExitInfo, Outcome, run};
pub use spec::{CommandSpec, StdinSource};
