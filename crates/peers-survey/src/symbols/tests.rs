//! Each language's symbols, on the inputs a line scanner gets wrong: signatures over several
//! lines, decorators and attributes, nested classes and modules, methods in impl blocks,
//! generics, arrow functions held by constants, Go receivers, and declarations inside
//! strings and comments (which are not declarations).

use super::*;

fn listed(grammar: Grammar, source: &str) -> Vec<(&'static str, String, usize)> {
    read(grammar, source)
        .into_iter()
        .map(|s| (s.kind.as_str(), s.name, s.line))
        .collect()
}

fn signature_of(grammar: Grammar, source: &str, name: &str) -> String {
    read(grammar, source)
        .into_iter()
        .find(|s| s.name == name)
        .map(|s| s.signature)
        .unwrap_or_else(|| panic!("{name} not found"))
}

fn row(kind: &'static str, name: &str, line: usize) -> (&'static str, String, usize) {
    (kind, name.to_owned(), line)
}

const RUST: &str = r#"#[derive(Debug)]
pub struct Wrapper<T: Clone, const N: usize>
where
    T: Send,
{
    pub inner: T,
    hidden: u8,
}
const DOC: &str = "
pub fn in_a_string() {}
";
impl<T: Clone + Send, const N: usize> Wrapper<T, N> {
    #[inline]
    pub fn map<U>(
        self,
        f: impl Fn(T) -> U,
    ) -> U
    where
        U: Clone,
    {
        f(self.inner)
    }
    pub(crate) fn internal(&self) {}
}
impl<T: Clone> From<T> for crate::x::Other {}
pub mod outer {
    pub mod inner {
        pub fn deep() {}
    }
    fn private() {}
}
pub enum Shape { Circle { r: f64 }, Square(f64) }
pub trait Draw { fn draw(&self); const SIDES: u32; }
pub fn r#match() {}
"#;

#[test]
fn rust_multi_line_generics_impl_methods_and_nested_modules() {
    assert_eq!(
        listed(Grammar::Rust, RUST),
        vec![
            row("struct", "Wrapper", 2),
            row("field", "Wrapper.inner", 6),
            row("method", "Wrapper::map", 14),
            row("mod", "outer", 26),
            row("mod", "outer::inner", 27),
            row("fn", "outer::inner::deep", 28),
            row("enum", "Shape", 32),
            row("variant", "Shape::Circle", 32),
            row("variant", "Shape::Square", 32),
            row("trait", "Draw", 33),
            row("method", "Draw::draw", 33),
            row("const", "Draw::SIDES", 33),
            row("fn", "match", 34),
        ]
    );
    assert_eq!(
        signature_of(Grammar::Rust, RUST, "Wrapper::map"),
        "pub fn map<U>(self, f: impl Fn(T) -> U,) -> U where U: Clone,"
    );
    assert_eq!(
        signature_of(Grammar::Rust, RUST, "Wrapper"),
        "pub struct Wrapper<T: Clone, const N: usize> where T: Send,"
    );
}

const PYTHON: &str = r#"import functools

TEMPLATE = """
def not_a_function():
    pass
"""

@functools.lru_cache(maxsize=None)
@other
def cached(
    key: str,
    *args,
    default: "int | None" = None,
    **kwargs,
) -> dict[str, int]:
    return {}

class Outer(Base, metaclass=Meta):
    class Inner:
        @property
        def value(self) -> int:
            return 1
        def _hidden(self):
            pass

    def __init__(self, x):
        def helper():
            pass

    async def fetch(self, url): ...

    @staticmethod
    def build(): pass

class _Private:
    def method(self): pass

def _helper(): pass
async def run(): pass
__all__ = ("cached", 'Outer')
"#;

