//! What `peers run` shows while it works and when it ends: colour rules, the live line or
//! heartbeat of the tick in progress, and the closing summary.

pub mod color;
pub mod in_progress;
pub mod render;
pub mod screen;
pub mod summary;
