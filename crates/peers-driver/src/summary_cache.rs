//! `peers report`'s pass over runs.jsonl: the log summarised from a cached checkpoint
//! (`.peers/log/runs.jsonl.sum`: the summary of the log up to a line boundary, checked against
//! the bytes just before that boundary) plus what was appended since, read in parallel parts
//! when there is much of it. Memory stays bounded: one line per thread, capped summaries.

use std::fs::File;
use std::os::unix::fs::FileExt as _;

use peers_store::error::StoreError;
use peers_store::layout::PeersDir;
use peers_store::log_scan::{self, OpenLog, Torn};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::record_summary::LogSummary;

/// Bytes before the checkpoint's end whose digest must still match.
const WITNESS_BYTES: u64 = 4096;
/// The checkpoint is small (capped rows, clipped text); a larger file is not ours.
const CHECKPOINT_CAP: u64 = 4 * 1024 * 1024;
/// Below this many bytes to read, one thread does it.
const PARALLEL_FROM: u64 = 32 * 1024 * 1024;
/// Threads for a large pass, at most.
const MAX_PARTS: usize = 8;
const CHECKPOINT_VERSION: u64 = 1;

#[derive(Serialize, Deserialize)]
struct Checkpoint {
    v: u64,
    /// The log's bytes `0..covered` are summarised; `covered` is a line boundary.
    covered: u64,
    /// SHA-256 (hex) of the `WITNESS_BYTES` before `covered`.
    witness: String,
    summary: LogSummary,
}

/// Summarises `.peers/log/runs.jsonl`: from the checkpoint when it still matches the log,
/// reading only what follows it, and leaves a checkpoint for the next report (best effort:
/// a checkpoint that cannot be written only costs the next report a full pass).
pub fn summarise(dir: &PeersDir) -> Result<LogSummary, StoreError> {
    let path = dir.runs_jsonl();
    let Some(OpenLog { file, len }) = log_scan::open_log(dir)? else {
        return Ok(LogSummary::default());
    };
    let io = |source| StoreError::Io {
        action: "read",
        path: path.clone(),
        source,
    };
    let (mut summary, from) = match load_checkpoint(dir, &file, len) {
        Some(checkpoint) => (checkpoint.summary, checkpoint.covered),
        None => (LogSummary::default(), 0),
    };
    let (rest, covered, torn) = summarise_range(&file, from, len).map_err(io)?;
    summary.append(rest);
    if covered > from {
        save_checkpoint(dir, &file, covered, &summary);
    }
    match torn {
        Some(Torn::Line(bytes)) => {
            let mut tail = LogSummary::default();
            if !tail.add_line(&bytes) {
                tail.malformed += 1;
            }
            summary.append(tail);
        }
        Some(Torn::TooLong) => summary.malformed += 1,
        None => {}
    }
    Ok(summary)
}

/// The summary of the terminated lines in `from..len` (read in parallel parts when large),
/// where they end, and the unterminated last line.
fn summarise_range(
    file: &File,
    from: u64,
    len: u64,
) -> std::io::Result<(LogSummary, u64, Option<Torn>)> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let parts = if len.saturating_sub(from) < PARALLEL_FROM {
        1
    } else {
        threads.clamp(1, MAX_PARTS)
    };
    summarise_in_parts(file, from, len, parts)
}

/// [`summarise_range`] with the log cut into `parts` ranges, one thread each.
fn summarise_in_parts(
    file: &File,
    from: u64,
    len: u64,
    parts: usize,
) -> std::io::Result<(LogSummary, u64, Option<Torn>)> {
    let mut starts = vec![from];
    for part in 1..parts {
        let at = from + (len - from) * part as u64 / parts as u64;
        starts.push(log_scan::line_start_at_or_after(file, at)?.max(from));
    }
    starts.push(u64::MAX);
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = starts
            .windows(2)
            .map(|range| {
                let (start, end) = (range[0], range[1]);
                scope.spawn(move || {
                    let mut summary = LogSummary::default();
                    let scanned =
                        log_scan::scan_range(file, start, end, |bytes| summary.add_line(bytes))?;
                    summary.malformed += scanned.malformed;
                    Ok::<_, std::io::Error>((summary, scanned))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("a log reader thread panicked")))
            })
            .collect::<Vec<_>>()
    });
    let mut summary = LogSummary::default();
    let (mut end, mut torn) = (from, None);
    for result in results {
        let (part, scanned) = result?;
        summary.append(part);
        end = end.max(scanned.end);
        torn = scanned.torn.or(torn);
    }
    Ok((summary, end, torn))
}

fn witness(file: &File, covered: u64) -> Option<String> {
    let start = covered.saturating_sub(WITNESS_BYTES);
    let mut bytes = vec![0u8; usize::try_from(covered - start).ok()?];
    file.read_exact_at(&mut bytes, start).ok()?;
    let digest = Sha256::digest(&bytes);
    Some(digest.iter().map(|byte| format!("{byte:02x}")).collect())
}

fn load_checkpoint(dir: &PeersDir, file: &File, len: u64) -> Option<Checkpoint> {
    let path = dir.runs_summary();
    let bytes = peers_store::safe_fs::read_control_file(&path, CHECKPOINT_CAP).ok()?;
    let checkpoint: Checkpoint = serde_json::from_slice(&bytes).ok()?;
    let fits = checkpoint.v == CHECKPOINT_VERSION && checkpoint.covered <= len;
    (fits && witness(file, checkpoint.covered)? == checkpoint.witness).then_some(checkpoint)
}

fn save_checkpoint(dir: &PeersDir, file: &File, covered: u64, summary: &LogSummary) {
    let Some(witness) = witness(file, covered) else {
        return;
    };
    let checkpoint = Checkpoint {
        v: CHECKPOINT_VERSION,
        covered,
        witness,
        summary: summary.clone(),
    };
    if let Ok(bytes) = serde_json::to_vec(&checkpoint) {
        // A cache: a read-only `.peers/` or a full disk only costs the next report a full pass.
        let _ = peers_store::safe_fs::write_replacing_unsynced(&dir.runs_summary(), &bytes);
    }
}

#[cfg(test)]
#[path = "summary_cache_tests.rs"]
mod tests;
