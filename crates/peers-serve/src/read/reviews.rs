//! The `peers review` archives under `.peers/reviews/<stamp>/`: each verdict (`verdict.json`
//! read for its numbers and accepted findings, `verdict.md` shown as written). Newest first.

use std::collections::BTreeMap;
use std::path::Path;

use peers_store::layout::PeersDir;
use serde::{Deserialize, Serialize};

const VERDICT_CAP: u64 = 4 * 1024 * 1024;
/// Reviews listed at most (newest kept).
const MAX_REVIEWS: usize = 200;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReviewRun {
    pub stamp: String,
    pub scope: String,
    pub reviewed: bool,
    pub converged: bool,
    pub issues_total: u64,
    pub critical: usize,
    pub important: usize,
    pub minor: usize,
    pub contested: usize,
    pub dismissed: usize,
    /// Reviewer → accepted findings it raised (critical, important, minor).
    pub accepted_by_source: BTreeMap<String, u64>,
    pub markdown: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VerdictView {
    scope: String,
    reviewed: bool,
    converged: bool,
    issues_total: u64,
    critical: Vec<EntryView>,
    important: Vec<EntryView>,
    minor: Vec<EntryView>,
    contested: Vec<EntryView>,
    dismissed: Vec<EntryView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EntryView {
    sources: Vec<String>,
}

pub fn read_reviews(repo: &Path) -> Vec<ReviewRun> {
    let root = PeersDir::at(repo).path().join("reviews");
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Vec::new();
    };
    let mut stamps: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .collect();
    stamps.sort_unstable_by(|a, b| b.cmp(a));
    stamps.truncate(MAX_REVIEWS);
    stamps
        .into_iter()
        .filter_map(|stamp| read_one(&root.join(&stamp), stamp))
        .collect()
}

fn read_one(dir: &Path, stamp: String) -> Option<ReviewRun> {
    let bytes =
        peers_store::safe_fs::read_control_file_if_exists(&dir.join("verdict.json"), VERDICT_CAP)
            .ok()??;
    let view: VerdictView = serde_json::from_slice(&bytes).ok()?;
    let markdown =
        peers_store::safe_fs::read_control_file_if_exists(&dir.join("verdict.md"), VERDICT_CAP)
            .ok()
            .flatten()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
    let mut accepted_by_source = BTreeMap::new();
    for entry in view
        .critical
        .iter()
        .chain(&view.important)
        .chain(&view.minor)
    {
        for source in &entry.sources {
            *accepted_by_source.entry(source.clone()).or_insert(0) += 1;
        }
    }
    Some(ReviewRun {
        stamp,
        scope: view.scope,
        reviewed: view.reviewed,
        converged: view.converged,
        issues_total: view.issues_total,
        critical: view.critical.len(),
        important: view.important.len(),
        minor: view.minor.len(),
        contested: view.contested.len(),
        dismissed: view.dismissed.len(),
        accepted_by_source,
        markdown,
    })
}
