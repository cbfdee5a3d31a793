//! Python public symbols: module-level functions and classes whose names do not start with
//! `_` (decorated or not), the public methods of those classes (`__init__` kept) and of the
//! classes nested in them (`Outer.Inner.method`), and the names listed in `__all__`.

use tree_sitter::Node;

use super::{MAX_DEPTH, Symbol, SymbolKind, header, push, text};

pub(super) fn read(root: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let Some(definition) = undecorated(statement) else {
            continue;
        };
        match definition.kind() {
            "function_definition" => {
                let name = name_of(definition, source);
                if !name.starts_with('_') && !name.is_empty() {
                    let signature = header(definition, source, &[':']);
                    push(
                        out,
                        SymbolKind::Function,
                        name.to_owned(),
                        definition,
                        signature,
                    );
                }
            }
            "class_definition" => class(definition, source, "", out, 0),
            "expression_statement" => all_names(definition, source, out),
            _ => {}
        }
    }
}

/// The definition under any decorators.
fn undecorated(node: Node<'_>) -> Option<Node<'_>> {
    if node.kind() == "decorated_definition" {
        node.child_by_field_name("definition")
    } else {
        Some(node)
    }
}

fn name_of<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    node.child_by_field_name("name")
        .map(|n| text(n, source))
        .unwrap_or_default()
}

fn class(node: Node<'_>, source: &str, owner: &str, out: &mut Vec<Symbol>, depth: usize) {
    let name = name_of(node, source);
    if name.is_empty() || name.starts_with('_') || depth > MAX_DEPTH {
        return;
    }
    let path = if owner.is_empty() {
        name.to_owned()
    } else {
        format!("{owner}.{name}")
    };
    push(
        out,
        SymbolKind::Class,
        path.clone(),
        node,
        header(node, source, &[':']),
    );
    let Some(body) = node.child_by_field_name("body") else {
        return;
    };
    let mut cursor = body.walk();
    for member in body.named_children(&mut cursor) {
        let Some(member) = undecorated(member) else {
            continue;
        };
        match member.kind() {
            "function_definition" => {
                let method = name_of(member, source);
                let public = !method.starts_with('_') || method == "__init__";
                if public && !method.is_empty() {
                    let signature = header(member, source, &[':']);
                    let name = format!("{path}.{method}");
                    push(out, SymbolKind::Method, name, member, signature);
                }
            }
            "class_definition" => class(member, source, &path, out, depth + 1),
            _ => {}
        }
    }
}

/// `__all__ = ["a", "b"]` (or a tuple): each name is exported.
fn all_names(statement: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    let Some(assignment) = statement
        .named_child(0)
        .filter(|n| n.kind() == "assignment")
    else {
        return;
    };
    let is_all = assignment
        .child_by_field_name("left")
        .is_some_and(|l| text(l, source) == "__all__");
    let Some(right) = assignment.child_by_field_name("right").filter(|_| is_all) else {
        return;
    };
    let mut cursor = right.walk();
    for item in right
        .named_children(&mut cursor)
        .filter(|i| i.kind() == "string")
    {
        let name = text(item, source).trim_matches(['"', '\'']);
        let symbol = format!("__all__.{name}");
        push(out, SymbolKind::Export, symbol, item, "exported".to_owned());
    }
}
