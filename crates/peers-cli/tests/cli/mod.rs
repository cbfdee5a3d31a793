//! Tests of each `peers` command against the built binary.

mod admin_safety;
mod bad_input;
mod compat;
mod demo;
mod goals;
mod info;
mod init;
mod init_baseline;
mod modes;
mod prompt_followed;
mod real_cli;
mod robust;
mod run_budget;
mod run_durability;
mod run_live;
mod run_loop;
mod run_test_change;
mod run_unstuck;
mod run_views;
mod smaller_edges;
mod status;
mod verify;
