//! Functions of one source file read with tree-sitter, as `no-stubs` compares them between the
//! baseline and now: qualified name, parameters (receivers left out), whether the body uses
//! any of them, and the values it returns (with `if`/`match`/ternary arms followed).

use std::collections::BTreeMap;

use peers_core::language::Language;
use tree_sitter::Node;

use super::constant::{Consts, is_constant};
use peers_survey::symbols::{normalized, parse, text};

/// What one function looks like, for comparison with the same function in another tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Function {
    /// 1-based line of the function's first line.
    pub line: u32,
    /// 1-based line of its last line.
    pub end_line: u32,
    pub params: Vec<String>,
    pub uses_params: bool,
    /// The returned values, as source text, with whether each is a constant.
    pub results: Vec<(String, bool)>,
    /// The body, whitespace-normalised, to tell a changed body from an unchanged one.
    pub body: String,
}

/// Qualified name (`Class.method`, `Type::method`) → function; the first of duplicates wins.
pub(super) type Functions = BTreeMap<String, Function>;

/// Every function of `source` in `language` (`path` picks the JS/TS grammar).
pub(super) fn functions(path: &str, language: Language, source: &str) -> Functions {
    let grammar: tree_sitter::Language = match language {
        Language::Rust => tree_sitter_rust::LANGUAGE.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
        Language::Go => tree_sitter_go::LANGUAGE.into(),
        Language::Js => match path.rsplit_once('.').map(|(_, ext)| ext) {
            Some("ts" | "mts" | "cts") => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Some("tsx") => tree_sitter_typescript::LANGUAGE_TSX.into(),
            _ => tree_sitter_javascript::LANGUAGE.into(),
        },
    };
    let mut found = Functions::new();
    if let Some(tree) = parse(source, &grammar) {
        let reader = Reader {
            language,
            source,
            consts: Consts::read(tree.root_node(), source),
        };
        reader.walk(tree.root_node(), &mut Vec::new(), &mut found);
    }
    found
}

/// The qualified name of the innermost function around `line` (1-based), if any: the stable
/// place of a finding that does not move when lines above it are added.
pub(crate) fn enclosing(path: &str, language: Language, source: &str, line: u32) -> Option<String> {
    functions(path, language, source)
        .into_iter()
        .filter(|(_, f)| f.line <= line && line <= f.end_line)
        .min_by_key(|(_, f)| f.end_line - f.line)
        .map(|(name, _)| name)
}

struct Reader<'s> {
    language: Language,
    source: &'s str,
    consts: Consts<'s>,
}

/// Node kinds that start a function (a nested one is its own function, not part of the body).
const FUNCTION_KINDS: &[&str] = &[
    "function_definition",
    "function_item",
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
    "method_declaration",
    "arrow_function",
    "function_expression",
    "function",
    "lambda",
    "closure_expression",
    "func_literal",
];

/// Node kinds that name a scope for the functions inside them.
const SCOPE_KINDS: &[&str] = &[
    "class_definition",
    "class_declaration",
    "class",
    "impl_item",
    "trait_item",
    "mod_item",
];

