//! Calls of `pass_when`'s functions and methods (named in `ast`): the checks made when a call
//! is parsed (regex patterns compiled, json paths validated, receivers typed).

use regex::{Regex, RegexBuilder};

use super::DslError;
use super::ast::{Call, DslFunction, DslNode, Literal, Method, NodeKind, Ty};
use super::names::suggest;

/// Longest regex pattern, in bytes.
pub(super) const MAX_PATTERN_BYTES: usize = 1024;
/// Most bytes a compiled pattern may take. Matching costs up to (compiled size) x (text
/// length), so this bounds the time of one search: `(a{1,100}){1,100}$` is refused.
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Cache of the lazy DFA per pattern (the regex crate's default, made explicit).
const REGEX_DFA_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// Builds the node for `function(args...)` named at `column`, checking what can be checked now.
pub(super) fn build_call(
    function: DslFunction,
    args: Vec<DslNode>,
    column: usize,
) -> Result<DslNode, DslError> {
    let count = args.len();
    let mut args = args.into_iter().map(Box::new);
    let (call, ty) = match (function, args.next(), args.next(), args.next()) {
        (DslFunction::Regex, Some(pattern), Some(text), None) => {
            let compiled = literal_pattern(&pattern)?;
            (
                Call::Regex {
                    pattern,
                    compiled,
                    text,
                },
                Ty::MatchOrNone,
            )
        }
        (DslFunction::Json, Some(path), None, None) => {
            if let NodeKind::Literal(Literal::Str(text)) = &path.kind {
                check_json_path(text)
                    .map_err(|error| DslError::new(path.column, error.to_string()))?;
            }
            (Call::Json(path), Ty::Json)
        }
        (DslFunction::Int, Some(x), None, None) => (Call::Int(x), Ty::Int),
        (DslFunction::Float, Some(x), None, None) => (Call::Float(x), Ty::Float),
        (DslFunction::Len, Some(x), None, None) => (Call::Len(x), Ty::Int),
        _ => return Err(arity_error(function, count, column)),
    };
    Ok(DslNode::new(NodeKind::Call(call), column, ty))
}

fn arity_error(function: DslFunction, count: usize, column: usize) -> DslError {
    let (expected, noun) = if function == DslFunction::Regex {
        (2, "arguments")
    } else {
        (1, "argument")
    };
    DslError::new(
        column,
        format!(
            "{}() takes {expected} {noun} but {} given",
            function.name(),
            given(count)
        ),
    )
    .with_hint(format!("call it as {}", function.signature()))
}

fn given(count: usize) -> String {
    match count {
        0 => "none were".to_owned(),
        1 => "1 was".to_owned(),
        n => format!("{n} were"),
    }
}

fn literal_pattern(pattern: &DslNode) -> Result<Option<Regex>, DslError> {
    match &pattern.kind {
        NodeKind::Literal(Literal::Str(text)) => compile_regex(text).map(Some).map_err(|error| {
            let message = DslError::new(pattern.column, error.to_string());
            match error.hint() {
                Some(hint) => message.with_hint(hint),
                None => message,
            }
        }),
        _ => Ok(None),
    }
}

/// Compiles a `regex()` pattern.
pub(super) fn compile_regex(pattern: &str) -> Result<Regex, PatternError> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(PatternError::TooLong {
            bytes: pattern.len(),
        });
    }
    let built = RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build();
    built.map_err(|source| {
        if let regex::Error::CompiledTooBig(limit) = source {
            return PatternError::TooBig {
                limit_kib: limit / 1024,
            };
        }
        let unsupported = ["(?=", "(?!", "(?<=", "(?<!"]
            .iter()
            .any(|s| pattern.contains(s))
            || (1..=9).any(|n| pattern.contains(&format!("\\{n}")));
        PatternError::Invalid {
            source,
            unsupported,
        }
    })
}

/// A `regex()` pattern that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PatternError {
    #[error("regex pattern is {bytes} bytes; at most {MAX_PATTERN_BYTES} are allowed")]
    TooLong { bytes: usize },
    #[error(
        "regex pattern compiles to more than {limit_kib} KiB, the limit that keeps matching fast"
    )]
    TooBig { limit_kib: usize },
    #[error("invalid regex: {source}")]
    Invalid {
        #[source]
        source: regex::Error,
        /// The pattern uses look-around or a backreference, which the regex crate lacks.
        unsupported: bool,
    },
}

