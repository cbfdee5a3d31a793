//! The describe mode's document gates: `description-files-present` (each description file a
//! regular file with enough text, whitespace not counted) and `description-sections` (each
//! required section present with a body of substance, not a heading over filler or a body
//! copied from another section).

use std::collections::BTreeMap;

use super::GateContext;
use super::doc_text::{body_fingerprint, filler_reason, heading_key, section_bodies};
use super::error::BuiltinError;
use super::scope::{MAX_SCAN_BYTES, positive_param, string_list};
use crate::verdict::Verdict;

const DEFAULT_FILES: &[&str] = &["SPEC.md", "ARCHITECTURE.md", "DESIGN.md"];
const DEFAULT_MIN_BYTES: u64 = 500;
const DEFAULT_MIN_WORDS: u64 = 25;

pub(crate) fn description_files_present(ctx: &GateContext<'_>) -> Verdict {
    let name = "description-files-present";
    let files = match ctx.params.get("files") {
        None => DEFAULT_FILES.iter().map(|f| (*f).to_owned()).collect(),
        Some(value) => match string_list(value, "files") {
            Ok(files) => files,
            Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
        },
    };
    let min_bytes = match positive_param(ctx, "min_bytes", DEFAULT_MIN_BYTES) {
        Ok(n) => n,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let mut problems = Vec::new();
    for file in &files {
        match read_document(ctx, file) {
            Err(problem) => problems.push(problem.describe()),
            Ok(text) => {
                let substance = text.split_whitespace().map(str::len).sum::<usize>() as u64;
                if substance < min_bytes {
                    problems.push(format!(
                        "{file}: {substance} bytes of text without whitespace (needs {min_bytes})"
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{name}: {} present, each with at least {min_bytes} bytes of text",
            files.join(", ")
        ))
    } else {
        Verdict::fail(format!("{name}: {}", problems.join("; ")))
    }
}

/// The text of a documentation file in the judged tree, or why it cannot count. Read without
/// following a symlink anywhere on its path (the repository is hostile input).
pub(crate) fn read_document(ctx: &GateContext<'_>, file: &str) -> Result<String, BuiltinError> {
    let full = ctx.git.root().join(file);
    let file = file.to_owned();
    match std::fs::symlink_metadata(&full) {
        Err(_) => return Err(BuiltinError::DocumentMissing { file }),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(BuiltinError::DocumentSymlink { file });
        }
        Ok(meta) if !meta.is_file() => return Err(BuiltinError::DocumentNotFile { file }),
        Ok(_) => {}
    }
    let bytes = match peers_store::safe_fs::read_repo_file(ctx.git.root(), &file, MAX_SCAN_BYTES) {
        Ok(bytes) => bytes,
        Err(source) => return Err(BuiltinError::UnsafeRead { file, source }),
    };
    super::scope::text_of(&bytes).ok_or(BuiltinError::NotText { file })
}

pub(crate) fn description_sections(ctx: &GateContext<'_>) -> Verdict {
    let name = "description-sections";
    let required = match required_sections(ctx) {
        Ok(required) => required,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let min_words = match positive_param(ctx, "min_words", DEFAULT_MIN_WORDS) {
        Ok(n) => usize::try_from(n).unwrap_or(usize::MAX),
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let mut problems = Vec::new();
    let mut checked = 0usize;
    // Fingerprint of each good body → where it is, to catch one body pasted under two headings.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (file, sections) in &required {
        let text = match read_document(ctx, file) {
            Ok(text) => text,
            Err(problem) => {
                problems.push(problem.describe());
                continue;
            }
        };
        let bodies = section_bodies(&text);
        for section in sections {
            let key = heading_key(section);
            let found = bodies
                .iter()
                .find(|(heading, _)| heading.level >= 2 && heading_key(&heading.text) == key);
            let Some((heading, body)) = found else {
                problems.push(format!(
                    "{file}: no `## {section}` section (headings found: {})",
                    heading_list(&bodies)
                ));
                continue;
            };
            let place = format!("{file}:{} `{}`", heading.line, heading.text);
            if let Some(reason) = filler_reason(body, min_words) {
                problems.push(format!("{place}: the body is filler: {reason}"));
                continue;
            }
            let fingerprint = body_fingerprint(body);
            if let Some(first) = seen.get(&fingerprint) {
                problems.push(format!("{place}: the body is a copy of {first}"));
                continue;
            }
            seen.insert(fingerprint, place);
            checked += 1;
        }
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{name}: {checked} required sections, each with a body of substance"
        ))
    } else {
        Verdict::fail(format!(
            "{name}: {} of {} required sections are missing or filler:\n{}",
            problems.len(),
            problems.len() + checked,
            problems.join("\n")
        ))
    }
}

fn heading_list(bodies: &[(super::doc_text::Heading, String)]) -> String {
    let names: Vec<&str> = bodies
        .iter()
        .map(|(h, _)| h.text.as_str())
        .take(12)
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// `params.sections`: `{file: [section, …]}`, default the describe mode's.
fn required_sections(ctx: &GateContext<'_>) -> Result<Vec<(String, Vec<String>)>, BuiltinError> {
    let Some(value) = ctx.params.get("sections") else {
        return Ok(vec![
            (
                "SPEC.md".to_owned(),
                vec!["Threat Model".into(), "Invariants".into(), "API".into()],
            ),
            (
                "ARCHITECTURE.md".to_owned(),
                vec!["Components".into(), "Data Flow".into()],
            ),
            (
                "DESIGN.md".to_owned(),
                vec!["Decisions".into(), "Tradeoffs".into()],
            ),
        ]);
    };
    let map = value
        .as_object()
        .ok_or_else(|| BuiltinError::param("sections", "{file: [section, …]}", value))?;
    map.iter()
        .map(|(file, sections)| Ok((file.clone(), string_list(sections, "sections")?)))
        .collect()
}

#[cfg(test)]
#[path = "describe_tests.rs"]
pub(crate) mod tests;
