//! Evaluator of `pass_when`: walks the checked tree against one command result.

use std::borrow::Cow;
use std::rc::Rc;

use super::ast::{Call, Comparison, Literal, Node, NodeKind, Var};
use super::calls::{check_json_path, compile_regex};
use super::names::suggest;
use super::value::{self, Value, preview};
use super::{EvalError, EvalInput, JsonLoader, methods};

pub(super) fn evaluate<'e>(root: &'e Node, input: &EvalInput<'e>) -> Result<bool, EvalError> {
    let mut evaluator = Evaluator {
        exit_code: input.exit_code,
        stdout: input.stdout,
        stderr: input.stderr,
        loader: input.json_loader,
        documents: Vec::new(),
    };
    match evaluator.eval(root)? {
        Value::Bool(result) => Ok(result),
        other => Err(EvalError {
            message: format!(
                "pass_when must produce True or False, but produced {}",
                other.describe()
            ),
        }),
    }
}

struct Evaluator<'e> {
    exit_code: Option<i32>,
    stdout: &'e str,
    stderr: &'e str,
    loader: &'e dyn JsonLoader,
    /// Files already read by `json()` in this evaluation, so each is read once.
    documents: Vec<(String, Rc<serde_json::Value>)>,
}

impl<'e> Evaluator<'e> {
    fn eval(&mut self, node: &'e Node) -> Result<Value<'e>, EvalError> {
        let at = |message: String| EvalError::at(node.column, message);
        match &node.kind {
            NodeKind::Literal(literal) => Ok(literal_value(literal)),
            NodeKind::Var(var) => Ok(self.variable(*var)),
            NodeKind::Not(operand) => Ok(Value::Bool(!self.eval(operand)?.truthy())),
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
                let receiver = self.eval(receiver)?;
                let args = args
                    .iter()
                    .map(|arg| self.eval(arg))
                    .collect::<Result<Vec<_>, _>>()?;
                methods::call_method(*method, receiver, args).map_err(at)
            }
            NodeKind::Field { .. } => self.field(node),
        }
    }

