//! `api-stable`: every public symbol that existed at the baseline and is now gone or has a
//! different signature is named by a `Breaking-API: <symbol>` line in a commit since the
//! baseline. Rust `pub` items, Python public names and `__all__`, JS/TS exports and Go
//! exported identifiers are read with tree-sitter from the baseline tree and the worktree.
//!
//! A `Breaking-API:` name covers the symbol itself, anything under it (`crate::old_module`
//! covers its items) and a symbol it ends (`parse` covers `crate::parser::parse`).

mod go;
mod js;
mod python;
mod rust;

use std::collections::BTreeMap;

use peers_core::integrity::is_test_path;
use peers_core::language::Language;
use tree_sitter::{Node, Parser, Tree};

use super::GateContext;
use super::scope::{self, Filter};

/// Public symbol → normalised signature.
pub(crate) type Api = BTreeMap<String, String>;

const KEY: &str = "Breaking-API:";
const MAX_LISTED: usize = 40;

pub(crate) fn api_stable(ctx: &GateContext<'_>) -> (bool, String) {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(message) => (false, format!("api-stable: {message}")),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<(bool, String), String> {
    let filter = Filter::from_params(ctx)?;
    let base = scope::baseline_commit(ctx)?;
    let commits = ctx.git.commits(&format!("{base}..HEAD")).map_err(|error| {
        format!(
            "cannot read commits since the baseline: {}",
            super::error_chain(&error)
        )
    })?;
    let declared: Vec<String> = commits
        .iter()
        .flat_map(|c| c.message.lines())
        .filter_map(|line| line.trim().strip_prefix(KEY))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|name| name.trim_end_matches([':', ',', ';']).to_owned())
        .collect();
    let read_base = |path: &str| -> Option<String> {
        ctx.git
            .file_at(&base, path)
            .ok()
            .flatten()
            .and_then(|bytes| scope::text_of(&bytes))
    };
    let read_now = |path: &str| scope::worktree_text(ctx.git, path);
    let mut breaks = Vec::new();
    let mut files = 0;
    for patch in scope::changes_since_baseline(ctx)? {
        if patch.created || is_test_path(&patch.path) {
            continue;
        }
        let Some(language) = filter.wants_source(&patch.path) else {
            continue;
        };
        files += 1;
        let before = file_api(&patch.path, language, &read_base);
        let now = file_api(&patch.path, language, &read_now);
        breaks.extend(compare(&before, &now));
    }
    let unexplained: Vec<&(String, String)> = breaks
        .iter()
        .filter(|(symbol, _)| !declared.iter().any(|name| covers(name, symbol)))
        .collect();
    if unexplained.is_empty() {
        return Ok((
            true,
            format!(
                "api-stable: {files} changed source files checked; {} breaking changes, each declared",
                breaks.len()
            ),
        ));
    }
    let mut lines = vec![format!(
        "api-stable: {} public API changes without a Breaking-API line",
        unexplained.len()
    )];
    lines.extend(
        unexplained
            .iter()
            .take(MAX_LISTED)
            .map(|(symbol, what)| format!("  {symbol}: {what}")),
    );
    if unexplained.len() > MAX_LISTED {
        lines.push(format!("  … and {} more", unexplained.len() - MAX_LISTED));
    }
    lines.push(format!(
        "fix: restore the symbol (keep the old one as a wrapper), or declare the break in a commit \
         line `{KEY} <symbol> <why callers must change>` for each symbol above"
    ));
    Ok((false, lines.join("\n")))
}

/// The API one file declares in the tree `read` reads (empty when the file is absent there).
fn file_api(path: &str, language: Language, read: &dyn Fn(&str) -> Option<String>) -> Api {
    let Some(source) = read(path) else {
        return Api::new();
    };
    match language {
        Language::Rust => rust::module_path(path, read).map(|prefix| rust::api(&source, &prefix)),
        Language::Python => python::module_path(path).map(|module| python::api(&source, &module)),
        Language::Js => js::grammar(path)
            .zip(js::module_path(path))
            .map(|(grammar, module)| js::api(&source, &module, &grammar)),
        Language::Go => go::package_path(path).map(|package| go::api(&source, &package)),
    }
    .unwrap_or_default()
}

/// `(symbol, what happened)` for every symbol of `before` removed or changed in `now`.
pub(crate) fn compare(before: &Api, now: &Api) -> Vec<(String, String)> {
    before
        .iter()
        .filter_map(|(symbol, old)| match now.get(symbol) {
            None => Some((symbol.clone(), format!("removed (was `{old}`)"))),
            Some(new) if new != old => {
                Some((symbol.clone(), format!("changed from `{old}` to `{new}`")))
            }
            Some(_) => None,
        })
        .collect()
}

/// Whether a declared name covers `symbol`: equal, a parent of it, or its trailing part.
fn covers(name: &str, symbol: &str) -> bool {
    let separated =
        |rest: &str| rest.is_empty() || rest.starts_with("::") || rest.starts_with(['.', ':']);
    if let Some(rest) = symbol.strip_prefix(name) {
        if separated(rest) {
            return true;
        }
    }
    symbol
        .strip_suffix(name)
        .is_some_and(|head| head.ends_with("::") || head.ends_with(['.', ':']))
}

pub(crate) fn parse(source: &str, language: &tree_sitter::Language) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(language).ok()?;
    parser.parse(source, None)
}

pub(crate) fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// Whitespace runs as one space, so reformatting is not a change.
pub(crate) fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
