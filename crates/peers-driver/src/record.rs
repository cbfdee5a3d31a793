//! The records of `.peers/log/runs.jsonl`. They live in peers-store (`run_record`) and
//! peers-core (`turn_class`), so readers of the log such as peers-serve need not depend on the
//! loop; the loop writes them through these names.

pub use peers_core::turn_class::TurnClass;
pub use peers_store::run_record::{ExitRecord, GateSnapshot, RECORD_VERSION, Record, TickRecord};
