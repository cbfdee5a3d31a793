//! Writing the survey into `.peers/`: `recon.md` (what the repository is) and `codemap.md` +
//! `CODEMAP.yaml` (its public symbols), from the tracked files of a repository that is
//! treated as hostile: no symlink is followed (a tracked path under a directory that is now a
//! symlink is left out), sizes and counts are capped, reads are capped.

use std::collections::HashSet;
use std::path::Path;

use crate::codemap::{self, ScanReport};
use crate::recon::{self, RepoSurvey};

/// Tracked files past this many are left out of the survey (and said so).
pub const MAX_SURVEYED_FILES: usize = 200_000;
/// The digest's size cap (`.peers/codemap.md`).
pub const DIGEST_CAP: usize = 16 * 1024;
/// How much of a key doc is read for its excerpt.
const DOC_READ_BYTES: u64 = 64 * 1024;

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub recon: bool,
    pub codemap: bool,
}

/// What was written and what the caller should tell the user.
#[derive(Debug, Default)]
pub struct Written {
    /// File names written under the `.peers/` directory.
    pub files: Vec<&'static str>,
    /// The code map's scan, when it ran.
    pub scan: Option<ScanReport>,
    /// Problems and caps hit, one sentence each.
    pub notes: Vec<String>,
}

/// Surveys `root` from its `tracked` paths and writes the wanted files into `peers_dir`.
pub fn write_context_files(
    root: &Path,
    tracked: &[String],
    peers_dir: &Path,
    wanted: Wanted,
) -> Written {
    let mut written = Written::default();
    if !wanted.recon && !wanted.codemap {
        return written;
    }
    if tracked.len() > MAX_SURVEYED_FILES {
        written.notes.push(format!(
            "the survey covers the first {MAX_SURVEYED_FILES} of {} tracked files",
            tracked.len()
        ));
    }
    let sized = sized_files(root, &tracked[..tracked.len().min(MAX_SURVEYED_FILES)]);
    let mut outputs: Vec<(&'static str, String)> = Vec::new();
    if wanted.recon {
        outputs.push(("recon.md", recon_text(root, sized.clone())));
    }
    if wanted.codemap {
        let scan = codemap::scan_files(root, &sized);
        outputs.push((
            "codemap.md",
            codemap::render_digest(&scan.files, DIGEST_CAP),
        ));
        outputs.push(("CODEMAP.yaml", codemap::render_yaml(&scan.files)));
        if scan.too_large + scan.over_cap > 0 {
            written.notes.push(format!(
                "the code map left out {} source files over {} KiB and {} past its cap of {} files / {} MiB",
                scan.too_large,
                codemap::MAX_SOURCE_BYTES / 1024,
                scan.over_cap,
                codemap::MAX_SCANNED_FILES,
                codemap::MAX_SCANNED_BYTES >> 20
            ));
        }
        written.scan = Some(scan);
    }
    for (name, text) in outputs {
        match peers_store::safe_fs::write_atomic(&peers_dir.join(name), text.as_bytes()) {
            Ok(()) => written.files.push(name),
            Err(err) => written
                .notes
                .push(format!("cannot write .peers/{name}: {err}")),
        }
    }
    written
}

fn recon_text(root: &Path, sized: Vec<(String, u64)>) -> String {
    let docs = recon::key_docs(&sized)
        .into_iter()
        .take(recon::MAX_DOC_EXCERPTS)
        .filter_map(|path| {
            let bytes =
                peers_store::safe_fs::read_repo_file_prefix(root, &path, DOC_READ_BYTES).ok()?;
            let text = String::from_utf8_lossy(&bytes);
            let excerpt: String = text
                .lines()
                .take(recon::DOC_EXCERPT_LINES)
                .collect::<Vec<_>>()
                .join("\n");
            let mut cut = excerpt.len().min(recon::DOC_EXCERPT_BYTES);
            while !excerpt.is_char_boundary(cut) {
                cut -= 1;
            }
            Some((path, excerpt[..cut].to_owned()))
        })
        .collect();
    recon::render(&RepoSurvey { files: sized, docs })
}

/// Each tracked path that is a regular file reached through real directories only, with its
/// size. Paths with empty, `.` or `..` components are left out.
pub fn sized_files(root: &Path, tracked: &[String]) -> Vec<(String, u64)> {
    let mut real_dirs: HashSet<&str> = HashSet::new();
    let mut other_dirs: HashSet<&str> = HashSet::new();
    let mut sized = Vec::with_capacity(tracked.len());
    'paths: for path in tracked {
        let unsafe_component = path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
        if unsafe_component {
            continue;
        }
        // Every parent, shortest first: `lstat("a/b")` is only trusted once `a` is known
        // to be a real directory.
        for (at, _) in path.match_indices('/') {
            let dir = &path[..at];
            if real_dirs.contains(dir) {
                continue;
            }
            let is_real = !other_dirs.contains(dir)
                && std::fs::symlink_metadata(root.join(dir)).is_ok_and(|m| m.is_dir());
            if !is_real {
                other_dirs.insert(dir);
                continue 'paths;
            }
            real_dirs.insert(dir);
        }
        if let Ok(metadata) = std::fs::symlink_metadata(root.join(path)) {
            if metadata.is_file() {
                sized.push((path.clone(), metadata.len()));
            }
        }
    }
    sized
}

#[cfg(test)]
mod tests;
