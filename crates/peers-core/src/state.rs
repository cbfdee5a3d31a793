//! The typed contents of `.peers/state.json` (schema v2) and the pure rules on them: defaults,
//! validation, and re-shaping to the configured peers. Decoding and the v1→v2 migration live in
//! `state/migrate.rs`; reading and writing the file is `peers-store`'s job.
//!
//! Every struct keeps the keys it does not know in a flattened `extra` map, so a state written by
//! the original tool (or a newer peers) round-trips without losing data.

mod migrate;

pub use migrate::migrate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The only schema this build writes.
pub const SCHEMA_VERSION: u32 = 2;

/// Unknown keys of one JSON object, kept verbatim.
pub type ExtraKeys = Map<String, Value>;

/// Everything peers remembers between ticks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub schema_version: u32,
    /// Completed (finalized) ticks.
    pub iteration: u64,
    /// Turn order; reset to the configured order when the config changes.
    pub peer_order: Vec<String>,
    /// Index into `peer_order` of the peer whose turn is next.
    pub turn_index: usize,
    pub peer_roles: BTreeMap<String, String>,
    pub budget: BudgetState,
    /// Last result of every hard goal ever evaluated (not pruned for removed goals).
    pub goals_status: BTreeMap<String, GoalStatus>,
    /// Consecutive failing evaluations per goal.
    pub stuck_counter: BTreeMap<String, u64>,
    pub consecutive_clean_ticks: u64,
    pub peers: BTreeMap<String, PeerHealth>,
    /// Warnings queued for the next prompt.
    pub warnings: Vec<String>,
    pub warnings_history: Vec<WarningRecord>,
    /// Soft-review consensus per goal; shape owned by the soft-review rules.
    pub soft_status: Map<String, Value>,
    /// Inbox cursor per other peer: the last commit already shown.
    pub last_inbox_sha: BTreeMap<String, String>,
    /// Display only: the worktree had uncommitted changes at the last probe.
    pub dirty_worktree: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    pub rate_limit_streak: u64,
    /// Where the post-convergence skeptic tick stands. Persisted (the original kept it in
    /// memory only, so a restart repeated the skeptic tick); absent from the file while idle.
    #[serde(skip_serializing_if = "SkepticPhase::is_idle")]
    pub skeptic: SkepticPhase,
    /// Hash of the goal set the per-goal counters belong to; when the goals change the
    /// counters start over (the original never pruned them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goals_hash: Option<String>,
    /// The implement mode's completion phase and step count; absent in other modes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implement: Option<crate::implement::ImplementState>,
    /// The opt-in soft gates' results (`soft_gates:` in config.yaml); absent while none ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_gates: Option<crate::soft_gates::SoftGateState>,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

/// The post-convergence skeptic tick, owned by the convergence rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "kebab-case")]
pub enum SkepticPhase {
    /// No convergence reached since the last reset.
    #[default]
    Idle,
    /// Convergence was reached after tick `at_iteration`; the next tick is the skeptic's.
    Requested { at_iteration: u64 },
    /// The skeptic tick ran clean after tick `at_iteration`; convergence is final while the
    /// goals stay green.
    Passed { at_iteration: u64 },
}

impl SkepticPhase {
    pub fn is_idle(&self) -> bool {
        *self == Self::Idle
    }
}

/// Caps and spending. Caps are re-applied from the config at every start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetState {
    pub max_iterations: u64,
    pub max_runtime_s: u64,
    pub max_consecutive_failures: u64,
    pub max_tokens: Option<u64>,
    pub max_usd: Option<f64>,
    pub max_usd_mode: MaxUsdMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_usd_mode_reason: Option<String>,
    pub spent_iterations: u64,
    pub spent_runtime_s: f64,
    pub wasted_runtime_s: f64,
    /// The last (at most 20) failed ticks' runtime, for the report.
    pub wasted_runtime_per_tick: Vec<WastedRuntime>,
    pub consecutive_failures: u64,
    pub spent_tokens: u64,
    pub spent_usd: f64,
    /// The `max_usd` value a warn-mode warning was last given for (one warning per cap value;
    /// the original's key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_usd_warned_for: Option<f64>,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

