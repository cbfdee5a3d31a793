//! Decodes `.peers/config.yaml` into [`ConfigSettings`]: every key checked against what is
//! valid at its level, defaults filled in, legacy keys of the original tool reported as notices.

mod drivers;
mod gates;
mod legacy;
mod peers;
mod prices;
mod sections;
mod soft_gates;

use crate::config::{ConfigSettings, GoalRunSettings, TurnSettings};
use crate::decode_error::DecodeError;
use crate::yaml::fields::{Field, Map};
use crate::yaml::{self, Node};

pub use peers::is_valid_peer_name;

const TOP_KEYS: &[&str] = &[
    "peers",
    "tools",
    "budget",
    "health",
    "goals",
    "turns",
    "verify",
    "gates",
    "prices",
    "sandbox",
    "driver",
    "comm",
    "pipeline_gates",
    "observability",
    "graphify_mcp",
    "egress_allow",
    "research",
    "soft_gates",
    "implement",
];

/// Decodes config.yaml. `file` is the path shown in messages, e.g. `.peers/config.yaml`.
/// Returns the first problem found.
pub fn decode_config(source: &str, file: &str) -> Result<ConfigSettings, DecodeError> {
    let root = match yaml::parse_document(source, file)? {
        Some(root) if !root.is_null() => root,
        _ => {
            return Err(DecodeError::new(
                file,
                None,
                None,
                "config.yaml is empty: run `peers init --force` to rewrite it, or add a peers: list",
            ));
        }
    };
    let top = top_mapping(&root, file)?;
    top.check_keys(TOP_KEYS)?;
    let mut notices = Vec::new();
    legacy::top_level(&top, &mut notices)?;
    let peers = peers::decode_peers(&top, &mut notices)?;
    let driver = drivers::driver(top.field("driver").as_ref())?;
    let comm = drivers::comm(top.field("comm").as_ref())?;
    let budget = sections::budget(section(&top, "budget")?.as_ref())?;
    let health = sections::health(section(&top, "health")?.as_ref(), &mut notices)?;
    let goals = match section(&top, "goals")? {
        Some(map) => sections::goals(&map, &mut notices)?,
        None => GoalRunSettings::default(),
    };
    let turns = match section(&top, "turns")? {
        Some(map) => sections::turns(&map)?,
        None => TurnSettings::default(),
    };
    let verify = sections::verify(section(&top, "verify")?.as_ref())?;
    let gates = gates::gates(section(&top, "gates")?.as_ref())?;
    let prices = match section(&top, "prices")? {
        Some(map) => prices::prices(&map)?,
        None => Vec::new(),
    };
    let sandbox = sections::sandbox(section(&top, "sandbox")?.as_ref())?;
    let soft_gates = soft_gates::soft_gates(section(&top, "soft_gates")?.as_ref(), &peers)?;
    let implement = soft_gates::implement(section(&top, "implement")?.as_ref())?;
    Ok(ConfigSettings {
        peers,
        budget,
        health,
        goals,
        turns,
        verify,
        gates,
        prices,
        driver,
        comm,
        sandbox,
        soft_gates,
        implement,
        notices,
    })
}

fn top_mapping<'a>(root: &'a Node, file: &'a str) -> Result<Map<'a>, DecodeError> {
    Field::new(file, "", root).map().map_err(|_| {
        DecodeError::new(
            file,
            Some(root.span),
            None,
            format!(
                "expected a mapping of settings at the top level, found {}",
                root.describe()
            ),
        )
        .with_hint("config.yaml starts with keys such as `peers:` and `budget:`")
    })
}

/// A section such as `budget:`; absent or empty (`budget:` alone) reads as all defaults.
fn section<'a>(top: &Map<'a>, key: &str) -> Result<Option<Map<'a>>, DecodeError> {
    match top.field(key) {
        Some(field) if !field.is_null() => field.map().map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests;
