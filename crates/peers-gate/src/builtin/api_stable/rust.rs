//! The public API of one Rust library file, read with tree-sitter: `pub` functions, types,
//! fields, variants, trait and inherent methods, constants, re-exports and `pub mod`s, with
//! their signatures. Items of a module that is not `pub` all the way up to `lib.rs` are not
//! public API.

use tree_sitter::Node;

use super::{Api, normalized, parse, text};

/// The symbol prefix of a library file (`crate::a::b`), or `None` for binaries, build
/// scripts, tests and examples. `read` returns a file of the same tree (baseline or now).
pub(super) fn module_path(path: &str, read: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let (crate_dir, inside) = match path.rsplit_once("src/") {
        Some((dir, inside)) if !dir.contains("src/") => (dir, inside),
        _ => return None,
    };
    if inside == "main.rs" || inside.starts_with("bin/") || inside == "build.rs" {
        return None;
    }
    read(&format!("{crate_dir}src/lib.rs"))?;
    let stem = inside.strip_suffix(".rs")?;
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    let modules: Vec<&str> = if stem == "lib" {
        Vec::new()
    } else {
        stem.split('/').collect()
    };
    for depth in 0..modules.len() {
        let parent = parent_file(crate_dir, &modules[..depth], read)?;
        if !declares_pub_mod(&parent, modules[depth]) {
            return None;
        }
    }
    let mut prefix = crate_name(crate_dir, read);
    for module in modules {
        prefix.push_str("::");
        prefix.push_str(module);
    }
    Some(prefix)
}

fn parent_file(
    crate_dir: &str,
    modules: &[&str],
    read: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    if modules.is_empty() {
        return read(&format!("{crate_dir}src/lib.rs"));
    }
    let joined = modules.join("/");
    read(&format!("{crate_dir}src/{joined}.rs"))
        .or_else(|| read(&format!("{crate_dir}src/{joined}/mod.rs")))
}

fn declares_pub_mod(parent: &str, name: &str) -> bool {
    let Some(tree) = parse(parent, &tree_sitter_rust::LANGUAGE.into()) else {
        return false;
    };
    let root = tree.root_node();
    let mut cursor = root.walk();
    root.named_children(&mut cursor).any(|item| {
        item.kind() == "mod_item"
            && is_pub(item, parent)
            && item
                .child_by_field_name("name")
                .is_some_and(|n| text(n, parent) == name)
    })
}

/// `[package] name` of the crate, with `-` as `_`; the directory name when unreadable.
/// A manifest larger than this is not parsed (the directory name stands in).
const MAX_MANIFEST_BYTES: usize = 4 << 20;

fn crate_name(crate_dir: &str, read: &dyn Fn(&str) -> Option<String>) -> String {
    let manifest = read(&format!("{crate_dir}Cargo.toml")).unwrap_or_default();
    let name = (manifest.len() <= MAX_MANIFEST_BYTES)
        .then(|| manifest.parse::<toml::Table>().ok())
        .flatten()
        .and_then(|root| {
            let name = root.get("package")?.get("name")?.as_str()?.to_owned();
            Some(name)
        });
    if let Some(name) = name {
        return name.replace('-', "_");
    }
    let dir = crate_dir
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("crate");
    if dir.is_empty() {
        "crate".to_owned()
    } else {
        dir.replace('-', "_")
    }
}

pub(super) fn api(source: &str, prefix: &str) -> Api {
    let mut api = Api::new();
    if let Some(tree) = parse(source, &tree_sitter_rust::LANGUAGE.into()) {
        items(tree.root_node(), source, prefix, &mut api);
    }
    api
}