impl PatternError {
    /// How to fix the pattern, when there is more to say than the message.
    pub(super) fn hint(&self) -> Option<&'static str> {
        match self {
            Self::TooLong { .. } => None,
            Self::TooBig { .. } => Some(
                "counted repetitions multiply a pattern's size: write (a+)+ or a{1,20} \
                 instead of (a{1,100}){1,100}",
            ),
            Self::Invalid { unsupported, .. } => unsupported.then_some(
                "look-around and backreferences are not supported (matching runs in linear time)",
            ),
        }
    }
}

/// A `json()` path must stay inside the repository: relative, no empty, `.` or `..` parts.
pub(super) fn check_json_path(path: &str) -> Result<(), JsonPathError> {
    if path.is_empty() {
        return Err(JsonPathError::Empty);
    }
    if path.starts_with('/') {
        return Err(JsonPathError::Absolute {
            path: path.to_owned(),
        });
    }
    if path.contains('\0') {
        return Err(JsonPathError::Nul);
    }
    if let Some(part) = path
        .split('/')
        .find(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return Err(JsonPathError::Component {
            path: path.to_owned(),
            part: part.to_owned(),
        });
    }
    Ok(())
}

/// A `json()` path that could leave the repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPathError {
    #[error("json() needs a file path relative to the repository")]
    Empty,
    #[error("json() path '{path}' must be relative to the repository, not absolute")]
    Absolute { path: String },
    #[error("json() path contains a NUL character")]
    Nul,
    /// `part` is empty, `.` or `..`.
    #[error(
        "json() path '{path}' has {} component; use a plain relative path",
        if part.is_empty() { "an empty" } else { part }
    )]
    Component { path: String, part: String },
}

/// Whether a value of type `ty` may have the method: strings for most, matches for `group`.
fn receiver_allows(ty: Ty, on_match: bool) -> bool {
    if on_match {
        matches!(ty, Ty::MatchOrNone | Ty::Any)
    } else {
        matches!(ty, Ty::Str | Ty::StrOrNone | Ty::Json | Ty::Any)
    }
}

/// A method name pass_when does not know, with the closest one for this kind of receiver.
fn unknown_method(name: &str, column: usize, on_match: bool) -> DslError {
    let candidates = Method::ALL
        .into_iter()
        .filter(|m| m.on_match() == on_match)
        .map(Method::name);
    let error = DslError::new(column, format!("unknown method '.{name}()'"));
    match suggest(name, candidates.clone()) {
        Some(best) => error.with_hint(format!("did you mean '.{best}()'?")),
        None => error.with_hint(format!(
            "available: {}",
            candidates.collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Builds `receiver.name(args...)`, the name at `column`.
pub(super) fn build_method(
    receiver: DslNode,
    name: &str,
    column: usize,
    args: Vec<DslNode>,
) -> Result<DslNode, DslError> {
    let Some(method) = Method::ALL.into_iter().find(|m| m.name() == name) else {
        return Err(unknown_method(name, column, receiver.ty == Ty::MatchOrNone));
    };
    if !receiver_allows(receiver.ty, method.on_match()) {
        let error = DslError::new(
            column,
            format!(
                "method '.{name}()' is not available on {}",
                receiver.ty.describe()
            ),
        );
        return Err(match receiver.ty {
            Ty::MatchOrNone => {
                error.with_hint("take the matched text with .group() or .group(n) first")
            }
            Ty::Str | Ty::StrOrNone => error.with_hint("match with regex(pattern, text).group(n)"),
            _ => error,
        });
    }
    let (least, most) = method.arity();
    if args.len() < least || args.len() > most {
        let expected = if least == most {
            format!("{least}")
        } else {
            format!("{least} or {most}")
        };
        let noun = if (least, most) == (1, 1) {
            "argument"
        } else {
            "arguments"
        };
        let message = format!(
            ".{name}() takes {expected} {noun} but {} given",
            given(args.len())
        );
        return Err(DslError::new(column, message));
    }
    let kind = NodeKind::Method {
        receiver: Box::new(receiver),
        method,
        args,
    };
    Ok(DslNode::new(kind, column, method.result_ty()))
}
