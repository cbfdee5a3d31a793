//! `driver:` and `comm:` of config.yaml: who starts the agents, and whether peers also talk
//! through message files.

use crate::config::{CommKind, DriverKind};
use crate::decode_error::DecodeError;
use crate::yaml::fields::Field;

/// Absent (or null) is the orchestrator.
pub(super) fn driver(field: Option<&Field<'_>>) -> Result<DriverKind, DecodeError> {
    match field.filter(|f| !f.is_null()) {
        None => Ok(DriverKind::Orchestrator),
        Some(field) => field.choice(&[
            ("orchestrator", DriverKind::Orchestrator),
            ("hooks", DriverKind::Hooks),
            ("sessions", DriverKind::Sessions),
        ]),
    }
}

/// Absent (or null) is git.
pub(super) fn comm(field: Option<&Field<'_>>) -> Result<CommKind, DecodeError> {
    match field.filter(|f| !f.is_null()) {
        None => Ok(CommKind::Git),
        Some(field) => field.choice(&[("git", CommKind::Git), ("hybrid", CommKind::Hybrid)]),
    }
}
