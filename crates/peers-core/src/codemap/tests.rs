//! The scan per language, the digest's degradation and cap, and the YAML round trip.

use super::*;

fn names(symbols: &[Symbol]) -> Vec<(&'static str, &str, usize)> {
    symbols
        .iter()
        .map(|s| (s.kind.as_str(), s.name.as_str(), s.line))
        .collect()
}

const RUST: &str = r#"//! A module.
pub mod parser;
mod private;
pub use crate::x::Y;
pub(crate) fn internal() {}

/* a block comment
pub fn commented_out() {}
*/
pub struct Config<T> {
    pub name: String,
}

impl<T: Clone> Config<T> {
    pub fn new(
        name: &str,
    ) -> Self {
        todo()
    }
    fn private(&self) {}
    pub const LIMIT: usize = 3;
}

impl std::fmt::Display for Config<u8> {
    fn fmt(&self) {}
}

pub async fn fetch() -> Result<(), Error> {}
pub const fn square(x: u32) -> u32 { x * x }
pub unsafe extern "C" fn callback() {}
pub const MAX: usize = 10;
pub static mut COUNTER: u32 = 0;
pub enum Mode { A, B }
pub trait Visitor: Sized {}
pub type Alias = Vec<u8>;

#[cfg(test)]
mod tests {
    pub fn helper() {}
}
"#;

#[test]
fn rust_public_items_and_inherent_methods() {
    let symbols = scan("src/lib.rs", RUST);
    assert_eq!(
        names(&symbols),
        vec![
            ("mod", "parser", 2),
            ("struct", "Config", 10),
            ("method", "Config::new", 15),
            ("const", "Config::LIMIT", 21),
            ("fn", "fetch", 28),
            ("fn", "square", 29),
            ("fn", "callback", 30),
            ("const", "MAX", 31),
            ("static", "COUNTER", 32),
            ("enum", "Mode", 33),
            ("trait", "Visitor", 34),
            ("type", "Alias", 35),
        ]
    );
    let signatures: Vec<&str> = symbols.iter().map(|s| s.signature.as_str()).collect();
    assert_eq!(signatures[2], "pub fn new(name: &str,) -> Self");
    assert_eq!(signatures[3], "pub const LIMIT: usize");
    assert_eq!(signatures[5], "pub const fn square(x: u32) -> u32");
    assert_eq!(signatures[11], "pub type Alias");
}

#[test]
fn rust_methods_in_tab_indented_impls_are_found() {
    let symbols = scan("src/a.rs", "impl Thing {\n\tpub fn go(&self) {}\n}\n");
    assert_eq!(names(&symbols), vec![("method", "Thing::go", 2)]);
}

#[test]
fn python_public_defs_and_classes() {
    let text = r#"import os

def load(path: str,
         mode: str = "r") -> dict:  # returns config
    """Load.

def not_a_function_inside_a_docstring():
    """
    return {}

async def fetch(url): return url

def _private():
    pass

class Loader(Base):
    def method(self):
        pass

class _Hidden:
    pass

def f(x=lambda y: y): pass
"#;
    let symbols = scan("pkg/config.py", text);
    assert_eq!(
        names(&symbols),
        vec![
            ("fn", "load", 3),
            ("fn", "fetch", 11),
            ("class", "Loader", 16),
            ("fn", "f", 23),
        ]
    );
    let signatures: Vec<&str> = symbols.iter().map(|s| s.signature.as_str()).collect();
    assert_eq!(
        signatures[0],
        r#"def load(path: str, mode: str = "r") -> dict"#
    );
    assert_eq!(signatures[1], "async def fetch(url)");
    assert_eq!(signatures[2], "class Loader(Base)");
    assert_eq!(signatures[3], "def f(x=lambda y: y)");
    assert!(scan("pkg/_internal.py", text).is_empty(), "private module");
    assert!(!scan("pkg/__init__.py", text).is_empty());
}

