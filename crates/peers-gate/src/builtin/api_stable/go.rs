//! The public API of one Go file, read with tree-sitter: exported functions, methods on
//! exported types, types (with exported struct fields), constants and variables. `main`
//! packages and `internal/` packages are not importable, so they have none.

use tree_sitter::Node;

use super::{Api, normalized, parse, text};

/// The package directory of `path` (`.` at the root), or `None` when not importable.
pub(super) fn package_path(path: &str) -> Option<String> {
    if path.ends_with("_test.go") || path.split('/').any(|c| c == "internal" || c == "testdata") {
        return None;
    }
    Some(path.rsplit_once('/').map_or(".", |(dir, _)| dir).to_owned())
}

fn exported(name: &str) -> bool {
    name.starts_with(|c: char| c.is_uppercase())
}

pub(super) fn api(source: &str, package: &str) -> Api {
    let mut api = Api::new();
    let Some(tree) = parse(source, &tree_sitter_go::LANGUAGE.into()) else {
        return api;
    };
    let root = tree.root_node();
    let mut cursor = root.walk();
    let children: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
    let is_main = children
        .iter()
        .any(|c| c.kind() == "package_clause" && text(*c, source).ends_with(" main"));
    if is_main {
        return api;
    }
    for declaration in children {
        match declaration.kind() {
            "function_declaration" => {
                let name = field(declaration, "name", source);
                if exported(&name) {
                    api.insert(format!("{package}.{name}"), header(declaration, source));
                }
            }
            "method_declaration" => method(declaration, source, package, &mut api),
            "type_declaration" => types(declaration, source, package, &mut api),
            "const_declaration" | "var_declaration" => {
                values(declaration, source, package, &mut api)
            }
            _ => {}
        }
    }
    api
}

fn method(declaration: Node<'_>, source: &str, package: &str, api: &mut Api) {
    let name = field(declaration, "name", source);
    let receiver = field(declaration, "receiver", source);
    // `(s *Server[T])` → `Server`
    let receiver_type = receiver
        .trim_matches(['(', ')'])
        .split_whitespace()
        .last()
        .unwrap_or("")
        .trim_start_matches('*');
    let receiver_type = receiver_type.split('[').next().unwrap_or(receiver_type);
    if exported(&name) && exported(receiver_type) {
        api.insert(
            format!("{package}.{receiver_type}.{name}"),
            header(declaration, source),
        );
    }
}

fn types(declaration: Node<'_>, source: &str, package: &str, api: &mut Api) {
    let mut cursor = declaration.walk();
    for spec in declaration
        .named_children(&mut cursor)
        .filter(|s| matches!(s.kind(), "type_spec" | "type_alias"))
    {
        let name = field(spec, "name", source);
        if !exported(&name) {
            continue;
        }
        let symbol = format!("{package}.{name}");
        let Some(ty) = spec.child_by_field_name("type") else {
            continue;
        };
        if ty.kind() != "struct_type" {
            api.insert(symbol, normalized(text(spec, source)));
            continue;
        }
        api.insert(symbol.clone(), format!("type {name} struct"));
        let mut c = ty.walk();
        let Some(list) = ty
            .named_children(&mut c)
            .find(|n| n.kind() == "field_declaration_list")
        else {
            continue;
        };
        let mut c = list.walk();
        for field_decl in list
            .named_children(&mut c)
            .filter(|f| f.kind() == "field_declaration")
        {
            let field_type = field(field_decl, "type", source);
            let mut names = field_decl.walk();
            let names: Vec<String> = field_decl
                .children_by_field_name("name", &mut names)
                .map(|n| text(n, source).to_owned())
                .collect();
            // An embedded field is named by its type.
            let names = if names.is_empty() {
                vec![field_type.trim_start_matches('*').to_owned()]
            } else {
                names
            };
            for field_name in names.into_iter().filter(|n| exported(n)) {
                api.insert(format!("{symbol}.{field_name}"), normalized(&field_type));
            }
        }
    }
}

fn values(declaration: Node<'_>, source: &str, package: &str, api: &mut Api) {
    let keyword = if declaration.kind() == "const_declaration" {
        "const"
    } else {
        "var"
    };
    let mut cursor = declaration.walk();
    for spec in declaration
        .named_children(&mut cursor)
        .filter(|s| matches!(s.kind(), "const_spec" | "var_spec"))
    {
        let ty = field(spec, "type", source);
        let mut names = spec.walk();
        for name in spec
            .children_by_field_name("name", &mut names)
            .map(|n| text(n, source))
        {
            if exported(name) {
                api.insert(
                    format!("{package}.{name}"),
                    normalized(&format!("{keyword} {ty}")),
                );
            }
        }
    }
}

fn field(node: Node<'_>, name: &str, source: &str) -> String {
    node.child_by_field_name(name)
        .map(|n| text(n, source).to_owned())
        .unwrap_or_default()
}

fn header(node: Node<'_>, source: &str) -> String {
    let end = node
        .child_by_field_name("body")
        .map_or(node.end_byte(), |b| b.start_byte());
    normalized(&source[node.start_byte()..end])
}
