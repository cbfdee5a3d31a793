//! Typed reading of a spanned YAML tree: every accessor either returns the value or a
//! [`DecodeError`] that names the file, the dotted key, the line and what was found.

use super::{Key, Node, Value};
use crate::decode_error::DecodeError;
use crate::location::Span;
use crate::suggest;

/// One value together with the dotted path that names it in messages.
#[derive(Debug, Clone)]
pub(crate) struct Field<'a> {
    pub file: &'a str,
    pub path: String,
    pub node: &'a Node,
}

/// A mapping value, read key by key.
#[derive(Debug, Clone)]
pub(crate) struct Map<'a> {
    pub file: &'a str,
    pub path: String,
    pub span: Span,
    pub entries: &'a [(Key, Node)],
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Field<'a> {
    pub fn new(file: &'a str, path: impl Into<String>, node: &'a Node) -> Self {
        Self {
            file,
            path: path.into(),
            node,
        }
    }

    pub fn err(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.file, Some(self.node.span), Some(&self.path), message)
    }

    fn expected(&self, what: &str) -> DecodeError {
        self.err(format!("expected {what}, found {}", self.node.describe()))
    }

    pub fn is_null(&self) -> bool {
        self.node.is_null()
    }

    pub fn pos_int(&self) -> Result<u64, DecodeError> {
        match self.node.value {
            Value::Int(i) if i > 0 => Ok(i.unsigned_abs()),
            _ => Err(self.expected("a positive integer")),
        }
    }

    pub fn non_neg_int(&self) -> Result<u64, DecodeError> {
        match self.node.value {
            Value::Int(i) if i >= 0 => Ok(i.unsigned_abs()),
            _ => Err(self.expected("an integer of 0 or more")),
        }
    }

    pub fn pos_u32(&self) -> Result<u32, DecodeError> {
        u32::try_from(self.pos_int()?)
            .map_err(|_| self.expected("a positive integer up to 4294967295"))
    }

    /// A positive integer no greater than `max`.
    pub fn pos_int_up_to(&self, max: u64) -> Result<u64, DecodeError> {
        match self.pos_int() {
            Ok(value) if value <= max => Ok(value),
            _ => Err(self.expected(&format!("a positive integer up to {max}"))),
        }
    }

    /// A positive, finite number; integers are accepted.
    pub fn pos_number(&self) -> Result<f64, DecodeError> {
        let x = match self.node.value {
            // Amounts are far below 2^53, where the conversion is exact.
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
            _ => f64::NAN,
        };
        if x.is_finite() && x > 0.0 {
            Ok(x)
        } else {
            Err(self.expected("a positive number"))
        }
    }

    pub fn bool(&self) -> Result<bool, DecodeError> {
        match &self.node.value {
            Value::Bool(b) => Ok(*b),
            Value::Str { style, .. } if style.is_quoted() => Err(self
                .expected("true or false")
                .with_hint("remove the quotes: a quoted value is a string, not a boolean")),
            _ => Err(self.expected("true or false")),
        }
    }

    pub fn string(&self) -> Result<&'a str, DecodeError> {
        match &self.node.value {
            Value::Str { text, .. } => Ok(text),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                let shown = self.node.describe();
                Err(self
                    .expected("a string")
                    .with_hint(format!("put it in quotes: '{shown}'")))
            }
            _ => Err(self.expected("a string")),
        }
    }

    pub fn non_empty_string(&self) -> Result<&'a str, DecodeError> {
        let text = self.string()?;
        if text.trim().is_empty() {
            Err(self.err("must not be empty"))
        } else {
            Ok(text)
        }
    }

    /// One of a fixed set of words; a near miss gets a did-you-mean.
    pub fn choice<T: Copy>(&self, options: &[(&str, T)]) -> Result<T, DecodeError> {
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let expected = format!("one of {}", names.join(", "));
        let text = match &self.node.value {
            Value::Str { text, .. } => text,
            _ => return Err(self.expected(&expected)),
        };
        match options.iter().find(|(name, _)| name == text) {
            Some((_, value)) => Ok(*value),
            None => Err(self
                .expected(&expected)
                .with_hint_opt(suggest::hint_for(text, &names))),
        }
    }

    pub fn list(&self) -> Result<Vec<Field<'a>>, DecodeError> {
        match &self.node.value {
            Value::Sequence(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, node)| Field::new(self.file, format!("{}[{i}]", self.path), node))
                .collect()),
            _ => Err(self.expected("a list")),
        }
    }

    pub fn string_list(&self) -> Result<Vec<String>, DecodeError> {
        self.list()?
            .iter()
            .map(|f| f.non_empty_string().map(str::to_owned))
            .collect()
    }

    pub fn map(&self) -> Result<Map<'a>, DecodeError> {
        match &self.node.value {
            Value::Mapping(entries) => Ok(Map {
                file: self.file,
                path: self.path.clone(),
                span: self.node.span,
                entries,
            }),
            _ => Err(self.expected("a mapping")),
        }
    }
}

