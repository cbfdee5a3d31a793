//! What each built-in gate needs installed, per language, found the way the gate finds it
//! (the project's `node_modules/.bin` and virtualenv first, then PATH) without running
//! anything: the preflight of `peers run` and `peers doctor` name what is missing and the
//! command that installs it.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use peers_core::goals::BuiltinGate;
use peers_core::language::Language;
use peers_git::Git;

use super::error::BuiltinError;
use super::runners::{self, Toolbox, go, js, python, rust};

/// One program a gate runs for one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolNeed {
    pub language: Language,
    /// The program's name (the first of `alternatives` when none is found).
    pub tool: String,
    /// The command that installs it.
    pub install: String,
    /// Where it was found, `None` when it is missing.
    pub found: Option<PathBuf>,
}

/// The programs `gate` runs for each of its languages (`params.lang`, else detected from the
/// tracked files). Gates that run no external tool need nothing. `Err` says why the languages
/// could not be decided (the preflight prints its [`BuiltinError::describe`]).
pub fn tool_needs(
    gate: BuiltinGate,
    params: &BTreeMap<String, serde_json::Value>,
    git: &Git,
    env: &[(OsString, OsString)],
) -> Result<Vec<ToolNeed>, BuiltinError> {
    if !matches!(
        gate,
        BuiltinGate::TestsPass
            | BuiltinGate::NoPriorRegression
            | BuiltinGate::CoverageHolds
            | BuiltinGate::LintClean
            | BuiltinGate::TypeClean
    ) {
        return Ok(Vec::new());
    }
    let languages = runners::languages(git, params)?;
    let tools = Toolbox::new(env, Duration::from_secs(1), std::env::temp_dir());
    let mut needs = Vec::new();
    for lang in languages {
        let project = runners::project_dir(git, lang);
        for (alternatives, install) in programs(gate, lang, params, &project) {
            let found = alternatives
                .iter()
                .find_map(|name| tools.find_program(&project, name));
            needs.push(ToolNeed {
                language: lang,
                tool: alternatives.first().copied().unwrap_or_default().to_owned(),
                install: install.to_owned(),
                found,
            });
        }
    }
    Ok(needs)
}

/// `(names, install command)`: any one of `names` will do.
fn programs(
    gate: BuiltinGate,
    lang: Language,
    params: &BTreeMap<String, serde_json::Value>,
    project: &std::path::Path,
) -> Vec<(&'static [&'static str], &'static str)> {
    const PYTHON: &[&str] = &["python3", "python"];
    let runtime: (&[&str], &str) = match lang {
        Language::Rust => (&["cargo"], rust::INSTALL_RUST),
        Language::Python => (PYTHON, "install Python 3 (e.g. `apt-get install python3`)"),
        Language::Js => (&["node"], js::INSTALL_NODE),
        Language::Go => (&["go"], go::INSTALL_GO),
    };
    let mut out = vec![runtime];
    match (gate, lang) {
        (BuiltinGate::CoverageHolds, Language::Rust) => {
            out.push((&["cargo-llvm-cov"], rust::INSTALL_LLVM_COV));
        }
        (BuiltinGate::LintClean, Language::Rust) => {
            out.push((&["cargo-clippy"], rust::INSTALL_CLIPPY));
        }
        (BuiltinGate::LintClean, Language::Python) => out.push((&["ruff"], python::INSTALL_RUFF)),
        (BuiltinGate::LintClean, Language::Js) => {
            out.push((&["eslint"], "npm install -D eslint"));
        }
        (BuiltinGate::TypeClean, Language::Rust | Language::Go) => out.clear(),
        (BuiltinGate::TypeClean, Language::Python) => {
            let pyright = params.get("checker").and_then(|v| v.as_str()) == Some("pyright");
            out = vec![if pyright {
                (
                    &["pyright"],
                    "npm install -D pyright (or pip install pyright)",
                )
            } else {
                (&["mypy"], python::INSTALL_MYPY)
            }];
        }
        (BuiltinGate::TypeClean, Language::Js) => {
            out = if project.join("tsconfig.json").is_file() {
                vec![(&["tsc"], "npm install -D typescript")]
            } else {
                Vec::new()
            };
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Git) {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            peers_testkit::git(dir.path(), args);
        };
        run(&["init", "-q"]);
        for (path, text) in files {
            std::fs::write(dir.path().join(path), text).unwrap();
        }
        run(&["add", "-A"]);
        let git = Git::discover(dir.path()).unwrap();
        (dir, git)
    }

    #[test]
    fn a_rust_lint_gate_needs_cargo_and_clippy_and_says_how_to_install_them() {
        let (dir, git) = repo_with(&[("Cargo.toml", "[package]\nname = \"x\"\n")]);
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::write(bin.join("cargo"), "").unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(bin.join("cargo"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let env = vec![(OsString::from("PATH"), bin.clone().into_os_string())];
        let needs = tool_needs(BuiltinGate::LintClean, &BTreeMap::new(), &git, &env).unwrap();
        assert_eq!(needs.len(), 2);
        assert_eq!(needs[0].found, Some(bin.join("cargo")));
        assert_eq!(needs[1].tool, "cargo-clippy");
        assert_eq!(needs[1].found, None);
        assert_eq!(needs[1].install, rust::INSTALL_CLIPPY);
    }

    #[test]
    fn gates_that_run_no_tool_need_nothing() {
        let (_dir, git) = repo_with(&[("Cargo.toml", "[package]\n")]);
        let needs = tool_needs(BuiltinGate::NoStubs, &BTreeMap::new(), &git, &[]).unwrap();
        assert!(needs.is_empty());
    }
}
