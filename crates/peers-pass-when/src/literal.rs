//! Literals of `pass_when`: Python string and number literals, with their size limits.

use super::DslError;
use super::lexer::TokenKind;

/// Longest string literal, in bytes once escapes are decoded.
const MAX_STRING_BYTES: usize = 8192;
/// Longest integer literal, in digits: always fits an i64.
const MAX_INT_DIGITS: usize = 18;

/// Lexes a string literal whose prefix (if any) starts at `start` and whose opening quote is
/// at `quote_at`. Returns the decoded text and the index just past the closing quote.
pub(super) fn lex_string(
    chars: &[char],
    start: usize,
    quote_at: usize,
    raw: bool,
) -> Result<(TokenKind, usize), DslError> {
    let quote = chars[quote_at];
    if chars.get(quote_at + 1) == Some(&quote) && chars.get(quote_at + 2) == Some(&quote) {
        return Err(
            DslError::new(start + 1, "triple-quoted strings are not supported")
                .with_hint(format!("use a single {quote} on each side")),
        );
    }
    let mut text = String::new();
    // Where trailing whitespace typed in the source begins in `text`, so a line break can
    // fold it away.
    let mut typed_space_from: Option<usize> = None;
    let mut pos = quote_at + 1;
    loop {
        let Some(&c) = chars.get(pos) else {
            return Err(unterminated(start + 1, quote));
        };
        pos += 1;
        if c == quote {
            break;
        } else if c == '\n' {
            pos = fold_line_break(chars, pos, &mut text, typed_space_from);
            typed_space_from = Some(text.len() - 1);
        } else if c == '\\' {
            typed_space_from = None;
            pos = escape(chars, pos, raw, quote, &mut text)?;
        } else {
            if !c.is_whitespace() {
                typed_space_from = None;
            } else if typed_space_from.is_none() {
                typed_space_from = Some(text.len());
            }
            text.push(c);
        }
    }
    check_string_length(&text, start + 1)?;
    Ok((TokenKind::Str(text), pos))
}

/// The original tool folded `\s*\n\s*` into one space before parsing, strings included; do
/// the same so multi-line YAML values mean what they meant. Returns where lexing resumes.
fn fold_line_break(
    chars: &[char],
    mut pos: usize,
    text: &mut String,
    typed_space_from: Option<usize>,
) -> usize {
    if let Some(at) = typed_space_from {
        text.truncate(at);
    }
    while chars.get(pos).is_some_and(|c| c.is_whitespace()) {
        pos += 1;
    }
    text.push(' ');
    pos
}

fn unterminated(column: usize, quote: char) -> DslError {
    DslError::new(column, "unterminated string").with_hint(format!("close the string with {quote}"))
}

/// Rejects a string literal (joined or not) longer than [`MAX_STRING_BYTES`].
pub(super) fn check_string_length(text: &str, column: usize) -> Result<(), DslError> {
    if text.len() <= MAX_STRING_BYTES {
        return Ok(());
    }
    Err(DslError::new(
        column,
        format!(
            "string literal is {} bytes; at most {MAX_STRING_BYTES} are allowed",
            text.len()
        ),
    ))
}

/// Decodes the escape whose backslash sits just before `pos`; returns where lexing resumes.
fn escape(
    chars: &[char],
    pos: usize,
    raw: bool,
    quote: char,
    text: &mut String,
) -> Result<usize, DslError> {
    let backslash_column = pos;
    let Some(&next) = chars.get(pos) else {
        return Err(unterminated(backslash_column, quote));
    };
    if raw {
        // In a raw string the backslash stays and only keeps the next character from
        // closing the string.
        text.push('\\');
        if next == '\n' {
            return Ok(pos);
        }
        text.push(next);
        return Ok(pos + 1);
    }
    if let Some(decoded) = simple_escape(next) {
        text.push(decoded);
        return Ok(pos + 1);
    }
    match next {
        '0'..='7' => Ok(octal_escape(chars, pos, text)),
        'x' => hex_escape(chars, pos + 1, 2, backslash_column, text),
        'u' => hex_escape(chars, pos + 1, 4, backslash_column, text),
        'U' => hex_escape(chars, pos + 1, 8, backslash_column, text),
        'N' => Err(
            DslError::new(backslash_column, "\\N{...} escapes are not supported")
                .with_hint("write the character itself, or use \\u"),
        ),
        _ => {
            // Python keeps unknown escapes as written, so '(\d+) passed' means what the
            // user meant even without the r prefix.
            text.push('\\');
            Ok(pos)
        }
    }
}

