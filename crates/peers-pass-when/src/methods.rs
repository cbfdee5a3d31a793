//! Built-in operations on values: the string methods, `.group()`, the `regex()` search and the
//! `int()` / `float()` / `len()` conversions, each with Python's behaviour.

use std::borrow::Cow;

use regex::Regex;

use super::ast::Method;
use super::value::{DslValue, Match, ValueError};

/// `receiver.method(args...)`; arity was checked by the parser.
pub(super) fn call_method<'e>(
    method: Method,
    receiver: DslValue<'e>,
    args: Vec<DslValue<'e>>,
) -> Result<DslValue<'e>, ValueError> {
    if method.on_match() {
        return match receiver {
            DslValue::Match(found) => group(found, args.first()),
            DslValue::None => Err(ValueError::GroupOfNoMatch),
            other => Err(ValueError::GroupNeedsMatch {
                found: other.type_name(),
            }),
        };
    }
    let DslValue::Str(text) = receiver else {
        return Err(ValueError::MethodNeedsStr {
            method: method.name(),
            found: receiver.type_name(),
        });
    };
    let argument = match args.first() {
        None | Some(DslValue::None) => None,
        Some(DslValue::Str(s)) => Some(s.as_ref()),
        Some(other) => {
            return Err(ValueError::MethodArgument {
                method: method.name(),
                found: other.type_name(),
            });
        }
    };
    string_method(method, text, argument)
}

fn string_method<'e>(
    method: Method,
    text: Cow<'e, str>,
    argument: Option<&str>,
) -> Result<DslValue<'e>, ValueError> {
    let strip_set = |c: char| argument.map_or(c.is_whitespace(), |set| set.contains(c));
    let value = match method {
        Method::Strip => DslValue::Str(slice(text, |s| s.trim_matches(strip_set))),
        Method::Lstrip => DslValue::Str(slice(text, |s| s.trim_start_matches(strip_set))),
        Method::Rstrip => DslValue::Str(slice(text, |s| s.trim_end_matches(strip_set))),
        Method::Lower => DslValue::Str(Cow::Owned(text.to_lowercase())),
        Method::Upper => DslValue::Str(Cow::Owned(text.to_uppercase())),
        Method::Split => match argument {
            None => pieces(text, |s| s.split_whitespace().collect()),
            Some("") => return Err(ValueError::EmptySeparator),
            Some(separator) => pieces(text, |s| s.split(separator).collect()),
        },
        Method::Splitlines => pieces(text, split_lines),
        Method::Startswith | Method::Endswith => {
            let Some(affix) = argument else {
                return Err(ValueError::MethodArgument {
                    method: method.name(),
                    found: "None",
                });
            };
            let found = if method == Method::Startswith {
                text.starts_with(affix)
            } else {
                text.ends_with(affix)
            };
            DslValue::Bool(found)
        }
        Method::Group => return Err(ValueError::GroupNeedsMatch { found: "str" }),
    };
    Ok(value)
}

/// Applies a slicing function, borrowing the result when the input was borrowed.
fn slice<'e>(text: Cow<'e, str>, cut: impl for<'x> Fn(&'x str) -> &'x str) -> Cow<'e, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(cut(s)),
        Cow::Owned(s) => Cow::Owned(cut(&s).to_owned()),
    }
}

fn pieces<'e>(text: Cow<'e, str>, split: impl for<'x> Fn(&'x str) -> Vec<&'x str>) -> DslValue<'e> {
    let items = match text {
        Cow::Borrowed(s) => split(s)
            .into_iter()
            .map(|p| DslValue::Str(Cow::Borrowed(p)))
            .collect(),
        Cow::Owned(s) => split(&s)
            .into_iter()
            .map(|p| DslValue::Str(Cow::Owned(p.to_owned())))
            .collect(),
    };
    DslValue::List(items)
}

/// Python's `str.splitlines()`: every line break Python knows, `\r\n` as one, no empty last line.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        lines.push(&text[start..at]);
        start = at + c.len_utf8();
        if c == '\r' && chars.peek().is_some_and(|(_, next)| *next == '\n') {
            chars.next();
            start += 1;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

fn group<'e>(found: Match<'e>, which: Option<&DslValue<'e>>) -> Result<DslValue<'e>, ValueError> {
    let index = match which {
        None => 0,
        Some(DslValue::Int(n)) => {
            usize::try_from(*n).map_err(|_| ValueError::NegativeGroup { number: *n })?
        }
        Some(DslValue::Str(name)) => found
            .names
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, index)| *index)
            .ok_or_else(|| ValueError::NoGroupNamed {
                name: name.clone().into_owned(),
            })?,
        Some(other) => {
            return Err(ValueError::GroupSelector {
                found: other.type_name(),
            });
        }
    };
    let count = found.groups.len();
    match found.groups.into_iter().nth(index) {
        Some(Some(text)) => Ok(DslValue::Str(text)),
        Some(None) => Ok(DslValue::None),
        None => Err(ValueError::GroupOutOfRange {
            index,
            groups: count - 1,
        }),
    }
}

