//! The gate runner: hard gates in parallel with timeouts, caching and retries; built-in gates.

pub mod budget;
pub mod builtin;
pub mod cache;
pub mod runner;
