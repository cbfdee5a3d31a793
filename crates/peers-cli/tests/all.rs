//! Integration tests of the `peers` binary, one module per command, sharing one `TestEnv`.
// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests; an
// `expect` attribute would be reported unfulfilled by one of the two lints, so allow both.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "integration tests: a failed step must stop the test with its message"
)]

mod cli;
mod test_env;
