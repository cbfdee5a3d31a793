//! The dependency names a manifest declares: Cargo.toml (every `*dependencies` table, the
//! workspace's too; path and `workspace = true` entries are not new code), pyproject.toml
//! (PEP 621, dependency groups, Poetry), requirements*.txt, package.json, go.mod (direct
//! requirements). TOML goes through the `toml` crate and JSON through `serde_json`, so inline
//! tables, dotted keys, multi-line arrays and comments read as Cargo and pip read them;
//! requirements*.txt and go.mod are line formats and are read by line.

use std::collections::BTreeSet;

use toml::{Table, Value};

use crate::builtin::error::BuiltinError;

/// Which reader applies to `path`, if it is a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Manifest {
    Cargo,
    Pyproject,
    Requirements,
    PackageJson,
    GoMod,
}

impl Manifest {
    pub(crate) fn of(path: &str) -> Option<Manifest> {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name {
            "Cargo.toml" => Some(Self::Cargo),
            "pyproject.toml" => Some(Self::Pyproject),
            "package.json" => Some(Self::PackageJson),
            "go.mod" => Some(Self::GoMod),
            _ if name.ends_with(".txt")
                && (name.starts_with("requirements") || path.contains("requirements/")) =>
            {
                Some(Self::Requirements)
            }
            _ => None,
        }
    }

    /// Normalised dependency names (Python names lower-case with `-`).
    /// `Err` names what is wrong with the text (the caller prefixes the path).
    pub(crate) fn dependencies(self, text: &str) -> Result<BTreeSet<String>, BuiltinError> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(BuiltinError::ManifestTooLarge {
                bytes: text.len(),
                limit_mib: MAX_MANIFEST_BYTES >> 20,
            });
        }
        match self {
            Self::Cargo => cargo(text),
            Self::Pyproject => pyproject(text),
            Self::Requirements => Ok(text.lines().filter_map(requirement_line).collect()),
            Self::PackageJson => package_json(text),
            Self::GoMod => Ok(go_mod(text)),
        }
    }
}

/// The name compared with a justification: case-insensitive, `_` and `.` as `-`.
pub(crate) fn normalize(name: &str) -> String {
    name.trim_matches(['"', '\''])
        .to_lowercase()
        .replace(['_', '.'], "-")
}

/// A manifest larger than this is refused before it is parsed: real ones are kilobytes, and an
/// agent-written file of megabytes should stop the gate with a clear error, not stall it.
pub(crate) const MAX_MANIFEST_BYTES: usize = 4 << 20;

fn toml_table(text: &str) -> Result<Table, BuiltinError> {
    text.parse::<Table>()
        .map_err(|source| BuiltinError::Toml { source })
}

const CARGO_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// Every `*dependencies` table: top level, `[target.<cfg>.*]` and `[workspace.dependencies]`.
fn cargo(text: &str) -> Result<BTreeSet<String>, BuiltinError> {
    let root = toml_table(text)?;
    let mut names = BTreeSet::new();
    let mut tables: Vec<&Table> = vec![&root];
    if let Some(targets) = root.get("target").and_then(Value::as_table) {
        tables.extend(targets.values().filter_map(Value::as_table));
    }
    for table in tables {
        for kind in CARGO_TABLES {
            cargo_entries(table.get(kind), &mut names);
        }
    }
    if let Some(workspace) = root.get("workspace").and_then(Value::as_table) {
        cargo_entries(workspace.get("dependencies"), &mut names);
    }
    Ok(names)
}

/// The names of one dependency table, without path and `workspace = true` entries.
fn cargo_entries(table: Option<&Value>, names: &mut BTreeSet<String>) {
    let Some(table) = table.and_then(Value::as_table) else {
        return;
    };
    for (name, spec) in table {
        let local = spec.as_table().is_some_and(|spec| {
            spec.contains_key("path")
                || spec.get("workspace").and_then(Value::as_bool) == Some(true)
        });
        if !local {
            names.insert(normalize(name));
        }
    }
}

/// PEP 621 `[project]` dependencies and extras, PEP 735 `[dependency-groups]`, and Poetry's
/// `dependencies`, `dev-dependencies` and `group.<name>.dependencies` tables.
fn pyproject(text: &str) -> Result<BTreeSet<String>, BuiltinError> {
    let root = toml_table(text)?;
    let mut names = BTreeSet::new();
    let at = |path: &[&str]| -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(root.get(*first)?, |value, key| value.get(*key))
    };
    requirement_array(at(&["project", "dependencies"]), &mut names);
    for tables in [
        at(&["project", "optional-dependencies"]),
        at(&["dependency-groups"]),
    ] {
        if let Some(tables) = tables.and_then(Value::as_table) {
            tables
                .values()
                .for_each(|array| requirement_array(Some(array), &mut names));
        }
    }
    let mut poetry_tables = vec![
        at(&["tool", "poetry", "dependencies"]),
        at(&["tool", "poetry", "dev-dependencies"]),
    ];
    if let Some(groups) = at(&["tool", "poetry", "group"]).and_then(Value::as_table) {
        poetry_tables.extend(groups.values().map(|group| group.get("dependencies")));
    }
    for table in poetry_tables
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
    {
        names.extend(
            table
                .keys()
                .filter(|name| name.as_str() != "python")
                .map(|name| normalize(name)),
        );
    }
    Ok(names)
}

/// Names from an array of PEP 508 requirement strings; other entries (a dependency group's
/// `{ include-group = "…" }`) name no package.
fn requirement_array(array: Option<&Value>, names: &mut BTreeSet<String>) {
    let Some(array) = array.and_then(Value::as_array) else {
        return;
    };
    names.extend(
        array
            .iter()
            .filter_map(Value::as_str)
            .filter_map(requirement_line),
    );
}

/// `name[extra]>=1.0; marker` → `name`; options, URLs-only and comments → None.
fn requirement_line(line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = &line[..end];
    (!name.is_empty() && name.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .then(|| normalize(name))
}

fn package_json(text: &str) -> Result<BTreeSet<String>, BuiltinError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|source| BuiltinError::ManifestJson { source })?;
    let mut names = BTreeSet::new();
    for table in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ] {
        if let Some(object) = value.get(table).and_then(|t| t.as_object()) {
            names.extend(object.keys().map(|name| name.to_lowercase()));
        }
    }
    Ok(names)
}

fn go_mod(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_block = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.contains("// indirect") {
            continue;
        }
        let line = line.split("//").next().unwrap_or("").trim();
        let entry = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        if let Some(module) = entry.split_whitespace().next() {
            names.insert(module.to_lowercase());
        }
    }
    names
}

#[cfg(test)]
mod tests;
