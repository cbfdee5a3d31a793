//! `api-stable`: every public symbol that existed at the baseline and is now gone or has a
//! different signature is named by a `Breaking-API: <symbol>` line in a commit since the
//! baseline. Rust `pub` items, Python public names and `__all__`, JS/TS exports and Go
//! exported identifiers are read from the baseline tree and the worktree by the symbol reader
//! the code map uses (`peers_survey::symbols`, tree-sitter).
//!
//! A `Breaking-API:` name covers the symbol itself, anything under it (`crate::old_module`
//! covers its items) and a symbol it ends (`parse` covers `crate::parser::parse`).

mod module_paths;

use std::collections::BTreeMap;

use peers_core::integrity::is_test_path;
use peers_core::language::Language;
use peers_survey::symbols::{self, Grammar, SymbolKind};

use super::GateContext;
use super::error::BuiltinError;
use super::scope::{self, Filter};

/// Public symbol → normalised signature.
pub(crate) type PublicApi = BTreeMap<String, String>;

const KEY: &str = "Breaking-API:";
const MAX_LISTED: usize = 40;

pub(crate) fn api_stable(ctx: &GateContext<'_>) -> (bool, String) {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => (false, format!("api-stable: {}", error.describe())),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<(bool, String), BuiltinError> {
    let filter = Filter::from_params(ctx)?;
    let base = scope::baseline_commit(ctx)?;
    let commits = ctx
        .git
        .commits(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read commits since the baseline", source))?;
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

/// The API one file declares in the tree `read` reads (empty when the file is absent there
/// or has no public API): each public symbol under the file's module path.
fn file_api(path: &str, language: Language, read: &dyn Fn(&str) -> Option<String>) -> PublicApi {
    let Some(source) = read(path) else {
        return PublicApi::new();
    };
    source_api(path, language, &source, read)
}

fn source_api(
    path: &str,
    language: Language,
    source: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> PublicApi {
    let module = match language {
        Language::Rust => module_paths::rust_module_path(path, read).map(|m| (m, "::")),
        Language::Python => module_paths::python_module_path(path).map(|m| (m, ".")),
        Language::Js => module_paths::script_module_path(path).map(|m| (m, ":")),
        Language::Go => module_paths::package_path(path).map(|m| (m, ".")),
    };
    let (Some((module, separator)), Some(grammar)) = (module, Grammar::of_path(path)) else {
        return PublicApi::new();
    };
    let found = symbols::read(grammar, source);
    // A Go `main` package cannot be imported: nothing in it is API.
    let main_package = found
        .iter()
        .any(|s| s.kind == SymbolKind::Package && s.name == "main");
    if main_package {
        return PublicApi::new();
    }
    found
        .into_iter()
        .filter(|symbol| symbol.kind != SymbolKind::Package)
        .map(|symbol| {
            (
                format!("{module}{separator}{}", symbol.name),
                symbol.signature,
            )
        })
        .collect()
}

/// `(symbol, what happened)` for every symbol of `before` removed or changed in `now`.
pub(crate) fn compare(before: &PublicApi, now: &PublicApi) -> Vec<(String, String)> {
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

#[cfg(test)]
mod tests;
