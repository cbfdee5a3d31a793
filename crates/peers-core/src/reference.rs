//! The reference the document mode's peers write: `CODEMAP.yaml` at the repository root — the
//! code map's entries (`id`, `kind`, `file`, `line`, `signature`, as `.peers/CODEMAP.yaml` has
//! them) each with a `summary:` — read with line numbers for the gates, and the reference
//! block of AGENTS.md rendered from it (`peers agents-md` writes it, `agents-in-sync` checks it).
//! Pure: callers read and write the files.

use crate::decode_error::DecodeError;
use crate::yaml::{self, fields::Field};

/// Where the reference lives, relative to the repository root.
pub const REFERENCE_FILE: &str = "CODEMAP.yaml";
/// The file the generated reference block goes into.
pub const AGENTS_FILE: &str = "AGENTS.md";
/// The largest reference read (the code map's own cap).
pub const MAX_REFERENCE_BYTES: u64 = 8 << 20;
/// First line of the generated block in AGENTS.md.
pub const BLOCK_START: &str = "<!-- peers:reference start (generated from CODEMAP.yaml by `peers agents-md`; do not edit) -->";
/// Last line of the generated block.
pub const BLOCK_END: &str = "<!-- peers:reference end -->";

const ENTRY_KEYS: &[&str] = &["id", "kind", "file", "line", "signature", "summary"];

/// One entry of the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceEntry {
    /// `<file>::<name>`, `name` as the code map spells it (`Type::method`, `Class.method`).
    pub id: String,
    pub kind: String,
    pub file: String,
    pub line: u64,
    pub signature: String,
    /// Empty when missing.
    pub summary: String,
    /// Where the entry starts in CODEMAP.yaml (1-based).
    pub at: u32,
}

impl ReferenceEntry {
    /// The symbol's name inside its file: the id after `<file>::`, if the id starts so.
    pub fn name(&self) -> Option<&str> {
        self.id.strip_prefix(&self.file)?.strip_prefix("::")
    }
}

/// Reads CODEMAP.yaml (`entries: [...]`); `file` is the name shown in errors.
pub fn parse(text: &str, file: &str) -> Result<Vec<ReferenceEntry>, DecodeError> {
    let Some(root) = yaml::parse_document(text, file)?.filter(|r| !r.is_null()) else {
        return Ok(Vec::new());
    };
    let top = Field::new(file, "", &root).map()?;
    top.check_keys(&["entries"])?;
    let Some(list) = top.field("entries").filter(|f| !f.is_null()) else {
        return Ok(Vec::new());
    };
    list.list()?
        .iter()
        .map(|item| {
            let map = item.map()?;
            map.check_keys(ENTRY_KEYS)?;
            let text = |key: &str| -> Result<String, DecodeError> {
                Ok(map.required(key)?.string()?.to_owned())
            };
            let summary = match map.field("summary").filter(|f| !f.is_null()) {
                Some(field) => field.string()?.trim().to_owned(),
                None => String::new(),
            };
            Ok(ReferenceEntry {
                id: text("id")?,
                kind: text("kind")?,
                file: text("file")?,
                line: map.required("line")?.pos_int()?,
                signature: text("signature")?,
                summary,
                at: map.span.line,
            })
        })
        .collect()
}

/// The generated block of AGENTS.md: every entry by file, then line, with its signature and
/// summary, between [`BLOCK_START`] and [`BLOCK_END`].
pub fn render_block(entries: &[ReferenceEntry]) -> String {
    let mut sorted: Vec<&ReferenceEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| (&a.file, a.line, &a.id).cmp(&(&b.file, b.line, &b.id)));
    let mut out = format!(
        "{BLOCK_START}\n## Reference\n\nEvery public symbol, checked against the code by the \
         document mode's gates.\n"
    );
    let mut current: Option<&str> = None;
    for entry in sorted {
        if current != Some(entry.file.as_str()) {
            out.push_str(&format!("\n### {}\n\n", one_line(&entry.file)));
            current = Some(entry.file.as_str());
        }
        out.push_str(&format!(
            "- `{}` ({} {}, line {}): {}\n",
            one_line(&entry.signature).replace('`', "'"),
            one_line(&entry.kind),
            one_line(entry.name().unwrap_or(&entry.id)),
            entry.line,
            one_line(&entry.summary)
        ));
    }
    out.push_str(BLOCK_END);
    out.push('\n');
    out
}

