//! Python function bodies by indentation: which `def`s do nothing (only `pass`, `...` or a
//! docstring), and which are abstract (`@abstractmethod`, `@overload`, `Protocol` members)
//! and so may.

use std::ops::RangeInclusive;

use crate::builtin::finding::{Finding, indent_of};

/// A signature longer than this many lines is not followed (a parse gone wrong).
const MAX_SIGNATURE_LINES: usize = 60;

struct DefBlock {
    name: String,
    def_line: u32,
    /// The last line of the body (the `def` line itself for a one-liner).
    last_line: u32,
    exempt: bool,
    /// Body statements after the docstring, trimmed, comments removed.
    statements: Vec<String>,
}

/// `def`s whose body does nothing; reported on the body's last line, so replacing a real
/// body with `pass` is caught even when the `def` line is unchanged.
pub(super) fn empty_bodies(text: &str) -> Vec<Finding> {
    def_blocks(text)
        .into_iter()
        .filter(|block| !block.exempt && block.statements.iter().all(|s| s == "pass" || s == "..."))
        .map(|block| {
            Finding::new(
                block.last_line,
                format!(
                    "`def {}` (line {}) has an empty body (only pass, ... or a docstring)",
                    block.name, block.def_line
                ),
            )
        })
        .collect()
}

/// Line ranges of abstract definitions, where `raise NotImplementedError` is the contract.
pub(super) fn abstract_bodies(text: &str) -> Vec<RangeInclusive<u32>> {
    def_blocks(text)
        .into_iter()
        .filter(|block| block.exempt)
        .map(|block| block.def_line..=block.last_line)
        .collect()
}

fn def_blocks(text: &str) -> Vec<DefBlock> {
    let lines: Vec<&str> = text.lines().collect();
    let mut protocols: Vec<(usize, bool)> = Vec::new();
    let mut blocks = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = indent_of(line);
        protocols.retain(|(class_indent, _)| *class_indent < indent);
        if let Some(rest) = trimmed.strip_prefix("class ") {
            let bases = rest.split_once('(').map_or("", |(_, b)| b);
            protocols.push((indent, bases.contains("Protocol")));
            continue;
        }
        let Some(rest) = trimmed
            .strip_prefix("def ")
            .or_else(|| trimmed.strip_prefix("async def "))
        else {
            continue;
        };
        let name = rest.split(['(', ' ', ':']).next().unwrap_or("").to_owned();
        let in_protocol = protocols.last().is_some_and(|(_, p)| *p);
        let exempt = in_protocol
            || decorators(&lines, index, indent).iter().any(|d| {
                d.contains("abstractmethod")
                    || d.contains("abstractproperty")
                    || d.contains("overload")
            });
        if let Some(block) = body(&lines, index, indent, name, exempt) {
            blocks.push(block);
        }
    }
    blocks
}

fn decorators(lines: &[&str], def_index: usize, indent: usize) -> Vec<String> {
    lines[..def_index]
        .iter()
        .rev()
        .map_while(|line| {
            let trimmed = line.trim_start();
            (indent_of(line) == indent && trimmed.starts_with('@')).then(|| trimmed.to_owned())
        })
        .collect()
}

/// The body after the signature's closing `:` (inline, or the indented lines below).
fn body(
    lines: &[&str],
    def_index: usize,
    indent: usize,
    name: String,
    exempt: bool,
) -> Option<DefBlock> {
    let (colon_line, inline) = signature_end(lines, def_index)?;
    let mut body_lines: Vec<(u32, String)> = Vec::new();
    if inline.is_empty() {
        for (offset, line) in lines[colon_line + 1..].iter().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if indent_of(line) <= indent {
                break;
            }
            body_lines.push(((colon_line + 2 + offset) as u32, strip_comment(trimmed)));
        }
    } else {
        for statement in inline.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            body_lines.push(((colon_line + 1) as u32, statement.to_owned()));
        }
    }
    let last_line = body_lines
        .last()
        .map_or((colon_line + 1) as u32, |(n, _)| *n);
    Some(DefBlock {
        name,
        def_line: def_index as u32 + 1,
        last_line,
        exempt,
        statements: without_docstring(body_lines),
    })
}

/// The line index of the `:` that ends the signature and the code after it on that line.
fn signature_end(lines: &[&str], def_index: usize) -> Option<(usize, String)> {
    let mut depth = 0i32;
    for (index, line) in lines
        .iter()
        .enumerate()
        .skip(def_index)
        .take(MAX_SIGNATURE_LINES)
    {
        let code = strip_comment(line);
        let mut quote: Option<char> = None;
        for (at, c) in code.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '(' | '[' | '{') => depth += 1,
                (None, ')' | ']' | '}') => depth -= 1,
                (None, ':') if depth == 0 => {
                    return Some((index, code[at + 1..].trim().to_owned()));
                }
                _ => {}
            }
        }
    }
    None
}

fn without_docstring(body: Vec<(u32, String)>) -> Vec<String> {
    let mut statements = body.into_iter().map(|(_, s)| s).peekable();
    if let Some(first) = statements.peek() {
        let opener = first.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
        for triple in ["\"\"\"", "'''"] {
            if let Some(rest) = opener.strip_prefix(triple) {
                let mut closed = rest.contains(triple);
                statements.next();
                while !closed {
                    match statements.next() {
                        Some(line) => closed = line.contains(triple),
                        None => break,
                    }
                }
                return statements.collect();
            }
        }
        if opener.starts_with('"') || opener.starts_with('\'') {
            statements.next();
        }
    }
    statements.collect()
}

/// The code before a `#` comment (a `#` inside a string literal is kept).
fn strip_comment(line: &str) -> String {
    let mut quote: Option<char> = None;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return line[..at].trim_end().to_owned(),
            _ => {}
        }
    }
    line.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"import abc
from typing import Protocol, overload

def real(x):
    return x + 1

def stub(x):
    pass

def documented():
    """Explains nothing.

    Still nothing.
    """

def ellipsis(a,
             b: int = 3) -> dict[str, int]: ...

class Base(abc.ABC):
    @abc.abstractmethod
    def run(self):
        raise NotImplementedError

    @overload
    def f(self, x: int) -> int: ...

class Reader(Protocol):
    def read(self) -> bytes:
        ...

class Concrete(Base):
    def run(self):
        # comment only before pass
        pass  # trailing
"#;

    #[test]
    fn empty_bodies_are_found_and_abstract_ones_spared() {
        let found: Vec<(u32, String)> = empty_bodies(SOURCE)
            .into_iter()
            .map(|f| (f.line, f.message))
            .collect();
        let names: Vec<&str> = found
            .iter()
            .map(|(_, m)| m.split('`').nth(1).unwrap_or(""))
            .collect();
        assert_eq!(
            names,
            ["def stub", "def documented", "def ellipsis", "def run"],
            "{found:?}"
        );
        assert_eq!(found[0].0, 8, "reported on the pass line");
        assert_eq!(found[2].0, 17, "a one-liner is reported on its colon line");
        assert_eq!(found[3].0, 34);
    }

    #[test]
    fn abstract_bodies_cover_their_raise() {
        let ranges = abstract_bodies(SOURCE);
        assert!(ranges.iter().any(|r| r.contains(&22)), "{ranges:?}");
        assert!(!ranges.iter().any(|r| r.contains(&8)));
    }
}