fn items(parent: Node<'_>, source: &str, prefix: &str, api: &mut Api) {
    let mut cursor = parent.walk();
    for item in parent.named_children(&mut cursor) {
        if item.kind() == "impl_item" {
            inherent_methods(item, source, prefix, api);
            continue;
        }
        if !is_pub(item, source) {
            continue;
        }
        let name = item
            .child_by_field_name("name")
            .map(|n| text(n, source))
            .unwrap_or_default();
        let symbol = format!("{prefix}::{name}");
        match item.kind() {
            "function_item" | "function_signature_item" => {
                api.insert(symbol, header(item, source));
            }
            "struct_item" => {
                api.insert(symbol.clone(), header(item, source));
                if let Some(body) = item.child_by_field_name("body") {
                    fields(body, source, &symbol, api);
                }
            }
            "enum_item" => {
                api.insert(symbol.clone(), header(item, source));
                if let Some(body) = item.child_by_field_name("body") {
                    let mut c = body.walk();
                    for variant in body
                        .named_children(&mut c)
                        .filter(|v| v.kind() == "enum_variant")
                    {
                        let variant_name = variant
                            .child_by_field_name("name")
                            .map(|n| text(n, source))
                            .unwrap_or_default();
                        api.insert(
                            format!("{symbol}::{variant_name}"),
                            normalized(text(variant, source)),
                        );
                    }
                }
            }
            "trait_item" => {
                api.insert(symbol.clone(), header(item, source));
                if let Some(body) = item.child_by_field_name("body") {
                    methods(body, source, &symbol, api, false);
                }
            }
            "mod_item" => match item.child_by_field_name("body") {
                Some(body) => items(body, source, &symbol, api),
                None => {
                    api.insert(symbol, "pub mod".to_owned());
                }
            },
            "use_declaration" => {
                let argument = item
                    .child_by_field_name("argument")
                    .map(|n| text(n, source))
                    .unwrap_or_default();
                let argument = normalized(argument);
                api.insert(
                    format!("{prefix}::(use {argument})"),
                    format!("pub use {argument}"),
                );
            }
            "const_item" | "static_item" | "type_item" => {
                let value = item
                    .child_by_field_name("value")
                    .map_or(item.end_byte(), |v| v.start_byte());
                api.insert(symbol, normalized(&source[item.start_byte()..value]));
            }
            _ => {}
        }
    }
}

fn fields(body: Node<'_>, source: &str, symbol: &str, api: &mut Api) {
    let mut cursor = body.walk();
    for (index, field) in body.named_children(&mut cursor).enumerate() {
        if field.kind() == "field_declaration" && is_pub(field, source) {
            let name = field
                .child_by_field_name("name")
                .map(|n| text(n, source))
                .unwrap_or_default();
            let ty = field
                .child_by_field_name("type")
                .map(|n| text(n, source))
                .unwrap_or_default();
            api.insert(format!("{symbol}.{name}"), normalized(ty));
        } else if body.kind() == "ordered_field_declaration_list"
            && field.kind() != "visibility_modifier"
        {
            let pub_before = field
                .prev_named_sibling()
                .is_some_and(|p| p.kind() == "visibility_modifier");
            if pub_before {
                api.insert(format!("{symbol}.{index}"), normalized(text(field, source)));
            }
        }
    }
}

fn inherent_methods(item: Node<'_>, source: &str, prefix: &str, api: &mut Api) {
    if item.child_by_field_name("trait").is_some() {
        return;
    }
    let Some(ty) = item.child_by_field_name("type") else {
        return;
    };
    let ty = text(ty, source);
    let base = ty.split('<').next().unwrap_or(ty).trim();
    if let Some(body) = item.child_by_field_name("body") {
        methods(body, source, &format!("{prefix}::{base}"), api, true);
    }
}

fn methods(body: Node<'_>, source: &str, owner: &str, api: &mut Api, need_pub: bool) {
    let mut cursor = body.walk();
    for method in body.named_children(&mut cursor) {
        let is_fn = matches!(method.kind(), "function_item" | "function_signature_item");
        if !is_fn || (need_pub && !is_pub(method, source)) {
            continue;
        }
        let name = method
            .child_by_field_name("name")
            .map(|n| text(n, source))
            .unwrap_or_default();
        api.insert(format!("{owner}::{name}"), header(method, source));
    }
}

/// The item's text before its body (the signature), whitespace-normalised.
fn header(item: Node<'_>, source: &str) -> String {
    let end = item
        .child_by_field_name("body")
        .map_or(item.end_byte(), |b| b.start_byte());
    normalized(source[item.start_byte()..end].trim_end_matches(';'))
}

/// Exactly `pub`: `pub(crate)` and `pub(super)` are not public API.
fn is_pub(item: Node<'_>, source: &str) -> bool {
    let mut cursor = item.walk();
    item.children(&mut cursor)
        .any(|child| child.kind() == "visibility_modifier" && text(child, source) == "pub")
}
