//! Tests of each `peers` command against the built binary.

mod bad_input;
mod compat;
mod demo;
mod goals;
mod info;
mod init;
mod modes;
mod preflight;
mod prompt_followed;
mod real_cli;
mod robust;
mod run_budget;
mod run_durability;
mod run_live;
mod run_loop;
mod run_views;
mod status;
mod verify;
