//! The `gates:` section of config.yaml: where hard gates may look beyond the judged commit
//! (`outside_git`: what the project legitimately keeps out of git, such as `.venv`).

use crate::config::GateSettings;
use crate::decode_error::DecodeError;
use crate::yaml::fields::{Field, Map};

const GATES_KEYS: &[&str] = &["outside_git"];

pub(super) fn gates(map: Option<&Map<'_>>) -> Result<GateSettings, DecodeError> {
    let mut gates = GateSettings::default();
    let Some(map) = map else { return Ok(gates) };
    map.check_keys(GATES_KEYS)?;
    let Some(list) = map.field("outside_git") else {
        return Ok(gates);
    };
    if list.is_null() {
        return Ok(gates);
    }
    for item in list.list()? {
        let path = outside_git_path(&item)?;
        if let Some(first) = gates.outside_git.iter().position(|p| *p == path) {
            return Err(item
                .err(format!(
                    "`{path}` is listed twice (also {}[{first}])",
                    list.path
                ))
                .with_hint("list each directory once"));
        }
        gates.outside_git.push(path);
    }
    Ok(gates)
}

/// A path relative to the repository root that stays inside it: no leading `/`, no `..`, not
/// `.git` or `.peers` (peers' own control files are never a gate's input).
fn outside_git_path(item: &Field<'_>) -> Result<String, DecodeError> {
    let text = item.non_empty_string()?.trim();
    let hint =
        "write a directory relative to the repository root, e.g. `.venv` or `web/node_modules`";
    if text.starts_with('/') {
        return Err(item
            .err(format!("`{text}` is an absolute path"))
            .with_hint(hint));
    }
    let parts: Vec<&str> = text
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.is_empty() {
        return Err(item.err("names the repository root itself").with_hint(hint));
    }
    if parts.contains(&"..") {
        return Err(item
            .err(format!("`{text}` leaves the repository (`..`)"))
            .with_hint(hint));
    }
    if matches!(parts[0], ".git" | ".peers") {
        return Err(item
            .err(format!(
                "`{text}` is peers' or git's own directory, not a gate input"
            ))
            .with_hint(hint));
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use crate::config_decode::decode_config;

    const PEERS: &str = "peers:\n  - name: a\n    tool: claude\n  - name: b\n    tool: codex\n";

    fn decode(gates: &str) -> Result<Vec<String>, String> {
        decode_config(&format!("{PEERS}{gates}"), ".peers/config.yaml")
            .map(|config| config.gates.outside_git)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn outside_git_is_a_list_of_normalised_relative_directories() {
        assert_eq!(decode(""), Ok(Vec::new()));
        assert_eq!(decode("gates:\n  outside_git:\n"), Ok(Vec::new()));
        assert_eq!(
            decode("gates:\n  outside_git: [.venv, ./web/node_modules/]\n"),
            Ok(vec![".venv".to_owned(), "web/node_modules".to_owned()])
        );
    }

    #[test]
    fn outside_git_rejects_paths_leaving_the_repository_or_naming_control_dirs() {
        for (bad, expected) in [
            ("[/opt/venv]", "absolute path"),
            ("[../shared]", "leaves the repository"),
            ("[.git/objects]", "not a gate input"),
            ("[.peers]", "not a gate input"),
            ("[.venv, .venv/]", "listed twice"),
            ("[.]", "repository root"),
            ("[3]", "expected a string"),
        ] {
            let error = decode(&format!("gates:\n  outside_git: {bad}\n")).unwrap_err();
            assert!(error.contains(expected), "{bad}: {error}");
            assert!(error.contains("gates.outside_git"), "{bad}: {error}");
        }
        let error = decode("gates:\n  outside_gti: []\n").unwrap_err();
        assert!(error.contains("unknown key"), "{error}");
    }
}
