//! peers-driver: the peer loop. A run takes the lock, repairs state after a crash, evaluates the
//! gates, then ticks — pick a peer, prompt it, supervise it, judge its commits, re-evaluate,
//! account, record — until a stop reason: complete, a cap, an interrupt, or no peer left.

pub mod after_turn;
pub mod attest;
pub mod comms_inbox;
pub mod control_files;
pub mod error;
pub mod evaluate;
pub mod git_control;
pub mod halted;
mod implement_run;
mod judge;
pub mod ledger_view;
pub mod live_file;
pub mod loop_state;
pub mod options;
pub mod post_tick;
pub mod preflight;
pub mod progress;
pub mod record;
pub mod record_summary;
pub mod recovery;
pub mod rules;
pub mod run_loop;
pub mod session;
mod soft_gates_run;
pub mod state_push;
pub mod summary_cache;
pub mod survey;
pub mod tick;
pub mod tick_finish;
pub mod tick_prompt;
pub mod tick_trace;