impl Reader<'_> {
    fn walk(&self, node: Node<'_>, scope: &mut Vec<String>, found: &mut Functions) {
        let kind = node.kind();
        if FUNCTION_KINDS.contains(&kind) {
            if let Some(name) = self.function_name(node) {
                let qualified = scope
                    .iter()
                    .cloned()
                    .chain(std::iter::once(name))
                    .collect::<Vec<_>>()
                    .join(self.separator());
                if let Some(function) = self.read(node) {
                    found.entry(qualified).or_insert(function);
                }
            }
        }
        let pushed = SCOPE_KINDS.contains(&kind) && {
            let name = self.scope_name(node);
            scope.push(name);
            true
        };
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.walk(child, scope, found);
        }
        if pushed {
            scope.pop();
        }
    }

    fn separator(&self) -> &'static str {
        match self.language {
            Language::Rust => "::",
            _ => ".",
        }
    }

    fn function_name(&self, node: Node<'_>) -> Option<String> {
        if let Some(name) = node.child_by_field_name("name") {
            let name = text(name, self.source).to_owned();
            if node.kind() == "method_declaration" {
                let receiver = node
                    .child_by_field_name("receiver")
                    .map(|r| receiver_type(r, self.source))
                    .unwrap_or_default();
                return Some(format!("{receiver}.{name}"));
            }
            return Some(name);
        }
        // `const f = (a) => …`, `f: function (a) {…}`: named by what holds it.
        let parent = node.parent()?;
        let holder = match parent.kind() {
            "variable_declarator" => parent.child_by_field_name("name"),
            "pair" => parent.child_by_field_name("key"),
            "assignment_expression" | "assignment" => parent.child_by_field_name("left"),
            _ => None,
        }?;
        Some(text(holder, self.source).to_owned())
    }

    fn scope_name(&self, node: Node<'_>) -> String {
        let field = if node.kind() == "impl_item" {
            node.child_by_field_name("type")
        } else {
            node.child_by_field_name("name")
        };
        let name = field.map(|n| text(n, self.source)).unwrap_or("_");
        name.split('<').next().unwrap_or(name).trim().to_owned()
    }

    fn read(&self, node: Node<'_>) -> Option<Function> {
        let body = node.child_by_field_name("body")?;
        let params = node
            .child_by_field_name("parameters")
            .or_else(|| node.child_by_field_name("parameter"))
            .map(|p| self.parameter_names(p))
            .unwrap_or_default();
        let mut uses_params = false;
        self.visit_body(body, &mut |n| {
            if is_name(n) && params.iter().any(|p| p == text(n, self.source)) {
                uses_params = true;
            }
        });
        let body_text = text(body, self.source);
        // `format!("{x}")` names a parameter inside a string.
        uses_params |= params.iter().any(|p| {
            body_text.contains(&format!("{{{p}}}")) || body_text.contains(&format!("{{{p}:"))
        });
        let mut results = Vec::new();
        if body.kind().contains("block") || body.kind() == "statement_block" {
            self.returns(body, &mut results);
            if self.language == Language::Rust {
                if let Some(tail) = rust_tail(body) {
                    self.result(tail, &mut results);
                }
            }
        } else {
            // An arrow function or lambda whose body is an expression.
            self.result(body, &mut results);
        }
        Some(Function {
            line: node.start_position().row as u32 + 1,
            end_line: node.end_position().row as u32 + 1,
            params,
            uses_params,
            results,
            body: normalized(body_text),
        })
    }

    /// Parameter names, without receivers (`self`, `cls`, `this`), types or default values.
    fn parameter_names(&self, params: Node<'_>) -> Vec<String> {
        let mut names = Vec::new();
        let mut stack = vec![params];
        while let Some(node) = stack.pop() {
            let mut cursor = node.walk();
            for (index, child) in node.children(&mut cursor).enumerate() {
                let field = node.field_name_for_child(index as u32);
                if matches!(field, Some("type" | "value" | "right" | "default")) {
                    continue;
                }
                if matches!(
                    child.kind(),
                    "self_parameter" | "type" | "type_annotation" | "type_identifier"
                ) {
                    continue;
                }
                if is_name(child) {
                    let name = text(child, self.source);
                    if !matches!(name, "self" | "cls" | "this") {
                        names.push(name.to_owned());
                    }
                } else {
                    stack.push(child);
                }
            }
        }
        names
    }

    /// Calls `visit` on every node of a body, not entering nested functions or classes.
    fn visit_body<'t>(&self, node: Node<'t>, visit: &mut dyn FnMut(Node<'t>)) {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            visit(child);
            if !FUNCTION_KINDS.contains(&child.kind()) && !SCOPE_KINDS.contains(&child.kind()) {
                self.visit_body(child, visit);
            }
        }
    }

    fn returns<'t>(&self, body: Node<'t>, results: &mut Vec<(String, bool)>) {
        let mut values = Vec::new();
        self.visit_body(body, &mut |n| {
            if matches!(n.kind(), "return_statement" | "return_expression") {
                let mut cursor = n.walk();
                values.extend(
                    n.named_children(&mut cursor)
                        .filter(|c| c.kind() != "comment"),
                );
            }
        });
        for value in values {
            self.result(value, results);
        }
    }

    /// One returned value, followed through conditionals to the values it can be.
    fn result(&self, node: Node<'_>, results: &mut Vec<(String, bool)>) {
        match node.kind() {
            "block" if self.language == Language::Rust => {
                if let Some(tail) = rust_tail(node) {
                    self.result(tail, results);
                }
            }
            "if_expression" => {
                for field in ["consequence", "alternative"] {
                    if let Some(arm) = node.child_by_field_name(field) {
                        self.result(arm, results);
                    }
                }
            }
            "else_clause" | "match_expression" | "match_block" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "block" | "if_expression" | "match_block" => self.result(child, results),
                        "match_arm" => {
                            if let Some(value) = child.child_by_field_name("value") {
                                self.result(value, results);
                            }
                        }
                        _ => {}
                    }
                }
            }
            "conditional_expression" | "ternary_expression" => {
                let mut cursor = node.walk();
                let arms: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
                // Python: `a if cond else b`; JS: `cond ? a : b`.
                let values = if node.kind() == "conditional_expression" {
                    [arms.first(), arms.get(2)]
                } else {
                    [arms.get(1), arms.get(2)]
                };
                for value in values.into_iter().flatten() {
                    self.result(*value, results);
                }
            }
            _ => results.push((
                normalized(text(node, self.source)),
                is_constant(node, &self.consts),
            )),
        }
    }
}

/// An identifier-like node that can name a parameter or refer to one.
fn is_name(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "identifier" | "shorthand_property_identifier_pattern" | "shorthand_property_identifier"
    )
}

/// The type a Go method's receiver names (`*Store` → `Store`).
fn receiver_type(receiver: Node<'_>, source: &str) -> String {
    let text = text(receiver, source);
    let inner = text.trim_matches(|c| c == '(' || c == ')');
    let ty = inner.split_whitespace().last().unwrap_or(inner);
    ty.trim_start_matches('*')
        .split('[')
        .next()
        .unwrap_or(ty)
        .to_owned()
}

/// The value a Rust block ends with: its last expression without a `;`.
fn rust_tail(block: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = block.walk();
    let last = block
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "line_comment" && c.kind() != "block_comment")
        .last()?;
    if last.kind() == "expression_statement" {
        let ends_with_semicolon = last
            .child(last.child_count().saturating_sub(1))
            .is_some_and(|c| c.kind() == ";");
        return (!ends_with_semicolon)
            .then(|| last.named_child(0))
            .flatten();
    }
    let statement = last.kind().ends_with("_declaration") || last.kind().ends_with("_item");
    (!statement).then_some(last)
}
