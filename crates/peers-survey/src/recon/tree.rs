//! The two-level tree of the survey: top-level entries and their children, directories
//! first with their file counts.

use std::collections::BTreeMap;

/// Entries shown per directory; the rest are counted.
const MAX_ENTRIES_PER_DIR: usize = 30;
/// Hidden entries worth showing.
const SHOWN_DOT_ENTRIES: &[&str] = &[".github", ".gitignore", ".env.example"];
/// Directories listed with their count but not expanded: generated or vendored content.
const NOT_EXPANDED: &[&str] = &[
    "node_modules",
    "__pycache__",
    "target",
    "dist",
    "build",
    "vendor",
    "third_party",
    ".venv",
    "venv",
    "coverage",
];

#[derive(Default)]
struct Dir {
    files: usize,
    subdirs: BTreeMap<String, usize>,
    entries: Vec<String>,
}

/// The tree as lines, top level unindented, children indented two spaces.
pub(super) fn render(files: &[(String, u64)]) -> Vec<String> {
    let mut top_dirs: BTreeMap<String, Dir> = BTreeMap::new();
    let mut top_files: Vec<String> = Vec::new();
    for (path, _) in files {
        let parts: Vec<&str> = path.split('/').collect();
        if path.is_empty() || !shown(parts[0]) {
            continue;
        }
        if parts.len() == 1 {
            top_files.push(parts[0].to_owned());
            continue;
        }
        let dir = top_dirs.entry(parts[0].to_owned()).or_default();
        dir.files += 1;
        if !shown(parts[1]) {
            continue;
        }
        if parts.len() == 2 {
            dir.entries.push(parts[1].to_owned());
        } else {
            *dir.subdirs.entry(parts[1].to_owned()).or_default() += 1;
        }
    }
    // Each top-level entry with the lines under it: directories first, then files.
    let mut entries: Vec<Vec<String>> = top_dirs
        .iter()
        .map(|(name, dir)| {
            let mut lines = vec![format!("{name}/ ({})", files_count(dir.files))];
            lines.extend(
                children(name, dir)
                    .into_iter()
                    .map(|line| format!("  {line}")),
            );
            lines
        })
        .collect();
    top_files.sort();
    entries.extend(top_files.into_iter().map(|name| vec![name]));
    let more = entries.len().saturating_sub(MAX_ENTRIES_PER_DIR);
    let mut lines: Vec<String> = entries
        .into_iter()
        .take(MAX_ENTRIES_PER_DIR)
        .flatten()
        .collect();
    if more > 0 {
        lines.push(format!("… {more} more"));
    }
    lines
}

/// The lines under a top-level directory: its subdirectories with counts, then its files.
fn children(name: &str, dir: &Dir) -> Vec<String> {
    if NOT_EXPANDED.contains(&name) {
        return Vec::new();
    }
    let mut entries: Vec<String> = dir
        .subdirs
        .iter()
        .map(|(sub, count)| format!("{sub}/ ({})", files_count(*count)))
        .collect();
    let mut files = dir.entries.clone();
    files.sort();
    entries.extend(files);
    let more = entries.len().saturating_sub(MAX_ENTRIES_PER_DIR);
    entries.truncate(MAX_ENTRIES_PER_DIR);
    if more > 0 {
        entries.push(format!("… {more} more"));
    }
    entries
}

fn shown(name: &str) -> bool {
    !name.starts_with('.') || SHOWN_DOT_ENTRIES.contains(&name)
}

fn files_count(count: usize) -> String {
    if count == 1 {
        "1 file".to_owned()
    } else {
        format!("{count} files")
    }
}
