//! Reading a mode's `mode.yaml` and `goals.yaml`. Unknown keys are errors with a
//! did-you-mean; goal entries are kept as JSON maps in file order for the merge.

use crate::decode_error::DecodeError;
use crate::language::Language;
use crate::yaml;
use crate::yaml::fields::{Field, Map};

use super::{Mode, ModeError, ModeGoal, ModeSource};

const MODE_KEYS: &[&str] = &[
    "name",
    "version",
    "description",
    "requires",
    "when",
    "conflicts",
    "instructions",
];
/// Largest `instructions:` text a mode may give (it goes into every prompt).
pub const MAX_INSTRUCTIONS_BYTES: usize = 4096;

/// Parses one mode. `directory` is the mode's directory name, which `name:` must match.
pub fn parse_mode(
    directory: &str,
    mode_yaml: &str,
    goals_yaml: &str,
    source: ModeSource,
) -> Result<Mode, ModeError> {
    let file = match &source {
        ModeSource::Builtin => format!("<built-in>/modes/{directory}/mode.yaml"),
        ModeSource::User(path) => path.join("mode.yaml").display().to_string(),
    };
    let root = yaml::parse_document(mode_yaml, &file)?.ok_or_else(|| {
        DecodeError::new(&file, None, None, "empty mode.yaml")
            .with_hint("it needs name: and description:")
    })?;
    let map = Field::new(&file, "", &root).map()?;
    map.check_keys(MODE_KEYS)?;
    let name = map.required("name")?.non_empty_string()?.to_owned();
    if name != directory {
        return Err(ModeError::NameMismatch {
            file,
            named: name,
            directory: directory.to_owned(),
        });
    }
    let version = match map.field("version") {
        Some(field) => {
            u32::try_from(field.pos_int()?).map_err(|_| field.err("version is too large"))?
        }
        None => 1,
    };
    let description = map
        .required("description")?
        .non_empty_string()?
        .trim()
        .to_owned();
    let requires = match map.field("requires").filter(|f| !f.is_null()) {
        Some(field) => field
            .list()?
            .iter()
            .map(|item| Ok(item.non_empty_string()?.to_owned()))
            .collect::<Result<_, DecodeError>>()?,
        None => Vec::new(),
    };
    let when = optional_text(&map, "when")?;
    let instructions = optional_text(&map, "instructions")?;
    if let (Some(text), Some(field)) = (&instructions, map.field("instructions")) {
        if text.len() > MAX_INSTRUCTIONS_BYTES {
            return Err(field
                .err(format!(
                    "instructions are {} bytes; at most {MAX_INSTRUCTIONS_BYTES} go into a prompt",
                    text.len()
                ))
                .with_hint("shorten them: say what the peers write and what they must not touch")
                .into());
        }
    }
    let conflicts = conflicts(&map)?;
    let goals_file = file.replace("mode.yaml", "goals.yaml");
    let goals = parse_goals(goals_yaml, &goals_file)?;
    Ok(Mode {
        name,
        version,
        description,
        requires,
        when,
        conflicts,
        instructions,
        source,
        goals,
    })
}

fn optional_text(map: &Map<'_>, key: &str) -> Result<Option<String>, DecodeError> {
    match map.field(key).filter(|f| !f.is_null()) {
        Some(field) => Ok(Some(field.non_empty_string()?.trim().to_owned())),
        None => Ok(None),
    }
}

/// `conflicts: {other-mode: reason}`: modes this one refuses to be applied with, and why.
fn conflicts(map: &Map<'_>) -> Result<Vec<(String, String)>, DecodeError> {
    let Some(field) = map.field("conflicts").filter(|f| !f.is_null()) else {
        return Ok(Vec::new());
    };
    let entries = field.map()?;
    entries
        .entries
        .iter()
        .map(|(key, node)| {
            let reason = Field::new(entries.file, entries.path_of(&key.text), node)
                .non_empty_string()?
                .trim()
                .to_owned();
            Ok((key.text.clone(), reason))
        })
        .collect()
}

fn parse_goals(source: &str, file: &str) -> Result<Vec<ModeGoal>, DecodeError> {
    let Some(root) = yaml::parse_document(source, file)?.filter(|r| !r.is_null()) else {
        return Ok(Vec::new());
    };
    let top = Field::new(file, "", &root).map()?;
    top.check_keys(&["goals"])?;
    let Some(list) = top.field("goals").filter(|f| !f.is_null()) else {
        return Ok(Vec::new());
    };
    list.list()?.iter().map(|item| goal(&item.map()?)).collect()
}

fn goal(map: &Map<'_>) -> Result<ModeGoal, DecodeError> {
    let id = map.required("id")?.non_empty_string()?.to_owned();
    let mut languages = None;
    let mut entry = serde_json::Map::new();
    for (key, node) in map.entries {
        let field = Field::new(map.file, map.path_of(&key.text), node);
        if key.text == "languages" {
            let names = field
                .list()?
                .iter()
                .map(|item| {
                    let name = item.non_empty_string()?;
                    Language::parse(name).ok_or_else(|| {
                        item.err(format!("unknown language '{name}'"))
                            .with_hint("languages: rust, python, js, go")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            languages = Some(names);
        } else {
            entry.insert(key.text.clone(), crate::yaml::to_json(&field)?);
        }
    }
    Ok(ModeGoal {
        id,
        entry,
        languages,
    })
}
