//! The one public-symbol reader of peers: declarations read from tree-sitter syntax trees for
//! Rust, Python, JavaScript/TypeScript and Go, each with its kind, its name inside the file,
//! its 1-based line and its signature. The code map shows them; the `api-stable` gate
//! compares them between the baseline and now.
//!
//! "Public" is each language's own rule: Rust exactly `pub` (not `pub(crate)`); Python names
//! not starting with `_` (methods too, `__init__` kept); JS/TS what a module exports (ES
//! `export` and CommonJS `exports.x =`); Go identifiers starting with an upper-case letter.
//! Whether a whole file is public (a private Python module, a Rust module not `pub` up to
//! `lib.rs`) depends on its path and is the caller's rule.

mod go;
mod python;
mod rust;
mod script;

use tree_sitter::{Node, Parser, Tree};

/// Nesting followed into modules and classes; deeper declarations are left out, so a
/// hostile file of 10,000 nested modules cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 24;

/// The syntax a file is parsed with, chosen by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grammar {
    Rust,
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
}

impl Grammar {
    pub fn of_path(path: &str) -> Option<Grammar> {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name.rsplit_once('.')?.1 {
            "rs" => Some(Self::Rust),
            "py" | "pyi" => Some(Self::Python),
            "js" | "mjs" | "cjs" | "jsx" => Some(Self::JavaScript),
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "tsx" => Some(Self::Tsx),
            "go" => Some(Self::Go),
            _ => None,
        }
    }

    pub fn language(self) -> tree_sitter::Language {
        match self {
            Self::Rust => tree_sitter_rust::LANGUAGE.into(),
            Self::Python => tree_sitter_python::LANGUAGE.into(),
            Self::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Self::Go => tree_sitter_go::LANGUAGE.into(),
        }
    }
}

/// What a symbol is.
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
    /// A public field of a struct (`Type.field`).
    Field,
    /// A variant of a Rust enum (`Enum::Variant`).
    Variant,
    /// A name exported but declared elsewhere: `pub use`, `export { a as b }`, `export *`,
    /// a Python `__all__` entry.
    Export,
    /// A Go file's `package` clause (the name is the package's).
    Package,
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
            Self::Field => "field",
            Self::Variant => "variant",
            Self::Export => "export",
            Self::Package => "package",
        }
    }

    /// Declarations a reader navigates by (not fields, variants, re-exports or the package).
    pub fn is_declaration(self) -> bool {
        !matches!(
            self,
            Self::Field | Self::Variant | Self::Export | Self::Package
        )
    }
}

/// One public symbol. `name` is its path inside the file with the language's separator
/// (`Type::method` in Rust, `Class.method` elsewhere); `signature` is its declaration up to
/// its body, on one line with whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    pub line: usize,
    pub signature: String,
}

/// A parser kept across files (creating one per file costs more than parsing a small file).
pub struct SymbolReader {
    parser: Parser,
    loaded: Option<Grammar>,
}

impl Default for SymbolReader {
    fn default() -> Self {
        Self::new()
    }
}

impl SymbolReader {
    pub fn new() -> Self {
        Self {
            parser: Parser::new(),
            loaded: None,
        }
    }

    /// The public symbols of `source`, in file order. Source that does not parse yields
    /// what its readable parts declare (tree-sitter recovers around errors).
    pub fn read(&mut self, grammar: Grammar, source: &str) -> Vec<Symbol> {
        if self.loaded != Some(grammar) {
            if self.parser.set_language(&grammar.language()).is_err() {
                return Vec::new();
            }
            self.loaded = Some(grammar);
        }
        let Some(tree) = self.parser.parse(source, None) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let root = tree.root_node();
        match grammar {
            Grammar::Rust => rust::read(root, source, &mut out),
            Grammar::Python => python::read(root, source, &mut out),
            Grammar::JavaScript | Grammar::TypeScript | Grammar::Tsx => {
                script::read(root, source, &mut out)
            }
            Grammar::Go => go::read(root, source, &mut out),
        }
        out
    }
}

/// [`SymbolReader::read`] with a parser of its own.
pub fn read(grammar: Grammar, source: &str) -> Vec<Symbol> {
    SymbolReader::new().read(grammar, source)
}

/// `source` parsed with `language`, for readers of other things than symbols.
pub fn parse(source: &str, language: &tree_sitter::Language) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(language).ok()?;
    parser.parse(source, None)
}

/// The source text of `node` (empty if its range is not in `source`).
pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// Whitespace runs as one space, so reformatting is not a change.
pub fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A declaration's text as a signature: whitespace collapsed and no space just inside
/// brackets, so a parameter list spread over lines reads as one written on one.
pub(crate) fn signature_text(text: &str) -> String {
    normalized(text)
        .replace("( ", "(")
        .replace(" )", ")")
        .replace("[ ", "[")
        .replace(" ]", "]")
}

/// The text of `node` from its start to the start of its `body` field (all of it when it
/// has none), as a signature, with `trim` characters taken off the end.
pub(crate) fn header(node: Node<'_>, source: &str, trim: &[char]) -> String {
    let end = node
        .child_by_field_name("body")
        .map_or(node.end_byte(), |body| body.start_byte());
    let head = source.get(node.start_byte()..end).unwrap_or("");
    signature_text(head.trim_end().trim_end_matches(trim).trim_end())
}

pub(crate) fn field_text<'s>(node: Node<'_>, field: &str, source: &'s str) -> &'s str {
    node.child_by_field_name(field)
        .map(|n| text(n, source))
        .unwrap_or_default()
}

pub(crate) fn push(
    out: &mut Vec<Symbol>,
    kind: SymbolKind,
    name: String,
    node: Node<'_>,
    signature: String,
) {
    out.push(Symbol {
        kind,
        name,
        line: node.start_position().row + 1,
        signature,
    });
}

#[cfg(test)]
mod tests;
