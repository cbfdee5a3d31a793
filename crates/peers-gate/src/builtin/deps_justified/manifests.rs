//! The dependency names a manifest declares: Cargo.toml (every `*dependencies` table, the
//! workspace's too; path and `workspace = true` entries are not new code), pyproject.toml
//! (PEP 621, dependency groups, Poetry), requirements*.txt, package.json, go.mod (direct
//! requirements). Line-level readers: exact enough to diff two versions of one file.

use std::collections::BTreeSet;

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
    pub(crate) fn dependencies(self, text: &str) -> Result<BTreeSet<String>, String> {
        match self {
            Self::Cargo => Ok(cargo(text)),
            Self::Pyproject => Ok(pyproject(text)),
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

fn cargo(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut section = String::new();
    // A `[dependencies.foo]` table: its name, dropped again if it turns out local.
    let mut table_dep: Option<String> = None;
    for raw in text.lines() {
        let line = strip_toml_comment(raw);
        if line.starts_with('[') {
            if let Some(name) = table_dep.take() {
                names.insert(name);
            }
            section = line.trim_matches(['[', ']']).trim().to_owned();
            if let Some((table, name)) = section.rsplit_once('.') {
                if is_dependency_table(table) {
                    table_dep = Some(normalize(name));
                }
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if table_dep.is_some() {
            if key == "path" || (key == "workspace" && value == "true") {
                table_dep = None;
            }
            continue;
        }
        if !is_dependency_table(&section) {
            continue;
        }
        let local = key.ends_with(".workspace") || key.ends_with(".path") || is_local_inline(value);
        if !local {
            names.insert(normalize(key.split('.').next().unwrap_or(key)));
        }
    }
    if let Some(name) = table_dep {
        names.insert(name);
    }
    names
}

fn is_dependency_table(section: &str) -> bool {
    let last = section.rsplit('.').next().unwrap_or(section);
    matches!(
        last,
        "dependencies" | "dev-dependencies" | "build-dependencies"
    )
}

fn is_local_inline(value: &str) -> bool {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("path=") || compact.contains("workspace=true")
}

fn pyproject(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut section = String::new();
    let mut array: Option<String> = None;
    for raw in text.lines() {
        let line = strip_toml_comment(raw);
        if let Some(buffer) = array.as_mut() {
            buffer.push_str(&line);
            buffer.push('\n');
            if line.contains(']') {
                names.extend(requirement_strings(buffer));
                array = None;
            }
            continue;
        }
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']).trim().to_owned();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let array_section = (section == "project" && key == "dependencies")
            || section == "project.optional-dependencies"
            || section == "dependency-groups";
        let poetry = section.starts_with("tool.poetry") && section.ends_with("dependencies");
        if array_section && value.starts_with('[') {
            if value.contains(']') {
                names.extend(requirement_strings(value));
            } else {
                array = Some(format!("{value}\n"));
            }
        } else if poetry && key != "python" {
            names.insert(normalize(key));
        }
    }
    names
}

/// Names from the string literals of a TOML array of PEP 508 requirements.
fn requirement_strings(array: &str) -> Vec<String> {
    array
        .split(['"', '\''])
        .skip(1)
        .step_by(2)
        .filter_map(requirement_line)
        .collect()
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

fn package_json(text: &str) -> Result<BTreeSet<String>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("is not valid JSON: {error}"))?;
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

/// The line without a `#` comment outside a string, trimmed.
fn strip_toml_comment(line: &str) -> String {
    let mut quote: Option<char> = None;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return line[..at].trim().to_owned(),
            _ => {}
        }
    }
    line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(manifest: Manifest, text: &str) -> Vec<String> {
        manifest.dependencies(text).unwrap().into_iter().collect()
    }

    #[test]
    fn cargo_tables_workspace_and_local_entries() {
        let text = "[package]\nname = \"x\"\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\nregex.workspace = true\nlocal = { path = \"../local\" }\n# old = \"1\"\n\n[dev-dependencies]\ntempfile = \"3\"\n\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n\n[workspace.dependencies]\nstrsim = \"0.11\"\n\n[dependencies.tokio]\nversion = \"1\"\n\n[dependencies.sibling]\npath = \"../sibling\"\n";
        assert_eq!(
            names(Manifest::Cargo, text),
            ["libc", "serde", "strsim", "tempfile", "tokio"]
        );
    }

    #[test]
    fn pyproject_pep621_groups_and_poetry() {
        let text = "[project]\nname = \"x\"\ndependencies = [\n  \"Requests>=2\",  # http\n  \"typing_extensions; python_version<'3.11'\",\n]\n\n[project.optional-dependencies]\ncli = [\"click\"]\n\n[dependency-groups]\ndev = [\"pytest>=8\"]\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nnumpy = \"^2\"\n";
        assert_eq!(
            names(Manifest::Pyproject, text),
            ["click", "numpy", "pytest", "requests", "typing-extensions"]
        );
    }

    #[test]
    fn requirements_package_json_and_go_mod() {
        assert_eq!(
            names(
                Manifest::Requirements,
                "# pinned\nflask==3.0\n-r base.txt\nzope.interface\n"
            ),
            ["flask", "zope-interface"]
        );
        assert_eq!(
            names(
                Manifest::PackageJson,
                "{\"dependencies\":{\"left-pad\":\"1\"},\"devDependencies\":{\"vitest\":\"2\"}}"
            ),
            ["left-pad", "vitest"]
        );
        assert!(Manifest::PackageJson.dependencies("{").is_err());
        let go = "module x\n\ngo 1.22\n\nrequire github.com/pkg/errors v0.9.1\n\nrequire (\n\tgolang.org/x/sync v0.7.0\n\tgithub.com/davecgh/go-spew v1.1.1 // indirect\n)\n";
        assert_eq!(
            names(Manifest::GoMod, go),
            ["github.com/pkg/errors", "golang.org/x/sync"]
        );
    }

    #[test]
    fn manifests_are_recognised_by_name() {
        assert_eq!(Manifest::of("crates/a/Cargo.toml"), Some(Manifest::Cargo));
        assert_eq!(
            Manifest::of("requirements-dev.txt"),
            Some(Manifest::Requirements)
        );
        assert_eq!(
            Manifest::of("requirements/test.txt"),
            Some(Manifest::Requirements)
        );
        assert_eq!(Manifest::of("notes.txt"), None);
    }
}
