//! peers-core: the plain data and pure rules of peers. No I/O and no printing happen here;
//! callers hand in bytes and get typed values or errors that carry everything a user needs.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
pub mod goals;
pub mod location;
