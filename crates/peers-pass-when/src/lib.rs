//! The `pass_when` language: a small, pure expression language that decides whether a hard
//! gate's command passed, from its exit code and output.
//!
//! It is a subset of Python expressions, so existing goals.yaml files keep working:
//!
//! ```text
//! exit_code == 0
//! exit_code == 0 and 'passed' in stdout
//! regex(r'(\d+) passed', stdout) is not None
//! json('target/report.json').totals.failed == 0
//! 0 <= int(regex(r'warnings: (\d+)', stderr).group(1)) < 3
//! ```
//!
//! # Grammar (EBNF)
//!
//! ```text
//! pass_when   = expression ;                         (* must produce True or False *)
//! expression  = and_expr { "or" and_expr } ;
//! and_expr    = not_expr { "and" not_expr } ;
//! not_expr    = "not" not_expr | comparison ;
//! comparison  = sum { compare_op sum } ;             (* a < b < c means a < b and b < c *)
//! compare_op  = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in" | "is" | "is" "not" ;
//! sum         = unary { "+" unary } ;
//! unary       = "-" unary | postfix ;
//! postfix     = atom { "." NAME [ arguments ] } ;    (* json field, or method call *)
//! atom        = literal | variable | function arguments | "(" expression ")" ;
//! arguments   = "(" [ expression { "," expression } [ "," ] ] ")" ;
//! variable    = "exit_code" | "stdout" | "stderr" ;
//! function    = "regex" | "json" | "int" | "float" | "len" ;
//! literal     = STRING { STRING } | INT | FLOAT | "True" | "False" | "None" ;
//! STRING      = [ "r" | "u" ] ( "'" ... "'" | '"' ... '"' ) ;  (* Python escapes; at most 8192 bytes *)
//! INT         = digits with optional single "_" between them ;  (* at most 18 digits *)
//! FLOAT       = Python float literal, e.g. 1.5, .5, 1e3, 2.5e-3 ;
//! ```
//!
//! Whitespace and newlines between tokens are ignored, so a folded YAML value works.
//!
//! # Values
//!
//! - `exit_code`: the command's exit status, or `None` when a signal or the timeout killed it.
//! - `stdout`, `stderr`: the captured output as text.
//! - `regex(pattern, text)`: the first match of `pattern` anywhere in `text` (Python's
//!   `re.search`), or `None`. Patterns use the `regex` crate's syntax (no look-around or
//!   backreferences; matching runs in linear time), at most 1024 bytes. A match is truthy and
//!   has `.group()` / `.group(n)` / `.group('name')`, giving the group's text or `None`.
//! - `json('relative/path.json')`: the parsed JSON file (inside the repository). Read object
//!   fields with `.name` (any name not starting with `_`, keywords included:
//!   `.totals.pass`). Keys that are not identifiers (`pass-rate`, `0`) cannot be read, and
//!   arrays cannot be indexed; use `len(...)` and `in`. Strings, numbers, booleans and null
//!   become ordinary values. Each file is read at most once per evaluation.
//! - `int(x)`, `float(x)`: convert a string, number or bool, as Python does. `len(x)`: the
//!   number of characters of a string, or items of a list, json array or json object.
//! - String methods: `strip`, `lstrip`, `rstrip` (optional characters), `lower`, `upper`,
//!   `split` (optional separator; lists are compared with `==` and searched with `in`),
//!   `splitlines`, `startswith`, `endswith`.
//! - `cwd` from the original tool is not available: commands already run in the repository and
//!   `json()` paths are relative to it.
//!
//! # Semantics
//!
//! Python's: `and`/`or` short-circuit on truthiness (`None`, `False`, `0`, `''`, empty lists
//! and containers are false) and yield an operand; `+` joins strings or adds numbers; `in`
//! finds a substring, a list item, a json array item or a json object key; `is` compares with
//! `None`, `True` or `False` only. Ordering `None` (a killed command's `exit_code`) is an
//! error, and an error fails the gate with its message. So does a final value that is not a
//! bool. Subscripts, collection literals, lambdas, conditional expressions, comprehensions,
//! f-strings and all other operators are rejected when goals.yaml is loaded.
//!
//! # Limits
//!
//! An expression is at most 16,384 characters and 2,048 tokens, nests parentheses, calls,
//! `not` and unary `-` at most 64 deep, and its tree (chains of `.strip()`, `+`, fields) is at
//! most 128 levels tall; a regex pattern compiles to at most 256 KiB (so `(a{1,100}){1,100}`
//! is refused). All are checked by [`parse`], with the column, so whatever `goals accept`
//! accepts evaluates with bounded recursion. Evaluation stops at [`EvalInput::deadline`], the
//! end of the gate's time budget.
//!
//! # Truncated output
//!
//! A stream longer than the capture cap (`goals.output_cap_mib`) is seen as its head and tail
//! joined by a marker line. A result that could depend on the dropped middle (a regex that found
//! nothing, `in` that is false, `len`, `==` on the text, the groups of a match after the gap)
//! fails the gate with a diagnostic naming the truncation and the key that raises the cap; a
//! match or `in` found in the kept text, `startswith` in the head and `endswith` in the tail
//! decide as usual. See the `truncation` module.
//!
//! # Errors
//!
//! [`parse`] reports `column N: message` (plus an optional hint), N counting characters from
//! the start of the expression with a newline as one character. Uses certain to fail are
//! caught there too: unknown names, wrong arities, `stdout.group(1)`, `stdout + 1`, a result
//! that cannot be a bool, invalid regex literals, absolute or `..` json paths.
//! [`PassWhen::evaluate`] errors (a `None` exit code ordered with `<`, `int('abc')`, a missing
//! json field, a non-bool result) also name the column where one applies.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod ast;
mod atom;
mod calls;
mod error;
mod eval;
mod lexer;
mod limits;
mod literal;
mod methods;
mod names;
mod parser;
mod truncation;
mod value;

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::time::Instant;

