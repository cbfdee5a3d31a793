//! Splitting a source line into code and comment, per language, carrying `/* … */` block
//! comments across lines. A line-level lexer: strings on one line are honoured, so a `//`
//! inside a string literal is code.

use peers_core::language::Language;

/// `(code, comment)` of `line`; `in_block` says whether a block comment is open.
pub(crate) fn split(line: &str, language: Language, in_block: &mut bool) -> (String, String) {
    let (line_comment, block_comments, quotes): (&str, bool, &[char]) = match language {
        Language::Python => ("#", false, &['"', '\'']),
        Language::Rust => ("//", true, &['"']),
        Language::Js => ("//", true, &['"', '\'', '`']),
        Language::Go => ("//", true, &['"', '`']),
    };
    let mut code = String::new();
    let mut comment = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if *in_block {
            match rest.find("*/") {
                Some(end) => {
                    comment.push_str(&rest[..end]);
                    rest = &rest[end + 2..];
                    *in_block = false;
                    continue;
                }
                None => {
                    comment.push_str(rest);
                    break;
                }
            }
        }
        if let Some(q) = quote {
            code.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if let Some(text) = rest.strip_prefix(line_comment) {
            comment.push_str(text);
            break;
        }
        if block_comments && rest.starts_with("/*") {
            *in_block = true;
            rest = &rest[2..];
            continue;
        }
        // Rust's `'` is a lifetime as often as a char, so only `"` opens a string there.
        if quotes.contains(&c) {
            quote = Some(c);
        }
        code.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (code, comment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_hide_comment_openers_and_blocks_span_lines() {
        let mut block = false;
        assert_eq!(
            split("let u = \"http://x\"; // note", Language::Rust, &mut block),
            ("let u = \"http://x\"; ".to_owned(), " note".to_owned())
        );
        assert_eq!(
            split("a /* one", Language::Go, &mut block),
            ("a ".to_owned(), " one".to_owned())
        );
        assert!(block);
        assert_eq!(
            split("two */ b", Language::Go, &mut block),
            (" b".to_owned(), "two ".to_owned())
        );
        assert!(!block);
        assert_eq!(
            split("x = '#'  # real", Language::Python, &mut block),
            ("x = '#'  ".to_owned(), " real".to_owned())
        );
        assert_eq!(
            split("s = \"a\\\"//b\" // c", Language::Js, &mut block),
            ("s = \"a\\\"//b\" ".to_owned(), " c".to_owned())
        );
    }
}
