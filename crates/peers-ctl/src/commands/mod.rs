//! One module per command group; `cli::dispatch` calls one `run` per subcommand.

pub mod contract;
pub mod dashboard;
pub mod doctor;
pub mod doctor_kube;
pub mod logs;
pub mod new;
pub mod register;
pub mod report;
pub mod serve;
pub mod start;
pub mod stop;
pub mod views;

pub use crate::project::{pick_name, print_json, registry};