#[test]
fn javascript_and_typescript_exports() {
    let text = "import x from 'y';
export function parse(input: string): Doc {
export async function load() {}
export function* walk() {}
export default class {}
export class Parser extends Base {
export const VERSION = '1.0';
export let counter = 0;
export interface Options {
export type Id = string;
export declare const enum Color { Red }
export namespace Util {
export { a, b } from './c';
export * from './d';
function local() {}
  export const indented = 1;
";
    let symbols = scan("src/index.ts", text);
    assert_eq!(
        names(&symbols),
        vec![
            ("fn", "parse", 2),
            ("fn", "load", 3),
            ("fn", "walk", 4),
            ("class", "default", 5),
            ("class", "Parser", 6),
            ("var", "VERSION", 7),
            ("var", "counter", 8),
            ("interface", "Options", 9),
            ("type", "Id", 10),
            ("enum", "Color", 11),
            ("mod", "Util", 12),
        ]
    );
    assert_eq!(
        symbols[0].signature,
        "export function parse(input: string): Doc"
    );
    assert_eq!(symbols[5].signature, "export const VERSION = '1.0'");
    assert_eq!(scan("lib/a.mjs", "export default 42;\n")[0].name, "default");
}

#[test]
fn go_exported_funcs_methods_and_types() {
    let text = "package server

type Server struct {
\tAddr string
}

type (
\tHandler interface {
\t\tServe()
\t}
\tid int
\tOption func(*Server)
)

type Pair[K comparable, V any] struct{}

func New(addr string) *Server {
func helper() {}
func (s *Server) Start() error {
func (s *Server) stop() {}
func (h handler) Serve() {}
";
    let symbols = scan("server/server.go", text);
    assert_eq!(
        names(&symbols),
        vec![
            ("struct", "Server", 3),
            ("interface", "Handler", 8),
            ("type", "Option", 12),
            ("struct", "Pair", 15),
            ("fn", "New", 17),
            ("method", "Server.Start", 19),
        ]
    );
    assert_eq!(symbols[4].signature, "func New(addr string) *Server");
}

#[test]
fn unknown_languages_and_test_files() {
    assert!(scan("README.md", "pub fn x() {}").is_empty());
    assert!(scan("Makefile", "pub fn x() {}").is_empty());
    assert!(is_scanned("src/lib.rs"));
    assert!(is_scanned("pkg/server.go"));
    for skipped in [
        "pkg/server_test.go",
        "tests/test_x.py",
        "src/test_parser.py",
        "web/app.test.ts",
        "web/app.spec.js",
        "crates/x/tests/all.rs",
        "vendor/lib.go",
        "web/node_modules/a/index.js",
        "README.md",
    ] {
        assert!(!is_scanned(skipped), "{skipped}");
    }
}

fn sample_files() -> Vec<(String, Vec<Symbol>)> {
    vec![
        ("src/lib.rs".to_owned(), scan("src/lib.rs", RUST)),
        (
            "pkg/config.py".to_owned(),
            scan("pkg/config.py", "def load(path):\n    pass\n"),
        ),
        ("src/empty.rs".to_owned(), Vec::new()),
    ]
}

#[test]
fn digest_snapshot() {
    insta::assert_snapshot!(render_digest(&sample_files(), 64 * 1024));
}

#[test]
fn digest_degrades_to_names_then_counts_then_cuts() {
    let files = sample_files();
    let full = render_digest(&files, usize::MAX);
    assert!(full.contains("(signatures)"));
    let names = render_digest(&files, full.len() - 1);
    assert!(names.contains("(names only)"), "{names}");
    assert!(names.contains("- src/lib.rs: parser, Config, Config::new,"));
    let counts = render_digest(&files, names.len() - 1);
    assert!(counts.contains("(counts only)"), "{counts}");
    assert!(counts.contains("- pkg/config.py: 1 symbol\n- src/lib.rs: 12 symbols\n"));
    assert!(!counts.contains("src/empty.rs"));
    let cut = render_digest(&files, 200);
    assert!(cut.len() <= 200, "{}", cut.len());
    assert!(cut.ends_with(" more lines]\n"), "{cut}");
    for cap in [0, 10, 63, 64, 65, 100] {
        assert!(render_digest(&files, cap).len() <= cap, "{cap}");
    }
}

#[test]
fn yaml_is_sorted_by_id_and_parses() {
    let mut files = sample_files();
    files[1].1[0].signature = "def load(path=\"a\\b\")\u{7}: \u{2028}".to_owned();
    let yaml = render_yaml(&files);
    insta::assert_snapshot!(yaml);
    let parsed = crate::yaml::parse_document(&yaml, "CODEMAP.yaml");
    let Ok(Some(node)) = parsed else {
        panic!("CODEMAP.yaml does not parse: {parsed:?}");
    };
    let crate::yaml::Value::Mapping(top) = &node.value else {
        panic!("not a mapping");
    };
    let crate::yaml::Value::Sequence(entries) = &top[0].1.value else {
        panic!("entries is not a list");
    };
    assert_eq!(entries.len(), 13);
    let crate::yaml::Value::Mapping(first) = &entries[0].value else {
        panic!("an entry is not a mapping");
    };
    let signature = first.iter().find(|(key, _)| key.text == "signature");
    assert_eq!(
        signature.and_then(|(_, value)| value.as_str()),
        Some("def load(path=\"a\\b\"): \u{2028}"),
        "escapes round-trip; the control character is dropped"
    );
    assert_eq!(render_yaml(&[]), "entries: []\n");
}
