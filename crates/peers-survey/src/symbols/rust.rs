//! Rust public symbols: `pub` functions, structs (and their `pub` fields), enums (and their
//! variants), unions, traits (and their methods), type aliases, constants, statics, `pub mod`s
//! (inline ones followed), `pub use` re-exports, and `pub` functions and constants of
//! inherent `impl` blocks as `Type::name`.

use tree_sitter::Node;

use super::{MAX_DEPTH, Symbol, SymbolKind, field_text, header, normalized, push, text};

pub(super) fn read(root: Node<'_>, source: &str, out: &mut Vec<Symbol>) {
    items(root, source, "", out, 0);
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}::{name}")
    }
}

fn items(parent: Node<'_>, source: &str, prefix: &str, out: &mut Vec<Symbol>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut cursor = parent.walk();
    for item in parent.named_children(&mut cursor) {
        if item.kind() == "impl_item" {
            inherent_impl(item, source, prefix, out);
            continue;
        }
        if !is_pub(item, source) {
            continue;
        }
        let name = field_text(item, "name", source);
        let name = name.strip_prefix("r#").unwrap_or(name);
        let path = join(prefix, name);
        match item.kind() {
            "function_item" | "function_signature_item" => {
                push(
                    out,
                    SymbolKind::Function,
                    path,
                    item,
                    header(item, source, &[';']),
                );
            }
            "struct_item" | "union_item" => {
                let kind = if item.kind() == "struct_item" {
                    SymbolKind::Struct
                } else {
                    SymbolKind::Union
                };
                push(out, kind, path.clone(), item, header(item, source, &[';']));
                if let Some(body) = item.child_by_field_name("body") {
                    fields(body, source, &path, out);
                }
            }
            "enum_item" => {
                push(
                    out,
                    SymbolKind::Enum,
                    path.clone(),
                    item,
                    header(item, source, &[]),
                );
                if let Some(body) = item.child_by_field_name("body") {
                    let mut c = body.walk();
                    for variant in body.named_children(&mut c) {
                        if variant.kind() == "enum_variant" {
                            let variant_name = field_text(variant, "name", source);
                            let signature = normalized(text(variant, source));
                            let name = format!("{path}::{variant_name}");
                            push(out, SymbolKind::Variant, name, variant, signature);
                        }
                    }
                }
            }
            "trait_item" => {
                push(
                    out,
                    SymbolKind::Trait,
                    path.clone(),
                    item,
                    header(item, source, &[]),
                );
                if let Some(body) = item.child_by_field_name("body") {
                    members(body, source, &path, out, false);
                }
            }
            "mod_item" => {
                let signature = format!("pub mod {name}");
                push(out, SymbolKind::Module, path.clone(), item, signature);
                if let Some(body) = item.child_by_field_name("body") {
                    items(body, source, &path, out, depth + 1);
                }
            }
            "use_declaration" => {
                let argument = normalized(field_text(item, "argument", source));
                let name = join(prefix, &format!("(use {argument})"));
                push(
                    out,
                    SymbolKind::Export,
                    name,
                    item,
                    format!("pub use {argument}"),
                );
            }
            "const_item" | "static_item" | "type_item" => {
                let kind = match item.kind() {
                    "const_item" => SymbolKind::Const,
                    "static_item" => SymbolKind::Static,
                    _ => SymbolKind::Type,
                };
                push(out, kind, path, item, before_value(item, source));
            }
            _ => {}
        }
    }
}

/// A constant, static or type alias up to its `=`.
fn before_value(item: Node<'_>, source: &str) -> String {
    let end = item
        .child_by_field_name("value")
        .map_or(item.end_byte(), |v| v.start_byte());
    let head = source.get(item.start_byte()..end).unwrap_or("");
    super::signature_text(head.trim_end().trim_end_matches([';', '=']).trim_end())
}

fn fields(body: Node<'_>, source: &str, owner: &str, out: &mut Vec<Symbol>) {
    let mut cursor = body.walk();
    for (index, field) in body.named_children(&mut cursor).enumerate() {
        if field.kind() == "field_declaration" && is_pub(field, source) {
            let name = format!("{owner}.{}", field_text(field, "name", source));
            let ty = normalized(field_text(field, "type", source));
            push(out, SymbolKind::Field, name, field, ty);
        } else if body.kind() == "ordered_field_declaration_list"
            && !matches!(
                field.kind(),
                "visibility_modifier" | "line_comment" | "block_comment"
            )
            && field
                .prev_named_sibling()
                .is_some_and(|p| p.kind() == "visibility_modifier" && text(p, source) == "pub")
        {
            let signature = normalized(text(field, source));
            push(
                out,
                SymbolKind::Field,
                format!("{owner}.{index}"),
                field,
                signature,
            );
        }
    }
}

/// `impl<T> Type<T> { pub fn … }`: the `pub` members as `Type::name`. Trait impls add
/// nothing public of their own (their methods are the trait's).
fn inherent_impl(item: Node<'_>, source: &str, prefix: &str, out: &mut Vec<Symbol>) {
    if item.child_by_field_name("trait").is_some() {
        return;
    }
    let ty = field_text(item, "type", source);
    let base = ty.split('<').next().unwrap_or(ty).trim();
    let base = base
        .rsplit("::")
        .next()
        .unwrap_or(base)
        .trim_start_matches('&');
    if base.is_empty() {
        return;
    }
    if let Some(body) = item.child_by_field_name("body") {
        members(body, source, &join(prefix, base), out, true);
    }
}

fn members(body: Node<'_>, source: &str, owner: &str, out: &mut Vec<Symbol>, need_pub: bool) {
    let mut cursor = body.walk();
    for member in body.named_children(&mut cursor) {
        if need_pub && !is_pub(member, source) {
            continue;
        }
        let name = format!("{owner}::{}", field_text(member, "name", source));
        match member.kind() {
            "function_item" | "function_signature_item" => {
                push(
                    out,
                    SymbolKind::Method,
                    name,
                    member,
                    header(member, source, &[';']),
                );
            }
            "const_item" => push(
                out,
                SymbolKind::Const,
                name,
                member,
                before_value(member, source),
            ),
            _ => {}
        }
    }
}

/// Exactly `pub`: `pub(crate)` and `pub(super)` are not public API.
fn is_pub(item: Node<'_>, source: &str) -> bool {
    let mut cursor = item.walk();
    item.children(&mut cursor)
        .any(|child| child.kind() == "visibility_modifier" && text(child, source) == "pub")
}
