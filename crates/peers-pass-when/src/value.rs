//! Run-time values of `pass_when` and Python's rules for them: truthiness, equality,
//! ordering, `in`, `is`, `+` and unary `-`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::rc::Rc;

use super::ast::{CompareOp, Var};

/// A value during evaluation. Strings borrow from the command's output or the expression
/// where they can, so `'x' in stdout` copies nothing.
#[derive(Debug, Clone)]
pub(super) enum DslValue<'e> {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'e, str>),
    List(Vec<DslValue<'e>>),
    Match(Match<'e>),
    /// A json array or object; json scalars become the plain variants.
    Json(Rc<serde_json::Value>),
}

/// A successful `regex()` search.
#[derive(Debug, Clone)]
pub(super) struct Match<'e> {
    /// Group 0 is the whole match; `None` for a group that did not take part.
    pub(super) groups: Vec<Option<Cow<'e, str>>>,
    /// Named groups and their indexes.
    pub(super) names: Vec<(String, usize)>,
    /// Found after the omitted middle of truncated output, so an earlier match may have been
    /// dropped: its groups cannot be trusted (see `truncation`).
    pub(super) after_gap: Option<Var>,
}

impl DslValue<'_> {
    pub(super) fn truthy(&self) -> bool {
        match self {
            Self::None => false,
            Self::Bool(b) => *b,
            Self::Int(i) => *i != 0,
            Self::Float(f) => *f != 0.0,
            Self::Str(s) => !s.is_empty(),
            Self::List(items) => !items.is_empty(),
            Self::Match(_) => true,
            Self::Json(json) => match &**json {
                serde_json::Value::Array(items) => !items.is_empty(),
                serde_json::Value::Object(map) => !map.is_empty(),
                _ => true,
            },
        }
    }

    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Bool(_) => "bool",
            Self::Int(_) => "int",
            Self::Float(_) => "float",
            Self::Str(_) => "str",
            Self::List(_) => "list",
            Self::Match(_) => "regex match",
            Self::Json(json) if json.is_array() => "json array",
            Self::Json(_) => "json object",
        }
    }

    /// The type and a short rendering, for messages: `str 'abc'`, `int 3`.
    pub(super) fn describe(&self) -> String {
        match self {
            Self::None => "None".to_owned(),
            Self::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            Self::Int(i) => format!("int {i}"),
            Self::Float(f) => format!("float {f}"),
            Self::Str(s) => format!("str {}", preview(s)),
            Self::List(items) => format!("list of {} items", items.len()),
            _ => self.type_name().to_owned(),
        }
    }
}

