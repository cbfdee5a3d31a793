//! `api-stable`: what each language's reader calls public, and the gate on small
//! repositories per language (a break fails until declared; additions and private changes
//! pass).

use peers_core::goals::BuiltinGate;
use serde_json::json;

use super::*;
use crate::builtin::test_repo::GateRepo;

fn keys(api: &PublicApi) -> Vec<&str> {
    api.keys().map(String::as_str).collect()
}

/// The API of `source` at `path`, in a tree where `src/lib.rs` declares it and the crate is
/// named `lib`.
fn api_of(path: &str, language: Language, source: &str) -> PublicApi {
    let read = |wanted: &str| match wanted {
        "Cargo.toml" => Some("[package]\nname = \"lib\"\n".to_owned()),
        _ if wanted == path => Some(source.to_owned()),
        _ => None,
    };
    file_api(path, language, &read)
}

#[test]
fn rust_reader_sees_pub_items_fields_variants_and_methods_only() {
    let source = "pub fn parse(input: &str) -> Result<Ast, Error> { todo() }\n\
        pub(crate) fn internal() {}\nfn private() {}\n\
        pub struct Config { pub name: String, secret: u8 }\n\
        pub enum Mode { Fast, Slow(u8) }\n\
        pub trait Gate { fn run(&self) -> bool; }\n\
        impl Config { pub fn new() -> Self { todo() } fn hidden(&self) {} }\n\
        impl Gate for Config { fn run(&self) -> bool { true } }\n\
        pub const LIMIT: usize = 3;\npub use crate::other::Thing;\npub mod nested { pub fn deep() {} }\n";
    let api = api_of("src/lib.rs", Language::Rust, source);
    assert_eq!(
        keys(&api),
        [
            "lib::(use crate::other::Thing)",
            "lib::Config",
            "lib::Config.name",
            "lib::Config::new",
            "lib::Gate",
            "lib::Gate::run",
            "lib::LIMIT",
            "lib::Mode",
            "lib::Mode::Fast",
            "lib::Mode::Slow",
            "lib::nested",
            "lib::nested::deep",
            "lib::parse",
        ]
    );
    assert_eq!(
        api["lib::parse"],
        "pub fn parse(input: &str) -> Result<Ast, Error>"
    );
    assert_eq!(api["lib::LIMIT"], "pub const LIMIT: usize");
}

#[test]
fn rust_items_of_private_modules_are_not_public() {
    let files = [
        ("src/lib.rs", "pub mod open;\nmod closed;\n"),
        ("src/open.rs", "pub mod inner;\n"),
        ("src/open/inner.rs", "pub fn f() {}\n"),
        ("src/closed.rs", "pub fn g() {}\n"),
        ("Cargo.toml", "[package]\nname = \"my-crate\"\n"),
    ];
    let read = |path: &str| {
        files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| (*t).to_owned())
    };
    assert_eq!(
        module_paths::rust_module_path("src/open/inner.rs", &read).as_deref(),
        Some("my_crate::open::inner")
    );
    assert_eq!(module_paths::rust_module_path("src/closed.rs", &read), None);
    assert_eq!(module_paths::rust_module_path("src/main.rs", &read), None);
}

#[test]
fn the_crate_name_is_read_from_any_valid_spelling_of_the_manifest() {
    // A comment after the name, a dotted key, a `name` key in another table first, and a
    // manifest that is not TOML (the directory name stands in).
    for (manifest, expected) in [
        (
            "[lib]\nname = \"wrong\"\n[package]\nname = \"my-crate\" # the name\n",
            "my_crate::open",
        ),
        ("package.name = 'dotted-name'\n", "dotted_name::open"),
        ("[package\nname = \"x\"\n", "tool_dir::open"),
    ] {
        let read = |path: &str| match path {
            "tool-dir/src/lib.rs" => Some("pub mod open;\n".to_owned()),
            "tool-dir/src/open.rs" => Some("pub fn f() {}\n".to_owned()),
            "tool-dir/Cargo.toml" => Some(manifest.to_owned()),
            _ => None,
        };
        assert_eq!(
            module_paths::rust_module_path("tool-dir/src/open.rs", &read).as_deref(),
            Some(expected),
            "{manifest}"
        );
    }
}

#[test]
fn python_reader_sees_public_defs_classes_methods_and_all() {
    let source = "__all__ = [\"load\", \"Store\"]\n\ndef load(path, *, strict=False) -> dict:\n    return {}\n\n\
        def _helper():\n    pass\n\n@dataclass\nclass Store:\n    def __init__(self, root):\n        self.root = root\n\n    def get(self, key):\n        return None\n\n    def _cache(self):\n        return None\n";
    let api = api_of("pkg/io.py", Language::Python, source);
    assert_eq!(
        keys(&api),
        [
            "pkg.io.Store",
            "pkg.io.Store.__init__",
            "pkg.io.Store.get",
            "pkg.io.__all__.Store",
            "pkg.io.__all__.load",
            "pkg.io.load"
        ]
    );
    assert_eq!(
        api["pkg.io.load"],
        "def load(path, *, strict=False) -> dict"
    );
    assert_eq!(
        module_paths::python_module_path("src/pkg/__init__.py").as_deref(),
        Some("pkg")
    );
    assert_eq!(module_paths::python_module_path("pkg/_private.py"), None);
}

