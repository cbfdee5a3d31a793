//! What the diff gates look at: the changes since `peers-baseline` (committed, uncommitted and
//! untracked), worktree file text, and the common parameters `lang` and `exclude`.
//!
//! Every failure to read is returned as a diagnostic so the gate fails closed.

use peers_core::language::Language;
use peers_core::unified_diff::{self, FilePatch};
use peers_git::Git;

use super::GateContext;
use super::error::BuiltinError;

/// Files larger than this are not scanned (generated data, vendored bundles).
pub(crate) const MAX_SCAN_BYTES: u64 = 2 * 1024 * 1024;

/// The baseline commit, or a diagnostic telling how to create it.
pub(crate) fn baseline_commit(ctx: &GateContext<'_>) -> Result<String, BuiltinError> {
    match ctx.git.rev_parse(ctx.baseline) {
        Ok(Some(sha)) => Ok(sha),
        Ok(None) => Err(BuiltinError::NoBaseline {
            name: ctx.baseline.to_owned(),
        }),
        Err(source) => Err(BuiltinError::ResolveBaseline {
            name: ctx.baseline.to_owned(),
            source,
        }),
    }
}

/// Records `activity` as what the gate is doing, or fails once its time budget has run out:
/// called in every loop over agent-written files and commits.
pub(crate) fn within_budget(
    ctx: &GateContext<'_>,
    activity: impl FnOnce() -> String,
) -> Result<(), BuiltinError> {
    if ctx.budget.expired() {
        return Err(BuiltinError::BudgetRanOut {
            timeout_s: ctx.budget.timeout().as_secs_f64(),
            activity: ctx.budget.activity(),
        });
    }
    ctx.budget.doing(activity());
    Ok(())
}

/// Every file changed since the baseline: the diff to the worktree (no context lines), plus
/// untracked, non-ignored files as wholly added; or, when the gate judges a commit, the diff
/// from the baseline to that commit alone. Control files under `.peers/` are left out.
pub(crate) fn changes_since_baseline(
    ctx: &GateContext<'_>,
) -> Result<Vec<FilePatch>, BuiltinError> {
    let base = baseline_commit(ctx)?;
    within_budget(ctx, || "reading the changes since the baseline".to_owned())?;
    if let Some(commit) = ctx.judged_commit {
        let diff = ctx
            .git
            .diff_between(&base, commit, 0)
            .map_err(|source| BuiltinError::git("diff against the baseline", source))?;
        let mut files = unified_diff::parse(&diff);
        files.retain(|file| !is_control_path(&file.path));
        return Ok(files);
    }
    let diff = ctx
        .git
        .diff_to_worktree(&base, 0)
        .map_err(|source| BuiltinError::git("diff against the baseline", source))?;
    let mut files = unified_diff::parse(&diff);
    let status = ctx
        .git
        .status_porcelain()
        .map_err(|source| BuiltinError::git("list untracked files", source))?;
    for entry in status.iter().filter(|entry| entry.is_untracked()) {
        let path = entry.path.to_string_lossy().into_owned();
        within_budget(ctx, || format!("reading the untracked file {path}"))?;
        if let Some(text) = worktree_text(ctx.git, &path) {
            files.push(FilePatch::whole_file(&path, &text));
        }
    }
    files.retain(|file| !is_control_path(&file.path));
    Ok(files)
}

/// A worktree file as text, or `None` when it is missing, too big, a symlink or binary.
pub(crate) fn worktree_text(git: &Git, path: &str) -> Option<String> {
    let full = git.root().join(path);
    let meta = std::fs::symlink_metadata(&full).ok()?;
    if !meta.is_file() || meta.len() > MAX_SCAN_BYTES {
        return None;
    }
    let bytes = std::fs::read(&full).ok()?;
    text_of(&bytes)
}

/// Bytes as text, or `None` for binary content (a NUL in the first 8 KiB, as git decides).
pub(crate) fn text_of(bytes: &[u8]) -> Option<String> {
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return None;
    }
    Some(String::from_utf8_lossy(bytes).into_owned())
}

pub(crate) fn is_control_path(path: &str) -> bool {
    path == ".peers" || path.starts_with(".peers/")
}

/// The language whose source a path is, by extension.
pub(crate) fn language_of(path: &str) -> Option<Language> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, ext)| ext)?;
    match ext {
        "rs" => Some(Language::Rust),
        "py" | "pyi" => Some(Language::Python),
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" => Some(Language::Js),
        "go" => Some(Language::Go),
        _ => None,
    }
}

/// Generated and vendored directories no gate judges.
const VENDORED: &[&str] = &[
    "node_modules/",
    "vendor/",
    "target/",
    "dist/",
    ".venv/",
    "third_party/",
];

pub(crate) fn is_vendored(path: &str) -> bool {
    VENDORED
        .iter()
        .any(|dir| path.starts_with(dir) || path.contains(&format!("/{dir}")))
}

