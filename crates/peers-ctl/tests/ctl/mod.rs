//! Integration tests, one module per area.

mod bad_input;
pub mod env;
mod implement;
mod live;
mod notify;
mod registry;
mod workflow;
