//! The one door to YAML: a spanned document tree built from `saphyr-parser` events, with
//! YAML 1.2 core-schema scalars. Decoders read this tree, never the parser.

mod build;
pub(crate) mod fields;

use crate::decode_error::DecodeError;
use crate::location::Span;

pub use build::{MAX_ALIAS_NODES, MAX_DEPTH};
pub(crate) use fields::to_json;

/// One node of a YAML document and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// A node's content after core-schema resolution of plain scalars.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null`, or nothing at all (`key:`).
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Any string: quoted, block, or plain that is not a null, bool or number.
    Str {
        text: String,
        style: ScalarStyle,
    },
    Sequence(Vec<Node>),
    /// Entries in document order; keys are unique (duplicates are a parse error).
    Mapping(Vec<(Key, Node)>),
}

/// A mapping key: always a scalar, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub text: String,
    pub span: Span,
}

/// How a string scalar was written. Matters for `'false'` (a string, not a bool) and for
/// pointing into a string's content (a quoted value's text starts one column after the quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        matches!(self, Self::SingleQuoted | Self::DoubleQuoted)
    }
}

/// Parses a single-document YAML source. `Ok(None)` when the source holds no document at all
/// (empty, or only comments). More than one document is an error.
pub fn parse_document(source: &str, file: &str) -> Result<Option<Node>, DecodeError> {
    build::Builder::new(source, file).document()
}

impl Node {
    /// A short description of what was found, for `expected X, found Y` messages:
    /// strings in double quotes, numbers and booleans as written, collections by kind.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(x) => format_float(*x),
            Value::Str { text, .. } => format!("{text:?}"),
            Value::Sequence(_) => "a list".to_owned(),
            Value::Mapping(_) => "a mapping".to_owned(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Where a string's first character sits: one column past an opening quote. Block
    /// scalars keep the indicator's position (their text starts on a later line).
    pub fn content_span(&self) -> Span {
        match &self.value {
            Value::Str { style, .. } if style.is_quoted() => {
                Span::new(self.span.line, self.span.column + 1)
            }
            _ => self.span,
        }
    }

    /// The subtree's node count (this node included); bounds alias expansion.
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Sequence(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Mapping(entries) => 1 + entries.iter().map(|(_, v)| 1 + v.size()).sum::<usize>(),
            _ => 1,
        }
    }
}

fn format_float(x: f64) -> String {
    if x.is_nan() {
        ".nan".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 {
            ".inf".to_owned()
        } else {
            "-.inf".to_owned()
        }
    } else {
        x.to_string()
    }
}

/// YAML 1.2 core-schema resolution of a plain scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = resolve_int(text) {
        return Value::Int(i);
    }
    if is_core_float(text) {
        if let Ok(x) = text.parse::<f64>() {
            return Value::Float(x);
        }
    }
    Value::Str {
        text: text.to_owned(),
        style: ScalarStyle::Plain,
    }
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. Out-of-range integers stay strings, so the
/// decoder reports them as written instead of wrapping.
fn resolve_int(text: &str) -> Option<i64> {
    if let Some(oct) = text.strip_prefix("0o") {
        return non_empty_radix(oct, 8);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return non_empty_radix(hex, 16);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.strip_prefix('+').unwrap_or(text).parse().ok()
}

fn non_empty_radix(digits: &str, radix: u32) -> Option<i64> {
    if digits.is_empty() {
        return None;
    }
    i64::from_str_radix(digits, radix).ok()
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests;