/// How the USD cap is enforced (the config's type, so the two can never drift).
pub use crate::config::MaxUsdMode;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WastedRuntime {
    pub iteration: u64,
    pub peer: String,
    pub duration_s: f64,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

/// The last evaluation of one hard goal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GoalStatus {
    pub state: GoalState,
    pub diagnostic: String,
    pub duration_ms: u64,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GoalState {
    Pass,
    #[default]
    Fail,
}

/// One entry of the warnings audit trail.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WarningRecord {
    pub ts: String,
    pub iter: u64,
    pub w: String,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

/// Health of one peer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerHealth {
    pub state: PeerState,
    pub consecutive_fails: u64,
    pub recent_fails: f64,
    /// The last (at most 5) runs: success, failure, or a partial weight.
    pub recent_runs: Vec<RecentRun>,
    /// `{classification, duration_ms, soft_fail_reason?, …}` of the last run; shape owned by
    /// the tick loop.
    pub last_run: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_at_iter: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_cooldown_iter: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable_at_iter: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable_snippet: Option<String>,
    /// Anti-cheat reverts in a row; two make the peer degraded. (Not the original's
    /// `failed_cheating` key, whose type varied; that one stays in `extra`.)
    #[serde(skip_serializing_if = "is_zero")]
    pub cheat_reverts_in_a_row: u64,
    #[serde(flatten)]
    pub extra: ExtraKeys,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeerState {
    #[default]
    Healthy,
    Degraded,
    Halted,
    Unavailable,
}

/// The original records `true`, `false`, or `0.5` (productive without a handoff).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RecentRun {
    Outcome(bool),
    Weight(f64),
}

/// Why a state cannot be used. Every variant names the key at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    #[error("the state is not a JSON object; move the file aside to start from a fresh state")]
    NotAnObject,
    #[error(
        "schema_version {found} was written by a newer peers; upgrade peers to read this state"
    )]
    NewerSchema { found: u64 },
    #[error("schema_version {found} is not a version peers knows (expected 1 or 2)")]
    UnknownSchema { found: String },
    #[error("key `{key}`: {message}")]
    InvalidKey { key: String, message: String },
    #[error("key `peer_order` is empty; it must list at least one peer")]
    EmptyPeerOrder,
    #[error("key `peer_order[{index}]` is an empty peer name")]
    EmptyPeerName { index: usize },
    #[error("key `peer_order` names peer `{name}` twice")]
    DuplicatePeer { name: String },
    #[error("key `turn_index` is {turn_index} but `peer_order` has only {len} peers")]
    TurnIndexOutOfRange { turn_index: usize, len: usize },
}

impl Default for State {
    fn default() -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            iteration: 0,
            peer_order: Vec::new(),
            turn_index: 0,
            peer_roles: BTreeMap::new(),
            budget: BudgetState::default(),
            goals_status: BTreeMap::new(),
            stuck_counter: BTreeMap::new(),
            consecutive_clean_ticks: 0,
            peers: BTreeMap::new(),
            warnings: Vec::new(),
            warnings_history: Vec::new(),
            soft_status: Map::new(),
            last_inbox_sha: BTreeMap::new(),
            dirty_worktree: false,
            phase: None,
            rate_limit_streak: 0,
            skeptic: SkepticPhase::Idle,
            goals_hash: None,
            implement: None,
            soft_gates: None,
            extra: Map::new(),
        }
    }
}

impl Default for BudgetState {
    /// The original's defaults (`state_store.py:77-89`); the config overrides the caps.
    fn default() -> Self {
        Self {
            max_iterations: 200,
            max_runtime_s: 21_600,
            max_consecutive_failures: 5,
            max_tokens: None,
            max_usd: None,
            max_usd_mode: MaxUsdMode::Auto,
            max_usd_mode_reason: None,
            spent_iterations: 0,
            spent_runtime_s: 0.0,
            wasted_runtime_s: 0.0,
            wasted_runtime_per_tick: Vec::new(),
            consecutive_failures: 0,
            spent_tokens: 0,
            spent_usd: 0.0,
            max_usd_warned_for: None,
            extra: Map::new(),
        }
    }
}

impl State {
    /// A fresh state for the configured peers, first peer to move.
    pub fn for_peers(names: &[String]) -> Self {
        let mut state = Self {
            peer_order: names.to_vec(),
            ..Self::default()
        };
        for name in names {
            state.peers.entry(name.clone()).or_default();
        }
        state
    }

    /// The peer whose turn is next, if the order is not empty.
    pub fn current_peer(&self) -> Option<&str> {
        self.peer_order.get(self.turn_index).map(String::as_str)
    }

    /// Checks the invariants the rest of peers relies on.
    pub fn validate(&self) -> Result<(), StateError> {
        if self.peer_order.is_empty() {
            return Err(StateError::EmptyPeerOrder);
        }
        for (index, name) in self.peer_order.iter().enumerate() {
            if name.is_empty() {
                return Err(StateError::EmptyPeerName { index });
            }
            if self.peer_order[..index].contains(name) {
                return Err(StateError::DuplicatePeer { name: name.clone() });
            }
        }
        if self.turn_index >= self.peer_order.len() {
            return Err(StateError::TurnIndexOutOfRange {
                turn_index: self.turn_index,
                len: self.peer_order.len(),
            });
        }
        Ok(())
    }

