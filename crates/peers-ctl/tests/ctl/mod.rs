//! Integration tests, one module per area.

mod bad_input;
pub mod env;
mod fake_cluster;
mod implement;
mod kube;
mod kube_cluster;
mod kube_real;
pub mod live;
mod notify;
mod registry;
mod workflow;
