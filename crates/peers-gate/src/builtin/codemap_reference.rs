//! `codemap-grounded` (document): every entry of the reference the peers write (CODEMAP.yaml)
//! names a public symbol that exists, in its file, of its kind, at exactly its line, with
//! exactly its signature, as the survey's syntax-tree reader (Rust, Python, JS/TS, Go) reads
//! the code now. Also the one reader of the reference for the other document gates.

use std::collections::{BTreeMap, BTreeSet};

use peers_core::reference::{self, MAX_REFERENCE_BYTES, REFERENCE_FILE, ReferenceEntry};
use peers_survey::symbols::{Symbol, normalized};

use super::GateContext;
use super::scope::within_budget;
use crate::verdict::Verdict;

/// Problems listed in full; the rest are counted.
pub(crate) const MAX_LISTED: usize = 20;

/// The reference's path (`params.codemap`, default CODEMAP.yaml) and its entries, or a
/// diagnostic saying why it cannot be read.
pub(crate) fn read_reference(
    ctx: &GateContext<'_>,
    gate: &str,
) -> Result<(String, Vec<ReferenceEntry>), String> {
    let path = match ctx.params.get("codemap") {
        None => REFERENCE_FILE.to_owned(),
        Some(value) => value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{gate}: params.codemap: expected a path, found {value}"))?,
    };
    let bytes = peers_store::safe_fs::read_repo_file(ctx.git.root(), &path, MAX_REFERENCE_BYTES)
        .map_err(|error| {
            format!(
                "{gate}: cannot read {path}: {error}; write it at the repository root, starting \
                 from a copy of .peers/CODEMAP.yaml (the symbols read from the code; \
                 `peers survey --codemap-only` writes it)"
            )
        })?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{gate}: {path} is not UTF-8"))?;
    let entries = reference::parse(&text, &path).map_err(|error| {
        let hint = error
            .hint
            .clone()
            .map(|h| format!(" (hint: {h})"))
            .unwrap_or_default();
        format!("{gate}: {error}{hint}")
    })?;
    Ok((path, entries))
}

/// The public symbols of one file as the code map reads them, or why the file cannot count.
pub(crate) fn symbols_of(ctx: &GateContext<'_>, file: &str) -> Result<Vec<Symbol>, String> {
    let bytes = peers_store::safe_fs::read_repo_file(
        ctx.git.root(),
        file,
        peers_survey::codemap::MAX_SOURCE_BYTES,
    )
    .map_err(|_| format!("the file {file} is not in the tree (or not a regular file)"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{file} is not UTF-8"))?;
    Ok(peers_survey::codemap::scan(file, &text))
}

pub(crate) fn codemap_grounded(ctx: &GateContext<'_>) -> Verdict {
    let gate = "codemap-grounded";
    let (path, entries) = match read_reference(ctx, gate) {
        Ok(read) => read,
        Err(message) => return Verdict::fail(message),
    };
    if entries.is_empty() {
        return Verdict::fail(format!("{gate}: {path} has no entries"));
    }
    let mut problems = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut by_file: BTreeMap<&str, Result<Vec<Symbol>, String>> = BTreeMap::new();
    for entry in &entries {
        if let Err(message) = within_budget(ctx, || format!("checking {}", entry.id)) {
            return Verdict::fail(format!("{gate}: {message}"));
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
            Err(message) => problems.push(format!("{place}: {message}")),
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
