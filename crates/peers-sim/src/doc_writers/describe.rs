//! `describe-writer`: SPEC.md, then ARCHITECTURE.md, then DESIGN.md, each written from the
//! repository's own files with every required section; once all three exist, each turn only
//! refines one phrase, so the documents converge.

use std::path::Path;

use super::{DocChange, read};
use crate::SimContext;
use crate::error::SimError;

const DOCS: [&str; 3] = ["SPEC.md", "ARCHITECTURE.md", "DESIGN.md"];
/// The phrase each refinement turn rewords, back and forth.
const PHRASES: [&str; 2] = ["as the code reads today", "as the code reads now"];
/// Files listed in the documents at most.
const MAX_FILES: usize = 40;

pub(crate) fn next_change(ctx: &SimContext) -> Result<Option<DocChange>, SimError> {
    let files = project_files(&ctx.repo);
    let listed = if files.is_empty() {
        "no tracked source yet".to_owned()
    } else {
        files.join(", ")
    };
    for doc in DOCS {
        if read(&ctx.repo, doc).is_none() {
            return Ok(Some(DocChange {
                summary: format!("{doc} is missing: writing it from the repository's files"),
                subject: format!("Describe the project in {doc}"),
                self_review: format!(
                    "- Wrote {doc} with every required section, each naming the files it \
                     describes ({listed}).\n- Changed no source, test or configuration file."
                ),
                files: vec![(doc.to_owned(), document(doc, &listed))],
            }));
        }
    }
    for doc in DOCS {
        let Some(text) = read(&ctx.repo, doc) else {
            continue;
        };
        for (from, to) in [(PHRASES[0], PHRASES[1]), (PHRASES[1], PHRASES[0])] {
            if text.contains(from) {
                return Ok(Some(DocChange {
                    summary: format!("{doc}: rewording one phrase after re-reading it"),
                    subject: format!("Refine the wording of {doc}"),
                    self_review: format!(
                        "- Re-read {doc} against the files; only the phrase \"{from}\" changed.\n\
                         - Changed no source, test or configuration file."
                    ),
                    files: vec![(doc.to_owned(), text.replacen(from, to, 1))],
                }));
            }
        }
    }
    Ok(None)
}

/// Paths of the repository (not `.git`, `.peers` or hidden entries), sorted, capped.
fn project_files(repo: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(repo.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if name.starts_with('.') || kind.is_symlink() {
                continue;
            }
            let path = format!("{prefix}{name}");
            if kind.is_dir() {
                stack.push((entry.path(), format!("{path}/")));
            } else if !DOCS.contains(&path.as_str()) {
                out.push(path);
            }
        }
    }
    out.sort();
    out.truncate(MAX_FILES);
    out
}

fn document(doc: &str, listed: &str) -> String {
    match doc {
        "SPEC.md" => format!(
            "# Specification\n\n## Threat Model\nThe project, {} (files: {listed}), reads \
             input that its callers control. An attacker can hand it oversized, malformed or \
             hostile text, so every entry point must reject what it cannot parse with an error \
             instead of crashing, and nothing it reads may be executed or followed outside the \
             working directory.\n\n## Invariants\nEvery public function returns a value or a \
             described error; none of them keeps hidden global state between calls, so calling \
             one twice with the same input gives the same result. Files are only read, never \
             written, by the library code listed above.\n\n## API\nThe public surface is what \
             the source files export: each public function and type in {listed} is part of it, \
             documented next to its declaration. Callers pass plain values and receive plain \
             values back; breaking changes to those signatures need a new major version.\n",
            PHRASES[0]
        ),
        "ARCHITECTURE.md" => format!(
            "# Architecture\n\n## Components\nThe repository holds these files: {listed}. \
             Each source file is one component with a single responsibility; tests sit next to \
             the code they exercise, and the build description at the root ties them \
             together without any generated code or external service. A change to one component \
             shows up in the tests beside it before any other component sees it.\n\n## Data Flow\nA \
             caller hands text or numbers to a public function; the function validates the \
             input first, transforms it in memory, and returns the result or an error to the \
             caller. No component writes to disk or the network, so data only flows from the \
             caller inward and back out again.\n"
        ),
        _ => format!(
            "# Design\n\n## Decisions\nThe code in {listed} keeps to the standard library of \
             its language and plain functions over shared objects, so that a reader can follow \
             each call without a framework. Errors are returned to the caller rather than \
             logged, because only the caller knows whether a failure matters.\n\n## Tradeoffs\n\
             Plain functions keep the code small and easy to test, at the cost of repeating \
             some validation in several places. Returning errors instead of panicking makes \
             callers handle them explicitly, which is more verbose. Avoiding dependencies \
             limits features such as streaming input, which would need a rewrite later.\n"
        ),
    }
}
