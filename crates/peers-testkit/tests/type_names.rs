//! No two crates define a type of the same name (issue 10: one home for each thing). A name
//! used twice is either one idea written twice — keep one — or two ideas that a reader
//! confuses — name each for what it is (`ImplementPhase` and the cluster's `Phase`). Only
//! the public types of the code a crate ships count: comments, test files, `#[cfg(test)]` tails, benches and
//! examples do not. Each binary's clap types (`Cli`, `Command`, `…Args`, `…Command`) are
//! exempt: `peers` and `peers-ctl` have commands of the same name on purpose.
#![allow(
    clippy::expect_used,
    reason = "integration test helpers: a failed step must stop the test with its message"
)]

use std::collections::BTreeMap;

use peers_testkit::{is_test_file, rust_files, workspace_crates};

/// The clap types each binary defines for its own command line.
fn is_cli_type(name: &str) -> bool {
    matches!(name, "Cli" | "Command") || name.ends_with("Args") || name.ends_with("Command")
}

/// The `pub` type defined on `line` (`struct`, `enum`, `trait`, `type`, `union`), if any; only
/// items at the file's top level (no indentation) count. A crate's private helpers
/// (`struct Entry` in one file, `pub(crate)` inside a crate) are that file's or crate's own
/// business.
fn defined(line: &str) -> Option<&str> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let mut words = line.split_whitespace();
    if words.next()? != "pub" {
        return None;
    }
    let mut kind = words.next()?;
    if kind == "unsafe" {
        kind = words.next()?;
    }
    if !matches!(kind, "struct" | "enum" | "trait" | "type" | "union") {
        return None;
    }
    let name = words.next()?;
    let end = name
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    let name = &name[..end];
    name.starts_with(char::is_uppercase).then_some(name)
}

/// name -> every `crate: file:line` that defines it.
fn definitions() -> BTreeMap<String, Vec<(String, String)>> {
    let mut names: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for krate in workspace_crates() {
        let crate_name = krate
            .file_name()
            .and_then(|name| name.to_str())
            .expect("a crate directory name")
            .to_owned();
        let src = krate.join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files.sort();
        for file in files.iter().filter(|file| !is_test_file(file)) {
            let text = std::fs::read_to_string(file).expect("a readable source file");
            for (index, line) in text.lines().enumerate() {
                if line.starts_with("#[cfg(test)]") {
                    break;
                }
                if let Some(name) = defined(line) {
                    let at = format!(
                        "{}:{}",
                        file.strip_prefix(&krate).unwrap_or(file).display(),
                        index + 1
                    );
                    names
                        .entry(name.to_owned())
                        .or_default()
                        .push((crate_name.clone(), at));
                }
            }
        }
    }
    names
}

#[test]
fn no_two_crates_define_a_type_of_the_same_name() {
    let mut clashes = Vec::new();
    for (name, places) in definitions() {
        if is_cli_type(&name) {
            continue;
        }
        let mut crates: Vec<&str> = places.iter().map(|(krate, _)| krate.as_str()).collect();
        crates.dedup();
        if crates.len() > 1 {
            let at: Vec<String> = places
                .iter()
                .map(|(krate, at)| format!("{krate}/{at}"))
                .collect();
            clashes.push(format!("{name}: {}", at.join(", ")));
        }
    }
    assert!(
        clashes.is_empty(),
        "types defined in more than one crate (keep one, or name each for what it is):\n{}",
        clashes.join("\n")
    );
}

#[test]
fn the_reader_finds_public_definitions_only() {
    assert_eq!(defined("pub struct Session {"), Some("Session"));
    assert_eq!(defined("pub enum Line<'a> {"), Some("Line"));
    assert_eq!(
        defined("pub type Graph = BTreeMap<String, String>;"),
        Some("Graph")
    );
    assert_eq!(defined("pub(crate) enum Private {"), None);
    assert_eq!(defined("struct FileLocal;"), None);
    assert_eq!(defined("pub trait Launcher: Send {"), Some("Launcher"));
    assert_eq!(defined("    pub struct Nested {"), None);
    assert_eq!(defined("// pub struct Comment"), None);
    assert_eq!(defined("pub fn struct_like() {}"), None);
}
