//! The code map: public symbols found by a line-based scan of source files, rendered as a
//! byte-capped digest for prompts (`.peers/codemap.md`) and as `.peers/CODEMAP.yaml`.
//!
//! The scan is deliberately simple, one rule set per language, on lines that start at
//! column 0 (plus Rust methods one level into an `impl`):
//! * Rust: `pub fn|struct|enum|trait|type|const|static|mod|union` (with `async`, `const`,
//!   `unsafe`, `extern "…"` qualifiers); `pub fn`/`pub const` indented inside a column-0
//!   `impl Type` become `Type::name`. `pub(crate)` and narrower are not public.
//! * Python: `def`, `async def` and `class` whose name does not start with `_`, in modules
//!   whose path has no `_`-prefixed segment (`__init__.py` and `__main__.py` excepted);
//!   lines inside triple-quoted strings are skipped.
//! * JavaScript/TypeScript: `export` declarations (`function`, `class`, `const|let|var`,
//!   `interface`, `type`, `enum`, `namespace`; `export default …` is named `default`).
//!   Re-exports (`export {…}`, `export *`) are not listed.
//! * Go: exported `func Name`, methods `func (r T) Name` on exported types (`T.Name`),
//!   and exported `type` declarations, including those in a `type (…)` group.
//!
//! It misses items produced by macros or code generation and may list an item that sits
//! inside a multi-line string at column 0; the digest says it comes from a scan.

mod render;
mod scan_c_family;
mod scan_rust;

pub use render::{render_digest, render_yaml};

/// What a symbol is, as the scan could tell from its declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKind {
    Function,
    Method,
    Struct,
    Enum,
    Union,
    Trait,
    Interface,
    Class,
    Type,
    Const,
    Static,
    Variable,
    Module,
}

impl SymbolKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Function => "fn",
            Self::Method => "method",
            Self::Struct => "struct",
            Self::Enum => "enum",
            Self::Union => "union",
            Self::Trait => "trait",
            Self::Interface => "interface",
            Self::Class => "class",
            Self::Type => "type",
            Self::Const => "const",
            Self::Static => "static",
            Self::Variable => "var",
            Self::Module => "mod",
        }
    }
}

/// One public symbol: `line` is 1-based, `signature` is its declaration on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    pub line: usize,
    pub signature: String,
}

/// Signatures longer than this are cut; a declaration is read over at most
/// `MAX_SIGNATURE_LINES` lines.
pub const MAX_SIGNATURE_BYTES: usize = 240;
pub(crate) const MAX_SIGNATURE_LINES: usize = 12;

/// The public symbols of one file, in file order. Unknown languages yield nothing.
pub fn scan(path: &str, text: &str) -> Vec<Symbol> {
    match language(path) {
        Some(Language::Rust) => scan_rust::scan(text),
        Some(Language::Python) if python_module_is_public(path) => scan_c_family::python(text),
        Some(Language::Python) => Vec::new(),
        Some(Language::Script) => scan_c_family::script(text),
        Some(Language::Go) => scan_c_family::go(text),
        None => Vec::new(),
    }
}

/// Whether the driver should scan `path`: a language the scan knows, and not a test file
/// or a vendored or generated tree (whose "public" symbols are noise in a code map).
pub fn is_scanned(path: &str) -> bool {
    const SKIPPED_DIRS: &[&str] = &[
        "tests",
        "test",
        "__tests__",
        "testdata",
        "fixtures",
        "vendor",
        "node_modules",
        "third_party",
        "target",
        "dist",
        "build",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    let test_file = name.ends_with("_test.go")
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name.contains(".test.")
        || name.contains(".spec.");
    let skipped_dir = path
        .split('/')
        .rev()
        .skip(1)
        .any(|dir| SKIPPED_DIRS.contains(&dir));
    language(path).is_some() && !test_file && !skipped_dir
}

enum Language {
    Rust,
    Python,
    Script,
    Go,
}

fn language(path: &str) -> Option<Language> {
    let extension = path.rsplit_once('.')?.1;
    match extension {
        "rs" => Some(Language::Rust),
        "py" | "pyi" => Some(Language::Python),
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => Some(Language::Script),
        "go" => Some(Language::Go),
        _ => None,
    }
}

fn python_module_is_public(path: &str) -> bool {
    path.split('/').all(|segment| {
        !segment.starts_with('_') || segment == "__init__.py" || segment == "__main__.py"
    })
}

/// A declaration spread over `lines` as one line: cut at the first of `stops` (the body
/// or the end of the item), whitespace collapsed, control characters dropped, capped.
pub(crate) fn signature(lines: &[&str], stops: &[char]) -> String {
    let mut joined = String::new();
    for line in lines.iter().take(MAX_SIGNATURE_LINES) {
        let cut = line.find(stops).unwrap_or(line.len());
        joined.push(' ');
        joined.push_str(&line[..cut]);
        if cut < line.len() {
            break;
        }
    }
    let collapsed = joined
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")");
    clip(&collapsed, MAX_SIGNATURE_BYTES)
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

/// The leading identifier of `text` (letters, digits, `_`, and `$` for JavaScript).
pub(crate) fn identifier(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(text.len());
    let name = &text[..end];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

#[cfg(test)]
mod tests;
