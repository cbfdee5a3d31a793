//! Kubernetes objects of a run, as pure functions: names and labels ([`names`]), the objects
//! `start` applies ([`plan`]) and the run state read back from observed objects ([`status`]).
//! No I/O here; the cluster client lives in the Kubernetes backend.

pub mod names;
pub mod plan;
pub mod pod;
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "read by the cluster client, which lands next")
)]
pub mod status;
