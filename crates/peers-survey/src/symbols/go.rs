//! Go public symbols: the `package` clause, exported functions, methods on exported types
//! (`Type.Method`, pointer and generic receivers alike), exported types (with their exported
//! struct fields and interface methods), constants and variables.

use tree_sitter::Node;

use super::{Symbol, SymbolKind, field_text, header, normalized, push, signature_text, text};

fn exported(name: &str) -> bool {
    name.starts_with(|c: char| c.is_uppercase())
}

pub(super) fn read(root: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    let mut cursor = root.walk();
    for declaration in root.named_children(&mut cursor) {
        match declaration.kind() {
            "package_clause" => {
                let mut c = declaration.walk();
                let name = declaration
                    .named_children(&mut c)
                    .find(|n| n.kind() == "package_identifier")
                    .map(|n| text(n, source).to_owned())
                    .unwrap_or_default();
                let signature = format!("package {name}");
                push(out, SymbolKind::Package, name, declaration, signature);
            }
            "function_declaration" => {
                let name = field_text(declaration, "name", source);
                if exported(name) {
                    let signature = header(declaration, source, &[]);
                    push(
                        out,
                        SymbolKind::Function,
                        name.to_owned(),
                        declaration,
                        signature,
                    );
                }
            }
            "method_declaration" => method(declaration, source, out),
            "type_declaration" => types(declaration, source, out),
            "const_declaration" | "var_declaration" => values(declaration, source, out),
            _ => {}
        }
    }
}

fn method(declaration: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    let name = field_text(declaration, "name", source);
    let receiver = field_text(declaration, "receiver", source);
    // `(s *Server[T])` → `Server`
    let receiver_type = receiver
        .trim_matches(['(', ')'])
        .split('[')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .trim_start_matches('*');
    if exported(name) && exported(receiver_type) {
        let symbol = format!("{receiver_type}.{name}");
        push(
            out,
            SymbolKind::Method,
            symbol,
            declaration,
            header(declaration, source, &[]),
        );
    }
}

fn types(declaration: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    let mut cursor = declaration.walk();
    for spec in declaration
        .named_children(&mut cursor)
        .filter(|s| matches!(s.kind(), "type_spec" | "type_alias"))
    {
        let name = field_text(spec, "name", source);
        let Some(ty) = spec.child_by_field_name("type") else {
            continue;
        };
        if !exported(name) {
            continue;
        }
        match ty.kind() {
            "struct_type" => {
                let signature = signature_text(&format!("type {}", before(spec, ty, source)));
                push(
                    out,
                    SymbolKind::Struct,
                    name.to_owned(),
                    spec,
                    format!("{signature} struct"),
                );
                struct_fields(ty, name, source, out);
            }
            "interface_type" => {
                let signature = signature_text(&format!("type {}", before(spec, ty, source)));
                let signature = format!("{signature} interface");
                push(out, SymbolKind::Interface, name.to_owned(), spec, signature);
                interface_methods(ty, name, source, out);
            }
            _ => {
                let signature = signature_text(&format!("type {}", text(spec, source)));
                push(out, SymbolKind::Type, name.to_owned(), spec, signature);
            }
        }
    }
}

/// The spec's text before its type: `Name` or `Name[T any]`.
fn before<'s>(spec: Node<'_>, ty: Node<'_>, source: &'s str) -> &'s str {
    source.get(spec.start_byte()..ty.start_byte()).unwrap_or("")
}

fn struct_fields(ty: Node<'_>, owner: &str, source: &str, out: &mut Vec<Symbol>) {
    let mut c = ty.walk();
    let Some(list) = ty
        .named_children(&mut c)
        .find(|n| n.kind() == "field_declaration_list")
    else {
        return;
    };
    let mut c = list.walk();
    for field_decl in list
        .named_children(&mut c)
        .filter(|f| f.kind() == "field_declaration")
    {
        let field_type = field_text(field_decl, "type", source);
        let mut names = field_decl.walk();
        let mut names: Vec<&str> = field_decl
            .children_by_field_name("name", &mut names)
            .map(|n| text(n, source))
            .collect();
        // An embedded field is named by its type.
        if names.is_empty() {
            names.push(field_type.trim_start_matches('*'));
        }
        for field_name in names.into_iter().filter(|n| exported(n)) {
            let symbol = format!("{owner}.{field_name}");
            push(
                out,
                SymbolKind::Field,
                symbol,
                field_decl,
                normalized(field_type),
            );
        }
    }
}

fn interface_methods(ty: Node<'_>, owner: &str, source: &str, out: &mut Vec<Symbol>) {
    let mut c = ty.walk();
    for element in ty.named_children(&mut c) {
        if element.kind() == "method_elem" {
            let name = field_text(element, "name", source);
            if exported(name) {
                let symbol = format!("{owner}.{name}");
                let signature = signature_text(text(element, source));
                push(out, SymbolKind::Method, symbol, element, signature);
            }
        } else if element.kind() == "type_elem" {
            // An embedded interface or a type constraint: part of the interface's shape.
            let symbol = format!("{owner}.({})", normalized(text(element, source)));
            let signature = normalized(text(element, source));
            push(out, SymbolKind::Field, symbol, element, signature);
        }
    }
}

fn values(declaration: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    let (keyword, kind) = if declaration.kind() == "const_declaration" {
        ("const", SymbolKind::Const)
    } else {
        ("var", SymbolKind::Variable)
    };
    let mut cursor = declaration.walk();
    // `var ( … )` groups its specs in a `var_spec_list`.
    let mut specs: Vec<Node<'_>> = Vec::new();
    for child in declaration.named_children(&mut cursor) {
        if child.kind() == "var_spec_list" {
            let mut c = child.walk();
            specs.extend(child.named_children(&mut c));
        } else {
            specs.push(child);
        }
    }
    for spec in specs
        .into_iter()
        .filter(|s| matches!(s.kind(), "const_spec" | "var_spec"))
    {
        let ty = field_text(spec, "type", source);
        let mut names = spec.walk();
        for name in spec
            .children_by_field_name("name", &mut names)
            .map(|n| text(n, source))
            .filter(|name| exported(name))
        {
            let signature = normalized(&format!("{keyword} {name} {ty}"));
            push(out, kind, name.to_owned(), spec, signature);
        }
    }
}
