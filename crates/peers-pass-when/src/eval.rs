//! Evaluator of `pass_when`: walks the checked tree against one command result.

use std::borrow::Cow;
use std::rc::Rc;
use std::time::Instant;

use super::ast::Method;
use super::ast::{Call, CompareOp, Comparison, DslNode, Literal, NodeKind, Var};
use super::calls::{check_json_path, compile_regex};
use super::error::{EvalError, EvalFailure, KnownFields};
use super::names::suggest;
use super::value::{self, DslValue};
use super::{EvalInput, JsonLoader, Truncation, methods, truncation};

pub(super) fn evaluate<'e>(root: &'e DslNode, input: &EvalInput<'e>) -> Result<bool, EvalError> {
    let mut evaluator = Evaluator {
        exit_code: input.exit_code,
        stdout: input.stdout,
        stderr: input.stderr,
        streams: [input.stdout_truncation, input.stderr_truncation],
        uncertain: None,
        deadline: input.deadline,
        loader: input.json_loader,
        documents: Vec::new(),
    };
    let outcome = evaluator.eval(root);
    // A verdict (or an error such as `.group()` on no match) that rested on the omitted middle
    // of truncated output fails closed, naming the truncation as the cause.
    if let Some((column, stream)) = evaluator.uncertain
        && let Some(truncation) = evaluator.truncation(stream)
    {
        return Err(truncation::uncertain_error(column, stream, &truncation));
    }
    match outcome? {
        DslValue::Bool(result) => Ok(result),
        other => Err(EvalError::NotBool {
            produced: other.describe(),
        }),
    }
}

struct Evaluator<'e> {
    exit_code: Option<i32>,
    stdout: &'e str,
    stderr: &'e str,
    /// How stdout and stderr were truncated, if they were.
    streams: [Option<Truncation<'e>>; 2],
    /// The first decision that could depend on omitted output: its column and stream.
    uncertain: Option<(usize, Var)>,
    deadline: Option<Instant>,
    loader: &'e dyn JsonLoader,
    /// Files already read by `json()` in this evaluation, so each is read once.
    documents: Vec<(String, Rc<serde_json::Value>)>,
}

impl<'e> Evaluator<'e> {
    fn eval(&mut self, node: &'e DslNode) -> Result<DslValue<'e>, EvalError> {
        let at = |error: value::ValueError| EvalError::at(node.column, error);
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Err(EvalError::at(node.column, EvalFailure::OutOfTime));
        }
        match &node.kind {
            NodeKind::Literal(literal) => Ok(literal_value(literal)),
            NodeKind::Var(var) => Ok(self.variable(*var)),
            NodeKind::Not(operand) => Ok(DslValue::Bool(!self.eval(operand)?.truthy())),
            NodeKind::Neg(operand) => value::negate(self.eval(operand)?).map_err(at),
            NodeKind::And(operands) => self.short_circuit(operands, false),
            NodeKind::Or(operands) => self.short_circuit(operands, true),
            NodeKind::Compare { first, rest } => self.compare(first, rest),
            NodeKind::Add(left, right) => {
                let left = self.eval(left)?;
                value::add(left, self.eval(right)?).map_err(at)
            }
            NodeKind::Call(call) => self.call(call, node.column),
            NodeKind::Method {
                receiver,
                method,
                args,
            } => {
                let stream = truncation::tainted(receiver, &self.streams);
                let receiver = self.eval(receiver)?;
                let args = args
                    .iter()
                    .map(|arg| self.eval(arg))
                    .collect::<Result<Vec<_>, _>>()?;
                self.check_method(*method, stream, &receiver, &args, node.column);
                methods::call_method(*method, receiver, args).map_err(at)
            }
            NodeKind::Field { .. } => self.field(node),
        }
    }