    /// Re-shapes the state to the configured peers. When the order differs it becomes the
    /// config's; entries of peers that are still configured are kept, missing ones added,
    /// removed ones dropped; the turn stays with the same peer when it still exists, else it
    /// goes to the first peer. Returns whether the order was reset.
    pub fn sync_peers(&mut self, config_order: &[String]) -> bool {
        for name in config_order {
            self.peers.entry(name.clone()).or_default();
        }
        if self.peer_order == config_order {
            return false;
        }
        let current = self.current_peer().map(str::to_owned);
        self.peer_order = config_order.to_vec();
        self.peers.retain(|name, _| config_order.contains(name));
        self.peer_roles
            .retain(|name, _| config_order.contains(name));
        self.turn_index = current
            .and_then(|name| config_order.iter().position(|n| *n == name))
            .unwrap_or(0);
        true
    }

    /// The JSON written to disk: keys starting with `_` are in-memory only and dropped, and
    /// object keys are sorted so the file diffs cleanly.
    pub fn to_json_value(&self) -> Result<Value, serde_json::Error> {
        let mut value = serde_json::to_value(self)?;
        strip_private_keys(&mut value);
        value.sort_all_objects();
        Ok(value)
    }
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// Drops `_`-prefixed keys from the top level and from every peer entry.
pub(crate) fn strip_private_keys(value: &mut Value) {
    let Some(top) = value.as_object_mut() else {
        return;
    };
    top.retain(|key, _| !key.starts_with('_'));
    if let Some(peers) = top.get_mut("peers").and_then(Value::as_object_mut) {
        for entry in peers.values_mut().filter_map(Value::as_object_mut) {
            entry.retain(|key, _| !key.starts_with('_'));
        }
    }
}

impl PeerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::Halted => "halted",
            Self::Unavailable => "unavailable",
        }
    }
}

impl GoalState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn fresh_state_has_an_entry_per_peer_and_validates() {
        let state = State::for_peers(&names(&["claude", "codex"]));
        assert_eq!(state.peers.len(), 2);
        assert_eq!(state.current_peer(), Some("claude"));
        assert_eq!(state.budget.max_iterations, 200);
        assert_eq!(state.validate(), Ok(()));
    }

    #[test]
    fn validate_names_the_key_at_fault() {
        let mut state = State::for_peers(&names(&["a", "b"]));
        state.turn_index = 2;
        assert!(
            state
                .validate()
                .unwrap_err()
                .to_string()
                .contains("turn_index")
        );
        state.turn_index = 0;
        state.peer_order = names(&["a", "a"]);
        assert_eq!(
            state.validate(),
            Err(StateError::DuplicatePeer { name: "a".into() })
        );
        state.peer_order = names(&["a", ""]);
        assert_eq!(
            state.validate(),
            Err(StateError::EmptyPeerName { index: 1 })
        );
        state.peer_order.clear();
        assert_eq!(state.validate(), Err(StateError::EmptyPeerOrder));
    }

    #[test]
    fn sync_peers_keeps_the_turn_on_the_same_peer() {
        let mut state = State::for_peers(&names(&["a", "b", "c"]));
        state.turn_index = 1;
        state.peers.entry("b".into()).or_default().consecutive_fails = 3;
        assert!(state.sync_peers(&names(&["c", "b", "d"])));
        assert_eq!(state.peer_order, names(&["c", "b", "d"]));
        assert_eq!(state.current_peer(), Some("b"));
        assert_eq!(state.peers["b"].consecutive_fails, 3);
        assert!(state.peers.contains_key("d"));
        assert!(!state.peers.contains_key("a"));
    }

    #[test]
    fn sync_peers_moves_the_turn_to_the_first_peer_when_its_peer_is_gone() {
        let mut state = State::for_peers(&names(&["a", "b"]));
        state.turn_index = 1;
        assert!(state.sync_peers(&names(&["a", "c"])));
        assert_eq!(state.turn_index, 0);
    }

    #[test]
    fn sync_peers_with_the_same_order_only_adds_missing_entries() {
        let mut state = State::for_peers(&names(&["a", "b"]));
        state.peers.remove("b");
        state.turn_index = 1;
        assert!(!state.sync_peers(&names(&["a", "b"])));
        assert_eq!(state.turn_index, 1);
        assert!(state.peers.contains_key("b"));
    }

    #[test]
    fn saved_json_drops_private_keys_and_sorts() {
        let mut state = State::for_peers(&names(&["a", "b"]));
        state
            .extra
            .insert("_migrated_from_v1".into(), Value::Bool(true));
        state.extra.insert("zz_future".into(), Value::from(1));
        let value = state.to_json_value().unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert!(!keys.iter().any(|k| k.starts_with('_')));
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(value["zz_future"], 1);
    }
}
