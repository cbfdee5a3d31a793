//! JavaScript and TypeScript public symbols: what a module exports. `export`ed functions,
//! classes (with their public methods), interfaces, type aliases, enums, namespaces and
//! variables (a variable holding an arrow function or function expression is a function),
//! `export default`, `export { a as b }` and `export * from` (as exports), and CommonJS
//! `exports.x =`, `module.exports.x =` and `module.exports = { … }`.

use tree_sitter::Node;

use super::{Symbol, SymbolKind, field_text, header, normalized, push, signature_text, text};

pub(super) fn read(root: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "export_statement" => export(statement, source, out),
            "expression_statement" => common_js(statement, source, out),
            _ => {}
        }
    }
}

fn export(statement: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    if let Some(declaration) = statement.child_by_field_name("declaration") {
        declaration_symbols(declaration, source, out, 0);
        return;
    }
    let full = normalized(text(statement, source));
    if full.starts_with("export default") {
        let value = statement.child_by_field_name("value").unwrap_or(statement);
        let kind = if is_function(value) {
            SymbolKind::Function
        } else {
            SymbolKind::Variable
        };
        push(
            out,
            kind,
            "default".to_owned(),
            statement,
            signature(value, source),
        );
        return;
    }
    let mut cursor = statement.walk();
    let clause = statement
        .named_children(&mut cursor)
        .find(|c| c.kind() == "export_clause");
    let Some(clause) = clause else {
        push(
            out,
            SymbolKind::Export,
            format!("({full})"),
            statement,
            full,
        );
        return;
    };
    let mut c = clause.walk();
    for specifier in clause.named_children(&mut c) {
        let name = field_text(specifier, "name", source);
        let alias = specifier
            .child_by_field_name("alias")
            .map(|n| text(n, source));
        let exported = alias.unwrap_or(name).to_owned();
        push(
            out,
            SymbolKind::Export,
            exported,
            specifier,
            format!("re-export {name}"),
        );
    }
}

fn declaration_symbols(declaration: Node<'_>, source: &str, out: &mut Vec<Symbol>, depth: usize) {
    match declaration.kind() {
        "lexical_declaration" | "variable_declaration" => {
            let keyword = declaration
                .child(0)
                .map(|k| text(k, source))
                .unwrap_or("var");
            let mut cursor = declaration.walk();
            for declarator in declaration
                .named_children(&mut cursor)
                .filter(|d| d.kind() == "variable_declarator")
            {
                variable(declarator, keyword, source, out);
            }
        }
        "class_declaration" | "abstract_class_declaration" => {
            let name = field_text(declaration, "name", source).to_owned();
            push(
                out,
                SymbolKind::Class,
                name.clone(),
                declaration,
                signature(declaration, source),
            );
            if let Some(body) = declaration.child_by_field_name("body") {
                methods(body, &name, source, out);
            }
        }
        // `export declare function f(): void;` and the like: the declaration inside.
        "ambient_declaration" if depth == 0 => {
            let mut cursor = declaration.walk();
            for inner in declaration.named_children(&mut cursor) {
                declaration_symbols(inner, source, out, depth + 1);
            }
        }
        kind => {
            let symbol_kind = match kind {
                "function_declaration"
                | "generator_function_declaration"
                | "function_signature" => SymbolKind::Function,
                "interface_declaration" => SymbolKind::Interface,
                "type_alias_declaration" => SymbolKind::Type,
                "enum_declaration" => SymbolKind::Enum,
                "internal_module" | "module" => SymbolKind::Module,
                _ => return,
            };
            let name = field_text(declaration, "name", source).to_owned();
            if !name.is_empty() {
                push(
                    out,
                    symbol_kind,
                    name,
                    declaration,
                    signature(declaration, source),
                );
            }
        }
    }
}

/// `const add = (a, b) => …` is a function with the signature `const add = (a, b) =>`;
/// `const LIMIT: number = 3` a variable with the signature `const LIMIT: number`.
fn variable(declarator: Node<'_>, keyword: &str, source: &str, out: &mut Vec<Symbol>) {
    let name = field_text(declarator, "name", source);
    if name.is_empty() {
        return;
    }
    let annotation = field_text(declarator, "type", source);
    let value = declarator.child_by_field_name("value");
    let (kind, signature) = match value.filter(|v| is_function(*v)) {
        Some(function) => (
            SymbolKind::Function,
            format!(
                "{keyword} {name}{annotation} = {}",
                header(function, source, &[])
            ),
        ),
        None => (
            SymbolKind::Variable,
            format!("{keyword} {name}{annotation}"),
        ),
    };
    push(
        out,
        kind,
        name.to_owned(),
        declarator,
        signature_text(&signature),
    );
}

fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}

fn methods(body: Node<'_>, class: &str, source: &str, out: &mut Vec<Symbol>) {
    let mut cursor = body.walk();
    for member in body.named_children(&mut cursor) {
        let is_method = matches!(
            member.kind(),
            "method_definition" | "method_signature" | "abstract_method_signature"
        );
        let name = field_text(member, "name", source);
        let member_text = text(member, source);
        let private = member_text.starts_with("private")
            || member_text.starts_with("protected")
            || name.starts_with('#');
        if is_method && !private && !name.is_empty() {
            let symbol = format!("{class}.{name}");
            push(
                out,
                SymbolKind::Method,
                symbol,
                member,
                signature(member, source),
            );
        }
    }
}

/// Functions and classes up to their body; types, interfaces and enums whole.
fn signature(node: Node<'_>, source: &str) -> String {
    let keeps_body = matches!(
        node.kind(),
        "interface_declaration" | "enum_declaration" | "type_alias_declaration"
    );
    if keeps_body {
        signature_text(text(node, source).trim_end_matches(';'))
    } else {
        header(node, source, &[';'])
    }
}

/// `exports.name = …`, `module.exports.name = …`, `module.exports = { a, b: c }`.
fn common_js(statement: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
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
    let kind_of = |value: Node<'_>| {
        if is_function(value) {
            SymbolKind::Function
        } else {
            SymbolKind::Variable
        }
    };
    let signature = || "commonjs export".to_owned();
    let target = text(left, source);
    if let Some(name) = target
        .strip_prefix("module.exports.")
        .or_else(|| target.strip_prefix("exports."))
    {
        push(out, kind_of(right), name.to_owned(), statement, signature());
    } else if target == "module.exports" && right.kind() == "object" {
        let mut cursor = right.walk();
        for property in right.named_children(&mut cursor) {
            let key = property.child_by_field_name("key").unwrap_or(property);
            let kind = property
                .child_by_field_name("value")
                .map_or(SymbolKind::Variable, kind_of);
            let kind = if property.kind() == "method_definition" {
                SymbolKind::Function
            } else {
                kind
            };
            push(
                out,
                kind,
                text(key, source).to_owned(),
                property,
                signature(),
            );
        }
    } else if target == "module.exports" {
        push(
            out,
            kind_of(right),
            "default".to_owned(),
            statement,
            signature(),
        );
    }
}
