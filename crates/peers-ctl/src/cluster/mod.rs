//! Kubernetes objects of a run, as pure functions: names and labels ([`names`]), the objects
//! `start` applies ([`plan`]) and the run state read back from observed objects ([`status`]).
//! No I/O here; the cluster client lives in the Kubernetes backend.

pub mod logs;
pub mod names;
pub mod plan;
pub mod pod;
pub mod status;
