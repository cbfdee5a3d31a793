//! Modes: named goal sets (`audit`, `thorough`, user modes) that `peers init --modes` merges
//! into goals.yaml by built-in gate id with their params.
//!
//! A mode is a directory holding `mode.yaml` (`name`, `version`, `description`, `requires`,
//! and optionally `when` — when to use it —, `conflicts: {mode: reason}` — modes it refuses
//! to be applied with — and `instructions` — the prompt overlay every peer reads each turn)
//! and `goals.yaml` (goals in the goals.yaml format; `params: {lang: auto}` becomes the
//! detected languages and `languages: [...]` keeps a goal only for those). Built-in modes are
//! embedded in the binary; user modes come from a directory the CLI reads, and win on a name
//! clash with a notice. Pure: callers hand in file contents.

mod merge;
mod parse;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::decode_error::DecodeError;
use crate::language::Language;

pub use merge::{MergedGoals, applied_record, merge};
pub use parse::{MAX_INSTRUCTIONS_BYTES, parse_mode};

/// Built-in modes: `(directory name, mode.yaml, goals.yaml)`. A new mode is a directory
/// under `crates/peers-core/modes/` and one line here.
const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "audit",
        include_str!("../modes/audit/mode.yaml"),
        include_str!("../modes/audit/goals.yaml"),
    ),
    (
        "thorough",
        include_str!("../modes/thorough/mode.yaml"),
        include_str!("../modes/thorough/goals.yaml"),
    ),
    (
        "describe",
        include_str!("../modes/describe/mode.yaml"),
        include_str!("../modes/describe/goals.yaml"),
    ),
    (
        "document",
        include_str!("../modes/document/mode.yaml"),
        include_str!("../modes/document/goals.yaml"),
    ),
    (
        "implement",
        include_str!("../modes/implement/mode.yaml"),
        include_str!("../modes/implement/goals.yaml"),
    ),
];

/// Largest mode.yaml or goals.yaml a user mode may have.
pub const MAX_MODE_FILE_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Mode {
    pub name: String,
    pub version: u32,
    pub description: String,
    pub requires: Vec<String>,
    /// When to use it, one sentence for `peers modes list`.
    pub when: Option<String>,
    /// Modes this one refuses to be applied with: `(mode, reason)`.
    pub conflicts: Vec<(String, String)>,
    /// What every peer is told each turn while this mode applies (the prompt overlay).
    pub instructions: Option<String>,
    pub source: ModeSource,
    pub goals: Vec<ModeGoal>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "path")]
pub enum ModeSource {
    Builtin,
    User(PathBuf),
}

/// One goal of a mode: its goals.yaml entry (keys in order, `languages` removed) and the
/// languages it applies to (`None` = every repository).
#[derive(Debug, Clone, PartialEq)]
pub struct ModeGoal {
    pub id: String,
    pub entry: serde_json::Map<String, serde_json::Value>,
    pub languages: Option<Vec<Language>>,
}

impl ModeGoal {
    pub fn is_hard(&self) -> bool {
        self.entry.get("type").and_then(|t| t.as_str()) == Some("hard")
    }

    /// The built-in gate this goal runs, if it is one.
    pub fn builtin(&self) -> Option<&str> {
        self.entry.get("builtin").and_then(|b| b.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModeError {
    #[error("unknown mode '{name}'")]
    Unknown { name: String, hint: String },
    #[error("modes require each other in a cycle: {}", cycle.join(" -> "))]
    Cycle { cycle: Vec<String> },
    #[error("goal '{id}' is defined differently by modes '{first}' and '{second}'")]
    Conflict {
        id: String,
        first: String,
        second: String,
    },
    #[error("{file}: mode.yaml names the mode '{named}' but its directory is '{directory}'")]
    NameMismatch {
        file: String,
        named: String,
        directory: String,
    },
    #[error("mode '{mode}' cannot be applied together with mode '{other}': {reason}")]
    Incompatible {
        mode: String,
        other: String,
        reason: String,
    },
    #[error("mode '{mode}' has language-specific goals but no language was detected")]
    NoLanguage { mode: String },
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl ModeError {
    /// How to fix it, for the CLI's `hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Unknown { hint, .. } => Some(hint.clone()),
            Self::Cycle { .. } => Some("remove one `requires:` entry of the cycle".to_owned()),
            Self::Conflict { .. } => Some(
                "give one of the goals another id, or make the two definitions identical"
                    .to_owned(),
            ),
            Self::NameMismatch { .. } => {
                Some("rename the directory or the `name:` so they match".to_owned())
            }
            Self::Incompatible { mode, other, .. } => Some(format!(
                "run them one after the other: `peers init --modes={mode}` for one run, then \
                 `peers init --force --modes={other}` for the next (`peers modes list` shows \
                 what each mode stacks with)"
            )),
            Self::NoLanguage { .. } => Some(
                "pass the language: --lang rust|python|js|go (a list is allowed: --lang rust,js)"
                    .to_owned(),
            ),
            Self::Decode(error) => error.hint.clone(),
        }
    }
}

/// Every mode peers knows, by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    modes: BTreeMap<String, Mode>,
    /// e.g. a user mode replacing a built-in one.
    pub notices: Vec<String>,
}

impl Catalog {
    /// The modes embedded in the binary.
    pub fn builtin() -> Result<Catalog, ModeError> {
        let mut catalog = Catalog::default();
        for (name, mode_yaml, goals_yaml) in BUILTIN {
            let mode = parse_mode(name, mode_yaml, goals_yaml, ModeSource::Builtin)?;
            catalog.modes.insert(mode.name.clone(), mode);
        }
        Ok(catalog)
    }