/// The gate's file filter from `params.lang` (default: every language) and `params.exclude`
/// (glob patterns; a pattern without `/` matches a file name anywhere).
pub(crate) struct Filter {
    languages: Vec<Language>,
    exclude: Vec<String>,
}

impl Filter {
    pub(crate) fn from_params(ctx: &GateContext<'_>) -> Result<Filter, BuiltinError> {
        let languages = match ctx.params.get("lang") {
            None => Language::ALL.to_vec(),
            Some(value) => string_list(value, "lang")?
                .iter()
                .map(|name| {
                    Language::parse(name)
                        .ok_or_else(|| BuiltinError::FilterLanguage { name: name.clone() })
                })
                .collect::<Result<_, _>>()?,
        };
        let exclude = match ctx.params.get("exclude") {
            None => Vec::new(),
            Some(value) => string_list(value, "exclude")?,
        };
        Ok(Filter { languages, exclude })
    }

    /// Whether `path` is source of a selected language and not excluded or vendored.
    pub(crate) fn wants_source(&self, path: &str) -> Option<Language> {
        let language = language_of(path).filter(|lang| self.languages.contains(lang))?;
        (!self.excludes(path) && !is_vendored(path)).then_some(language)
    }

    pub(crate) fn excludes(&self, path: &str) -> bool {
        self.exclude
            .iter()
            .any(|pattern| glob_matches(pattern, path))
    }
}

/// A string or a list of strings.
pub(crate) fn string_list(
    value: &serde_json::Value,
    name: &str,
) -> Result<Vec<String>, BuiltinError> {
    match value {
        serde_json::Value::String(text) => Ok(vec![text.clone()]),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| BuiltinError::param(name, "strings", item))
            })
            .collect(),
        other => Err(BuiltinError::param(name, "a list of strings", other)),
    }
}

/// A positive integer parameter, or `default` when absent.
pub(crate) fn positive_param(
    ctx: &GateContext<'_>,
    name: &str,
    default: u64,
) -> Result<u64, BuiltinError> {
    match ctx.params.get(name) {
        None => Ok(default),
        Some(value) => value
            .as_u64()
            .filter(|n| *n > 0)
            .ok_or_else(|| BuiltinError::param(name, "a positive integer", value)),
    }
}

/// `*` and `?` within one path component, `**` across components; a trailing `/` matches a
/// directory and everything under it; a pattern without `/` matches the file name.
pub(crate) fn glob_matches(pattern: &str, path: &str) -> bool {
    if let Some(dir) = pattern.strip_suffix('/') {
        return glob_matches(dir, path)
            || path
                .match_indices('/')
                .any(|(at, _)| glob_matches(dir, &path[..at]));
    }
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        return wildcard(pattern.as_bytes(), name.as_bytes(), false);
    }
    wildcard(pattern.as_bytes(), path.as_bytes(), true)
}

fn wildcard(pattern: &[u8], text: &[u8], slash_is_special: bool) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) if rest.first() == Some(&b'*') => {
            let rest = rest[1..].strip_prefix(b"/").unwrap_or(&rest[1..]);
            (0..=text.len()).any(|skip| wildcard(rest, &text[skip..], slash_is_special))
        }
        Some((b'*', rest)) => (0..=text.len())
            .take_while(|&skip| skip == 0 || !(slash_is_special && text[skip - 1] == b'/'))
            .any(|skip| wildcard(rest, &text[skip..], slash_is_special)),
        Some((b'?', rest)) => text.split_first().is_some_and(|(c, tail)| {
            !(slash_is_special && *c == b'/') && wildcard(rest, tail, slash_is_special)
        }),
        Some((c, rest)) => text
            .split_first()
            .is_some_and(|(t, tail)| t == c && wildcard(rest, tail, slash_is_special)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_names_paths_and_directories() {
        assert!(glob_matches("*.lock", "deep/Cargo.lock"));
        assert!(glob_matches("src/*.rs", "src/lib.rs"));
        assert!(!glob_matches("src/*.rs", "src/a/lib.rs"));
        assert!(glob_matches("src/**/*.rs", "src/a/b/lib.rs"));
        assert!(glob_matches("src/**/*.rs", "src/lib.rs"));
        assert!(glob_matches("fixtures/", "tests/fixtures/x.py"));
        assert!(glob_matches("tests/fixtures/", "tests/fixtures/a/x.py"));
        assert!(!glob_matches("tests/fixtures/", "src/fixtures.py"));
        assert!(glob_matches("te?t.py", "a/test.py"));
    }

    #[test]
    fn languages_follow_extensions_and_vendored_code_is_skipped() {
        assert_eq!(language_of("web/app.tsx"), Some(Language::Js));
        assert_eq!(language_of("README.md"), None);
        assert!(is_vendored("web/node_modules/x/index.js"));
        assert!(!is_vendored("src/vendors.rs"));
    }
}
