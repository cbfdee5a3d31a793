//! Reading documentation for the describe and document gates: which paths are documentation,
//! Markdown headings and section bodies (fenced code and HTML comments understood), and
//! whether a body has substance or is filler (too few words, placeholders, one sentence
//! repeated, a body copied from another section).

use std::collections::{BTreeMap, BTreeSet};

use super::scope::glob_matches;

/// Extensions of documentation files.
const DOC_EXTENSIONS: &[&str] = &[
    "md", "markdown", "mdx", "rst", "txt", "adoc", "asciidoc", "org",
];
/// Extensions of pictures and diagrams, documentation when under a docs directory.
const DOC_ASSET_EXTENSIONS: &[&str] =
    &["png", "svg", "jpg", "jpeg", "gif", "drawio", "puml", "mmd"];
/// Files without an extension that are documentation.
const DOC_NAMES: &[&str] = &["LICENSE", "NOTICE", "AUTHORS", "CHANGELOG", "COPYING"];
/// Words that mark a body as not written yet, matched as whole words in capitals (so a
/// to-do list application is not one).
const PLACEHOLDER_WORDS: &[&str] = &["TODO", "TBD", "FIXME", "XXX", "WIP"];
/// Phrases that mark a body as not written yet, matched without case.
const PLACEHOLDERS: &[&str] = &[
    "lorem ipsum",
    "to be written",
    "to be done",
    "to be decided",
    "to be determined",
    "coming soon",
    "fill this",
    "placeholder text",
    "write this section",
    "describe here",
    "<insert",
    "[insert",
];

/// Whether `path` is documentation: a Markdown/text file, a licence-like file, or a picture
/// under `docs/` or `doc/`; `allow` adds glob patterns (e.g. `CODEMAP.yaml`).
pub(crate) fn is_doc_path(path: &str, allow: &[String]) -> bool {
    if allow.iter().any(|pattern| glob_matches(pattern, path)) {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return DOC_NAMES.contains(&name);
    };
    let ext = ext.to_ascii_lowercase();
    if DOC_EXTENSIONS.contains(&ext.as_str()) || DOC_NAMES.contains(&stem) {
        return true;
    }
    let in_docs = path
        .split('/')
        .rev()
        .skip(1)
        .any(|dir| dir == "docs" || dir == "doc");
    in_docs && DOC_ASSET_EXTENSIONS.contains(&ext.as_str())
}

/// One Markdown heading: its level (1–6), its text and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    pub level: usize,
    pub text: String,
    pub line: usize,
}

/// The lines of `text` that are prose or headings: fenced code blocks keep their lines (so
/// line numbers hold) but are marked, HTML comments are blanked.
fn visible_lines(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    let mut in_comment = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            out.push((line.to_owned(), true));
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            out.push((String::new(), true));
            continue;
        }
        let (visible, still_open) = strip_comments(line, in_comment);
        in_comment = still_open;
        out.push((visible, false));
    }
    out
}

/// `line` without HTML comments; whether a comment is still open at its end.
fn strip_comments(line: &str, mut in_comment: bool) -> (String, bool) {
    let mut out = String::new();
    let mut rest = line;
    loop {
        if in_comment {
            match rest.find("-->") {
                Some(end) => {
                    rest = &rest[end + 3..];
                    in_comment = false;
                }
                None => return (out, true),
            }
        } else {
            match rest.find("<!--") {
                Some(start) => {
                    out.push_str(&rest[..start]);
                    rest = &rest[start + 4..];
                    in_comment = true;
                }
                None => {
                    out.push_str(rest);
                    return (out, false);
                }
            }
        }
    }
}

/// An ATX heading (`## Text`) or an HTML heading (`<h2>Text</h2>`) of a visible line.
fn heading_of(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim();
    let hashes = trimmed.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) {
        let rest = &trimmed[hashes..];
        if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') {
            return Some((hashes, rest.trim().trim_end_matches('#').trim().to_owned()));
        }
    }
    let lower = trimmed.to_ascii_lowercase();
    let level = lower
        .strip_prefix("<h")
        .and_then(|r| r.chars().next())
        .and_then(|c| c.to_digit(10))
        .filter(|d| (1..=6).contains(d))?;
    let inner = trimmed.get(4..)?.split("</").next().unwrap_or_default();
    Some((level as usize, inner.trim().to_owned()))
}

