//! peers-core: the plain data and pure rules of peers. No I/O and no printing happen here;
//! callers hand in bytes and get typed values or errors that carry everything a user needs.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod billing;
pub mod budget;
pub mod config;
pub mod config_decode;
pub mod convergence;
pub mod decode_error;
pub mod git_env;
pub mod goals;
pub mod goals_decode;
pub mod implement;
pub mod integrity;
pub mod language;
pub mod ledger;
pub mod location;
pub mod modes;
pub mod peer_health;
pub mod plan;
pub mod prompt;
pub mod reference;
pub mod soft_gates;
pub mod soft_review;
pub mod state;
pub mod stop_advice;
pub mod stop_reason;
pub mod suggest;
pub mod trailer;
pub mod turn_class;
pub mod turns;
pub mod unified_diff;
pub mod yaml;
