//! Lexer of `pass_when`: splits the source into tokens, each with its 1-based character column.

use super::DslError;
use super::{limits, literal};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    /// An identifier or keyword; the parser gives keywords their meaning, because after a `.`
    /// a keyword is an ordinary json field name (`.totals.pass`).
    Word(String),
    Str(String),
    Int(i64),
    Float(f64),
    Symbol(&'static str),
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) column: usize,
}

impl Token {
    /// How an error message names this token.
    pub(super) fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Word(word) => format!("'{word}'"),
            TokenKind::Str(_) => "a string".to_owned(),
            TokenKind::Int(_) | TokenKind::Float(_) => "a number".to_owned(),
            TokenKind::Symbol(symbol) => format!("'{symbol}'"),
            TokenKind::End => "the end of the expression".to_owned(),
        }
    }
}

/// Every symbol Python has that a user might type; the parser rejects the unsupported ones
/// with a message that names them. Longer symbols come first so `==` is not read as `=`.
const SYMBOLS: [&str; 36] = [
    "**", "//", "==", "!=", "<=", ">=", "<<", ">>", ":=", "->", "&&", "||", "(", ")", "[", "]",
    "{", "}", ",", ".", ":", ";", "+", "-", "*", "/", "%", "<", ">", "=", "!", "&", "|", "^", "~",
    "@",
];

pub(super) fn tokenize(source: &str) -> Result<Vec<Token>, DslError> {
    let chars: Vec<char> = source.chars().collect();
    limits::check_source(chars.len())?;
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(&c) = chars.get(pos) {
        if c.is_whitespace() {
            pos += 1;
            continue;
        }
        let (kind, end) = lex_token(&chars, pos)?;
        limits::check_tokens(tokens.len() + 1, pos + 1)?;
        tokens.push(Token {
            kind,
            column: pos + 1,
        });
        pos = end;
    }
    tokens.push(Token {
        kind: TokenKind::End,
        column: chars.len() + 1,
    });
    Ok(tokens)
}

/// Lexes the token starting at `pos`; returns it and the index just past it.
fn lex_token(chars: &[char], pos: usize) -> Result<(TokenKind, usize), DslError> {
    let c = chars[pos];
    let next_is_digit = chars.get(pos + 1).is_some_and(char::is_ascii_digit);
    if c == '\'' || c == '"' {
        return literal::lex_string(chars, pos, pos, false);
    }
    if c.is_ascii_digit() || (c == '.' && next_is_digit) {
        return literal::lex_number(chars, pos);
    }
    if c.is_ascii_alphabetic() || c == '_' {
        return lex_word(chars, pos);
    }
    if let Some(symbol) = SYMBOLS.into_iter().find(|s| starts_with_at(chars, pos, s)) {
        return Ok((TokenKind::Symbol(symbol), pos + symbol.chars().count()));
    }
    Err(unexpected_character(c, pos + 1))
}

fn starts_with_at(chars: &[char], pos: usize, text: &str) -> bool {
    text.chars()
        .enumerate()
        .all(|(i, c)| chars.get(pos + i) == Some(&c))
}

fn lex_word(chars: &[char], start: usize) -> Result<(TokenKind, usize), DslError> {
    let mut end = start;
    while chars
        .get(end)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
    {
        end += 1;
    }
    let word: String = chars[start..end].iter().collect();
    if matches!(chars.get(end), Some('\'' | '"')) {
        if let Some(kind) = string_prefix(&word, start + 1)? {
            return literal::lex_string(chars, start, end, kind == Prefix::Raw);
        }
    }
    Ok((TokenKind::Word(word), end))
}

#[derive(PartialEq)]
enum Prefix {
    Raw,
    Plain,
}

/// Python string prefixes: `r` keeps backslashes, `u` changes nothing; f-strings and bytes
/// have no meaning here.
fn string_prefix(word: &str, column: usize) -> Result<Option<Prefix>, DslError> {
    match word.to_ascii_lowercase().as_str() {
        "r" => Ok(Some(Prefix::Raw)),
        "u" => Ok(Some(Prefix::Plain)),
        "f" | "rf" | "fr" => Err(
            DslError::new(column, "f-strings are not allowed in pass_when")
                .with_hint("join strings with '+' instead"),
        ),
        "b" | "rb" | "br" => Err(DslError::new(
            column,
            "bytes literals are not allowed in pass_when",
        )
        .with_hint("stdout and stderr are text; compare them with plain strings")),
        _ => Ok(None),
    }
}

fn unexpected_character(c: char, column: usize) -> DslError {
    let error = DslError::new(column, format!("unexpected character '{c}'"));
    match c {
        '#' => DslError::new(column, "comments ('#') are not allowed in pass_when"),
        '\\' => error.with_hint("no line continuation is needed: an expression may span lines"),
        '`' => error.with_hint("quote strings with ' or \""),
        '$' => error.with_hint("pass_when is not shell; use exit_code, stdout and stderr"),
        _ => error,
    }
}

#[cfg(test)]
mod lexer_tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn tokens_carry_their_character_columns() {
        let tokens = tokenize("é == x").err();
        assert_eq!(tokens.map(|e| e.column), Some(1));
        let tokens = tokenize("'é' ==\n  x").unwrap();
        let columns: Vec<usize> = tokens.iter().map(|t| t.column).collect();
        assert_eq!(columns, vec![1, 5, 10, 11]);
    }

    #[test]
    fn longest_symbol_wins() {
        assert_eq!(
            kinds("a<=b==c=d"),
            vec![
                TokenKind::Word("a".into()),
                TokenKind::Symbol("<="),
                TokenKind::Word("b".into()),
                TokenKind::Symbol("=="),
                TokenKind::Word("c".into()),
                TokenKind::Symbol("="),
                TokenKind::Word("d".into()),
                TokenKind::End,
            ]
        );
    }

    #[test]
    fn string_prefixes() {
        assert_eq!(kinds(r"r'\d'")[0], TokenKind::Str(r"\d".into()));
        assert_eq!(kinds(r"R'\n'")[0], TokenKind::Str(r"\n".into()));
        assert_eq!(kinds(r"u'\n'")[0], TokenKind::Str("\n".into()));
        assert_eq!(kinds("r + 1")[0], TokenKind::Word("r".into()));
        assert!(
            tokenize("f'{x}'")
                .unwrap_err()
                .message
                .contains("f-strings")
        );
        assert!(tokenize("b'x'").unwrap_err().message.contains("bytes"));
    }

    #[test]
    fn comment_and_stray_characters_are_rejected_at_their_column() {
        let error = tokenize("x == 1 # check").unwrap_err();
        assert_eq!(
            error.to_string(),
            "column 8: comments ('#') are not allowed in pass_when"
        );
        let error = tokenize("x ? y").unwrap_err();
        assert_eq!(error.to_string(), "column 3: unexpected character '?'");
    }
}