    fn variable(&self, var: Var) -> DslValue<'e> {
        match var {
            Var::ExitCode => self
                .exit_code
                .map_or(DslValue::None, |code| DslValue::Int(i64::from(code))),
            Var::Stdout => DslValue::Str(Cow::Borrowed(self.stdout)),
            Var::Stderr => DslValue::Str(Cow::Borrowed(self.stderr)),
        }
    }

    /// Python's `and` (`stop_when` false) and `or` (true): the first operand whose truth is
    /// `stop_when`, else the last one.
    fn short_circuit(
        &mut self,
        operands: &'e [DslNode],
        stop_when: bool,
    ) -> Result<DslValue<'e>, EvalError> {
        let mut last = DslValue::Bool(!stop_when);
        for operand in operands {
            last = self.eval(operand)?;
            if last.truthy() == stop_when {
                break;
            }
        }
        Ok(last)
    }

    /// `a < b < c` holds when every link holds; each operand is evaluated at most once.
    fn compare(
        &mut self,
        first: &'e DslNode,
        rest: &'e [Comparison],
    ) -> Result<DslValue<'e>, EvalError> {
        let mut left_node = first;
        let mut left = self.eval(first)?;
        for link in rest {
            let right = self.eval(&link.right)?;
            self.check_comparison(left_node, &left, &right, link);
            let holds = value::compare(link.op, &left, &right).map_err(|error| {
                let killed =
                    [(left_node, &left), (&link.right, &right)]
                        .iter()
                        .any(|(node, value)| {
                            matches!(node.kind, NodeKind::Var(Var::ExitCode))
                                && matches!(value, DslValue::None)
                        });
                let failure = if killed {
                    EvalFailure::ExitCodeNone(error)
                } else {
                    EvalFailure::Value(error)
                };
                EvalError::at(link.column, failure)
            })?;
            if !holds {
                return Ok(DslValue::Bool(false));
            }
            left_node = &link.right;
            left = right;
        }
        Ok(DslValue::Bool(true))
    }

    fn call(&mut self, call: &'e Call, column: usize) -> Result<DslValue<'e>, EvalError> {
        let at = |failure: EvalFailure| EvalError::at(column, failure);
        if let Some(stream) = truncation::call_argument_tainted(call, &self.streams) {
            self.mark_uncertain(column, stream);
        }
        match call {
            Call::Regex {
                pattern,
                compiled,
                text,
            } => {
                let dynamic;
                let regex = match compiled {
                    Some(regex) => regex,
                    None => {
                        let pattern = self.string_argument(pattern, "regex() pattern")?;
                        dynamic = compile_regex(&pattern).map_err(|e| at(e.into()))?;
                        &dynamic
                    }
                };
                let stream = truncation::tainted(text, &self.streams);
                let text = self.string_argument(text, "regex() text")?;
                let span = stream.map(|_| regex.find(&text).map(|m| (m.start(), m.end())));
                let mut found = methods::search(regex, text.clone());
                if let (Some(stream), Some(span)) = (stream, span) {
                    self.check_search(stream, &text, span, &mut found, column);
                }
                Ok(found)
            }
            Call::Json(path) => {
                let path = self.string_argument(path, "json() path")?;
                check_json_path(&path).map_err(|e| at(e.into()))?;
                let document = self.document(&path).map_err(at)?;
                Ok(match &*document {
                    serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                        DslValue::Json(document)
                    }
                    scalar => value::from_json(scalar),
                })
            }
            Call::Int(x) => methods::to_int(&self.eval(x)?).map_err(|e| at(e.into())),
            Call::Float(x) => methods::to_float(&self.eval(x)?).map_err(|e| at(e.into())),
            Call::Len(x) => methods::length(&self.eval(x)?).map_err(|e| at(e.into())),
        }
    }

    fn string_argument(
        &mut self,
        node: &'e DslNode,
        what: &'static str,
    ) -> Result<Cow<'e, str>, EvalError> {
        match self.eval(node)? {
            DslValue::Str(text) => Ok(text),
            other => Err(EvalError::at(
                node.column,
                EvalFailure::NotString {
                    what,
                    found: other.type_name(),
                },
            )),
        }
    }

    fn document(&mut self, path: &str) -> Result<Rc<serde_json::Value>, EvalFailure> {
        if let Some((_, document)) = self.documents.iter().find(|(known, _)| known == path) {
            return Ok(Rc::clone(document));
        }
        let document = Rc::new(self.loader.load(path).map_err(|source| EvalFailure::Json {
            path: path.to_owned(),
            source,
        })?);
        self.documents.push((path.to_owned(), Rc::clone(&document)));
        Ok(document)
    }

    /// `base.a.b.c`: navigates the whole chain by reference and copies only the end node.
    fn field(&mut self, node: &'e DslNode) -> Result<DslValue<'e>, EvalError> {
        let mut chain: Vec<(&'e str, usize)> = Vec::new();
        let mut base = node;
        while let NodeKind::Field { base: inner, name } = &base.kind {
            chain.push((name, base.column));
            base = inner;
        }
        chain.reverse();
        let root = self.eval(base)?;
        let DslValue::Json(document) = root else {
            let (name, column) = chain.first().copied().unwrap_or(("", node.column));
            return Err(EvalError::at(
                column,
                EvalFailure::NotJson {
                    name: name.to_owned(),
                    found: root.describe(),
                },
            ));
        };
        let mut current: &serde_json::Value = &document;
        let mut path = String::new();
        for (name, column) in chain {
            current =
                step(current, name, &path).map_err(|failure| EvalError::at(column, failure))?;
            path.push('.');
            path.push_str(name);
        }
        Ok(value::from_json(current))
    }
}

/// One field access, with a failure naming what is there instead.
fn step<'j>(
    current: &'j serde_json::Value,
    name: &str,
    path: &str,
) -> Result<&'j serde_json::Value, EvalFailure> {
    let serde_json::Value::Object(map) = current else {
        let kind = match current {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "a bool",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Array(_) => "an array (arrays cannot be indexed; use len() or in)",
            serde_json::Value::Object(_) => "an object",
        };
        return Err(EvalFailure::FieldOfScalar {
            name: name.to_owned(),
            path: path.to_owned(),
            kind,
        });
    };
    map.get(name).ok_or_else(|| {
        let known = match suggest(name, map.keys().map(String::as_str)) {
            Some(best) => KnownFields::Suggestion(best.to_owned()),
            None if map.len() <= 20 => KnownFields::All(map.keys().cloned().collect()),
            None => KnownFields::Many,
        };
        EvalFailure::NoField {
            name: name.to_owned(),
            path: path.to_owned(),
            known,
        }
    })
}