/// AGENTS.md with its generated block replaced by `block` (or appended when it has none;
/// a new file when there is none).
pub fn with_block(existing: Option<&str>, block: &str) -> String {
    let Some(existing) = existing else {
        return format!("# AGENTS.md\n\n{block}");
    };
    match block_range(existing) {
        Some((start, end)) => format!("{}{block}{}", &existing[..start], &existing[end..]),
        None => {
            let separator = if existing.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{existing}{separator}{block}")
        }
    }
}

/// The byte range of the generated block in AGENTS.md (through the newline after the end
/// marker), when it has exactly one well-formed block.
pub fn block_range(text: &str) -> Option<(usize, usize)> {
    let start = text.find(BLOCK_START)?;
    if text[start + BLOCK_START.len()..].contains(BLOCK_START) {
        return None;
    }
    let end_marker = start + text[start..].find(BLOCK_END)?;
    let mut end = end_marker + BLOCK_END.len();
    if text[end..].starts_with('\n') {
        end += 1;
    }
    Some((start, end))
}

/// Text from the repository on one line, control characters dropped.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "entries:\n  - id: \"src/lib.rs::parse\"\n    kind: fn\n    file: \"src/lib.rs\"\n    line: 3\n    signature: \"pub fn parse(text: &str) -> Doc\"\n    summary: Reads a document.\n  - id: \"src/lib.rs::Doc\"\n    kind: struct\n    file: \"src/lib.rs\"\n    line: 1\n    signature: \"pub struct Doc\"\n";

    #[test]
    fn entries_parse_with_their_line_and_a_missing_summary_is_empty() {
        let entries = parse(MAP, "CODEMAP.yaml").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].name(), Some("parse"));
        assert_eq!(entries[0].at, 2);
        assert_eq!(entries[1].summary, "");
        let bad = parse("entries:\n  - id: x\n    kind: fn\n", "CODEMAP.yaml").unwrap_err();
        assert!(bad.to_string().contains("CODEMAP.yaml"), "{bad}");
        let unknown = parse(&MAP.replace("summary:", "sumary:"), "CODEMAP.yaml").unwrap_err();
        assert!(unknown.to_string().contains("sumary"), "{unknown}");
    }

    #[test]
    fn the_block_is_sorted_by_file_and_line_and_replaces_only_itself() {
        let entries = parse(MAP, "CODEMAP.yaml").unwrap();
        let block = render_block(&entries);
        let doc = block.find("pub struct Doc").unwrap();
        let parse_at = block.find("pub fn parse").unwrap();
        assert!(doc < parse_at, "{block}");
        let fresh = with_block(None, &block);
        assert!(fresh.starts_with("# AGENTS.md\n\n"));
        let hand = "# Notes\n\nKeep this.\n";
        let once = with_block(Some(hand), &block);
        let twice = with_block(Some(&once), &block);
        assert_eq!(once, twice);
        assert!(twice.starts_with(hand));
        assert_eq!(
            block_range(&twice).map(|(s, e)| &twice[s..e]),
            Some(block.as_str())
        );
    }
}

#[cfg(test)]
mod properties {
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Peers write CODEMAP.yaml and AGENTS.md: no text makes the readers panic.
        #[test]
        fn any_reference_or_agents_text_never_panics(text in "(\\PC|\n|  - |id: |line: |<!-- peers:reference (start|end)[^>]*-->){0,200}") {
            if let Ok(entries) = super::parse(&text, "CODEMAP.yaml") {
                let block = super::render_block(&entries);
                let _ = super::with_block(Some(&text), &block);
            }
            let _ = super::block_range(&text);
        }
    }
}
