//! The code map: the public symbols of a repository's source files, read from syntax trees by
//! [`crate::symbols`], rendered as a byte-capped digest for prompts (`.peers/codemap.md`) and
//! as `.peers/CODEMAP.yaml`.
//!
//! What it lists per language is the symbol reader's "public": Rust `pub` items and the `pub`
//! members of inherent impls; Python functions, classes and their methods in modules whose path
//! has no `_`-prefixed segment; JS/TS exports; Go exported identifiers. Fields, enum variants,
//! re-exports and Go package clauses are left out of the map (the `api-stable` gate uses them).
//! Items made by macros or code generation are not seen. Files in languages without a grammar
//! yield nothing.

mod render;
mod scan;

pub use render::{render_digest, render_yaml};
pub use scan::{MAX_SCANNED_BYTES, MAX_SCANNED_FILES, MAX_SOURCE_BYTES, ScanReport, scan_files};

use crate::symbols::{Grammar, Symbol, SymbolReader};

/// Signatures longer than this are cut in the map.
pub const MAX_SIGNATURE_BYTES: usize = 240;

/// The map's symbols of one file, in file order. Unknown languages yield nothing.
pub fn scan(path: &str, text: &str) -> Vec<Symbol> {
    scan_with(&mut SymbolReader::new(), path, text)
}

pub(crate) fn scan_with(reader: &mut SymbolReader, path: &str, text: &str) -> Vec<Symbol> {
    let Some(grammar) = Grammar::of_path(path) else {
        return Vec::new();
    };
    if grammar == Grammar::Python && !python_module_is_public(path) {
        return Vec::new();
    }
    let mut symbols = reader.read(grammar, text);
    symbols.retain(|symbol| symbol.kind.is_declaration());
    for symbol in &mut symbols {
        if symbol.signature.len() > MAX_SIGNATURE_BYTES {
            symbol.signature = clip(&symbol.signature, MAX_SIGNATURE_BYTES);
        }
    }
    symbols
}

/// Whether the map should read `path`: a language with a grammar, and not a test file (Rust
/// `tests.rs` and `*_tests.rs` unit-test modules included), a benchmark, a minified bundle,
/// or a vendored or generated tree (whose "public" symbols are noise).
pub fn is_scanned(path: &str) -> bool {
    const SKIPPED_DIRS: &[&str] = &[
        "tests",
        "test",
        "__tests__",
        "benches",
        "testdata",
        "fixtures",
        "vendor",
        "node_modules",
        "third_party",
        "target",
        "dist",
        "build",
        "__pycache__",
        ".venv",
        "venv",
        "site-packages",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    let test_file = name.ends_with("_test.go")
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || name == "tests.rs"
        || name.ends_with("_tests.rs")
        || name.ends_with("_test.rs")
        || name.contains(".test.")
        || name.contains(".spec.");
    let generated = name.contains(".min.") || name.ends_with(".pb.go") || name.ends_with("_pb2.py");
    let skipped_dir = path
        .split('/')
        .rev()
        .skip(1)
        .any(|dir| SKIPPED_DIRS.contains(&dir));
    Grammar::of_path(path).is_some() && !test_file && !generated && !skipped_dir
}

/// Whether a source file says it was generated (`Code generated … DO NOT EDIT.`, the Go
/// convention, or `@generated`) in its first lines.
pub fn is_generated(text: &str) -> bool {
    text.lines().take(5).any(|line| {
        line.contains("@generated")
            || (line.contains("Code generated") && line.contains("DO NOT EDIT"))
    })
}

fn python_module_is_public(path: &str) -> bool {
    path.split('/').all(|segment| {
        !segment.starts_with('_') || segment == "__init__.py" || segment == "__main__.py"
    })
}

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests;
