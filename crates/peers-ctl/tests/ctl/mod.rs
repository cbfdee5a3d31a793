//! Integration tests, one module per area.

mod bad_input;
pub mod env;
mod notify;
mod registry;
mod workflow;