pub use calls::{JsonPathError, PatternError};
pub use error::{EvalError, EvalFailure, JsonLoadError, KnownFields};
pub use value::ValueError;

/// A parsed, checked `pass_when` expression, ready to be evaluated many times.
#[derive(Clone)]
pub struct PassWhen {
    source: String,
    root: ast::DslNode,
}

/// Parses and checks `source`; every error a user can fix before running the gate is reported
/// here, at load time.
pub fn parse(source: &str) -> Result<PassWhen, DslError> {
    let tokens = lexer::tokenize(source)?;
    let root = parser::parse_tokens(&tokens)?;
    Ok(PassWhen {
        source: source.to_owned(),
        root,
    })
}

impl PassWhen {
    /// Decides the gate. Pure: the only outside access is through `input.json_loader`.
    pub fn evaluate(&self, input: &EvalInput<'_>) -> Result<bool, EvalError> {
        eval::evaluate(&self.root, input)
    }

    /// The expression as the user wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for PassWhen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PassWhen").field(&self.source).finish()
    }
}

/// Two expressions are equal when their sources are: the tree is derived from the source.
impl PartialEq for PassWhen {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for PassWhen {}

/// What one run of a gate's command produced.
pub struct EvalInput<'a> {
    /// `None` when a signal (or the timeout) killed the command.
    pub exit_code: Option<i32>,
    /// Capped by the caller; see `stdout_truncation`.
    pub stdout: &'a str,
    pub stderr: &'a str,
    /// Set when `stdout` is the head and tail of a longer output, joined by a marker line.
    pub stdout_truncation: Option<Truncation<'a>>,
    pub stderr_truncation: Option<Truncation<'a>>,
    pub json_loader: &'a dyn JsonLoader,
    /// When the gate's time budget ends; evaluation stops with an error once it has passed.
    pub deadline: Option<Instant>,
}

/// How a stream handed to `pass_when` was cut (see the `truncation` module).
#[derive(Debug, Clone, Copy)]
pub struct Truncation<'a> {
    /// The exact line that stands where the middle was dropped.
    pub marker: &'a str,
    pub omitted_bytes: u64,
    /// The capture cap per stream, named in the diagnostic (`goals.output_cap_mib`).
    pub cap_mib: u64,
}

/// Reads a JSON file for `json('relative/path')`. The path has already been checked to be
/// relative, without empty, `.` or `..` components; the loader confines it to the repository.
pub trait JsonLoader {
    fn load(&self, relative_path: &str) -> Result<serde_json::Value, JsonLoadError>;
}

/// A `pass_when` expression that cannot be accepted, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct DslError {
    /// 1-based character column in the expression (newlines count as one character).
    pub column: usize,
    pub message: String,
    /// How to fix it, when there is something better to say than the message.
    pub hint: Option<String>,
}

impl DslError {
    pub(crate) fn new(column: usize, message: impl Into<String>) -> Self {
        Self {
            column,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
