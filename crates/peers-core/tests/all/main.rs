//! Integration tests of peers-core through its public API.

mod config_files;
mod properties;
