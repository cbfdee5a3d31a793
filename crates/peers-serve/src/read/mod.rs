//! Reading one project's records: `state.json` and the stop reason (`overview`), the run log
//! (`ticks`), git history since the baseline (`history`: the bug ledger, reverted commits, the
//! diff) and the review archives (`reviews`). Everything through peers-store's size-capped,
//! no-follow readers or peers-git; nothing here writes.

pub mod error;
pub mod history;
pub mod overview;
pub mod reviews;
pub mod ticks;

pub use error::ReadError;
pub use history::{BugRow, History};
pub use overview::Overview;
pub use ticks::RunLog;
