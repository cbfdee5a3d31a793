//! Tests of each `peers` command against the built binary.

mod bad_input;
mod compat;
mod demo;
mod goals;
mod info;
mod init;
mod real_cli;
mod run_budget;
mod run_durability;
mod run_loop;
mod status;
mod verify;