impl<'a> Map<'a> {
    pub fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub fn field(&self, key: &str) -> Option<Field<'a>> {
        let (_, node) = self.entries.iter().find(|(k, _)| k.text == key)?;
        Some(Field::new(self.file, self.path_of(key), node))
    }

    /// Reads `key` with `read` when present.
    pub fn opt<T>(
        &self,
        key: &str,
        read: impl FnOnce(&Field<'a>) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        self.field(key).map(|f| read(&f)).transpose()
    }

    /// Like [`Map::opt`], but an explicit `null` reads as `Some(None)`.
    pub fn opt_or_null<T>(
        &self,
        key: &str,
        read: impl FnOnce(&Field<'a>) -> Result<T, DecodeError>,
    ) -> Result<Option<Option<T>>, DecodeError> {
        self.opt(key, |f| {
            if f.is_null() {
                Ok(None)
            } else {
                read(f).map(Some)
            }
        })
    }

    pub fn required(&self, key: &str) -> Result<Field<'a>, DecodeError> {
        self.field(key)
            .ok_or_else(|| self.err_here(format!("missing required key '{key}'")))
    }

    /// An error about the mapping as a whole, pointing at its first line.
    pub fn err_here(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.file, Some(self.span), Some(&self.path), message)
    }

    /// The first key not in `known` is an error, with a did-you-mean over `known`.
    pub fn check_keys(&self, known: &[&str]) -> Result<(), DecodeError> {
        for (key, _) in self.entries {
            if known.contains(&key.text.as_str()) {
                continue;
            }
            let hint = suggest::hint_for(&key.text, known)
                .unwrap_or_else(|| format!("valid keys here: {}", known.join(", ")));
            return Err(DecodeError::new(
                self.file,
                Some(key.span),
                Some(&self.path_of(&key.text)),
                "unknown key",
            )
            .with_hint(hint));
        }
        Ok(())
    }
}

/// A YAML node as JSON (keys in order): how gate `params:` and mode files carry free-form
/// values. Non-finite floats are refused.
pub(crate) fn to_json(field: &Field<'_>) -> Result<serde_json::Value, DecodeError> {
    let node: &Node = field.node;
    Ok(match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(x) => serde_json::Number::from_f64(*x)
            .map(serde_json::Value::Number)
            .ok_or_else(|| {
                field.err(format!(
                    "expected a finite number, found {}",
                    node.describe()
                ))
            })?,
        Value::Str { text, .. } => serde_json::Value::String(text.clone()),
        Value::Sequence(_) => serde_json::Value::Array(
            field
                .list()?
                .iter()
                .map(to_json)
                .collect::<Result<_, _>>()?,
        ),
        Value::Mapping(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(key, value)| {
                    let child =
                        Field::new(field.file, format!("{}.{}", field.path, key.text), value);
                    Ok((key.text.clone(), to_json(&child)?))
                })
                .collect::<Result<_, DecodeError>>()?,
        ),
    })
}