/// `regex(pattern, text)`: Python's `re.search`, the first match anywhere.
pub(super) fn search<'e>(regex: &Regex, text: Cow<'e, str>) -> DslValue<'e> {
    let groups: Option<Vec<Option<Cow<'e, str>>>> = match text {
        Cow::Borrowed(s) => regex.captures(s).map(|caps| {
            caps.iter()
                .map(|g| g.map(|g| Cow::Borrowed(g.as_str())))
                .collect()
        }),
        Cow::Owned(s) => regex.captures(&s).map(|caps| {
            caps.iter()
                .map(|g| g.map(|g| Cow::Owned(g.as_str().to_owned())))
                .collect()
        }),
    };
    let Some(groups) = groups else {
        return DslValue::None;
    };
    let names = regex
        .capture_names()
        .enumerate()
        .filter_map(|(index, name)| name.map(|name| (name.to_owned(), index)))
        .collect();
    DslValue::Match(Match {
        groups,
        names,
        after_gap: None,
    })
}

/// Python's `int(x)`.
pub(super) fn to_int(value: &DslValue<'_>) -> Result<DslValue<'static>, ValueError> {
    match value {
        DslValue::Int(i) => Ok(DslValue::Int(*i)),
        DslValue::Bool(b) => Ok(DslValue::Int(i64::from(*b))),
        DslValue::Float(f) => float_to_int(*f),
        DslValue::Str(text) => parse_int(text).map(DslValue::Int),
        other => Err(ValueError::NotConvertible {
            function: "int",
            found: other.type_name(),
        }),
    }
}

fn float_to_int(f: f64) -> Result<DslValue<'static>, ValueError> {
    let truncated = f.trunc();
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    if !truncated.is_finite() || truncated < i64::MIN as f64 || truncated >= i64::MAX as f64 {
        return Err(ValueError::FloatOutOfRange { value: f });
    }
    Ok(DslValue::Int(truncated as i64))
}

/// Decimal digits with an optional sign, surrounding whitespace and `_` between digits.
fn parse_int(text: &str) -> Result<i64, ValueError> {
    let invalid = || ValueError::NotAnInt {
        text: text.to_owned(),
    };
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(invalid());
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let too_large = || ValueError::IntTooLarge {
        text: text.to_owned(),
    };
    let magnitude: i128 = clean.parse().map_err(|_| too_large())?;
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).map_err(|_| too_large())
}

/// Python's `float(x)`.
pub(super) fn to_float(value: &DslValue<'_>) -> Result<DslValue<'static>, ValueError> {
    match value {
        DslValue::Float(f) => Ok(DslValue::Float(*f)),
        DslValue::Int(i) => Ok(DslValue::Float(*i as f64)),
        DslValue::Bool(b) => Ok(DslValue::Float(if *b { 1.0 } else { 0.0 })),
        DslValue::Str(text) => text
            .trim()
            .parse::<f64>()
            .map(DslValue::Float)
            .map_err(|_| ValueError::NotAFloat {
                text: text.clone().into_owned(),
            }),
        other => Err(ValueError::NotConvertible {
            function: "float",
            found: other.type_name(),
        }),
    }
}

/// Python's `len(x)`: characters of a string, items of a list or json container.
pub(super) fn length(value: &DslValue<'_>) -> Result<DslValue<'static>, ValueError> {
    let count = match value {
        DslValue::Str(text) => text.chars().count(),
        DslValue::List(items) => items.len(),
        DslValue::Json(json) => match &**json {
            serde_json::Value::Array(items) => items.len(),
            serde_json::Value::Object(map) => map.len(),
            _ => 0,
        },
        other => {
            return Err(ValueError::NoLength {
                found: other.type_name(),
            });
        }
    };
    i64::try_from(count)
        .map(DslValue::Int)
        .map_err(|_| ValueError::LengthOverflow)
}

#[cfg(test)]
mod methods_tests {
    use super::*;

    #[test]
    fn splitlines_knows_pythons_line_breaks() {
        assert_eq!(
            split_lines("a\r\nb\rc\nd\u{2028}e\x0c"),
            vec!["a", "b", "c", "d", "e"]
        );
        assert_eq!(split_lines("a\n\nb"), vec!["a", "", "b"]);
        assert_eq!(split_lines("\n"), vec![""]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn parse_int_follows_python() {
        assert_eq!(parse_int(" -12_345\n"), Ok(-12345));
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert!(parse_int("9223372036854775808").is_err());
        for bad in ["", "-", "1_", "_1", "1__2", "1.0", "0x10", "１"] {
            assert!(parse_int(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strip_borrows_instead_of_copying() {
        let Ok(DslValue::Str(stripped)) =
            string_method(Method::Strip, Cow::Borrowed("  a  "), None)
        else {
            panic!("strip failed");
        };
        assert!(matches!(stripped, Cow::Borrowed("a")));
    }
}
