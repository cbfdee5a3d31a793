//! Reading a repository's source files for the code map: capped in size and number, opened
//! without following any symlink, binary and generated files skipped, parsed on every core.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{is_generated, is_scanned, scan_with};
use crate::symbols::{Symbol, SymbolReader};

/// Files larger than this are not read.
pub const MAX_SOURCE_BYTES: u64 = 512 * 1024;
/// At most this many files are read, in path order …
pub const MAX_SCANNED_FILES: usize = 20_000;
/// … holding at most this many bytes together.
pub const MAX_SCANNED_BYTES: u64 = 64 << 20;
/// Parsing threads at most (fewer when the machine has fewer cores).
const MAX_THREADS: usize = 8;

/// The symbols found, per file with any, and what was left out and why.
#[derive(Debug, Default)]
pub struct ScanReport {
    pub files: Vec<(String, Vec<Symbol>)>,
    pub scanned: usize,
    /// Source files over [`MAX_SOURCE_BYTES`].
    pub too_large: usize,
    /// Source files past [`MAX_SCANNED_FILES`] or [`MAX_SCANNED_BYTES`].
    pub over_cap: usize,
    /// Files that could not be opened safely (a symlink on the way, not a regular file), were
    /// binary, not UTF-8, or marked as generated.
    pub skipped: usize,
}

/// Reads and parses the source files among `files` (tracked paths relative to `root`, with
/// their sizes), in parallel.
pub fn scan_files(root: &Path, files: &[(String, u64)]) -> ScanReport {
    let mut report = ScanReport::default();
    let mut candidates: Vec<&str> = Vec::new();
    let mut bytes = 0u64;
    let mut sources: Vec<&(String, u64)> =
        files.iter().filter(|(path, _)| is_scanned(path)).collect();
    sources.sort();
    for (path, size) in sources {
        if *size > MAX_SOURCE_BYTES {
            report.too_large += 1;
        } else if candidates.len() >= MAX_SCANNED_FILES || bytes + size > MAX_SCANNED_BYTES {
            report.over_cap += 1;
        } else {
            bytes += size;
            candidates.push(path);
        }
    }
    report.scanned = candidates.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_THREADS)
        .min(candidates.len().max(1));
    let next = AtomicUsize::new(0);
    let mut found: Vec<(usize, Option<Vec<Symbol>>)> = Vec::with_capacity(candidates.len());
    let work = || {
        let mut reader = SymbolReader::new();
        let mut local = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = candidates.get(at) else {
                break;
            };
            let symbols = read_source(root, path).map(|text| scan_with(&mut reader, path, &text));
            local.push((at, symbols));
        }
        local
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        if workers.is_empty() {
            // No thread could be started: parse here.
            found.extend(work());
        }
        for worker in workers {
            // A worker that panicked leaves its files out; they are counted as skipped below.
            if let Ok(local) = worker.join() {
                found.extend(local);
            }
        }
    });
    found.sort_by_key(|(at, _)| *at);
    report.skipped = candidates.len() - found.len();
    for (at, symbols) in found {
        match symbols {
            Some(symbols) if !symbols.is_empty() => {
                report.files.push((candidates[at].to_owned(), symbols));
            }
            Some(_) => {}
            None => report.skipped += 1,
        }
    }
    report
}

/// The text of a source file, or `None` when it cannot be read without following a
/// symlink, is too large, binary, not UTF-8, or generated.
fn read_source(root: &Path, path: &str) -> Option<String> {
    let bytes = peers_store::safe_fs::read_repo_file(root, path, MAX_SOURCE_BYTES).ok()?;
    if bytes.contains(&0) {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    (!is_generated(&text)).then_some(text)
}
