//! Whether an expression is a constant in any of the gated languages: a literal, a collection
//! or wrapper of literals (`Some(5)`, `[1, 2]`, `{"a": 1}`, `Point{X: 1}`), or a lookup in a
//! literal table (`{(2, 3): 5}[(a, b)]`, `{2: 5}.get(a)`) — what a function returns when its
//! logic was swapped for the answer its tests expect.

use std::collections::BTreeSet;

use tree_sitter::Node;

use peers_survey::symbols::text;

/// One file's source and the names it binds to constants at the top level
/// (`_KNOWN = {(2, 3): 5}`, `const TABLE = [...]`, `const LIMIT: u8 = 3;`).
pub(super) struct Consts<'s> {
    pub source: &'s str,
    pub names: BTreeSet<String>,
}

impl<'s> Consts<'s> {
    /// Reads the top-level constant bindings of `root`.
    pub(super) fn read(root: Node<'_>, source: &'s str) -> Consts<'s> {
        let mut consts = Consts {
            source,
            names: BTreeSet::new(),
        };
        // Twice, so a constant defined from another constant is one too.
        for _ in 0..2 {
            let mut found = Vec::new();
            let mut cursor = root.walk();
            for item in root.named_children(&mut cursor) {
                consts.bindings(item, &mut found);
            }
            consts.names.extend(found);
        }
        consts
    }

    fn bindings(&self, item: Node<'_>, found: &mut Vec<String>) {
        let (name, value) = match item.kind() {
            // Python `X = …` (inside an expression_statement), JS/Go declarators.
            "expression_statement"
            | "lexical_declaration"
            | "variable_declaration"
            | "const_declaration"
            | "var_declaration"
            | "export_statement" => {
                let mut cursor = item.walk();
                let children: Vec<Node<'_>> = item.named_children(&mut cursor).collect();
                for child in children {
                    self.bindings(child, found);
                }
                return;
            }
            "assignment" => (
                item.child_by_field_name("left"),
                item.child_by_field_name("right"),
            ),
            "variable_declarator" => (
                item.child_by_field_name("name"),
                item.child_by_field_name("value"),
            ),
            "const_spec" | "var_spec" => (
                item.child_by_field_name("name"),
                item.child_by_field_name("value"),
            ),
            "const_item" | "static_item" => (
                item.child_by_field_name("name"),
                item.child_by_field_name("value"),
            ),
            _ => return,
        };
        if let (Some(name), Some(value)) = (name, value) {
            if name.kind() == "identifier" && is_constant(value, self) {
                found.push(text(name, self.source).to_owned());
            }
        }
    }

    fn names(&self, node: Node<'_>) -> bool {
        self.names.contains(text(node, self.source))
    }
}

/// Literal tokens of Rust, Python, JS/TS and Go.
const LITERALS: &[&str] = &[
    "integer_literal",
    "float_literal",
    "string_literal",
    "raw_string_literal",
    "char_literal",
    "boolean_literal",
    "unit_expression",
    "integer",
    "float",
    "string",
    "concatenated_string",
    "true",
    "false",
    "none",
    "ellipsis",
    "number",
    "template_string",
    "null",
    "undefined",
    "int_literal",
    "imaginary_literal",
    "rune_literal",
    "interpreted_string_literal",
    "nil",
    "iota",
];

/// Nodes that are constant when every named child is.
const COMPOSITES: &[&str] = &[
    "parenthesized_expression",
    "unary_expression",
    "unary_operator",
    "tuple_expression",
    "array_expression",
    "tuple",
    "list",
    "set",
    "dictionary",
    "pair",
    "expression_list",
    "array",
    "object",
    "literal_value",
    "literal_element",
    "keyed_element",
    "arguments",
    "field_initializer_list",
    "field_initializer",
    "string_content",
    "escape_sequence",
    "string_start",
    "string_end",
    "string_fragment",
    "interpreted_string_literal_content",
    "raw_string_literal_content",
];

/// Keys inside a literal collection (`{a: 1}` in JS, `Point{X: 1}` in Go).
const KEYS: &[&str] = &["property_identifier", "field_identifier"];

