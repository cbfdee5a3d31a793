//! Integration tests of the review engine with scripted fake reviewers, and of scope collection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "integration tests: a failed step must stop the test with its message"
)]

mod harness;
mod launches;
mod rounds;
mod scope;
mod sessions;
