//! The Python, JavaScript/TypeScript and Go rules of the line-based public-symbol scan.

use super::{Symbol, SymbolKind, identifier, signature};

pub(super) fn python(text: &str) -> Vec<Symbol> {
    let lines: Vec<&str> = text.lines().collect();
    let mut symbols = Vec::new();
    let mut open_quote: Option<&str> = None;
    for (at, line) in lines.iter().enumerate() {
        let was_inside = open_quote.is_some();
        open_quote = track_triple_quotes(line, open_quote);
        if was_inside {
            continue;
        }
        let declaration = line.strip_prefix("async ").unwrap_or(line);
        let (kind, rest) = if let Some(rest) = declaration.strip_prefix("def ") {
            (SymbolKind::Function, rest)
        } else if let Some(rest) = line.strip_prefix("class ") {
            (SymbolKind::Class, rest)
        } else {
            continue;
        };
        let Some(name) = identifier(rest.trim_start()) else {
            continue;
        };
        if name.starts_with('_') {
            continue;
        }
        symbols.push(Symbol {
            kind,
            name: name.to_owned(),
            line: at + 1,
            signature: python_signature(&lines[at..]),
        });
    }
    symbols
}

/// A `def`/`class` header up to the `:` that ends it (the first one outside brackets),
/// which may be several lines down; `#` comments are dropped.
fn python_signature(lines: &[&str]) -> String {
    let mut header = String::new();
    let mut depth = 0usize;
    'lines: for line in lines.iter().take(super::MAX_SIGNATURE_LINES) {
        let code = line.split('#').next().unwrap_or_default();
        header.push(' ');
        for c in code.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                ':' if depth == 0 => break 'lines,
                _ => {}
            }
            header.push(c);
        }
    }
    signature(&[&header], &[])
}

/// Which triple quote is still open after `line`, given the one open before it.
fn track_triple_quotes<'a>(line: &str, mut open: Option<&'a str>) -> Option<&'a str> {
    let mut rest = line;
    loop {
        let next = match open {
            Some(quote) => rest.find(quote).map(|at| (at, quote)),
            None => [r#"""""#, "'''"]
                .into_iter()
                .filter_map(|quote| rest.find(quote).map(|at| (at, quote)))
                .min(),
        };
        let Some((at, quote)) = next else {
            return open;
        };
        open = if open.is_some() { None } else { Some(quote) };
        rest = &rest[at + quote.len()..];
    }
}

/// JavaScript and TypeScript `export` declarations at column 0.
pub(super) fn script(text: &str) -> Vec<Symbol> {
    let lines: Vec<&str> = text.lines().collect();
    let mut symbols = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("export ") else {
            continue;
        };
        let Some((kind, name)) = script_export(rest.trim_start()) else {
            continue;
        };
        symbols.push(Symbol {
            kind,
            name,
            line: at + 1,
            signature: signature(&lines[at..], &['{', ';']),
        });
    }
    symbols
}

fn script_export(text: &str) -> Option<(SymbolKind, String)> {
    const MODIFIERS: &[&str] = &["declare ", "async ", "abstract ", "const enum "];
    const KEYWORDS: &[(&str, SymbolKind)] = &[
        ("function* ", SymbolKind::Function),
        ("function ", SymbolKind::Function),
        ("function*", SymbolKind::Function),
        ("class ", SymbolKind::Class),
        ("interface ", SymbolKind::Interface),
        ("type ", SymbolKind::Type),
        ("enum ", SymbolKind::Enum),
        ("namespace ", SymbolKind::Module),
        ("module ", SymbolKind::Module),
        ("const ", SymbolKind::Variable),
        ("let ", SymbolKind::Variable),
        ("var ", SymbolKind::Variable),
    ];
    let (default, text) = match text.strip_prefix("default ") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let mut text = text;
    for modifier in MODIFIERS {
        if *modifier == "const enum " && text.starts_with(modifier) {
            text = &text["const ".len()..];
        } else {
            text = text.strip_prefix(modifier).unwrap_or(text);
        }
    }
    let keyword = KEYWORDS
        .iter()
        .find_map(|(keyword, kind)| text.strip_prefix(keyword).map(|after| (*kind, after)));
    match (keyword, default) {
        (Some((kind, after)), false) => {
            identifier(after.trim_start()).map(|name| (kind, name.to_owned()))
        }
        (Some((kind, _)), true) => Some((kind, "default".to_owned())),
        (None, true) => Some((SymbolKind::Variable, "default".to_owned())),
        (None, false) => None,
    }
}

/// Go exported `func`s, methods on exported types, and exported `type`s.
pub(super) fn go(text: &str) -> Vec<Symbol> {
    let lines: Vec<&str> = text.lines().collect();
    let mut symbols = Vec::new();
    let mut in_type_group = false;
    for (at, line) in lines.iter().enumerate() {
        let found = if in_type_group {
            if line.starts_with(')') {
                in_type_group = false;
            }
            line.strip_prefix('\t').and_then(go_type)
        } else if line.starts_with("type (") {
            in_type_group = true;
            None
        } else if let Some(rest) = line.strip_prefix("type ") {
            go_type(rest)
        } else if let Some(rest) = line.strip_prefix("func ") {
            go_func(rest)
        } else {
            None
        };
        if let Some((kind, name)) = found {
            let signature = signature(&lines[at..], &['{']);
            symbols.push(Symbol {
                kind,
                name,
                line: at + 1,
                signature,
            });
        }
    }
    symbols
}

fn is_exported(name: &str) -> bool {
    name.starts_with(|c: char| c.is_uppercase())
}

/// `Name struct {…` / `Name interface {…` / `Name = Other` / `Name[T any] …`.
fn go_type(text: &str) -> Option<(SymbolKind, String)> {
    let name = identifier(text).filter(|name| is_exported(name))?;
    let after = text[name.len()..].trim_start();
    let after = match after.strip_prefix('[') {
        Some(generic) => generic
            .split_once(']')
            .map_or("", |(_, rest)| rest.trim_start()),
        None => after,
    };
    let kind = if after.starts_with("struct") {
        SymbolKind::Struct
    } else if after.starts_with("interface") {
        SymbolKind::Interface
    } else {
        SymbolKind::Type
    };
    Some((kind, name.to_owned()))
}

/// `Name(…` or `(r *Recv[T]) Name(…`, exported names only.
fn go_func(text: &str) -> Option<(SymbolKind, String)> {
    let Some(receiver) = text.strip_prefix('(') else {
        let name = identifier(text).filter(|name| is_exported(name))?;
        return Some((SymbolKind::Function, name.to_owned()));
    };
    let (receiver, rest) = receiver.split_once(')')?;
    let receiver_type = receiver.split_whitespace().last()?.trim_start_matches('*');
    let receiver_type = identifier(receiver_type).filter(|name| is_exported(name))?;
    let name = identifier(rest.trim_start()).filter(|name| is_exported(name))?;
    Some((SymbolKind::Method, format!("{receiver_type}.{name}")))
}
