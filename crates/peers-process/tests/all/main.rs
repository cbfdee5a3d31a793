//! Integration tests of `peers_process::run` and `run_observed` against real shells and coreutils.

mod cleanup;
mod death_signal;
mod lifecycle;
mod observe;
mod output;
mod support;
