//! `document-writer`: CODEMAP.yaml from the survey's `.peers/CODEMAP.yaml`, each entry's
//! summary taken from the doc comment or docstring the code gives the symbol, with AGENTS.md's
//! generated block; then an ARCHITECTURE.md that anchors every mapped file and symbol.

use peers_core::reference::{
    AGENTS_FILE, REFERENCE_FILE, ReferenceEntry, parse, render_block, with_block,
};

use super::{DocChange, read};
use crate::SimContext;
use crate::error::SimError;

const SURVEY_MAP: &str = ".peers/CODEMAP.yaml";
const ARCHITECTURE: &str = "ARCHITECTURE.md";

pub(crate) fn next_change(ctx: &SimContext) -> Result<Option<DocChange>, SimError> {
    if read(&ctx.repo, REFERENCE_FILE).is_none() {
        let Some(survey) = read(&ctx.repo, SURVEY_MAP) else {
            return Ok(None);
        };
        let mut entries = parse(&survey, SURVEY_MAP).map_err(|err| SimError::Reference {
            path: SURVEY_MAP.to_owned(),
            message: err.to_string(),
        })?;
        for entry in &mut entries {
            entry.summary = doc_comment(ctx, entry).unwrap_or_default();
        }
        let agents = with_block(
            read(&ctx.repo, AGENTS_FILE).as_deref(),
            &render_block(&entries),
        );
        return Ok(Some(DocChange {
            summary: format!(
                "writing {REFERENCE_FILE} ({} entries) and AGENTS.md",
                entries.len()
            ),
            subject: format!("Document every public symbol in {REFERENCE_FILE}"),
            self_review: "- Copied every entry of .peers/CODEMAP.yaml unchanged and summarised \
                          each from the doc comment its code carries.\n- Regenerated AGENTS.md's \
                          reference block; changed no source file."
                .to_owned(),
            files: vec![
                (REFERENCE_FILE.to_owned(), render(&entries)),
                (AGENTS_FILE.to_owned(), agents),
            ],
        }));
    }
    if read(&ctx.repo, ARCHITECTURE).is_none() {
        let text = read(&ctx.repo, REFERENCE_FILE).unwrap_or_default();
        let entries = parse(&text, REFERENCE_FILE).map_err(|err| SimError::Reference {
            path: REFERENCE_FILE.to_owned(),
            message: err.to_string(),
        })?;
        return Ok(Some(DocChange {
            summary: "writing ARCHITECTURE.md anchored to the reference".to_owned(),
            subject: "Write ARCHITECTURE.md anchored to CODEMAP.yaml".to_owned(),
            self_review: "- Every mapped file and symbol is anchored with [[id]].\n- Changed no \
                          source file."
                .to_owned(),
            files: vec![(ARCHITECTURE.to_owned(), architecture(&entries))],
        }));
    }
    Ok(None)
}

/// The doc comment above the symbol's line (`///`, `//`, `#`, `/** */`) or the docstring
/// below it, joined into one line.
fn doc_comment(ctx: &SimContext, entry: &ReferenceEntry) -> Option<String> {
    let text = read(&ctx.repo, &entry.file)?;
    let lines: Vec<&str> = text.lines().collect();
    let at = usize::try_from(entry.line).ok()?.checked_sub(1)?;
    let mut above = Vec::new();
    for line in lines[..at.min(lines.len())].iter().rev() {
        let trimmed = line.trim();
        let comment = ["///", "//", "#", "/**", "*/", "*"]
            .iter()
            .find_map(|mark| trimmed.strip_prefix(mark));
        match comment {
            Some(body) if !trimmed.starts_with("#[") => {
                above.push(body.trim().trim_end_matches("*/").trim().to_owned());
            }
            _ => break,
        }
    }
    above.reverse();
    let mut summary = above.join(" ").trim().to_owned();
    if summary.is_empty() {
        let next = lines.get(at + 1)?.trim();
        summary = next.trim_matches('"').trim_matches('\'').trim().to_owned();
    }
    (!summary.is_empty()).then_some(summary)
}

fn render(entries: &[ReferenceEntry]) -> String {
    let mut out = String::from("entries:\n");
    for entry in entries {
        let quoted = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
        out.push_str(&format!(
            "  - id: {}\n    kind: {}\n    file: {}\n    line: {}\n    signature: {}\n    summary: {}\n",
            quoted(&entry.id),
            entry.kind,
            quoted(&entry.file),
            entry.line,
            quoted(&entry.signature),
            quoted(&entry.summary)
        ));
    }
    out
}

fn architecture(entries: &[ReferenceEntry]) -> String {
    let mut files: Vec<&str> = entries.iter().map(|e| e.file.as_str()).collect();
    files.dedup();
    let mut out = String::from("# Architecture\n\n## Components\n");
    for file in &files {
        out.push_str(&format!("\n[[{file}]] provides:\n"));
        for entry in entries.iter().filter(|e| e.file == *file) {
            out.push_str(&format!("- [[{}]]: {}\n", entry.id, entry.summary));
        }
    }
    out.push_str(
        "\n## Data Flow\nCallers reach each component through the public symbols listed above; \
         values pass in as arguments and come back as results, and no component calls \
         another behind the caller's back.\n",
    );
    out
}