    fn variable(&self, var: Var) -> Value<'e> {
        match var {
            Var::ExitCode => self
                .exit_code
                .map_or(Value::None, |code| Value::Int(i64::from(code))),
            Var::Stdout => Value::Str(Cow::Borrowed(self.stdout)),
            Var::Stderr => Value::Str(Cow::Borrowed(self.stderr)),
        }
    }

    /// Python's `and` (`stop_when` false) and `or` (true): the first operand whose truth is
    /// `stop_when`, else the last one.
    fn short_circuit(
        &mut self,
        operands: &'e [Node],
        stop_when: bool,
    ) -> Result<Value<'e>, EvalError> {
        let mut last = Value::Bool(!stop_when);
        for operand in operands {
            last = self.eval(operand)?;
            if last.truthy() == stop_when {
                break;
            }
        }
        Ok(last)
    }

    /// `a < b < c` holds when every link holds; each operand is evaluated at most once.
    fn compare(&mut self, first: &'e Node, rest: &'e [Comparison]) -> Result<Value<'e>, EvalError> {
        let mut left_node = first;
        let mut left = self.eval(first)?;
        for link in rest {
            let right = self.eval(&link.right)?;
            let holds = value::compare(link.op, &left, &right).map_err(|message| {
                let killed =
                    [(left_node, &left), (&link.right, &right)]
                        .iter()
                        .any(|(node, value)| {
                            matches!(node.kind, NodeKind::Var(Var::ExitCode))
                                && matches!(value, Value::None)
                        });
                let note = if killed {
                    " (exit_code is None: the command was killed or timed out)"
                } else {
                    ""
                };
                EvalError::at(link.column, format!("{message}{note}"))
            })?;
            if !holds {
                return Ok(Value::Bool(false));
            }
            left_node = &link.right;
            left = right;
        }
        Ok(Value::Bool(true))
    }

    fn call(&mut self, call: &'e Call, column: usize) -> Result<Value<'e>, EvalError> {
        let at = |message: String| EvalError::at(column, message);
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
                        dynamic = compile_regex(&pattern).map_err(|(message, _)| at(message))?;
                        &dynamic
                    }
                };
                let text = self.string_argument(text, "regex() text")?;
                Ok(methods::search(regex, text))
            }
            Call::Json(path) => {
                let path = self.string_argument(path, "json() path")?;
                check_json_path(&path).map_err(at)?;
                let document = self.document(&path).map_err(at)?;
                Ok(match &*document {
                    serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                        Value::Json(document)
                    }
                    scalar => value::from_json(scalar),
                })
            }
            Call::Int(x) => methods::to_int(&self.eval(x)?).map_err(at),
            Call::Float(x) => methods::to_float(&self.eval(x)?).map_err(at),
            Call::Len(x) => methods::length(&self.eval(x)?).map_err(at),
        }
    }

    fn string_argument(&mut self, node: &'e Node, what: &str) -> Result<Cow<'e, str>, EvalError> {
        match self.eval(node)? {
            Value::Str(text) => Ok(text),
            other => Err(EvalError::at(
                node.column,
                format!("{what} must be a string, not {}", other.type_name()),
            )),
        }
    }

    fn document(&mut self, path: &str) -> Result<Rc<serde_json::Value>, String> {
        if let Some((_, document)) = self.documents.iter().find(|(known, _)| known == path) {
            return Ok(Rc::clone(document));
        }
        let document = Rc::new(
            self.loader
                .load(path)
                .map_err(|error| format!("json({}): {error}", preview(path)))?,
        );
        self.documents.push((path.to_owned(), Rc::clone(&document)));
        Ok(document)
    }

    /// `base.a.b.c`: navigates the whole chain by reference and copies only the end node.
    fn field(&mut self, node: &'e Node) -> Result<Value<'e>, EvalError> {
        let mut chain: Vec<(&'e str, usize)> = Vec::new();
        let mut base = node;
        while let NodeKind::Field { base: inner, name } = &base.kind {
            chain.push((name, base.column));
            base = inner;
        }
        chain.reverse();
        let root = self.eval(base)?;
        let Value::Json(document) = root else {
            let (name, column) = chain.first().copied().unwrap_or(("", node.column));
            return Err(EvalError::at(
                column,
                format!(
                    "'.{name}' reads a json field, but the value is {}",
                    root.describe()
                ),
            ));
        };
        let mut current: &serde_json::Value = &document;
        let mut path = String::new();
        for (name, column) in chain {
            current =
                step(current, name, &path).map_err(|message| EvalError::at(column, message))?;
            path.push('.');
            path.push_str(name);
        }
        Ok(value::from_json(current))
    }
}

/// One field access, with a message naming what is there instead when it fails.
fn step<'j>(
    current: &'j serde_json::Value,
    name: &str,
    path: &str,
) -> Result<&'j serde_json::Value, String> {
    let where_ = if path.is_empty() {
        "the json document".to_owned()
    } else {
        format!("'{path}'")
    };
    let serde_json::Value::Object(map) = current else {
        let kind = match current {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "a bool",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Array(_) => "an array (arrays cannot be indexed; use len() or in)",
            serde_json::Value::Object(_) => "an object",
        };
        return Err(format!("cannot read '.{name}': {where_} is {kind}"));
    };
    map.get(name).ok_or_else(|| {
        let mut message = format!("{where_} has no field '{name}'");
        match suggest(name, map.keys().map(String::as_str)) {
            Some(best) => message.push_str(&format!("; did you mean '{best}'?")),
            None if map.len() <= 20 => {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                message.push_str(&format!("; fields: {}", keys.join(", ")));
            }
            None => {}
        }
        message
    })
}

fn literal_value(literal: &Literal) -> Value<'_> {
    match literal {
        Literal::None => Value::None,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::Int(*i),
        Literal::Float(f) => Value::Float(*f),
        Literal::Str(s) => Value::Str(Cow::Borrowed(s)),
    }
}
