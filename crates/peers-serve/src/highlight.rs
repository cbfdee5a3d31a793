//! Syntax highlighting of the diff since the baseline, line by line: diff structure (file
//! headers, hunks, added and removed lines) and, inside code lines, keywords, strings, numbers
//! and comments for the languages the workspace reads (Rust, Python, JavaScript/TypeScript, Go,
//! shell). A small lexer, not a parser: a diff shows fragments that no grammar would accept.

use std::fmt::Write as _;

use crate::html::escape;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighlightLanguage {
    Rust,
    Python,
    Script,
    Go,
    Shell,
    Plain,
}

impl HighlightLanguage {
    pub fn of_path(path: &str) -> HighlightLanguage {
        match path.rsplit_once('.').map(|(_, ext)| ext) {
            Some("rs") => HighlightLanguage::Rust,
            Some("py") => HighlightLanguage::Python,
            Some("js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx") => HighlightLanguage::Script,
            Some("go") => HighlightLanguage::Go,
            Some("sh" | "bash") => HighlightLanguage::Shell,
            _ => HighlightLanguage::Plain,
        }
    }

    fn keywords(self) -> &'static [&'static str] {
        match self {
            HighlightLanguage::Rust => &[
                "as", "async", "await", "break", "const", "continue", "crate", "else", "enum",
                "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
                "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
                "type", "unsafe", "use", "where", "while", "true", "false",
            ],
            HighlightLanguage::Python => &[
                "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
                "del", "elif", "else", "except", "finally", "for", "from", "if", "import", "in",
                "is", "lambda", "None", "not", "or", "pass", "raise", "return", "True", "False",
                "try", "while", "with", "yield",
            ],
            HighlightLanguage::Script => &[
                "async",
                "await",
                "break",
                "case",
                "catch",
                "class",
                "const",
                "continue",
                "default",
                "else",
                "export",
                "extends",
                "false",
                "for",
                "function",
                "if",
                "import",
                "interface",
                "let",
                "new",
                "null",
                "return",
                "switch",
                "this",
                "throw",
                "true",
                "try",
                "type",
                "undefined",
                "var",
                "while",
            ],
            HighlightLanguage::Go => &[
                "break",
                "case",
                "chan",
                "const",
                "continue",
                "default",
                "defer",
                "else",
                "false",
                "for",
                "func",
                "go",
                "if",
                "import",
                "interface",
                "map",
                "nil",
                "package",
                "range",
                "return",
                "select",
                "struct",
                "switch",
                "true",
                "type",
                "var",
            ],
            HighlightLanguage::Shell => &[
                "case", "do", "done", "elif", "else", "esac", "export", "fi", "for", "function",
                "if", "in", "local", "then", "while",
            ],
            HighlightLanguage::Plain => &[],
        }
    }

    fn line_comment(self) -> Option<&'static str> {
        match self {
            HighlightLanguage::Rust | HighlightLanguage::Script | HighlightLanguage::Go => {
                Some("//")
            }
            HighlightLanguage::Python | HighlightLanguage::Shell => Some("#"),
            HighlightLanguage::Plain => None,
        }
    }
}

/// One code line as HTML spans.
pub fn code_line(line: &str, language: HighlightLanguage) -> String {
    if language == HighlightLanguage::Plain {
        return escape(line);
    }
    let mut out = String::with_capacity(line.len() + 32);
    let chars: Vec<char> = line.chars().collect();
    let comment = language
        .line_comment()
        .map(|c| c.chars().collect::<Vec<_>>());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(prefix) = &comment
            && chars[i..].starts_with(prefix)
        {
            let rest: String = chars[i..].iter().collect();
            let _ = write!(out, r#"<span class="com">{}</span>"#, escape(&rest));
            break;
        }
        if c == '"' || c == '\'' || (c == '`' && language == HighlightLanguage::Script) {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            let end = (i + 1).min(chars.len());
            let text: String = chars[start..end].iter().collect();
            let _ = write!(out, r#"<span class="str">{}</span>"#, escape(&text));
            i = end;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let _ = write!(out, r#"<span class="numl">{}</span>"#, escape(&text));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if language.keywords().contains(&word.as_str()) {
                let _ = write!(out, r#"<span class="kw">{word}</span>"#);
            } else {
                out.push_str(&escape(&word));
            }
            continue;
        }
        out.push_str(&escape(&c.to_string()));
        i += 1;
    }
    out
}

/// A unified diff as highlighted HTML lines (the caller wraps them in `<pre>`).
pub fn diff(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut language = HighlightLanguage::Plain;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            language = HighlightLanguage::of_path(path.trim_start_matches("b/"));
            let _ = writeln!(out, r#"<span class="file">{}</span>"#, escape(line));
        } else if line.starts_with("diff --git")
            || line.starts_with("--- ")
            || line.starts_with("index ")
        {
            let _ = writeln!(out, r#"<span class="file">{}</span>"#, escape(line));
        } else if line.starts_with("@@") {
            let _ = writeln!(out, r#"<span class="hunk">{}</span>"#, escape(line));
        } else if let Some(code) = line.strip_prefix('+') {
            let _ = writeln!(
                out,
                r#"<span class="add">+{}</span>"#,
                code_line(code, language)
            );
        } else if let Some(code) = line.strip_prefix('-') {
            let _ = writeln!(
                out,
                r#"<span class="del">-{}</span>"#,
                code_line(code, language)
            );
        } else if let Some(code) = line.strip_prefix(' ') {
            let _ = writeln!(out, " {}", code_line(code, language));
        } else {
            let _ = writeln!(out, "{}", escape(line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_strings_and_comments_get_classes_and_html_is_escaped() {
        let html = code_line(r#"let s = "<a>"; // note"#, HighlightLanguage::Rust);
        assert!(html.contains(r#"<span class="kw">let</span>"#), "{html}");
        assert!(
            html.contains(r#"<span class="str">&quot;&lt;a&gt;&quot;</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="com">// note</span>"#),
            "{html}"
        );
    }

    #[test]
    fn a_diff_marks_files_hunks_and_changed_lines_in_the_file_language() {
        let html = diff(
            "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-def a(): pass\n+def b(): return 1\n",
        );
        assert!(html.contains(r#"<span class="hunk">@@ -1 +1 @@</span>"#));
        assert!(html.contains(r#"<span class="add">+<span class="kw">def</span> b(): <span class="kw">return</span> <span class="numl">1</span></span>"#), "{html}");
        assert!(html.contains(r#"<span class="del">-"#));
    }
}
