//! Why an evaluation of `pass_when` could not decide: the column and the failed step, or a
//! result that is not a bool. The gate fails with the Display of [`EvalError`].

use super::calls::{JsonPathError, PatternError};
use super::value::{ValueError, preview};

/// Why an evaluation could not decide; the gate fails with this message.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A step of the expression failed; `column` counts characters from 1, as in [`DslError`].
    ///
    /// [`DslError`]: super::DslError
    #[error("column {column}: {failure}")]
    At { column: usize, failure: EvalFailure },
    /// The expression finished with a value that is not True or False (described: `int 3`).
    #[error("pass_when must produce True or False, but produced {produced}")]
    NotBool { produced: String },
}

impl EvalError {
    pub(crate) fn at(column: usize, failure: impl Into<EvalFailure>) -> Self {
        Self::At {
            column,
            failure: failure.into(),
        }
    }
}

/// One step of an evaluation that failed.
#[derive(Debug, thiserror::Error)]
pub enum EvalFailure {
    #[error(
        "evaluation ran out of the gate's time budget (timeout_s); \
         hint: simplify the regex patterns or raise the goal's timeout_s"
    )]
    OutOfTime,
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A comparison with `exit_code` failed because the command was killed.
    #[error("{0} (exit_code is None: the command was killed or timed out)")]
    ExitCodeNone(ValueError),
    /// A pattern computed at run time (literal patterns are checked by `parse`).
    #[error(transparent)]
    Pattern(#[from] PatternError),
    /// A path computed at run time (literal paths are checked by `parse`).
    #[error(transparent)]
    JsonPath(#[from] JsonPathError),
    #[error("json({}): {source}", preview(path))]
    Json {
        path: String,
        #[source]
        source: JsonLoadError,
    },
    /// The argument of `regex()` or `json()` named by `what` is not a string.
    #[error("{what} must be a string, not {found}")]
    NotString {
        what: &'static str,
        found: &'static str,
    },
    /// `.name` on something that is not a json document (`found` is described: `str 'x'`).
    #[error("'.{name}' reads a json field, but the value is {found}")]
    NotJson { name: String, found: String },
    /// `.name` on a json scalar or array; `path` is the fields read before it.
    #[error("cannot read '.{name}': {} is {kind}", place(path))]
    FieldOfScalar {
        name: String,
        path: String,
        kind: &'static str,
    },
    #[error("{} has no field '{name}'{known}", place(path))]
    NoField {
        name: String,
        path: String,
        known: KnownFields,
    },
    /// The result could depend on the middle dropped from `stream`'s captured output.
    #[error(
        "{stream} was truncated to its head and tail ({omitted_bytes} bytes omitted in the \
         middle) and this result could depend on the omitted part, so the gate fails closed; \
         hint: raise `goals.output_cap_mib` in .peers/config.yaml (now {cap_mib} MiB per \
         stream), or make the command print less (its last lines are always kept)"
    )]
    Truncated {
        stream: &'static str,
        omitted_bytes: u64,
        cap_mib: u64,
    },
}

/// Where a json field was looked for: the document itself, or `.a.b` inside it.
fn place(path: &str) -> String {
    if path.is_empty() {
        "the json document".to_owned()
    } else {
        format!("'{path}'")
    }
}

/// What a json object does have, said after a missing field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownFields {
    /// The closest key to the one asked for.
    Suggestion(String),
    /// Every key, when there are few and none is close.
    All(Vec<String>),
    /// Too many keys to list and none close.
    Many,
}

impl std::fmt::Display for KnownFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Suggestion(best) => write!(f, "; did you mean '{best}'?"),
            Self::All(keys) => write!(f, "; fields: {}", keys.join(", ")),
            Self::Many => Ok(()),
        }
    }
}

/// Why a [`JsonLoader`](super::JsonLoader) could not give the document of `json('path')`.
#[derive(Debug, thiserror::Error)]
pub enum JsonLoadError {
    /// The file could not be read (missing, a symlink, too large, ...), in the loader's words.
    #[error(transparent)]
    Unreadable(Box<dyn std::error::Error + Send + Sync>),
    #[error("{path} is not valid JSON: {source}")]
    Invalid {
        path: String,
        #[source]
        source: serde_json::Error,
    },
}
