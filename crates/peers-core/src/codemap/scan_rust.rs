//! The Rust rules of the line-based public-symbol scan.

use super::{Symbol, SymbolKind, identifier, signature};

/// Qualifiers that may sit between `pub` and the item keyword.
const QUALIFIERS: &[&str] = &["async ", "unsafe ", "default ", "safe "];

const KEYWORDS: &[(&str, SymbolKind)] = &[
    ("fn ", SymbolKind::Function),
    ("struct ", SymbolKind::Struct),
    ("enum ", SymbolKind::Enum),
    ("union ", SymbolKind::Union),
    ("trait ", SymbolKind::Trait),
    ("type ", SymbolKind::Type),
    ("const ", SymbolKind::Const),
    ("static ", SymbolKind::Static),
    ("mod ", SymbolKind::Module),
];

pub(super) fn scan(text: &str) -> Vec<Symbol> {
    let lines: Vec<&str> = text.lines().collect();
    let mut symbols = Vec::new();
    let mut impl_type: Option<String> = None;
    let mut in_block_comment = false;
    for (at, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if in_block_comment {
            in_block_comment = !trimmed.contains("*/");
            continue;
        }
        if trimmed.starts_with("/*") && !trimmed.contains("*/") {
            in_block_comment = true;
            continue;
        }
        // A tab counts as four columns, so tab-indented impl methods are found too.
        let indent = line[..line.len() - trimmed.len()]
            .replace('\t', "    ")
            .len();
        if indent == 0 {
            track_impl(trimmed, &mut impl_type);
        }
        let Some(item) = public_item(trimmed) else {
            continue;
        };
        let (kind, name) = match (indent, &impl_type) {
            (0, _) => item,
            (4, Some(owner)) if matches!(item.0, SymbolKind::Function | SymbolKind::Const) => {
                let kind = match item.0 {
                    SymbolKind::Function => SymbolKind::Method,
                    other => other,
                };
                (kind, format!("{owner}::{}", item.1))
            }
            _ => continue,
        };
        let stops: &[char] = match kind {
            SymbolKind::Const | SymbolKind::Static | SymbolKind::Type => &['=', ';', '{'],
            _ => &['{', ';'],
        };
        symbols.push(Symbol {
            kind,
            name,
            line: at + 1,
            signature: signature(&lines[at..], stops),
        });
    }
    symbols
}

/// `impl<T> Trait for Type<T> {` and `impl Type {` at column 0 open an impl block for
/// `Type`; a closing `}` at column 0 ends it.
fn track_impl(line: &str, impl_type: &mut Option<String>) {
    if line.starts_with('}') {
        *impl_type = None;
        return;
    }
    let Some(rest) = line
        .strip_prefix("impl")
        .or_else(|| line.strip_prefix("unsafe impl"))
    else {
        return;
    };
    if !rest.starts_with([' ', '<']) {
        return;
    }
    let rest = skip_generics(rest.trim_start()).trim_start();
    let target = match rest.split_once(" for ") {
        Some((_, target)) => target,
        None => rest,
    };
    let path = target
        .trim_start()
        .split(['<', ' ', '{'])
        .next()
        .unwrap_or_default();
    let last = path.rsplit("::").next().unwrap_or(path);
    *impl_type = identifier(last).map(str::to_owned);
}

/// `<…>` with nesting, at the start of `text`.
fn skip_generics(text: &str) -> &str {
    if !text.starts_with('<') {
        return text;
    }
    let mut depth = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &text[at + 1..];
                }
            }
            _ => {}
        }
    }
    ""
}

/// The kind and name of a `pub` item declared on `line` (already trimmed).
fn public_item(line: &str) -> Option<(SymbolKind, String)> {
    let mut rest = line.strip_prefix("pub ")?;
    loop {
        let before = rest;
        for qualifier in QUALIFIERS {
            rest = rest.strip_prefix(qualifier).unwrap_or(rest);
        }
        if let Some(after) = rest.strip_prefix("extern ") {
            rest = skip_abi(after);
        }
        if let Some(after) = rest.strip_prefix("const ") {
            // `pub const fn` is a function; `pub const NAME` is a constant.
            let inner = QUALIFIERS
                .iter()
                .fold(after, |text, q| text.strip_prefix(q).unwrap_or(text));
            if inner.starts_with("fn ") || inner.starts_with("extern ") {
                rest = after;
            }
        }
        if rest == before {
            break;
        }
    }
    let (kind, after) = KEYWORDS
        .iter()
        .find_map(|(keyword, kind)| rest.strip_prefix(keyword).map(|after| (*kind, after)))?;
    let after = after.trim_start();
    let after = after.strip_prefix("mut ").unwrap_or(after);
    let after = after.strip_prefix("r#").unwrap_or(after);
    identifier(after).map(|name| (kind, name.to_owned()))
}

/// `"C" fn …` → `fn …`.
fn skip_abi(text: &str) -> &str {
    let text = text.trim_start();
    match text
        .strip_prefix('"')
        .and_then(|after| after.split_once('"'))
    {
        Some((_, rest)) => rest.trim_start(),
        None => text,
    }
}
