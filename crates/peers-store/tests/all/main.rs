//! Integration tests of peers-store against a real temporary filesystem.

mod run_index;
mod run_lock;
mod safe_fs;
mod state_file;
mod support;
