//! The public API of one JavaScript or TypeScript module, read with tree-sitter: `export`ed
//! functions, classes (and their public methods), variables, types, interfaces and enums,
//! `export { a as b }`, `export * from`, `export default`, and CommonJS `exports.x =` /
//! `module.exports = { … }`.

use tree_sitter::{Language, Node};

use super::{Api, normalized, parse, text};

/// The grammar for a path's extension.
pub(super) fn grammar(path: &str) -> Option<Language> {
    let ext = path.rsplit_once('.').map(|(_, ext)| ext)?;
    match ext {
        "js" | "mjs" | "cjs" | "jsx" => Some(tree_sitter_javascript::LANGUAGE.into()),
        "ts" | "mts" | "cts" => Some(tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()),
        "tsx" => Some(tree_sitter_typescript::LANGUAGE_TSX.into()),
        _ => None,
    }
}

/// `src/util/strings` for `src/util/strings.ts`.
pub(super) fn module_path(path: &str) -> Option<String> {
    let (stem, _) = path.rsplit_once('.')?;
    Some(stem.strip_suffix(".d").unwrap_or(stem).to_owned())
}

pub(super) fn api(source: &str, module: &str, language: &Language) -> Api {
    let mut api = Api::new();
    let Some(tree) = parse(source, language) else {
        return api;
    };
    let root = tree.root_node();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "export_statement" => export(statement, source, module, &mut api),
            "expression_statement" => common_js(statement, source, module, &mut api),
            _ => {}
        }
    }
    api
}

fn export(statement: Node<'_>, source: &str, module: &str, api: &mut Api) {
    let full = normalized(text(statement, source));
    if let Some(declaration) = statement.child_by_field_name("declaration") {
        declaration_symbols(declaration, source, module, api);
        return;
    }
    if full.starts_with("export default") {
        let value = statement.child_by_field_name("value").unwrap_or(statement);
        api.insert(format!("{module}:default"), signature(value, source));
        return;
    }
    let mut cursor = statement.walk();
    let clause = statement
        .named_children(&mut cursor)
        .find(|c| c.kind() == "export_clause");
    match clause {
        Some(clause) => {
            let mut c = clause.walk();
            for specifier in clause.named_children(&mut c) {
                let name = specifier
                    .child_by_field_name("name")
                    .map(|n| text(n, source))
                    .unwrap_or_default();
                let alias = specifier
                    .child_by_field_name("alias")
                    .map(|n| text(n, source));
                api.insert(
                    format!("{module}:{}", alias.unwrap_or(name)),
                    format!("re-export {name}"),
                );
            }
        }
        None => {
            api.insert(format!("{module}:({full})"), full);
        }
    }
}

fn declaration_symbols(declaration: Node<'_>, source: &str, module: &str, api: &mut Api) {
    match declaration.kind() {
        "lexical_declaration" | "variable_declaration" => {
            let mut cursor = declaration.walk();
            for declarator in declaration
                .named_children(&mut cursor)
                .filter(|d| d.kind() == "variable_declarator")
            {
                let name = declarator
                    .child_by_field_name("name")
                    .map(|n| text(n, source))
                    .unwrap_or_default();
                let annotation = declarator
                    .child_by_field_name("type")
                    .map(|t| text(t, source))
                    .unwrap_or_default();
                api.insert(
                    format!("{module}:{name}"),
                    normalized(&format!("variable{annotation}")),
                );
            }
        }
        "class_declaration" | "abstract_class_declaration" => {
            let name = declaration
                .child_by_field_name("name")
                .map(|n| text(n, source))
                .unwrap_or_default();
            let symbol = format!("{module}:{name}");
            api.insert(symbol.clone(), signature(declaration, source));
            if let Some(body) = declaration.child_by_field_name("body") {
                let mut cursor = body.walk();
                for member in body.named_children(&mut cursor) {
                    let member_text = text(member, source);
                    let private = member_text.starts_with("private")
                        || member_text.starts_with("protected")
                        || member_text.starts_with('#');
                    let is_method = matches!(
                        member.kind(),
                        "method_definition" | "method_signature" | "abstract_method_signature"
                    );
                    if is_method && !private {
                        let method = member
                            .child_by_field_name("name")
                            .map(|n| text(n, source))
                            .unwrap_or_default();
                        api.insert(format!("{symbol}.{method}"), signature(member, source));
                    }
                }
            }
        }
        _ => {
            let name = declaration
                .child_by_field_name("name")
                .map(|n| text(n, source))
                .unwrap_or_default();
            api.insert(format!("{module}:{name}"), signature(declaration, source));
        }
    }
}

/// Functions and classes up to their body; types, interfaces and enums whole.
fn signature(node: Node<'_>, source: &str) -> String {
    let keeps_body = matches!(
        node.kind(),
        "interface_declaration" | "enum_declaration" | "type_alias_declaration"
    );
    let end = match node.child_by_field_name("body") {
        Some(body) if !keeps_body => body.start_byte(),
        _ => node.end_byte(),
    };
    normalized(&source[node.start_byte()..end])
}

/// `exports.name = …`, `module.exports.name = …`, `module.exports = { a, b: c }`.
fn common_js(statement: Node<'_>, source: &str, module: &str, api: &mut Api) {
    let Some(assignment) = statement
        .named_child(0)
        .filter(|n| n.kind() == "assignment_expression")
    else {
        return;
    };
    let (Some(left), Some(right)) = (
        assignment.child_by_field_name("left"),
        assignment.child_by_field_name("right"),
    ) else {
        return;
    };
    let target = text(left, source);
    if let Some(name) = target
        .strip_prefix("module.exports.")
        .or_else(|| target.strip_prefix("exports."))
    {
        api.insert(format!("{module}:{name}"), "commonjs export".to_owned());
    } else if target == "module.exports" && right.kind() == "object" {
        let mut cursor = right.walk();
        for property in right.named_children(&mut cursor) {
            let key = property.child_by_field_name("key").unwrap_or(property);
            api.insert(
                format!("{module}:{}", text(key, source)),
                "commonjs export".to_owned(),
            );
        }
    } else if target == "module.exports" {
        api.insert(format!("{module}:default"), "commonjs export".to_owned());
    }
}
