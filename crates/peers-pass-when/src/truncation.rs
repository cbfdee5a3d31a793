//! Verdicts over truncated output: which results could depend on the dropped middle of a
//! stream, so that the gate fails closed instead of passing on what it did not see.
//!
//! A stream over the capture cap reaches the judge as its head, a marker line and its tail
//! (where test summaries are). Text derived from it (`stdout`, `stdout.strip()`, `a + stdout`)
//! is *tainted*. A decision on tainted text is certain only when what it found lies wholly in
//! a kept part: `'x' in stdout` that is true, a `regex()` match in the head, `startswith`
//! within the head, `endswith` within the tail, a match's existence (`is not None`). A search
//! that found nothing, `not in` that holds, `len`, `==`, `int()`, a list made from the text, or
//! the groups of a match found after the gap could change with the middle: they are uncertain,
//! and an evaluation that made an uncertain decision fails with [`uncertain_error`].

use super::Truncation;
use super::ast::Method;
use super::ast::{Call, DslNode, NodeKind, Var};
use super::error::{EvalError, EvalFailure};

/// The stream whose truncated text `node` produces, if any (looked at statically: the
/// variable, or an operation that passes text through).
pub(super) fn tainted(node: &DslNode, streams: &[Option<Truncation<'_>>; 2]) -> Option<Var> {
    match &node.kind {
        NodeKind::Var(var @ Var::Stdout) if streams[0].is_some() => Some(*var),
        NodeKind::Var(var @ Var::Stderr) if streams[1].is_some() => Some(*var),
        NodeKind::Add(left, right) => tainted(left, streams).or_else(|| tainted(right, streams)),
        NodeKind::And(operands) | NodeKind::Or(operands) => operands
            .iter()
            .find_map(|operand| tainted(operand, streams)),
        NodeKind::Method {
            receiver, method, ..
        } if passes_text_through(*method) => tainted(receiver, streams),
        _ => None,
    }
}

fn passes_text_through(method: Method) -> bool {
    matches!(
        method,
        Method::Strip
            | Method::Lstrip
            | Method::Rstrip
            | Method::Lower
            | Method::Upper
            | Method::Split
            | Method::Splitlines
    )
}

/// Whether `node` reads tainted text that decides its result (`len(stdout)`, `int(stdout)`,
/// a json path or a regex pattern made from output).
pub(super) fn call_argument_tainted(
    call: &Call,
    streams: &[Option<Truncation<'_>>; 2],
) -> Option<Var> {
    match call {
        Call::Regex { pattern, .. } => tainted(pattern, streams),
        Call::Json(x) | Call::Int(x) | Call::Float(x) | Call::Len(x) => tainted(x, streams),
    }
}

/// Byte ranges of the omission markers in `text` (the marker itself, and upper-cased by
/// `.upper()`); an agent printing a look-alike only makes the check stricter.
pub(super) fn gaps(text: &str, truncation: &Truncation<'_>) -> Vec<(usize, usize)> {
    let upper = truncation.marker.to_uppercase();
    let mut ranges: Vec<(usize, usize)> = [truncation.marker, upper.as_str()]
        .iter()
        .flat_map(|marker| {
            text.match_indices(marker)
                .map(|(start, found)| (start, start + found.len()))
        })
        .collect();
    ranges.sort_unstable();
    ranges
}

/// Whether `needle` occurs in `text` within a kept part (not across a marker).
pub(super) fn found_in_kept_part(text: &str, needle: &str, gaps: &[(usize, usize)]) -> bool {
    let mut start = 0;
    for &(gap_start, gap_end) in gaps {
        if text
            .get(start..gap_start)
            .is_some_and(|part| part.contains(needle))
        {
            return true;
        }
        start = gap_end.max(start);
    }
    text.get(start..).is_some_and(|part| part.contains(needle))
}

/// Where a regex match at `start..end` stands against the gaps: `None` when it touches one
/// (the marker's line breaks or characters may have made it), else whether it lies after one.
pub(super) fn match_position(start: usize, end: usize, gaps: &[(usize, usize)]) -> Option<bool> {
    if gaps.is_empty() {
        return None;
    }
    let touches = gaps
        .iter()
        .any(|&(gap_start, gap_end)| start <= gap_end && end >= gap_start);
    if touches {
        return None;
    }
    Some(gaps.iter().any(|&(_, gap_end)| start >= gap_end))
}

/// Whether `text.startswith(prefix)` / `text.endswith(suffix)` was decided inside a kept part.
pub(super) fn affix_in_kept_part(
    method: Method,
    text: &str,
    affix_len: usize,
    gaps: &[(usize, usize)],
) -> bool {
    match (method, gaps.first(), gaps.last()) {
        (Method::Startswith, Some(&(first_gap, _)), _) => affix_len < first_gap,
        (Method::Endswith, _, Some(&(_, last_gap_end))) => {
            text.len().saturating_sub(last_gap_end) > affix_len
        }
        _ => false,
    }
}

/// The error of an evaluation that rested on the omitted middle of `stream`.
pub(super) fn uncertain_error(
    column: usize,
    stream: Var,
    truncation: &Truncation<'_>,
) -> EvalError {
    let name = match stream {
        Var::Stderr => "stderr",
        _ => "stdout",
    };
    EvalError::at(
        column,
        EvalFailure::Truncated {
            stream: name,
            omitted_bytes: truncation.omitted_bytes,
            cap_mib: truncation.cap_mib,
        },
    )
}
