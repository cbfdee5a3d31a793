//! Tests of each `peers` command against the built binary.

mod bad_input;
mod compat;
mod goals;
mod info;
mod init;
mod status;
mod verify;
