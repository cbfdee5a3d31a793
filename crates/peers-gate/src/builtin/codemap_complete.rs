//! `codemap-complete` (document): every public symbol of the tracked sources (Rust, Python,
//! JS/TS, Go, as the code map reads them) has an entry in the reference, and every entry has a
//! summary of substance: not empty, not a placeholder, not the symbol's name and signature
//! said again, not one text pasted over many entries.

use std::collections::{BTreeMap, BTreeSet};

use peers_core::reference::ReferenceEntry;
use peers_survey::codemap;

use super::GateContext;
use super::codemap_reference::{MAX_LISTED, read_reference};
use super::doc_text::words;
use super::error::BuiltinError;
use super::scope::{glob_matches, string_list, within_budget};
use crate::verdict::Verdict;

/// A summary needs at least this many words …
const MIN_SUMMARY_WORDS: usize = 4;
/// … of which this many are not taken from the symbol's name or signature.
const MIN_OWN_WORDS: usize = 3;
/// One summary text may describe at most this many entries.
const MAX_SAME_SUMMARY: usize = 2;
/// Words that say nothing about a symbol.
const EMPTY_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "this",
    "that",
    "of",
    "for",
    "to",
    "and",
    "or",
    "is",
    "it",
    "its",
    "function",
    "method",
    "class",
    "struct",
    "type",
    "module",
    "returns",
    "return",
    "value",
    "todo",
    "tbd",
    "fixme",
    "xxx",
    "wip",
    "na",
    "tk",
    "none",
    "summary",
    "description",
    "placeholder",
    "lorem",
    "ipsum",
    "does",
    "something",
    "stuff",
    "thing",
    "things",
];

