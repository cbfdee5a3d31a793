//! Decoding a parsed `state.json` into [`State`]: schema detection, the original's v1→v2
//! migration (`state_store.py:120-159`), and errors that name the offending key.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{SCHEMA_VERSION, State, StateError, strip_private_keys};

/// Peers that v1 always listed first, in this order, when present.
const V1_CANONICAL_ORDER: [&str; 2] = ["claude", "codex"];

/// Per-peer keys v1 kept under `tools.<name>` that carry over to `peers.<name>`.
const V1_PEER_KEYS: [&str; 5] = [
    "state",
    "consecutive_fails",
    "recent_fails",
    "recent_runs",
    "last_run",
];

/// Turns a parsed `state.json` into a validated v2 [`State`]. The flag is true when the input
/// was a v1 state; the caller must back the original bytes up before saving over them.
pub fn migrate(mut value: Value) -> Result<(State, bool), StateError> {
    let object = value.as_object_mut().ok_or(StateError::NotAnObject)?;
    let migrated = match schema_version(object)? {
        Some(2) => false,
        Some(1) => true,
        Some(found) if found > 2 => return Err(StateError::NewerSchema { found }),
        Some(found) => {
            return Err(StateError::UnknownSchema {
                found: found.to_string(),
            });
        }
        None => looks_like_v1(object),
    };
    if migrated {
        migrate_v1(object);
    }
    strip_private_keys(&mut value);
    let state = decode(&value)?;
    state.validate()?;
    Ok((state, migrated))
}

/// `None` when the key is absent or null (the original merged defaults over it).
fn schema_version(object: &Map<String, Value>) -> Result<Option<u64>, StateError> {
    match object.get("schema_version") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| StateError::UnknownSchema {
                found: value.to_string(),
            }),
    }
}

/// The original's detection: a `whose_turn` key, or a `tools` map without `peers`.
fn looks_like_v1(object: &Map<String, Value>) -> bool {
    object.contains_key("whose_turn")
        || (object.get("tools").is_some_and(Value::is_object) && !object.contains_key("peers"))
}

fn migrate_v1(object: &mut Map<String, Value>) {
    let tools = match object.remove("tools") {
        Some(Value::Object(tools)) => tools,
        _ => Map::new(),
    };
    let whose_turn = object.remove("whose_turn");
    let order = v1_peer_order(&tools);
    let turn_index = whose_turn
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|name| order.iter().position(|n| n == name))
        .unwrap_or(0);

    let peers = object
        .entry("peers")
        .or_insert_with(|| Value::Object(Map::new()));
    if !peers.is_object() {
        *peers = Value::Object(Map::new());
    }
    if let Some(peers) = peers.as_object_mut() {
        for name in &order {
            let entry = v1_peer_entry(tools.get(name));
            peers.entry(name.clone()).or_insert(Value::Object(entry));
        }
    }
    object.insert("peer_order".into(), Value::from(order));
    object.insert("turn_index".into(), Value::from(turn_index));
    object
        .entry("consecutive_clean_ticks")
        .or_insert(Value::from(0));
    object.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
}

fn v1_peer_order(tools: &Map<String, Value>) -> Vec<String> {
    let canonical = V1_CANONICAL_ORDER
        .iter()
        .filter(|name| tools.contains_key(**name))
        .map(|name| (*name).to_owned());
    let others = tools
        .keys()
        .filter(|name| !V1_CANONICAL_ORDER.contains(&name.as_str()))
        .cloned();
    canonical.chain(others).collect()
}

fn v1_peer_entry(tool: Option<&Value>) -> Map<String, Value> {
    let mut entry = Map::new();
    if let Some(tool) = tool.and_then(Value::as_object) {
        for key in V1_PEER_KEYS {
            if let Some(value) = tool.get(key) {
                entry.insert(key.to_owned(), value.clone());
            }
        }
    }
    entry
}

/// Typed decoding; on failure, finds the innermost key whose value alone fails to decode.
fn decode(value: &Value) -> Result<State, StateError> {
    State::deserialize(value).map_err(|err| StateError::InvalidKey {
        key: locate_bad_key(value).unwrap_or_else(|| "(top level)".to_owned()),
        message: err.to_string(),
    })
}

/// Every field of [`State`] has a default, so a document holding only one key decodes iff that
/// key's value does; descending through objects narrows the failure to the innermost key.
fn locate_bad_key(root: &Value) -> Option<String> {
    let mut path: Vec<String> = Vec::new();
    let mut current = root.as_object()?;
    'descend: loop {
        for (key, child) in current {
            if State::deserialize(&nest(&path, key, child)).is_ok() {
                continue;
            }
            path.push(key.clone());
            match child.as_object() {
                Some(object) => {
                    current = object;
                    continue 'descend;
                }
                None => break 'descend,
            }
        }
        break;
    }
    (!path.is_empty()).then(|| path.join("."))
}

