//! Merging the default goals and the resolved modes into one goals.yaml, with `lang: auto`
//! replaced by the repository's languages, and the `.peers/modes-applied.txt` record.

use crate::language::Language;

use super::{Mode, ModeError, ModeGoal, ModeSource};

/// Default goals whose id contains this are placeholders a mode replaces.
const PLACEHOLDER: &str = "placeholder";
/// Where a goal came from before any mode: replaced silently by a mode's goal of that id.
const DEFAULTS: &str = "defaults";

#[derive(Debug, Clone, PartialEq)]
pub struct MergedGoals {
    /// The goals.yaml text to write.
    pub yaml: String,
    /// `(name, version, source)` of each applied mode, requirements first.
    pub modes: Vec<(String, u32, ModeSource)>,
    pub languages: Vec<Language>,
    /// Goal ids in file order.
    pub goal_ids: Vec<String>,
}

/// A goal whose params depend on the languages (`lang: auto`) or that applies to some only.
pub(super) fn is_language_specific(goal: &ModeGoal) -> bool {
    goal.languages.is_some() || lang_is_auto(&goal.entry)
}

fn lang_is_auto(entry: &serde_json::Map<String, serde_json::Value>) -> bool {
    entry
        .get("params")
        .and_then(|p| p.get("lang"))
        .and_then(|l| l.as_str())
        == Some("auto")
}

/// Merges `base_goals_yaml` (the default goals.yaml) and `modes` (requirements first, as
/// [`super::Catalog::resolve`] returns them) for `languages`.
pub fn merge(
    base_goals_yaml: &str,
    modes: &[&Mode],
    languages: &[Language],
) -> Result<MergedGoals, ModeError> {
    let base = super::parse::parse_mode(
        "defaults",
        "name: defaults\ndescription: the default goals\n",
        base_goals_yaml,
        ModeSource::Builtin,
    )?;
    let mut merged: Vec<(ModeGoal, String)> = base
        .goals
        .into_iter()
        .filter(|goal| !goal.id.contains(PLACEHOLDER))
        .map(|goal| (goal, DEFAULTS.to_owned()))
        .collect();
    for mode in modes {
        for goal in &mode.goals {
            let Some(goal) = for_languages(goal, languages, &mode.name)? else {
                continue;
            };
            match merged
                .iter_mut()
                .find(|(existing, _)| existing.id == goal.id)
            {
                None => merged.push((goal, mode.name.clone())),
                Some((existing, origin)) if origin == DEFAULTS => {
                    *existing = goal;
                    *origin = mode.name.clone();
                }
                Some((existing, _)) if existing.entry == goal.entry => {}
                Some((_, origin)) => {
                    return Err(ModeError::Conflict {
                        id: goal.id.clone(),
                        first: origin.clone(),
                        second: mode.name.clone(),
                    });
                }
            }
        }
    }
    let names: Vec<&str> = modes.iter().map(|m| m.name.as_str()).collect();
    let mut yaml = render(&merged, &names, languages);
    yaml.push_str(&render_instructions(modes));
    Ok(MergedGoals {
        yaml,
        modes: modes
            .iter()
            .map(|m| (m.name.clone(), m.version, m.source.clone()))
            .collect(),
        languages: languages.to_vec(),
        goal_ids: merged.iter().map(|(goal, _)| goal.id.clone()).collect(),
    })
}

/// The goal for `languages`, `None` when it applies to none of them.
fn for_languages(
    goal: &ModeGoal,
    languages: &[Language],
    mode: &str,
) -> Result<Option<ModeGoal>, ModeError> {
    let selected: Vec<Language> = match &goal.languages {
        Some(only) => languages
            .iter()
            .copied()
            .filter(|l| only.contains(l))
            .collect(),
        None => languages.to_vec(),
    };
    if goal.languages.is_some() && selected.is_empty() {
        return Ok(None);
    }
    let mut goal = goal.clone();
    if lang_is_auto(&goal.entry) {
        if selected.is_empty() {
            return Err(ModeError::NoLanguage {
                mode: mode.to_owned(),
            });
        }
        let list = selected
            .iter()
            .map(|l| serde_json::Value::from(l.as_str()))
            .collect();
        if let Some(params) = goal.entry.get_mut("params").and_then(|p| p.as_object_mut()) {
            params.insert("lang".to_owned(), serde_json::Value::Array(list));
        }
    }
    goal.languages = None;
    Ok(Some(goal))
}

fn render(goals: &[(ModeGoal, String)], modes: &[&str], languages: &[Language]) -> String {
    let langs: Vec<&str> = languages.iter().map(|l| l.as_str()).collect();
    let mut out = format!(
        "# .peers/goals.yaml written by `peers init --modes={}` for {}.\n\
         # The run completes only when every hard goal passes, soft goals reached consensus and\n\
         # the skeptic tick stays clean. `builtin:` gates are implemented in peers; `peers modes\n\
         # list` shows them. This file is locked by .peers/goals.sha256: after a deliberate edit\n\
         # run `peers goals accept`.\ngoals:\n",
        modes.join(","),
        if langs.is_empty() {
            "no detected language".to_owned()
        } else {
            langs.join(", ")
        }
    );
    for (index, (goal, origin)) in goals.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&format!("  # from {origin}\n"));
        for (position, (key, value)) in goal.entry.iter().enumerate() {
            let lead = if position == 0 { "  - " } else { "    " };
            out.push_str(&format!("{lead}{key}: {}\n", scalar(value)));
        }
    }
    out
}

/// The modes' prompt overlays as goals.yaml's `instructions:` list (nothing when none has one).
fn render_instructions(modes: &[&Mode]) -> String {
    let entries: Vec<String> = modes
        .iter()
        .filter_map(|mode| {
            let text = mode.instructions.as_deref()?;
            let entry = serde_json::json!({"mode": mode.name, "text": text});
            Some(format!("  - {entry}\n"))
        })
        .collect();
    if entries.is_empty() {
        return String::new();
    }
    format!(
        "\n# What every peer is told each turn while these modes apply.\ninstructions:\n{}",
        entries.concat()
    )
}

/// JSON is valid YAML flow syntax, so strings, lists and maps round-trip exactly.
fn scalar(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) if is_plain(text) => text.clone(),
        other => serde_json::to_string(other).unwrap_or_else(|_| "null".to_owned()),
    }
}

/// Identifiers (`no-stubs`, `hard`) stay unquoted; everything else is quoted.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(
            text,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        )
}

/// The text of `.peers/modes-applied.txt`.
pub fn applied_record(merged: &MergedGoals) -> String {
    let mut out = String::from(
        "# Modes applied by `peers init`: mode <name> <version> <source>, then the languages.\n",
    );
    for (name, version, source) in &merged.modes {
        let source = match source {
            ModeSource::Builtin => "built-in".to_owned(),
            ModeSource::User(path) => path.display().to_string(),
        };
        out.push_str(&format!("mode {name} {version} {source}\n"));
    }
    let langs: Vec<&str> = merged.languages.iter().map(|l| l.as_str()).collect();
    out.push_str(&format!("languages {}\n", langs.join(" ")));
    out
}