pub(crate) fn codemap_complete(ctx: &GateContext<'_>) -> Verdict {
    let gate = "codemap-complete";
    let (path, entries) = match read_reference(ctx, gate) {
        Ok(read) => read,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let missing = match missing_symbols(ctx, &entries) {
        Ok(missing) => missing,
        Err(error) => return Verdict::fail(format!("{gate}: {}", error.describe())),
    };
    let weak = weak_summaries(&entries);
    if missing.is_empty() && weak.is_empty() {
        return Verdict::pass(format!(
            "{gate}: {path} covers every public symbol ({}), each with a summary of substance",
            entries.len()
        ));
    }
    let mut lines = Vec::new();
    if !missing.is_empty() {
        lines.push(format!(
            "{gate}: {} public symbols have no entry in {path} (copy each from \
             .peers/CODEMAP.yaml and summarise it):",
            missing.len()
        ));
        lines.extend(missing.iter().take(MAX_LISTED).map(|m| format!("  {m}")));
        if missing.len() > MAX_LISTED {
            lines.push(format!("  … and {} more", missing.len() - MAX_LISTED));
        }
    }
    if !weak.is_empty() {
        lines.push(format!(
            "{gate}: {} entries of {path} lack a real summary (say what the symbol does, its \
             inputs, result and failures in your own words):",
            weak.len()
        ));
        lines.extend(weak.iter().take(MAX_LISTED).map(|w| format!("  {w}")));
        if weak.len() > MAX_LISTED {
            lines.push(format!("  … and {} more", weak.len() - MAX_LISTED));
        }
    }
    Verdict::fail(lines.join("\n"))
}

/// `id (kind, file:line)` of every public symbol the reference has no entry for.
fn missing_symbols(
    ctx: &GateContext<'_>,
    entries: &[ReferenceEntry],
) -> Result<Vec<String>, BuiltinError> {
    let exclude = match ctx.params.get("exclude") {
        None => Vec::new(),
        Some(value) => string_list(value, "exclude")?,
    };
    within_budget(ctx, || {
        "reading the public symbols of the sources".to_owned()
    })?;
    let tracked = ctx
        .git
        .tracked_files()
        .map_err(|source| BuiltinError::git("list files", source))?;
    let tracked: Vec<String> = tracked
        .into_iter()
        .filter(|path| !exclude.iter().any(|pattern| glob_matches(pattern, path)))
        .collect();
    let sized = peers_survey::context::sized_files(ctx.git.root(), &tracked);
    let scan = codemap::scan_files(ctx.git.root(), &sized);
    if scan.too_large + scan.over_cap > 0 {
        return Err(BuiltinError::UnreadableSources {
            count: scan.too_large + scan.over_cap,
            max_kib: codemap::MAX_SOURCE_BYTES / 1024,
        });
    }
    let documented: BTreeSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    let mut missing = Vec::new();
    for (file, symbols) in &scan.files {
        for symbol in symbols {
            let id = format!("{file}::{}", symbol.name);
            if !documented.contains(id.as_str()) {
                missing.push(format!(
                    "{id} ({}, {file}:{})",
                    symbol.kind.as_str(),
                    symbol.line
                ));
            }
        }
    }
    Ok(missing)
}

/// `path:line id: why` for every entry whose summary is not one of substance.
fn weak_summaries(entries: &[ReferenceEntry]) -> Vec<String> {
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for entry in entries {
        *uses.entry(words(&entry.summary).join(" ")).or_default() += 1;
    }
    entries
        .iter()
        .filter_map(|entry| {
            let why = summary_problem(entry, &uses)?;
            Some(format!("line {} `{}`: {why}", entry.at, entry.id))
        })
        .collect()
}

fn summary_problem(entry: &ReferenceEntry, uses: &BTreeMap<String, usize>) -> Option<String> {
    let summary_words = words(&entry.summary);
    if summary_words.is_empty() {
        return Some("no summary".to_owned());
    }
    if summary_words.len() < MIN_SUMMARY_WORDS {
        return Some(format!(
            "\"{}\" is {} words (needs {MIN_SUMMARY_WORDS})",
            entry.summary.chars().take(60).collect::<String>(),
            summary_words.len()
        ));
    }
    let code_words: BTreeSet<String> = identifier_words(&entry.id)
        .into_iter()
        .chain(identifier_words(&entry.signature))
        .collect();
    let own = summary_words
        .iter()
        .filter(|w| !code_words.contains(*w) && !EMPTY_WORDS.contains(&w.as_str()))
        .collect::<BTreeSet<_>>()
        .len();
    if own < MIN_OWN_WORDS {
        return Some(
            "only restates the name and signature (or is a placeholder); say what it does"
                .to_owned(),
        );
    }
    let same = uses.get(&summary_words.join(" ")).copied().unwrap_or(0);
    if same > MAX_SAME_SUMMARY {
        return Some(format!("the same summary is pasted on {same} entries"));
    }
    None
}

/// The words of identifiers, split at `_`, `::`, `.` and camel case, lower-cased.
fn identifier_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split(|c: char| !c.is_alphanumeric()) {
        let mut current = String::new();
        let mut previous_lower = false;
        for c in token.chars() {
            if c.is_uppercase() && previous_lower && !current.is_empty() {
                out.push(std::mem::take(&mut current).to_lowercase());
            }
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
            current.push(c);
        }
        if !current.is_empty() {
            out.push(current.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, signature: &str, summary: &str) -> ReferenceEntry {
        ReferenceEntry {
            id: format!("src/lib.rs::{id}"),
            kind: "fn".into(),
            file: "src/lib.rs".into(),
            line: 1,
            signature: signature.into(),
            summary: summary.into(),
            at: 1,
        }
    }

    fn problem(e: &ReferenceEntry) -> Option<String> {
        summary_problem(e, &BTreeMap::new())
    }

    #[test]
    fn a_real_summary_passes_and_restating_the_code_does_not() {
        let sig = "pub fn parse_config(text: &str) -> Result<Config, Error>";
        assert_eq!(
            problem(&entry(
                "parse_config",
                sig,
                "Reads key=value lines; a line without `=` is an error naming its number."
            )),
            None
        );
        assert!(
            problem(&entry("parse_config", sig, ""))
                .unwrap()
                .contains("no summary")
        );
        assert!(
            problem(&entry("parse_config", sig, "TODO"))
                .unwrap()
                .contains("words")
        );
        assert!(
            problem(&entry(
                "parse_config",
                sig,
                "Parse config function returns Result Config Error."
            ))
            .unwrap()
            .contains("restates")
        );
        assert!(
            problem(&entry(
                "parseConfig",
                "parseConfig(text)",
                "The parse config function for text."
            ))
            .is_some()
        );
    }

    #[test]
    fn one_summary_pasted_on_many_entries_is_refused() {
        let text = "Handles the request and gives back what the caller needs.";
        let entries: Vec<ReferenceEntry> = ["a", "b", "c"]
            .iter()
            .map(|id| entry(id, id, text))
            .collect();
        let weak = weak_summaries(&entries);
        assert_eq!(weak.len(), 3, "{weak:?}");
        assert!(weak[0].contains("pasted on 3 entries"));
        assert!(weak_summaries(&entries[..2]).is_empty());
    }
}
