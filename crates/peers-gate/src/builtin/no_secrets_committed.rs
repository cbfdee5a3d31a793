//! `no-secrets-committed`: a built-in scanner over the tracked tree and over the lines added
//! by every commit since the baseline (a key committed and deleted again is still leaked).
//!
//! Known false positives go in `.peers/secrets-allowlist`, one `path:line:label` per line
//! (`line` may be `*`; `#` starts a comment). It lives under `.peers/`, which agents may not
//! edit, so only a human can allow a finding. Diagnostics never show a secret: only a
//! four-character prefix and its length.

mod detectors;

use crate::verdict::Verdict;
use std::collections::BTreeSet;

use peers_core::unified_diff;

use super::GateContext;
use super::error::BuiltinError;
use super::scope::{self, Filter};
use detectors::{Detectors, redact};

const ALLOWLIST: &str = ".peers/secrets-allowlist";
const MAX_LISTED: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Leak {
    path: String,
    line: u32,
    label: &'static str,
    /// The short commit that added it, for leaks found in history but not in the tree.
    commit: Option<String>,
    shown: String,
    token: String,
}

pub(crate) fn no_secrets_committed(ctx: &GateContext<'_>) -> Verdict {
    match evaluate(ctx) {
        Ok(verdict) => verdict,
        Err(error) => Verdict::fail(format!("no-secrets-committed: {}", error.describe())),
    }
}

fn evaluate(ctx: &GateContext<'_>) -> Result<Verdict, BuiltinError> {
    let filter = Filter::from_params(ctx)?;
    let entropy = match ctx.params.get("entropy") {
        None => true,
        Some(value) => value
            .as_bool()
            .ok_or_else(|| BuiltinError::param("entropy", "true or false", value))?,
    };
    let detectors = Detectors::new(entropy)?;
    let allowed = allowlist(ctx)?;
    let mut leaks = tree_leaks(ctx, &filter, &detectors)?;
    let in_tree: BTreeSet<String> = leaks.iter().map(|l| l.token.clone()).collect();
    for leak in history_leaks(ctx, &filter, &detectors)? {
        if !in_tree.contains(&leak.token) {
            leaks.push(leak);
        }
    }
    leaks.retain(|leak| !allowed.iter().any(|entry| entry.allows(leak)));
    leaks.sort();
    leaks.dedup_by(|a, b| a.token == b.token && a.path == b.path);
    Ok(verdict(&leaks))
}

fn tree_leaks(
    ctx: &GateContext<'_>,
    filter: &Filter,
    detectors: &Detectors,
) -> Result<Vec<Leak>, BuiltinError> {
    let tracked = ctx
        .git
        .tracked_files()
        .map_err(|source| BuiltinError::git("list tracked files", source))?;
    let mut leaks = Vec::new();
    for path in tracked
        .iter()
        .filter(|p| !scope::is_control_path(p) && !filter.excludes(p))
    {
        scope::within_budget(ctx, || format!("scanning {path} for secrets"))?;
        let Some(text) = scope::worktree_text(ctx.git, path) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            leaks.extend(detectors.scan_line(path, line).into_iter().map(|hit| Leak {
                path: path.clone(),
                line: index as u32 + 1,
                label: hit.label,
                commit: None,
                shown: redact(&hit.token),
                token: hit.token,
            }));
        }
    }
    Ok(leaks)
}

fn history_leaks(
    ctx: &GateContext<'_>,
    filter: &Filter,
    detectors: &Detectors,
) -> Result<Vec<Leak>, BuiltinError> {
    let base = scope::baseline_commit(ctx)?;
    let patches = ctx
        .git
        .commit_patches(&format!("{base}..HEAD"))
        .map_err(|source| BuiltinError::git("read commits since the baseline", source))?;
    let mut leaks = Vec::new();
    for commit in patches {
        let short: String = commit.sha.chars().take(7).collect();
        scope::within_budget(ctx, || format!("scanning commit {short} for secrets"))?;
        for file in unified_diff::parse(&commit.patch) {
            if scope::is_control_path(&file.path) || filter.excludes(&file.path) {
                continue;
            }
            for (line, text) in &file.added {
                leaks.extend(
                    detectors
                        .scan_line(&file.path, text)
                        .into_iter()
                        .map(|hit| Leak {
                            path: file.path.clone(),
                            line: *line,
                            label: hit.label,
                            commit: Some(short.clone()),
                            shown: redact(&hit.token),
                            token: hit.token,
                        }),
                );
            }
        }
    }
    Ok(leaks)
}

fn verdict(leaks: &[Leak]) -> Verdict {
    if leaks.is_empty() {
        return Verdict::pass("no-secrets-committed: no secret in the tracked tree or in the commits since peers-baseline"
                .to_owned());
    }
    let mut lines = vec![format!(
        "no-secrets-committed: {} possible secrets",
        leaks.len()
    )];
    for leak in leaks.iter().take(MAX_LISTED) {
        let place = match &leak.commit {
            None => format!("{}:{}", leak.path, leak.line),
            Some(sha) => format!(
                "{}:{} (added in {sha}, no longer in the tree)",
                leak.path, leak.line
            ),
        };
        lines.push(format!("  {place}: {} {}", leak.label, leak.shown));
    }
    if leaks.len() > MAX_LISTED {
        lines.push(format!("  … and {} more", leaks.len() - MAX_LISTED));
    }
    lines.push(
        "fix: read the value from the environment or a secret store instead of the source. A \
         secret in a commit stays leaked: a human must rotate it. A false positive is allowed by \
         a human adding `path:line:label` to .peers/secrets-allowlist."
            .to_owned(),
    );
    Verdict::fail(lines.join("\n"))
}

struct AllowEntry {
    path: String,
    line: Option<u32>,
    label: String,
}

impl AllowEntry {
    fn allows(&self, leak: &Leak) -> bool {
        self.path == leak.path
            && self.line.is_none_or(|line| line == leak.line)
            && self.label == leak.label
    }
}

/// `.peers/secrets-allowlist`; a missing file allows nothing, a symlink or a malformed line
/// fails the gate.
fn allowlist(ctx: &GateContext<'_>) -> Result<Vec<AllowEntry>, BuiltinError> {
    let path = ctx.git.root().join(ALLOWLIST);
    let meta = match std::fs::symlink_metadata(&path) {
        Err(_) => return Ok(Vec::new()),
        Ok(meta) => meta,
    };
    if !meta.is_file() {
        return Err(BuiltinError::NotRegularFile {
            path: ALLOWLIST.to_owned(),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|source| BuiltinError::Read {
        path: ALLOWLIST.into(),
        source,
    })?;
    parse_allowlist(&text)
}

fn parse_allowlist(text: &str) -> Result<Vec<AllowEntry>, BuiltinError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
        if line.is_empty() {
            continue;
        }
        let malformed = || BuiltinError::AllowlistLine {
            path: ALLOWLIST,
            line: index + 1,
            text: line.to_owned(),
        };
        let (rest, label) = line.rsplit_once(':').ok_or_else(malformed)?;
        let (path, number) = rest.rsplit_once(':').ok_or_else(malformed)?;
        let line_number = match number.trim() {
            "*" => None,
            n => Some(n.parse::<u32>().map_err(|_| malformed())?),
        };
        if path.trim().is_empty() || label.trim().is_empty() {
            return Err(malformed());
        }
        entries.push(AllowEntry {
            path: path.trim().to_owned(),
            line: line_number,
            label: label.trim().to_owned(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests;