#[test]
fn js_and_ts_readers_see_exports() {
    let ts = "export function add(a: number, b: number): number { return a + b; }\n\
        export const VERSION: string = '1';\nexport interface Options { strict: boolean }\n\
        export class Client { constructor(url: string) {} get(path: string): string { return path; } private secret() {} }\n\
        function local() {}\nexport { local as helper };\nexport default add;\nexport * from './more';\n";
    let api = api_of("src/a.ts", Language::Js, ts);
    assert_eq!(
        keys(&api),
        [
            "src/a:(export * from './more';)",
            "src/a:Client",
            "src/a:Client.constructor",
            "src/a:Client.get",
            "src/a:Options",
            "src/a:VERSION",
            "src/a:add",
            "src/a:default",
            "src/a:helper",
        ]
    );
    assert_eq!(
        api["src/a:add"],
        "function add(a: number, b: number): number"
    );
    let cjs = "function f() {}\nmodule.exports = { f, g: f };\nexports.h = 1;\n";
    let api = api_of("lib/x.js", Language::Js, cjs);
    assert_eq!(keys(&api), ["lib/x:f", "lib/x:g", "lib/x:h"]);
}

#[test]
fn go_reader_sees_exported_identifiers() {
    let source = "package store\n\nfunc Open(path string) (*DB, error) { return nil, nil }\nfunc open() {}\n\
        type DB struct {\n\tPath string\n\tconn int\n}\n\nfunc (d *DB) Close() error { return nil }\nfunc (d *DB) flush() {}\n\
        const Version = \"1\"\nvar ErrClosed error\ntype Option func(*DB)\n";
    let api = api_of("store/db.go", Language::Go, source);
    assert_eq!(
        keys(&api),
        [
            "store.DB",
            "store.DB.Close",
            "store.DB.Path",
            "store.ErrClosed",
            "store.Open",
            "store.Option",
            "store.Version"
        ]
    );
    assert_eq!(api["store.Open"], "func Open(path string) (*DB, error)");
    assert!(api_of("main.go", Language::Go, "package main\n\nfunc Run() {}\n").is_empty());
    assert_eq!(module_paths::package_path("internal/x/a.go"), None);
}

#[test]
fn declared_names_cover_symbols_parents_and_suffixes() {
    assert!(covers("crate::a::f", "crate::a::f"));
    assert!(covers("crate::a", "crate::a::f"));
    assert!(covers("f", "crate::a::f"));
    assert!(covers("Store.get", "pkg.io.Store.get"));
    assert!(!covers("crate::a::fo", "crate::a::f"));
    assert!(!covers("a::f", "crate::xa::f"));
}

fn gate(repo: &GateRepo) -> (bool, String) {
    let verdict = repo.run(BuiltinGate::ApiStable, json!({}));
    (verdict.pass, verdict.diagnostic)
}

#[test]
fn a_changed_rust_signature_fails_until_declared() {
    let repo = GateRepo::new();
    repo.write("Cargo.toml", "[package]\nname = \"calc\"\n")
        .write(
            "src/lib.rs",
            "pub fn add(a: i32, b: i32) -> i32 { a + b }\nfn private() {}\n",
        );
    repo.baseline();
    repo.write(
        "src/lib.rs",
        "pub fn add(a: i64, b: i64) -> i64 { a + b }\nfn private(x: u8) {}\npub fn new_one() {}\n",
    );
    repo.commit("widen\n\nPeer: claude\n");
    let (pass, diagnostic) = gate(&repo);
    assert!(!pass);
    assert!(
        diagnostic.contains("calc::add: changed from `pub fn add(a: i32, b: i32) -> i32` to `pub fn add(a: i64, b: i64) -> i64`"),
        "{diagnostic}"
    );
    assert!(
        !diagnostic.contains("private") && !diagnostic.contains("new_one"),
        "{diagnostic}"
    );
    repo.commit(
        "declare\n\nBreaking-API: calc::add sums overflowed i32 for real inputs\nPeer: claude\n",
    );
    let (pass, diagnostic) = gate(&repo);
    assert!(pass, "{diagnostic}");
}

#[test]
fn removed_python_js_and_go_symbols_fail_and_reformatting_passes() {
    let repo = GateRepo::new();
    repo.write(
        "pkg/api.py",
        "def load(path):\n    return path\n\ndef save(path, data):\n    return None\n",
    )
    .write(
        "web/index.js",
        "export function render(node) { return node; }\n",
    )
    .write(
        "store/db.go",
        "package store\n\nfunc Open(path string) error { return nil }\n",
    );
    repo.baseline();
    repo.write("pkg/api.py", "def load(path):\n    return  path\n")
        .write(
            "web/index.js",
            "export function   render(node) {\n  return node;\n}\n",
        )
        .write(
            "store/db.go",
            "package store\n\nfunc open(path string) error { return nil }\n",
        );
    let (pass, diagnostic) = gate(&repo);
    assert!(!pass);
    assert!(
        diagnostic.contains("pkg.api.save: removed (was `def save(path, data)`)"),
        "{diagnostic}"
    );
    assert!(diagnostic.contains("store.Open: removed"), "{diagnostic}");
    assert!(
        !diagnostic.contains("render") && !diagnostic.contains("pkg.api.load"),
        "{diagnostic}"
    );
    repo.write(
        "pkg/api.py",
        "def load(path):\n    return path\n\ndef save(path, data):\n    return None\n",
    )
    .write(
        "store/db.go",
        "package store\n\nfunc Open(path string) error { return nil }\n",
    );
    let (pass, diagnostic) = gate(&repo);
    assert!(pass, "{diagnostic}");
}
