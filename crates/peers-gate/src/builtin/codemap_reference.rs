//! `codemap-grounded` (document): every entry of the reference the peers write (CODEMAP.yaml)
//! names a public symbol that exists, in its file, of its kind, at exactly its line, with
//! exactly its signature, as the survey's syntax-tree reader (Rust, Python, JS/TS, Go) reads
//! the code now. Also the one reader of the reference for the other document gates.

use std::collections::{BTreeMap, BTreeSet};

use peers_core::reference::{self, MAX_REFERENCE_BYTES, REFERENCE_FILE, ReferenceEntry};
use peers_survey::symbols::{Symbol, normalized};

use super::GateContext;
use super::error::BuiltinError;
use super::scope::within_budget;
use crate::verdict::Verdict;

/// Problems listed in full; the rest are counted.
pub(crate) const MAX_LISTED: usize = 20;

/// The reference's path (`params.codemap`, default CODEMAP.yaml) and its entries, or a
/// diagnostic saying why it cannot be read.
pub(crate) fn read_reference(
    ctx: &GateContext<'_>,
    gate: &str,
) -> Result<(String, Vec<ReferenceEntry>), BuiltinError> {
    read_reference_file(ctx).map_err(|error| BuiltinError::Gate {
        gate: gate.to_owned(),
        source: Box::new(error),
    })
}

fn read_reference_file(
    ctx: &GateContext<'_>,
) -> Result<(String, Vec<ReferenceEntry>), BuiltinError> {
    let path = match ctx.params.get("codemap") {
        None => REFERENCE_FILE.to_owned(),
        Some(value) => value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| BuiltinError::param("codemap", "a path", value))?,
    };
    let bytes =
        match peers_store::safe_fs::read_repo_file(ctx.git.root(), &path, MAX_REFERENCE_BYTES) {
            Ok(bytes) => bytes,
            Err(source) => return Err(BuiltinError::ReferenceUnreadable { path, source }),
        };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(BuiltinError::NotUtf8 { file: path });
    };
    let entries =
        reference::parse(&text, &path).map_err(|source| BuiltinError::Decode { source })?;
    Ok((path, entries))
}

/// The public symbols of one file as the code map reads them, or why the file cannot count.
pub(crate) fn symbols_of(ctx: &GateContext<'_>, file: &str) -> Result<Vec<Symbol>, BuiltinError> {
    let bytes = peers_store::safe_fs::read_repo_file(
        ctx.git.root(),
        file,
        peers_survey::codemap::MAX_SOURCE_BYTES,
    )
    .map_err(|source| BuiltinError::NotInTree {
        file: file.to_owned(),
        source,
    })?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(BuiltinError::NotUtf8 {
            file: file.to_owned(),
        });
    };
    Ok(peers_survey::codemap::scan(file, &text))
}

pub(crate) fn codemap_grounded(ctx: &GateContext<'_>) -> Verdict {
    let gate = "codemap-grounded";
    let (path, entries) = match read_reference(ctx, gate) {
        Ok(read) => read,
        Err(error) => return Verdict::fail(error.describe()),
    };
    if entries.is_empty() {
        return Verdict::fail(format!("{gate}: {path} has no entries"));
    }
    let mut problems = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut by_file: BTreeMap<&str, Result<Vec<Symbol>, BuiltinError>> = BTreeMap::new();
    for entry in &entries {
        if let Err(error) = within_budget(ctx, || format!("checking {}", entry.id)) {
            return Verdict::fail(format!("{gate}: {}", error.describe()));
        }
        let place = format!("{path}:{} `{}`", entry.at, entry.id);
        if !seen.insert(entry.id.as_str()) {
            problems.push(format!("{place}: a second entry with this id"));
            continue;
        }
        let symbols = by_file
            .entry(entry.file.as_str())
            .or_insert_with(|| symbols_of(ctx, &entry.file));
        match symbols {
            Err(error) => problems.push(format!("{place}: {}", error.describe())),
            Ok(symbols) => {
                if let Some(problem) = mismatch(entry, symbols) {
                    problems.push(format!("{place}: {problem}"));
                }
            }
        }
    }
    if problems.is_empty() {
        return Verdict::pass(format!(
            "{gate}: all {} entries of {path} match the code (name, kind, line, signature)",
            entries.len()
        ));
    }
    let mut lines = vec![format!(
        "{gate}: {} of {} entries of {path} do not match the code; never edit an entry's id, \
         kind, file, line or signature by hand — copy them from .peers/CODEMAP.yaml:",
        problems.len(),
        entries.len()
    )];
    lines.extend(problems.iter().take(MAX_LISTED).map(|p| format!("  {p}")));
    if problems.len() > MAX_LISTED {
        lines.push(format!("  … and {} more", problems.len() - MAX_LISTED));
    }
    Verdict::fail(lines.join("\n"))
}

/// How `entry` differs from the code, or `None` when it matches a symbol exactly.
fn mismatch(entry: &ReferenceEntry, symbols: &[Symbol]) -> Option<String> {
    let Some(name) = entry.name() else {
        return Some(format!(
            "the id must be `{}::<name>` (its file, two colons, the symbol's name)",
            entry.file
        ));
    };
    let named: Vec<&Symbol> = symbols.iter().filter(|s| s.name == name).collect();
    if named.is_empty() {
        return Some(format!("{} has no public symbol `{name}`", entry.file));
    }
    let of_kind: Vec<&&Symbol> = named
        .iter()
        .filter(|s| s.kind.as_str() == entry.kind)
        .collect();
    let Some(first) = of_kind.first() else {
        let kinds: Vec<&str> = named.iter().map(|s| s.kind.as_str()).collect();
        return Some(format!(
            "kind `{}`, but the code's `{name}` is a {}",
            entry.kind,
            kinds.join("/")
        ));
    };
    let Some(symbol) = of_kind.iter().find(|s| s.line as u64 == entry.line) else {
        return Some(format!(
            "line {}, but `{name}` is declared at line {} of {}",
            entry.line, first.line, entry.file
        ));
    };
    if normalized(&symbol.signature) != normalized(&entry.signature) {
        return Some(format!(
            "signature `{}`, but the code says `{}`",
            normalized(&entry.signature),
            normalized(&symbol.signature)
        ));
    }
    None
}

#[cfg(test)]
#[path = "codemap_reference_tests.rs"]
mod tests;