#[test]
fn python_decorators_nested_classes_and_multi_line_signatures() {
    assert_eq!(
        listed(Grammar::Python, PYTHON),
        vec![
            row("fn", "cached", 10),
            row("class", "Outer", 18),
            row("class", "Outer.Inner", 19),
            row("method", "Outer.Inner.value", 21),
            row("method", "Outer.__init__", 26),
            row("method", "Outer.fetch", 30),
            row("method", "Outer.build", 33),
            row("fn", "run", 39),
            row("export", "__all__.cached", 40),
            row("export", "__all__.Outer", 40),
        ]
    );
    assert_eq!(
        signature_of(Grammar::Python, PYTHON, "cached"),
        "def cached(key: str, *args, default: \"int | None\" = None, **kwargs,) -> dict[str, int]"
    );
    assert_eq!(
        signature_of(Grammar::Python, PYTHON, "Outer"),
        "class Outer(Base, metaclass=Meta)"
    );
    assert_eq!(
        signature_of(Grammar::Python, PYTHON, "Outer.fetch"),
        "async def fetch(self, url)"
    );
}

const TYPESCRIPT: &str = r#"import { x } from "y";
const hidden = () => 1;
export const handler = async (
  request: Request,
  context: Context,
): Promise<Response> => {
  return new Response();
};
export const LIMIT: number = 10, other = function named(a) { return a; };
export function identity<T extends object>(
  value: T,
): T {
  return value;
}
export abstract class Store<K, V> extends Base implements Reader {
  constructor(private readonly root: string) { super(); }
  get(key: K): V | undefined { return undefined; }
  private secret(): void {}
  #hidden(): void {}
  static create(): Store<string, number> { return null!; }
  abstract flush(): Promise<void>;
}
export interface Options<T> {
  strict: boolean;
}
export type Id = string | number;
export enum Color { Red, Green }
export declare function ambient(x: number): void;
export namespace Util { export const y = 1; }
export default function main() {}
export { hidden as visible };
export * from "./more";
"#;

#[test]
fn typescript_arrow_functions_generics_classes_and_exports() {
    assert_eq!(
        listed(Grammar::TypeScript, TYPESCRIPT),
        vec![
            row("fn", "handler", 3),
            row("var", "LIMIT", 9),
            row("fn", "other", 9),
            row("fn", "identity", 10),
            row("class", "Store", 15),
            row("method", "Store.constructor", 16),
            row("method", "Store.get", 17),
            row("method", "Store.create", 20),
            row("method", "Store.flush", 21),
            row("interface", "Options", 23),
            row("type", "Id", 26),
            row("enum", "Color", 27),
            row("fn", "ambient", 28),
            row("mod", "Util", 29),
            row("fn", "main", 30),
            row("export", "visible", 31),
            row("export", "(export * from \"./more\";)", 32),
        ]
    );
    assert_eq!(
        signature_of(Grammar::TypeScript, TYPESCRIPT, "handler"),
        "const handler = async (request: Request, context: Context,): Promise<Response> =>"
    );
    assert_eq!(
        signature_of(Grammar::TypeScript, TYPESCRIPT, "identity"),
        "function identity<T extends object>(value: T,): T"
    );
    assert_eq!(
        signature_of(Grammar::TypeScript, TYPESCRIPT, "LIMIT"),
        "const LIMIT: number"
    );
}

#[test]
fn javascript_exports_default_values_and_commonjs() {
    let source = "export default (a, b) => a + b;\n\
        function f() {}\nmodule.exports = { f, g: () => 1, h: 2 };\n\
        exports.run = function () {};\nexports.VERSION = '1';\n";
    assert_eq!(
        listed(Grammar::JavaScript, source),
        vec![
            row("fn", "default", 1),
            row("var", "f", 3),
            row("fn", "g", 3),
            row("var", "h", 3),
            row("fn", "run", 4),
            row("var", "VERSION", 5),
        ]
    );
    let jsx = "export const App = () => <div>{1}</div>;\nexport class View extends Component { render() { return <p/>; } }\n";
    assert_eq!(
        listed(Grammar::JavaScript, jsx),
        vec![
            row("fn", "App", 1),
            row("class", "View", 2),
            row("method", "View.render", 2)
        ]
    );
    let tsx = "export function Button<T>(props: Props<T>): JSX.Element { return <button/>; }\n";
    assert_eq!(listed(Grammar::Tsx, tsx), vec![row("fn", "Button", 1)]);
}