/// Every heading of a Markdown text, in order (setext `===`/`---` underlines included).
pub(crate) fn headings(text: &str) -> Vec<Heading> {
    let lines = visible_lines(text);
    let mut out = Vec::new();
    for (index, (line, in_code)) in lines.iter().enumerate() {
        if *in_code {
            continue;
        }
        if let Some((level, text)) = heading_of(line) {
            out.push(Heading {
                level,
                text,
                line: index + 1,
            });
            continue;
        }
        let underline = line.trim();
        let previous = index.checked_sub(1).and_then(|i| lines.get(i));
        if let Some((above, false)) = previous {
            let is_rule = underline.len() >= 2
                && (underline.chars().all(|c| c == '=') || underline.chars().all(|c| c == '-'));
            if is_rule && !above.trim().is_empty() && heading_of(above).is_none() {
                let level = if underline.starts_with('=') { 1 } else { 2 };
                out.push(Heading {
                    level,
                    text: above.trim().to_owned(),
                    line: index,
                });
            }
        }
    }
    out
}

/// Whether a line added to a document starts a new section: a heading, or a line that is
/// nothing but bold or underlined text (a heading in all but name).
pub(crate) fn is_section_line(line: &str) -> bool {
    let trimmed = line.trim();
    if heading_of(trimmed).is_some() {
        return true;
    }
    let bold = ["**", "__"].iter().any(|mark| {
        trimmed.len() > 4
            && trimmed.starts_with(mark)
            && trimmed.trim_end_matches(':').ends_with(mark)
    });
    let underline = trimmed.len() >= 3
        && (trimmed.chars().all(|c| c == '=') || trimmed.chars().all(|c| c == '-'));
    bold || underline
}

/// A heading's words compared without case, punctuation or spacing (`Trade-offs` =
/// `Tradeoffs` = `trade offs`).
pub(crate) fn heading_key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The body of each heading: every visible line after it up to the next heading of the same
/// or a higher level (subsections belong to it), keyed by heading.
pub(crate) fn section_bodies(text: &str) -> Vec<(Heading, String)> {
    let lines = visible_lines(text);
    let all = headings(text);
    all.iter()
        .enumerate()
        .map(|(at, heading)| {
            let end = all[at + 1..]
                .iter()
                .find(|next| next.level <= heading.level)
                .map_or(lines.len(), |next| next.line - 1);
            let body: Vec<&str> = lines
                .get(heading.line..end)
                .unwrap_or_default()
                .iter()
                .map(|(line, _)| line.as_str())
                .collect();
            (heading.clone(), body.join("\n"))
        })
        .collect()
}

/// The words of a text (letters and digits, at least two characters), lower-cased.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.chars().count() >= 2 && w.chars().any(char::is_alphabetic))
        .collect()
}

/// Why `body` is filler rather than substance, or `None` when it has substance: fewer than
/// `min_words` words, too few distinct words, a placeholder, or one sentence said three times.
pub(crate) fn filler_reason(body: &str, min_words: usize) -> Option<String> {
    let all = words(body);
    if all.len() < min_words {
        return Some(format!("{} words (needs {min_words})", all.len()));
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    let needed = (min_words * 3).div_ceil(5).max(1);
    if distinct.len() < needed || distinct.len() * 4 < all.len() {
        return Some(format!(
            "{} distinct words in {} (the same words repeated)",
            distinct.len(),
            all.len()
        ));
    }
    let lower = body.to_lowercase();
    let upper_word = body
        .split(|c: char| !c.is_alphanumeric())
        .find(|word| PLACEHOLDER_WORDS.contains(word));
    if let Some(word) = upper_word {
        return Some(format!("a placeholder (`{word}`)"));
    }
    if let Some(marker) = PLACEHOLDERS.iter().find(|marker| lower.contains(*marker)) {
        return Some(format!("a placeholder (`{marker}`)"));
    }
    let mut sentences: BTreeMap<String, usize> = BTreeMap::new();
    for sentence in lower.split(['.', '!', '?', '\n']) {
        let sentence_words = words(sentence);
        if sentence_words.len() >= 4 {
            *sentences.entry(sentence_words.join(" ")).or_default() += 1;
        }
    }
    if let Some((sentence, count)) = sentences.iter().find(|(_, count)| **count >= 3) {
        let shown: String = sentence.chars().take(60).collect();
        return Some(format!("the sentence \"{shown}\" {count} times"));
    }
    None
}

/// A body reduced to its words, to find bodies copied between sections.
pub(crate) fn body_fingerprint(body: &str) -> String {
    words(body).join(" ")
}

#[cfg(test)]
#[path = "doc_text_tests.rs"]
mod tests;
