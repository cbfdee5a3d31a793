//! peers-sim integration tests: the `peers-sim-agent` binary run as a real process.
// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests; an
// `expect` attribute would be reported unfulfilled by one of the two lints, so allow both.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "integration tests: a failed step must stop the test with its message"
)]

mod agent_binary;
mod demo_story;
mod process_steps;
mod support;