fn simple_escape(letter: char) -> Option<char> {
    let decoded = match letter {
        '\\' | '\'' | '"' => letter,
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'v' => '\x0b',
        _ => return None,
    };
    Some(decoded)
}

fn octal_escape(chars: &[char], pos: usize, text: &mut String) -> usize {
    let mut value = 0u32;
    let mut end = pos;
    while end < pos + 3 {
        let Some(digit) = chars.get(end).and_then(|c| c.to_digit(8)) else {
            break;
        };
        value = value * 8 + digit;
        end += 1;
    }
    // At most 0o777, always a valid scalar value.
    text.push(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER));
    end
}

fn hex_escape(
    chars: &[char],
    pos: usize,
    digits: usize,
    column: usize,
    text: &mut String,
) -> Result<usize, DslError> {
    let letter = if digits == 2 {
        'x'
    } else if digits == 4 {
        'u'
    } else {
        'U'
    };
    let mut value = 0u32;
    for i in 0..digits {
        let Some(digit) = chars.get(pos + i).and_then(|c| c.to_digit(16)) else {
            return Err(DslError::new(
                column,
                format!("invalid \\{letter} escape: expected {digits} hex digits"),
            ));
        };
        value = value * 16 + digit;
    }
    let Some(decoded) = char::from_u32(value) else {
        return Err(DslError::new(
            column,
            format!("\\{letter} escape {value:#x} is not a character"),
        ));
    };
    text.push(decoded);
    Ok(pos + digits)
}

/// Lexes a Python decimal int or float literal starting at `start`.
pub(super) fn lex_number(chars: &[char], start: usize) -> Result<(TokenKind, usize), DslError> {
    let column = start + 1;
    if chars[start] == '0'
        && matches!(
            chars.get(start + 1),
            Some('x' | 'X' | 'o' | 'O' | 'b' | 'B')
        )
    {
        return Err(
            DslError::new(column, "hex, octal and binary literals are not supported")
                .with_hint("write the number in decimal"),
        );
    }
    let mut pos = start;
    let integer = digits(chars, &mut pos);
    let fraction = (chars.get(pos) == Some(&'.')).then(|| {
        pos += 1;
        digits(chars, &mut pos)
    });
    let exponent = exponent(chars, &mut pos);
    let exponent_complete = exponent
        .as_deref()
        .is_none_or(|e| !e.trim_start_matches('-').is_empty());
    if !exponent_complete || chars.get(pos).is_some_and(|c| is_word_char(*c)) {
        let mut end = pos;
        while chars
            .get(end)
            .is_some_and(|c| is_word_char(*c) || *c == '.')
        {
            end += 1;
        }
        let text: String = chars[start..end].iter().collect();
        return Err(DslError::new(
            column,
            format!("invalid number literal '{text}'"),
        ));
    }
    let kind = if fraction.is_none() && exponent.is_none() {
        integer_literal(&integer, column)?
    } else {
        let text = format!(
            "{}.{}e{}",
            if integer.is_empty() { "0" } else { &integer },
            fraction.unwrap_or_default(),
            exponent.unwrap_or_else(|| "0".to_owned())
        );
        let value = text
            .parse::<f64>()
            .map_err(|e| DslError::new(column, format!("invalid float literal: {e}")))?;
        TokenKind::Float(value)
    };
    Ok((kind, pos))
}

