//! Integration tests, one module per area.

mod bad_input;
mod browser;
pub mod cdp;
pub mod env;
mod fake_cluster;
pub mod fleet_fixture;
mod implement;
mod kube;
mod kube_cluster;
mod kube_real;
mod kube_relay;
mod kube_remove;
mod kube_run;
mod kube_watch;
mod kubelet;
pub mod live;
mod notify;
mod registry;
mod serve;
pub mod serve_rig;
mod workflow;