/// An operation on values that Python would refuse with a TypeError or ValueError; the
/// evaluator adds the column. Type names are the language's (`str`, `int`, `json array`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    #[error("'{op}' is not supported between {left} and {right}")]
    Unordered {
        op: &'static str,
        left: &'static str,
        right: &'static str,
    },
    #[error("'in <str>' needs a string on the left, not {found}")]
    InStrNeedsStr { found: &'static str },
    #[error("'in' needs a string, list or json array/object on the right, not {found}")]
    InNeedsContainer { found: &'static str },
    #[error("integer overflow in '{operator}'")]
    Overflow { operator: char },
    #[error("cannot add {left} and {right}; '+' joins two strings or adds two numbers")]
    CannotAdd {
        left: &'static str,
        right: &'static str,
    },
    #[error("unary '-' needs a number, not {found}")]
    NegateNeedsNumber { found: &'static str },
    #[error(
        "regex() found no match, so .group() has nothing to return; \
         test it first: regex(...) is not None and ..."
    )]
    GroupOfNoMatch,
    #[error(".group() needs a regex match, not {found}")]
    GroupNeedsMatch { found: &'static str },
    #[error(".group() needs a group number or name, not {found}")]
    GroupSelector { found: &'static str },
    #[error("no such group: {number}")]
    NegativeGroup { number: i64 },
    #[error("no such group: {index} (the pattern has {groups} groups)")]
    GroupOutOfRange { index: usize, groups: usize },
    #[error("no group named {}", preview(name))]
    NoGroupNamed { name: String },
    #[error(".{method}() needs a string, not {found}")]
    MethodNeedsStr {
        method: &'static str,
        found: &'static str,
    },
    #[error(".{method}() needs a string argument, not {found}")]
    MethodArgument {
        method: &'static str,
        found: &'static str,
    },
    #[error(".split() separator must not be empty")]
    EmptySeparator,
    /// `int()` or `float()` of a value that is neither text nor a number.
    #[error("{function}() needs a string or a number, not {found}")]
    NotConvertible {
        function: &'static str,
        found: &'static str,
    },
    #[error("int() cannot convert float {value}")]
    FloatOutOfRange { value: f64 },
    #[error("int() cannot parse {} as an integer", preview(text))]
    NotAnInt { text: String },
    #[error("int() value {} is too large", preview(text))]
    IntTooLarge { text: String },
    #[error("float() cannot parse {} as a number", preview(text))]
    NotAFloat { text: String },
    #[error("len() needs a string, list or json array/object, not {found}")]
    NoLength { found: &'static str },
    #[error("len() overflowed")]
    LengthOverflow,
}

/// A quoted, shortened rendering of `text`: output can be a megabyte long.
pub(super) fn preview(text: &str) -> String {
    const LIMIT: usize = 60;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Converts a json value; arrays and objects are copied into a shared node.
pub(super) fn from_json(json: &serde_json::Value) -> DslValue<'static> {
    match json {
        serde_json::Value::Null => DslValue::None,
        serde_json::Value::Bool(b) => DslValue::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => DslValue::Int(i),
            None => DslValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => DslValue::Str(Cow::Owned(s.clone())),
        container => DslValue::Json(Rc::new(container.clone())),
    }
}

#[derive(Clone, Copy)]
enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            // Rounds above 2^53; exact enough for exit codes and test counts.
            Self::Int(i) => i as f64,
            Self::Float(f) => f,
        }
    }
}

/// Python treats bools as the ints 0 and 1 in arithmetic and comparisons.
fn number(value: &DslValue<'_>) -> Option<Number> {
    match value {
        DslValue::Bool(b) => Some(Number::Int(i64::from(*b))),
        DslValue::Int(i) => Some(Number::Int(*i)),
        DslValue::Float(f) => Some(Number::Float(*f)),
        _ => None,
    }
}

fn compare_numbers(a: Number, b: Number) -> Option<Ordering> {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
        _ => a.as_f64().partial_cmp(&b.as_f64()),
    }
}

