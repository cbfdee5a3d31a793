//! Integration tests of `peers_process::run` against real shells and coreutils.

mod cleanup;
mod death_signal;
mod lifecycle;
mod output;
mod support;
