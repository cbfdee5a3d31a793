//! The public API of one Python module, read with tree-sitter: module-level functions and
//! classes not starting with `_` (with their signatures), public methods of those classes,
//! and the names in `__all__`.

use tree_sitter::Node;

use super::{Api, normalized, parse, text};

/// `pkg.mod` for `src/pkg/mod.py`; `None` for private modules, tests and scripts.
pub(super) fn module_path(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    let stem = stem.strip_prefix("src/").unwrap_or(stem);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    let parts: Vec<&str> = stem.split('/').collect();
    let private = parts.iter().any(|p| p.starts_with('_') && *p != "__init__");
    let scripts = ["setup", "conftest", "noxfile", "manage"];
    if private || parts.last().is_some_and(|last| scripts.contains(last)) || stem == "__init__" {
        return None;
    }
    Some(parts.join("."))
}

pub(super) fn api(source: &str, module: &str) -> Api {
    let mut api = Api::new();
    let Some(tree) = parse(source, &tree_sitter_python::LANGUAGE.into()) else {
        return api;
    };
    let root = tree.root_node();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let definition = if statement.kind() == "decorated_definition" {
            statement.child_by_field_name("definition")
        } else {
            Some(statement)
        };
        let Some(definition) = definition else {
            continue;
        };
        match definition.kind() {
            "function_definition" => function(definition, source, module, &mut api, false),
            "class_definition" => class(definition, source, module, &mut api),
            "expression_statement" => all_names(definition, source, module, &mut api),
            _ => {}
        }
    }
    api
}

fn function(node: Node<'_>, source: &str, owner: &str, api: &mut Api, method: bool) {
    let Some(name) = node.child_by_field_name("name").map(|n| text(n, source)) else {
        return;
    };
    let public = !name.starts_with('_') || (method && name == "__init__");
    if !public {
        return;
    }
    let end = node
        .child_by_field_name("body")
        .map_or(node.end_byte(), |b| b.start_byte());
    let signature = normalized(
        source[node.start_byte()..end]
            .trim_end()
            .trim_end_matches(':'),
    );
    api.insert(format!("{owner}.{name}"), signature);
}

fn class(node: Node<'_>, source: &str, module: &str, api: &mut Api) {
    let Some(name) = node.child_by_field_name("name").map(|n| text(n, source)) else {
        return;
    };
    if name.starts_with('_') {
        return;
    }
    let symbol = format!("{module}.{name}");
    let end = node
        .child_by_field_name("body")
        .map_or(node.end_byte(), |b| b.start_byte());
    api.insert(
        symbol.clone(),
        normalized(
            source[node.start_byte()..end]
                .trim_end()
                .trim_end_matches(':'),
        ),
    );
    let Some(body) = node.child_by_field_name("body") else {
        return;
    };
    let mut cursor = body.walk();
    for member in body.named_children(&mut cursor) {
        let member = if member.kind() == "decorated_definition" {
            match member.child_by_field_name("definition") {
                Some(definition) => definition,
                None => continue,
            }
        } else {
            member
        };
        if member.kind() == "function_definition" {
            function(member, source, &symbol, api, true);
        }
    }
}

/// `__all__ = ["a", "b"]`: each name is exported.
fn all_names(statement: Node<'_>, source: &str, module: &str, api: &mut Api) {
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
        api.insert(format!("{module}.__all__.{name}"), "exported".to_owned());
    }
}
