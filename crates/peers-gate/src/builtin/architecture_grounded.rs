//! `architecture-grounded` (document): ARCHITECTURE.md is anchored to the reference. Every
//! `[[id]]` outside code names a CODEMAP.yaml entry (or a mapped file), every source file of the
//! reference is anchored at least once, and no placeholder is left.

use std::collections::BTreeSet;

use super::GateContext;
use super::codemap_reference::{MAX_LISTED, read_reference};
use super::describe::read_document;
use super::doc_text::headings;
use crate::verdict::Verdict;

const DEFAULT_FILE: &str = "ARCHITECTURE.md";
/// Placeholders the original seeded outline used, and their kin.
const PLACEHOLDERS: &[&str] = &["TODO", "TBD", "FIXME", "write this section"];

pub(crate) fn architecture_grounded(ctx: &GateContext<'_>) -> Verdict {
    let gate = "architecture-grounded";
    let file = ctx
        .params
        .get("file")
        .and_then(|v| v.as_str())
        .unwrap_or(DEFAULT_FILE)
        .to_owned();
    let (codemap, entries) = match read_reference(ctx, gate) {
        Ok(read) => read,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let text = match read_document(ctx, &file) {
        Ok(text) => text,
        Err(problem) => {
            return Verdict::fail(format!(
                "{gate}: {}; write the components and data flow, anchoring each to \
                 symbols as [[<id>]]",
                problem.describe()
            ));
        }
    };
    let ids: BTreeSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    let files: BTreeSet<&str> = entries.iter().map(|e| e.file.as_str()).collect();
    let mut problems = Vec::new();
    let mut anchored: BTreeSet<&str> = BTreeSet::new();
    for (line_number, anchor) in anchors(&text) {
        if let Some(entry) = entries.iter().find(|e| e.id == anchor) {
            anchored.insert(entry.file.as_str());
        } else if let Some(mapped) = files.iter().find(|f| **f == anchor) {
            anchored.insert(mapped);
        } else {
            problems.push(format!(
                "{file}:{line_number}: [[{anchor}]] is not an entry of {codemap}"
            ));
        }
    }
    for placeholder in PLACEHOLDERS {
        if let Some(at) = text.lines().position(|line| line.contains(placeholder)) {
            problems.push(format!(
                "{file}:{}: a placeholder (`{placeholder}`)",
                at + 1
            ));
        }
    }
    if headings(&text).iter().filter(|h| h.level >= 2).count() < 2 {
        problems.push(format!(
            "{file}: fewer than two `##` sections (components, data flow)"
        ));
    }
    let unanchored: Vec<&str> = files.difference(&anchored).copied().collect();
    if !unanchored.is_empty() {
        problems.push(format!(
            "{file}: {} mapped source files are never anchored: {}",
            unanchored.len(),
            unanchored
                .iter()
                .take(MAX_LISTED)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{gate}: every anchor of {file} is an entry of {codemap} ({} ids) and all {} mapped \
             files are anchored",
            ids.len(),
            files.len()
        ))
    } else {
        let mut lines = vec![format!("{gate}: {file} is not grounded in {codemap}:")];
        lines.extend(problems.iter().take(MAX_LISTED).map(|p| format!("  {p}")));
        Verdict::fail(lines.join("\n"))
    }
}

/// `(line, id)` of every `[[id]]` outside fenced code and inline code spans.
fn anchors(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let prose: String = line
            .split('`')
            .enumerate()
            .filter(|(part, _)| part % 2 == 0)
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = prose.as_str();
        while let Some(start) = rest.find("[[") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("]]") else { break };
            out.push((index + 1, after[..end].trim().to_owned()));
            rest = &after[end + 2..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::anchors;

    #[test]
    fn anchors_outside_code_are_read_with_their_line() {
        let text = "## A\nsee [[src/a.rs::f]] and [[src/b.rs]]\n`[[not::this]]`\n```\n[[nor::this]]\n```\n";
        assert_eq!(
            anchors(text),
            [(2, "src/a.rs::f".to_owned()), (2, "src/b.rs".to_owned())]
        );
    }
}