    /// Adds a user mode; it replaces a built-in one of the same name, with a notice.
    pub fn add_user(&mut self, mode: Mode) {
        if let Some(previous) = self.modes.get(&mode.name) {
            if previous.source == ModeSource::Builtin {
                let path = match &mode.source {
                    ModeSource::User(path) => path.display().to_string(),
                    ModeSource::Builtin => String::new(),
                };
                self.notices.push(format!(
                    "user mode '{}' at {path} replaces the built-in one",
                    mode.name
                ));
            }
        }
        self.modes.insert(mode.name.clone(), mode);
    }

    pub fn get(&self, name: &str) -> Option<&Mode> {
        self.modes.get(name)
    }

    pub fn modes(&self) -> impl Iterator<Item = &Mode> {
        self.modes.values()
    }

    /// The requested modes and everything they require, each once, requirements first.
    /// Two modes of the result that conflict (either one naming the other) are refused.
    pub fn resolve<S: AsRef<str>>(&self, requested: &[S]) -> Result<Vec<&Mode>, ModeError> {
        let mut order: Vec<&Mode> = Vec::new();
        for name in requested {
            self.visit(name.as_ref(), &mut Vec::new(), &mut order)?;
        }
        for mode in &order {
            for (other, reason) in &mode.conflicts {
                if order.iter().any(|m| &m.name == other) {
                    return Err(ModeError::Incompatible {
                        mode: mode.name.clone(),
                        other: other.clone(),
                        reason: reason.clone(),
                    });
                }
            }
        }
        Ok(order)
    }

    /// The modes `mode` can be applied together with: every other mode whose resolved set
    /// conflicts with none of `mode`'s (in either direction).
    pub fn stacks_with(&self, mode: &str) -> Vec<&str> {
        self.modes
            .keys()
            .filter(|other| other.as_str() != mode)
            .filter(|other| self.resolve(&[mode, other.as_str()]).is_ok())
            .map(String::as_str)
            .collect()
    }

    fn visit<'a>(
        &'a self,
        name: &str,
        path: &mut Vec<String>,
        order: &mut Vec<&'a Mode>,
    ) -> Result<(), ModeError> {
        if order.iter().any(|m| m.name == name) {
            return Ok(());
        }
        if let Some(start) = path.iter().position(|p| p == name) {
            let mut cycle = path[start..].to_vec();
            cycle.push(name.to_owned());
            return Err(ModeError::Cycle { cycle });
        }
        let mode = self
            .modes
            .get(name)
            .ok_or_else(|| self.unknown(name, path.last()))?;
        path.push(name.to_owned());
        for required in &mode.requires {
            self.visit(required, path, order)?;
        }
        path.pop();
        order.push(mode);
        Ok(())
    }

    fn unknown(&self, name: &str, required_by: Option<&String>) -> ModeError {
        let names: Vec<&str> = self.modes.keys().map(String::as_str).collect();
        let known = format!("known modes: {}", names.join(", "));
        let hint = match crate::suggest::hint_for(name, &names) {
            Some(did_you_mean) => format!("{did_you_mean} ({known})"),
            None => known,
        };
        let hint = match required_by {
            Some(parent) => format!("required by mode '{parent}'; {hint}"),
            None => hint,
        };
        ModeError::Unknown {
            name: name.to_owned(),
            hint,
        }
    }
}

/// The languages a set of modes is merged for: `requested` (from `--lang`) unless empty,
/// else `detected`. A language-specific goal with no language is an error, caught here
/// before anything is written.
pub fn languages_for(
    modes: &[&Mode],
    requested: &[Language],
    detected: &[Language],
) -> Result<Vec<Language>, ModeError> {
    let languages = if requested.is_empty() {
        detected.to_vec()
    } else {
        requested.to_vec()
    };
    if languages.is_empty() {
        if let Some(mode) = modes
            .iter()
            .find(|m| m.goals.iter().any(merge::is_language_specific))
        {
            return Err(ModeError::NoLanguage {
                mode: mode.name.clone(),
            });
        }
    }
    Ok(languages)
}

#[cfg(test)]
mod tests;