const GO: &str = "package store

import \"fmt\"

// Open opens.
func Open(
\tpath string,
\topts ...Option,
) (*DB, error) {
\treturn nil, nil
}

func open() {}

type (
\tDB struct {
\t\tPath string
\t\tconn int
\t\t*Embedded
\t}
\tReader interface {
\t\tRead(p []byte) (int, error)
\t\tfmt.Stringer
\t\tclose()
\t}
\thidden int
)

type Set[T comparable] struct{ items map[T]struct{} }

func (s *Set[T]) Add(item T) { }
func (d DB) Close() error { return nil }
func (d *DB) flush() {}
func (h hidden) Exported() {}

const (
\tVersion = \"1\"
\tinternal = 2
)
var ErrClosed, errOther error
";

#[test]
fn go_receivers_generics_groups_and_exported_names() {
    assert_eq!(
        listed(Grammar::Go, GO),
        vec![
            row("package", "store", 1),
            row("fn", "Open", 6),
            row("struct", "DB", 16),
            row("field", "DB.Path", 17),
            row("field", "DB.Embedded", 19),
            row("interface", "Reader", 21),
            row("method", "Reader.Read", 22),
            row("field", "Reader.(fmt.Stringer)", 23),
            row("struct", "Set", 29),
            row("method", "Set.Add", 31),
            row("method", "DB.Close", 32),
            row("const", "Version", 37),
            row("var", "ErrClosed", 40),
        ]
    );
    assert_eq!(
        signature_of(Grammar::Go, GO, "Open"),
        "func Open(path string, opts ...Option,) (*DB, error)"
    );
    assert_eq!(
        signature_of(Grammar::Go, GO, "Set"),
        "type Set[T comparable] struct"
    );
    assert_eq!(
        signature_of(Grammar::Go, GO, "Set.Add"),
        "func (s *Set[T]) Add(item T)"
    );
}

#[test]
fn grammars_by_extension_and_unknown_files() {
    assert_eq!(Grammar::of_path("a/b.rs"), Some(Grammar::Rust));
    assert_eq!(Grammar::of_path("a/b.pyi"), Some(Grammar::Python));
    assert_eq!(Grammar::of_path("a/b.mjs"), Some(Grammar::JavaScript));
    assert_eq!(Grammar::of_path("a/b.cts"), Some(Grammar::TypeScript));
    assert_eq!(Grammar::of_path("a/b.tsx"), Some(Grammar::Tsx));
    assert_eq!(Grammar::of_path("a/b.go"), Some(Grammar::Go));
    for other in ["Makefile", "a/b.rb", "a.rs/README", "a/b.c", "a/.rs.d/x"] {
        assert_eq!(Grammar::of_path(other), None, "{other}");
    }
}

#[test]
fn broken_and_hostile_sources_do_not_stop_the_reader() {
    // Unbalanced input still yields the declarations tree-sitter can recover.
    let broken = "pub fn ok() {}\npub fn broken( {\n";
    assert!(
        listed(Grammar::Rust, broken)
            .iter()
            .any(|(_, n, _)| n == "ok")
    );
    // Ten thousand nested modules: read to the depth cap, no stack overflow.
    let deep = "pub mod m {".repeat(10_000) + &"}".repeat(10_000);
    let symbols = read(Grammar::Rust, &deep);
    assert_eq!(symbols.len(), MAX_DEPTH + 1);
    let nested = (0..5_000)
        .map(|i| format!("{}class C{i}:\n", " ".repeat(i)))
        .collect::<String>();
    assert!(read(Grammar::Python, &nested).len() <= MAX_DEPTH + 1);
    assert!(read(Grammar::Go, "\u{0}\u{1}binary").is_empty());
}