/// Callees that wrap a value without computing: `Some(5)`, `Ok(())`, `String::from("x")`.
const WRAPPERS: &[&str] = &[
    "Some",
    "Ok",
    "Err",
    "Box::new",
    "String::from",
    "Vec::from",
    "Number",
    "String",
    "str",
    "int",
    "float",
];

/// Methods that only convert a literal (`"x".to_string()`) or look it up (`{…}.get(a)`).
const LITERAL_METHODS: &[&str] = &["to_string", "to_owned", "into", "get", "clone"];

pub(super) fn is_constant(node: Node<'_>, consts: &Consts<'_>) -> bool {
    let source = consts.source;
    let kind = node.kind();
    if kind.contains("comment") {
        return true;
    }
    if LITERALS.contains(&kind) {
        return !has_interpolation(node);
    }
    if KEYS.contains(&kind) {
        return true;
    }
    if matches!(kind, "identifier") {
        return matches!(
            text(node, source),
            "None" | "undefined" | "NaN" | "Infinity"
        ) || consts.names(node);
    }
    if COMPOSITES.contains(&kind) {
        return all_children_constant(node, consts);
    }
    match kind {
        // A lookup into a literal table, whatever the key.
        "subscript" | "subscript_expression" | "index_expression" => node
            .named_child(0)
            .is_some_and(|table| is_literal_table(table, consts)),
        "composite_literal" | "struct_expression" => node
            .child_by_field_name("body")
            .is_some_and(|body| all_children_constant(body, consts)),
        "call_expression" | "call" => constant_call(node, consts),
        _ => false,
    }
}

fn all_children_constant(node: Node<'_>, consts: &Consts<'_>) -> bool {
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
    children.into_iter().all(|child| is_constant(child, consts))
}

/// A collection of constants (the table a lookup reads).
fn is_literal_table(node: Node<'_>, consts: &Consts<'_>) -> bool {
    if node.kind() == "identifier" && consts.names(node) {
        return true;
    }
    let node = if node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => inner,
            None => return false,
        }
    } else {
        node
    };
    matches!(
        node.kind(),
        "dictionary"
            | "list"
            | "tuple"
            | "object"
            | "array"
            | "array_expression"
            | "composite_literal"
            | "string"
            | "string_literal"
    ) && is_constant(node, consts)
}

/// `Some(5)`, `String::from("x")`, `"x".to_string()`, `{2: 5}.get(a, 0)`.
fn constant_call(node: Node<'_>, consts: &Consts<'_>) -> bool {
    let source = consts.source;
    let Some(callee) = node.child_by_field_name("function") else {
        return false;
    };
    let arguments = node.child_by_field_name("arguments");
    match callee.kind() {
        "identifier" | "scoped_identifier" => {
            WRAPPERS.contains(&text(callee, source))
                && arguments.is_none_or(|a| all_children_constant(a, consts))
        }
        "field_expression" | "attribute" | "member_expression" | "selector_expression" => {
            let receiver = callee
                .child_by_field_name("value")
                .or_else(|| callee.child_by_field_name("object"))
                .or_else(|| callee.child_by_field_name("operand"));
            let method = callee
                .child_by_field_name("field")
                .or_else(|| callee.child_by_field_name("attribute"))
                .or_else(|| callee.child_by_field_name("property"))
                .map(|m| text(m, source));
            let Some(receiver) = receiver else {
                return false;
            };
            let lookup = method == Some("get") && is_literal_table(receiver, consts);
            let conversion = method.is_some_and(|m| LITERAL_METHODS.contains(&m) && m != "get")
                && is_constant(receiver, consts)
                && arguments.is_none_or(|a| a.named_child_count() == 0);
            lookup || conversion
        }
        _ => false,
    }
}

/// `f"{x}"`, `` `${x}` ``: a string that computes.
fn has_interpolation(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
    children.into_iter().any(|child| {
        matches!(child.kind(), "interpolation" | "template_substitution")
            || has_interpolation(child)
    })
}
