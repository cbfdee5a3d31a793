//! Size limits of `pass_when`, checked while lexing and parsing, so that anything `goals accept`
//! accepts can be evaluated with bounded recursion, time per node and memory.
//!
//! A crafted expression (5,000 nested `(`, 10,000 chained `.strip()`) used to overflow the
//! stack and abort the process; now it is an error at the column where the limit is crossed.

use super::DslError;
use super::ast::DslNode;

/// Longest expression, in characters (a string literal alone may be 8192 bytes).
pub(super) const MAX_SOURCE_CHARS: usize = 16 * 1024;
/// Most tokens in one expression.
pub(super) const MAX_TOKENS: usize = 2048;
/// Deepest nesting of parentheses, call arguments, `not` and unary `-`.
pub(super) const MAX_NESTING: usize = 64;
/// Tallest syntax tree: bounds chains such as `x.strip().strip()…` and `a + a + a…`, and with
/// them how deep evaluation recurses.
pub(super) const MAX_HEIGHT: usize = 128;

const HINT: &str = "split the condition into simpler parts, or into several goals";

pub(super) fn check_source(chars: usize) -> Result<(), DslError> {
    if chars <= MAX_SOURCE_CHARS {
        return Ok(());
    }
    Err(DslError::new(
        MAX_SOURCE_CHARS + 1,
        format!("expression is {chars} characters long; at most {MAX_SOURCE_CHARS} are allowed"),
    )
    .with_hint(HINT))
}

pub(super) fn check_tokens(count: usize, column: usize) -> Result<(), DslError> {
    if count <= MAX_TOKENS {
        return Ok(());
    }
    Err(DslError::new(
        column,
        format!("expression has more than {MAX_TOKENS} tokens"),
    )
    .with_hint(HINT))
}

pub(super) fn check_nesting(depth: usize, column: usize) -> Result<(), DslError> {
    if depth < MAX_NESTING {
        return Ok(());
    }
    Err(DslError::new(
        column,
        format!("nesting is deeper than {MAX_NESTING} levels (parentheses, calls, 'not', '-')"),
    )
    .with_hint(HINT))
}

pub(super) fn check_height(node: &DslNode, column: usize) -> Result<(), DslError> {
    if node.height <= MAX_HEIGHT {
        return Ok(());
    }
    Err(DslError::new(
        column,
        format!(
            "expression is nested or chained more than {MAX_HEIGHT} levels deep \
             (method calls, fields, '+', parentheses)"
        ),
    )
    .with_hint(HINT))
}