fn literal_value(literal: &Literal) -> DslValue<'_> {
    match literal {
        Literal::None => DslValue::None,
        Literal::Bool(b) => DslValue::Bool(*b),
        Literal::Int(i) => DslValue::Int(*i),
        Literal::Float(f) => DslValue::Float(*f),
        Literal::Str(s) => DslValue::Str(Cow::Borrowed(s)),
    }
}

/// Decisions on truncated output (see the `truncation` module): each records the first one
/// that could depend on the omitted middle.
impl<'e> Evaluator<'e> {
    fn truncation(&self, stream: Var) -> Option<Truncation<'e>> {
        match stream {
            Var::Stdout => self.streams[0],
            Var::Stderr => self.streams[1],
            Var::ExitCode => None,
        }
    }

    fn mark_uncertain(&mut self, column: usize, stream: Var) {
        if self.uncertain.is_none() {
            self.uncertain = Some((column, stream));
        }
    }

    /// A comparison with tainted text is certain only as `is` / `is not`, or as `in` /
    /// `not in` that found its needle in a kept part.
    fn check_comparison(
        &mut self,
        left_node: &DslNode,
        left: &DslValue<'e>,
        right: &DslValue<'e>,
        link: &Comparison,
    ) {
        let left_stream = truncation::tainted(left_node, &self.streams);
        let right_stream = truncation::tainted(&link.right, &self.streams);
        let Some(stream) = left_stream.or(right_stream) else {
            return;
        };
        if matches!(link.op, CompareOp::Is | CompareOp::IsNot) {
            return;
        }
        if left_stream.is_none()
            && matches!(link.op, CompareOp::In | CompareOp::NotIn)
            && let (DslValue::Str(needle), DslValue::Str(text)) = (left, right)
            && let Some(cut) = self.truncation(stream)
            && truncation::found_in_kept_part(text, needle, &truncation::gaps(text, &cut))
        {
            return;
        }
        self.mark_uncertain(link.column, stream);
    }

    /// A search of tainted text is certain when it found a match clear of the gap; a match
    /// after the gap keeps its existence but not its groups.
    fn check_search(
        &mut self,
        stream: Var,
        text: &str,
        span: Option<(usize, usize)>,
        found: &mut DslValue<'e>,
        column: usize,
    ) {
        let Some(cut) = self.truncation(stream) else {
            return;
        };
        let position = span.and_then(|(start, end)| {
            truncation::match_position(start, end, &truncation::gaps(text, &cut))
        });
        match (position, found) {
            (Some(true), DslValue::Match(found)) => found.after_gap = Some(stream),
            (Some(_), _) => {}
            (None, _) => self.mark_uncertain(column, stream),
        }
    }

    fn check_method(
        &mut self,
        method: Method,
        stream: Option<Var>,
        receiver: &DslValue<'e>,
        args: &[DslValue<'e>],
        column: usize,
    ) {
        if let DslValue::Match(found) = receiver
            && let Some(after) = found.after_gap
        {
            self.mark_uncertain(column, after);
        }
        let Some(stream) = stream else {
            return;
        };
        if !matches!(method, Method::Startswith | Method::Endswith) {
            return;
        }
        if let (DslValue::Str(text), Some(DslValue::Str(affix)), Some(cut)) =
            (receiver, args.first(), self.truncation(stream))
            && truncation::affix_in_kept_part(
                method,
                text,
                affix.len(),
                &truncation::gaps(text, &cut),
            )
        {
            return;
        }
        self.mark_uncertain(column, stream);
    }
}
