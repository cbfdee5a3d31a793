//! The typed per-goal entry of `state.soft_status`, in the original's shape plus the fields
//! peers adds (request time, rejected reviews). Unknown keys are kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::{ExtraKeys, State};

/// Reviews kept per goal.
pub const HISTORY_LEN: usize = 20;
/// Characters of a review's notes kept in the state.
pub const NOTES_CHARS: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SoftGoalStatus {
    /// Consecutive passes by alternating reviewers (modes other and alternating).
    pub consensus_count: u32,
    pub last_pass: bool,
    pub last_reviewer: Option<String>,
    /// The most recent reviews, oldest first.
    pub history: Vec<ReviewRecord>,
    /// Alternating mode: `peer_order[alt_cursor % n]` is on review duty.
    pub alt_cursor: u64,
    /// Consecutive passes per reviewer (mode both).
    pub per_peer: BTreeMap<String, PeerConsensus>,
    /// The iteration a review of this goal was last asked for (`review_interval`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_requested_iter: Option<u64>,
    /// Reviews refused (self-review, off duty, malformed, duplicate).
    pub rejected: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rejection: Option<String>,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewRecord {
    pub pass: bool,
    pub reviewer: String,
    pub sha: String,
    pub notes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iteration: Option<u64>,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerConsensus {
    pub consensus_count: u32,
    pub last_pass: bool,
    /// The iteration this peer was last asked to review the goal (`review_interval` is per
    /// reviewer, so alternating turns cannot starve one peer of requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_requested_iter: Option<u64>,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

/// The status of `goal`. A missing or malformed entry reads as no reviews yet, which can only
/// delay consensus, never grant it.
pub fn status(state: &State, goal: &str) -> SoftGoalStatus {
    state
        .soft_status
        .get(goal)
        .and_then(|value| serde_json::from_value(value.clone()).ok())
        .unwrap_or_default()
}

pub fn store(state: &mut State, goal: &str, status: &SoftGoalStatus) {
    // Serializing plain maps, strings and numbers cannot fail; keep the old entry if it does.
    if let Ok(value) = serde_json::to_value(status) {
        state.soft_status.insert(goal.to_owned(), value);
    }
}

impl SoftGoalStatus {
    pub(super) fn push_history(&mut self, record: ReviewRecord) {
        self.history.push(record);
        let excess = self.history.len().saturating_sub(HISTORY_LEN);
        self.history.drain(..excess);
    }

    pub(super) fn seen(&self, sha: &str) -> bool {
        !sha.is_empty() && self.history.iter().any(|r| r.sha == sha)
    }
}

/// `notes` cut to [`NOTES_CHARS`] characters.
pub(super) fn clip_notes(notes: &str) -> String {
    notes.chars().take(NOTES_CHARS).collect()
}