/// `{path[0]: {path[1]: … {key: child}}}`.
fn nest(path: &[String], key: &str, child: &Value) -> Value {
    let mut value = Value::Object(Map::from_iter([(key.to_owned(), child.clone())]));
    for segment in path.iter().rev() {
        value = Value::Object(Map::from_iter([(segment.clone(), value)]));
    }
    value
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::state::{PeerState, RecentRun};

    fn original_v1() -> Value {
        json!({
            "whose_turn": "codex",
            "iteration": 7,
            "tools": {
                "gemini": {"state": "healthy", "consecutive_fails": 0},
                "codex": {
                    "state": "degraded", "consecutive_fails": 2, "recent_fails": 1.5,
                    "recent_runs": [true, false, 0.5], "last_run": {"classification": "idle-timeout"},
                    "argv": ["codex", "exec"]
                },
                "claude": {"state": "healthy", "consecutive_fails": 0}
            },
            "budget": {"spent_iterations": 7, "spent_usd": 1.25},
            "goals_status": {"tests": {"state": "pass", "diagnostic": "", "duration_ms": 120}}
        })
    }

    #[test]
    fn v1_state_migrates_with_canonical_order_and_turn() {
        let (state, migrated) = migrate(original_v1()).unwrap();
        assert!(migrated);
        assert_eq!(state.schema_version, 2);
        assert_eq!(state.peer_order, ["claude", "codex", "gemini"]);
        assert_eq!(state.current_peer(), Some("codex"));
        assert_eq!(state.iteration, 7);
        let codex = &state.peers["codex"];
        assert_eq!(codex.state, PeerState::Degraded);
        assert_eq!(codex.consecutive_fails, 2);
        assert_eq!(
            codex.recent_runs,
            [
                RecentRun::Outcome(true),
                RecentRun::Outcome(false),
                RecentRun::Weight(0.5)
            ]
        );
        assert!(!codex.extra.contains_key("argv"));
        assert!(!state.extra.contains_key("tools"));
        assert!(!state.extra.contains_key("whose_turn"));
        assert_eq!(state.budget.spent_usd, 1.25);
        assert_eq!(state.budget.max_iterations, 200);
    }

    #[test]
    fn v1_with_unknown_whose_turn_starts_at_the_first_peer() {
        let mut value = original_v1();
        value["whose_turn"] = json!("nobody");
        assert_eq!(migrate(value).unwrap().0.turn_index, 0);
    }

    #[test]
    fn v2_state_is_not_migrated_and_keeps_unknown_keys() {
        let value = json!({
            "schema_version": 2, "peer_order": ["a", "b"], "turn_index": 1,
            "future_key": {"x": 1}, "_migrated_from_v1": true,
            "peers": {"a": {"state": "halted", "failed_cheating": true}}
        });
        let (state, migrated) = migrate(value).unwrap();
        assert!(!migrated);
        assert_eq!(state.extra["future_key"], json!({"x": 1}));
        assert!(!state.extra.contains_key("_migrated_from_v1"));
        assert_eq!(state.peers["a"].extra["failed_cheating"], json!(true));
    }

    #[test]
    fn newer_schema_asks_for_an_upgrade() {
        let err = migrate(json!({"schema_version": 3})).unwrap_err();
        assert_eq!(err, StateError::NewerSchema { found: 3 });
        assert!(err.to_string().contains("upgrade"));
    }

    #[test]
    fn non_numeric_schema_is_rejected() {
        let err = migrate(json!({"schema_version": "2"})).unwrap_err();
        assert!(matches!(err, StateError::UnknownSchema { .. }));
    }

    #[test]
    fn bad_peer_state_names_the_nested_key() {
        let value = json!({
            "schema_version": 2, "peer_order": ["a"],
            "peers": {"a": {"state": "sleepy", "consecutive_fails": 1}}
        });
        let err = migrate(value).unwrap_err();
        let StateError::InvalidKey { key, message } = err else {
            panic!("expected InvalidKey, got {err:?}");
        };
        assert_eq!(key, "peers.a.state");
        assert!(message.contains("sleepy"), "{message}");
    }

    #[test]
    fn wrong_type_at_top_level_names_the_key() {
        let err = migrate(json!({"peer_order": ["a"], "iteration": "seven"})).unwrap_err();
        assert!(err.to_string().contains("`iteration`"), "{err}");
    }

    #[test]
    fn out_of_range_turn_index_is_rejected() {
        let err = migrate(json!({"peer_order": ["a", "b"], "turn_index": 2})).unwrap_err();
        assert_eq!(
            err,
            StateError::TurnIndexOutOfRange {
                turn_index: 2,
                len: 2
            }
        );
    }

    #[test]
    fn array_is_not_a_state() {
        assert_eq!(migrate(json!([1])).unwrap_err(), StateError::NotAnObject);
    }
}
