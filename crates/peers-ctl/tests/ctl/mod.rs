//! Integration tests, one module per area.

mod bad_input;
pub mod env;
mod registry;
mod workflow;