pub(super) fn equals(a: &DslValue<'_>, b: &DslValue<'_>) -> bool {
    match (a, b) {
        (DslValue::Str(x), DslValue::Str(y)) => x == y,
        (DslValue::None, DslValue::None) => true,
        (DslValue::List(x), DslValue::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equals(p, q))
        }
        (DslValue::Json(json), other) | (other, DslValue::Json(json)) => json_equals(json, other),
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => compare_numbers(x, y) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

/// Equality of a json node and a value, without copying the node.
fn json_equals(json: &serde_json::Value, value: &DslValue<'_>) -> bool {
    match (json, value) {
        (serde_json::Value::String(s), DslValue::Str(t)) => s == t,
        (serde_json::Value::Array(items), DslValue::List(values)) => {
            items.len() == values.len() && items.iter().zip(values).all(|(j, v)| json_equals(j, v))
        }
        (serde_json::Value::Array(_) | serde_json::Value::Object(_), DslValue::Json(other)) => {
            json == &**other
        }
        (serde_json::Value::Array(_) | serde_json::Value::Object(_), _) => false,
        (scalar, value) => equals(&from_json(scalar), value),
    }
}

/// Whether `left op right` holds; an error when Python would raise a TypeError.
pub(super) fn compare(
    op: CompareOp,
    left: &DslValue<'_>,
    right: &DslValue<'_>,
) -> Result<bool, ValueError> {
    let ordering =
        |wanted: fn(Ordering) -> bool| order(op, left, right).map(|o| o.is_some_and(wanted));
    match op {
        CompareOp::Eq => Ok(equals(left, right)),
        CompareOp::Ne => Ok(!equals(left, right)),
        CompareOp::Lt => ordering(Ordering::is_lt),
        CompareOp::Le => ordering(Ordering::is_le),
        CompareOp::Gt => ordering(Ordering::is_gt),
        CompareOp::Ge => ordering(Ordering::is_ge),
        CompareOp::In => contains(right, left),
        CompareOp::NotIn => contains(right, left).map(|found| !found),
        CompareOp::Is => Ok(identical(left, right)),
        CompareOp::IsNot => Ok(!identical(left, right)),
    }
}

/// `None` when a float NaN is involved: every ordering is then false, as in Python.
fn order(
    op: CompareOp,
    left: &DslValue<'_>,
    right: &DslValue<'_>,
) -> Result<Option<Ordering>, ValueError> {
    if let (DslValue::Str(x), DslValue::Str(y)) = (left, right) {
        // Byte order of UTF-8 is code point order, which is Python's string order.
        return Ok(Some(x.as_ref().cmp(y.as_ref())));
    }
    match (number(left), number(right)) {
        (Some(x), Some(y)) => Ok(compare_numbers(x, y)),
        _ => Err(ValueError::Unordered {
            op: op.symbol(),
            left: left.type_name(),
            right: right.type_name(),
        }),
    }
}

/// `item in container`.
fn contains(container: &DslValue<'_>, item: &DslValue<'_>) -> Result<bool, ValueError> {
    match (container, item) {
        (DslValue::Str(haystack), DslValue::Str(needle)) => Ok(haystack.contains(needle.as_ref())),
        (DslValue::Str(_), other) => Err(ValueError::InStrNeedsStr {
            found: other.type_name(),
        }),
        (DslValue::List(items), item) => Ok(items.iter().any(|x| equals(x, item))),
        (DslValue::Json(json), item) => Ok(match &**json {
            serde_json::Value::Object(map) => {
                matches!(item, DslValue::Str(key) if map.contains_key(key.as_ref()))
            }
            serde_json::Value::Array(items) => items.iter().any(|x| json_equals(x, item)),
            _ => false,
        }),
        (other, _) => Err(ValueError::InNeedsContainer {
            found: other.type_name(),
        }),
    }
}

/// Python's `is`, meaningful here only for None, True and False.
fn identical(a: &DslValue<'_>, b: &DslValue<'_>) -> bool {
    match (a, b) {
        (DslValue::None, DslValue::None) => true,
        (DslValue::Bool(x), DslValue::Bool(y)) => x == y,
        _ => false,
    }
}

pub(super) fn add<'e>(left: DslValue<'e>, right: DslValue<'e>) -> Result<DslValue<'e>, ValueError> {
    match (left, right) {
        (DslValue::Str(x), DslValue::Str(y)) => {
            let mut joined = x.into_owned();
            joined.push_str(&y);
            Ok(DslValue::Str(Cow::Owned(joined)))
        }
        (DslValue::List(mut x), DslValue::List(y)) => {
            x.extend(y);
            Ok(DslValue::List(x))
        }
        (left, right) => match (number(&left), number(&right)) {
            (Some(Number::Int(x)), Some(Number::Int(y))) => x
                .checked_add(y)
                .map(DslValue::Int)
                .ok_or(ValueError::Overflow { operator: '+' }),
            (Some(x), Some(y)) => Ok(DslValue::Float(x.as_f64() + y.as_f64())),
            _ => Err(ValueError::CannotAdd {
                left: left.type_name(),
                right: right.type_name(),
            }),
        },
    }
}

pub(super) fn negate(value: DslValue<'_>) -> Result<DslValue<'_>, ValueError> {
    match number(&value) {
        Some(Number::Int(i)) => i
            .checked_neg()
            .map(DslValue::Int)
            .ok_or(ValueError::Overflow { operator: '-' }),
        Some(Number::Float(f)) => Ok(DslValue::Float(-f)),
        None => Err(ValueError::NegateNeedsNumber {
            found: value.type_name(),
        }),
    }
}