/// Reads `e[+-]digits` if present, as `digits` or `-digits` (empty digits when malformed).
fn exponent(chars: &[char], pos: &mut usize) -> Option<String> {
    if !matches!(chars.get(*pos), Some('e' | 'E')) {
        return None;
    }
    *pos += 1;
    let negative = chars.get(*pos) == Some(&'-');
    if matches!(chars.get(*pos), Some('+' | '-')) {
        *pos += 1;
    }
    let digits = digits(chars, pos);
    Some(if negative {
        format!("-{digits}")
    } else {
        digits
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads decimal digits, allowing a single `_` between two digits as Python does.
fn digits(chars: &[char], pos: &mut usize) -> String {
    let mut out = String::new();
    while let Some(&c) = chars.get(*pos) {
        let underscore_between_digits =
            c == '_' && !out.is_empty() && chars.get(*pos + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() {
            out.push(c);
        } else if !underscore_between_digits {
            break;
        }
        *pos += 1;
    }
    out
}

fn integer_literal(digits: &str, column: usize) -> Result<TokenKind, DslError> {
    if digits.len() > MAX_INT_DIGITS {
        return Err(DslError::new(
            column,
            format!(
                "integer literal has {} digits; at most {MAX_INT_DIGITS} are allowed",
                digits.len()
            ),
        )
        .with_hint("use a float such as 1e20 for a bigger number"));
    }
    if digits.len() > 1 && digits.starts_with('0') && digits.bytes().any(|b| b != b'0') {
        return Err(
            DslError::new(column, "leading zeros are not allowed in integer literals")
                .with_hint(format!("write {}", digits.trim_start_matches('0'))),
        );
    }
    digits
        .parse::<i64>()
        .map(TokenKind::Int)
        .map_err(|e| DslError::new(column, format!("invalid integer literal: {e}")))
}

#[cfg(test)]
mod literal_tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn first(source: &str) -> TokenKind {
        tokenize(source).unwrap().remove(0).kind
    }

    fn error(source: &str) -> String {
        tokenize(source).unwrap_err().to_string()
    }

    #[test]
    fn python_escapes_decode() {
        assert_eq!(
            first(r#"'a\tb\n\\\'\"'"#),
            TokenKind::Str("a\tb\n\\'\"".into())
        );
        assert_eq!(
            first(r"'\x41\u00e9\U0001F600\101\0'"),
            TokenKind::Str("Aé😀A\0".into())
        );
        assert_eq!(first(r#""it's""#), TokenKind::Str("it's".into()));
    }

    #[test]
    fn unknown_escapes_keep_the_backslash_like_python() {
        assert_eq!(
            first(r"'(\d+) passed'"),
            TokenKind::Str(r"(\d+) passed".into())
        );
    }

    #[test]
    fn raw_strings_keep_backslashes_and_escaped_quotes() {
        assert_eq!(first(r"r'\d+\''"), TokenKind::Str(r"\d+\'".into()));
        assert_eq!(first(r"r'\\'"), TokenKind::Str(r"\\".into()));
    }

    #[test]
    fn line_break_inside_string_folds_to_one_space_like_the_original() {
        assert_eq!(first("'a  \n   b'"), TokenKind::Str("a b".into()));
    }

    #[test]
    fn string_errors() {
        assert_eq!(error("x == 'abc"), "column 6: unterminated string");
        assert_eq!(error("r'abc\\'"), "column 1: unterminated string");
        assert_eq!(
            error("'''a'''"),
            "column 1: triple-quoted strings are not supported"
        );
        assert_eq!(
            error(r"'ab\x4'"),
            r"column 4: invalid \x escape: expected 2 hex digits"
        );
        assert_eq!(
            error(r"'\ud800'"),
            r"column 2: \u escape 0xd800 is not a character"
        );
        assert!(error(r"'\N{DASH}'").contains("not supported"));
        let long = format!("'{}'", "x".repeat(MAX_STRING_BYTES + 1));
        assert_eq!(
            error(&long),
            "column 1: string literal is 8193 bytes; at most 8192 are allowed"
        );
        let fits = format!("'{}'", "x".repeat(MAX_STRING_BYTES));
        assert!(tokenize(&fits).is_ok());
    }

    #[test]
    fn numbers() {
        assert_eq!(first("0"), TokenKind::Int(0));
        assert_eq!(first("1_000"), TokenKind::Int(1000));
        assert_eq!(
            first("999999999999999999"),
            TokenKind::Int(999_999_999_999_999_999)
        );
        assert_eq!(first("1.5"), TokenKind::Float(1.5));
        assert_eq!(first(".5"), TokenKind::Float(0.5));
        assert_eq!(first("2."), TokenKind::Float(2.0));
        assert_eq!(first("1e3"), TokenKind::Float(1000.0));
        assert_eq!(first("2.5E-3"), TokenKind::Float(0.0025));
    }

    #[test]
    fn number_errors() {
        assert_eq!(
            error("x < 1234567890123456789"),
            "column 5: integer literal has 19 digits; at most 18 are allowed"
        );
        assert_eq!(
            error("007"),
            "column 1: leading zeros are not allowed in integer literals"
        );
        assert_eq!(
            error("0x1f"),
            "column 1: hex, octal and binary literals are not supported"
        );
        assert_eq!(error("12abc"), "column 1: invalid number literal '12abc'");
        assert_eq!(error("1e"), "column 1: invalid number literal '1e'");
        assert_eq!(error("1__0"), "column 1: invalid number literal '1__0'");
        assert_eq!(error("1j"), "column 1: invalid number literal '1j'");
    }
}
