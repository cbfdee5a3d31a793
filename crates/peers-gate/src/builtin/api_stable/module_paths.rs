//! Where a source file's public symbols live, for `api-stable`'s symbol names: the Rust
//! module path (`crate::a::b`, only for modules `pub` all the way up to `lib.rs`), the Python
//! dotted module, the JS/TS module path and the Go package directory. `None` means the file
//! has no public API (a binary, a private module, a test, an `internal/` package).

use peers_survey::symbols::{self, Grammar, SymbolKind};

/// The symbol prefix of a library file (`crate::a::b`), or `None` for binaries, build
/// scripts, tests and examples. `read` returns a file of the same tree (baseline or now).
pub(super) fn rust_module_path(
    path: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
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
    symbols::read(Grammar::Rust, parent)
        .iter()
        .any(|symbol| symbol.kind == SymbolKind::Module && symbol.name == name)
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

/// `pkg.mod` for `src/pkg/mod.py`; `None` for private modules, tests and scripts.
pub(super) fn python_module_path(path: &str) -> Option<String> {
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

/// `src/util/strings` for `src/util/strings.ts`.
pub(super) fn script_module_path(path: &str) -> Option<String> {
    let (stem, _) = path.rsplit_once('.')?;
    Some(stem.strip_suffix(".d").unwrap_or(stem).to_owned())
}

/// The package directory of `path` (`.` at the root), or `None` when not importable.
pub(super) fn package_path(path: &str) -> Option<String> {
    if path.ends_with("_test.go") || path.split('/').any(|c| c == "internal" || c == "testdata") {
        return None;
    }
    Some(path.rsplit_once('/').map_or(".", |(dir, _)| dir).to_owned())
}
