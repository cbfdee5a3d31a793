//! The gates: the runner (hard gates in parallel with timeouts, caching and retries), the
//! built-in gates, the jobs goals.yaml and `verify.commands` turn into, and the scratch tree they
//! judge. Both `peers verify` and the loop judge through here.

pub mod budget;
pub mod builtin;
pub mod cache;
pub mod error;
pub mod jobs;
pub mod mutation_sample;
pub mod runner;
pub mod tree;
pub mod verdict;
