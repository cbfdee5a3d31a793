//! The .peers/ directory: safe file I/O, state.json, the run log, the run lock.
//!
//! Every read and write of a control file goes through `safe_fs`, which refuses symlinks,
//! hard links and special files and caps sizes before reading.

pub mod comms;
pub mod contract_key;
pub mod contracts;
pub mod error;
pub mod goals_hash;
pub mod heal;
pub mod jsonl_lines;
pub mod last_stop;
pub mod layout;
pub mod log_scan;
pub mod run_index;
pub mod run_lock;
pub mod run_log;
pub mod run_record;
pub mod run_summary;
pub mod run_tail;
pub mod safe_fs;
pub mod state_file;
pub mod timestamp;
pub mod tree_lock;

pub use error::StoreError;
pub use layout::PeersDir;
