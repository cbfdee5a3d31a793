//! Reading `git diff` unified output: the lines each file gained and lost, numbered in the new
//! and old file, so gates judge only what changed since the baseline.
//!
//! Hunk bodies are consumed by the counts in their `@@` header, so an added line that reads
//! `++ x` or `-- y` is never mistaken for a file header.

/// One file's part of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilePatch {
    /// The path after the change (the old path when the file was deleted).
    pub path: String,
    /// The file is gone after the change.
    pub deleted: bool,
    /// The file did not exist before the change.
    pub created: bool,
    /// git reported `Binary files … differ`: no lines.
    pub binary: bool,
    /// `(line in the new file, text)`.
    pub added: Vec<(u32, String)>,
    /// `(line in the old file, text)`.
    pub removed: Vec<(u32, String)>,
}

impl FilePatch {
    /// A file that did not exist before, with every line added (an untracked file).
    pub fn whole_file(path: &str, text: &str) -> FilePatch {
        FilePatch {
            path: path.to_owned(),
            created: true,
            added: text
                .lines()
                .enumerate()
                .map(|(index, line)| (index as u32 + 1, line.to_owned()))
                .collect(),
            ..FilePatch::default()
        }
    }

    pub fn added_line_numbers(&self) -> std::collections::BTreeSet<u32> {
        self.added.iter().map(|(line, _)| *line).collect()
    }

    pub fn changed_lines(&self) -> usize {
        self.added.len() + self.removed.len()
    }
}

/// Parses the output of `git diff`/`git show`/`git log -p` (with `a/` and `b/` prefixes).
pub fn parse(diff: &str) -> Vec<FilePatch> {
    let mut files: Vec<FilePatch> = Vec::new();
    let (mut old_left, mut new_left) = (0u32, 0u32);
    let (mut old_line, mut new_line) = (0u32, 0u32);
    for line in diff.lines() {
        if old_left > 0 || new_left > 0 {
            let Some(file) = files.last_mut() else { break };
            match line.as_bytes().first() {
                Some(b'+') => {
                    file.added.push((new_line, line[1..].to_owned()));
                    new_line += 1;
                    new_left = new_left.saturating_sub(1);
                }
                Some(b'-') => {
                    file.removed.push((old_line, line[1..].to_owned()));
                    old_line += 1;
                    old_left = old_left.saturating_sub(1);
                }
                Some(b'\\') => {}
                _ => {
                    old_line += 1;
                    new_line += 1;
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                }
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("diff --git ") {
            files.push(FilePatch {
                path: git_header_path(rest),
                ..FilePatch::default()
            });
            continue;
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("+++ ") {
            match strip_side(rest, "b/") {
                Some(path) => file.path = path,
                None => file.deleted = true,
            }
        } else if let Some(rest) = line.strip_prefix("--- ") {
            if strip_side(rest, "a/").is_none() {
                file.created = true;
            }
        } else if line.starts_with("new file mode") {
            file.created = true;
        } else if line.starts_with("deleted file mode") {
            file.deleted = true;
        } else if line.starts_with("Binary files ") || line == "GIT binary patch" {
            file.binary = true;
        } else if let Some(header) = line.strip_prefix("@@ ") {
            if let Some((old, new)) = hunk_header(header) {
                (old_line, old_left) = old;
                (new_line, new_left) = new;
            }
        }
    }
    files
}

/// `-a,b +c,d @@ …` → ((a, b), (c, d)); a missing count means 1.
fn hunk_header(header: &str) -> Option<((u32, u32), (u32, u32))> {
    let mut parts = header.split_whitespace();
    let old = range(parts.next()?.strip_prefix('-')?)?;
    let new = range(parts.next()?.strip_prefix('+')?)?;
    Some((old, new))
}

fn range(text: &str) -> Option<(u32, u32)> {
    match text.split_once(',') {
        Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
        None => Some((text.parse().ok()?, 1)),
    }
}

/// `a/x b/x` → `x` (used until the `+++` line names the path exactly).
fn git_header_path(rest: &str) -> String {
    let unquoted = unquote(rest);
    match unquoted.rsplit_once(" b/") {
        Some((_, path)) => path.to_owned(),
        None => unquoted,
    }
}

/// `b/path` → `path`; `/dev/null` → None. Handles git's C-style quoting.
fn strip_side(rest: &str, prefix: &str) -> Option<String> {
    let text = unquote(rest.trim_end_matches('\t'));
    if text == "/dev/null" {
        return None;
    }
    Some(text.strip_prefix(prefix).unwrap_or(&text).to_owned())
}

/// Undoes git's quoting of unusual paths (`"a/with \"quote\""`, octal escapes).
fn unquote(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return text.to_owned();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(next @ b'0'..=b'7') = chars.peek().copied() {
                        value = value * 8 + u32::from(next - b'0');
                        chars.next();
                    }
                }
                bytes.push(value as u8);
            }
            Some(other) => bytes.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "diff --git a/src/lib.rs b/src/lib.rs
index 1..2 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -3,2 +3,3 @@ fn a() {
-    old();
+    new();
+++ counter;
     same();
diff --git a/new.py b/new.py
new file mode 100644
--- /dev/null
+++ b/new.py
@@ -0,0 +1,2 @@
+def f():
+    pass
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/img.png b/img.png
Binary files a/img.png and b/img.png differ
";

    #[test]
    fn added_and_removed_lines_carry_their_numbers() {
        let files = parse(DIFF);
        assert_eq!(files.len(), 4);
        assert_eq!(files[0].path, "src/lib.rs");
        assert_eq!(
            files[0].added,
            vec![(3, "    new();".to_owned()), (4, "++ counter;".to_owned())]
        );
        assert_eq!(files[0].removed, vec![(3, "    old();".to_owned())]);
        assert!(files[1].created && !files[1].deleted);
        assert_eq!(
            files[1]
                .added_line_numbers()
                .into_iter()
                .collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(files[2].deleted);
        assert_eq!(files[2].path, "gone.txt");
        assert!(files[3].binary && files[3].added.is_empty());
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        let diff = "diff --git \"a/sp ace\\303\\251.rs\" \"b/sp ace\\303\\251.rs\"\n--- \"a/sp ace\\303\\251.rs\"\n+++ \"b/sp ace\\303\\251.rs\"\n@@ -1 +1 @@\n-a\n+b\n";
        let files = parse(diff);
        assert_eq!(files[0].path, "sp aceé.rs");
        assert_eq!(files[0].changed_lines(), 2);
    }

    #[test]
    fn whole_file_numbers_every_line() {
        let patch = FilePatch::whole_file("a.go", "package a\n\nfunc A() {}\n");
        assert_eq!(patch.added.len(), 3);
        assert_eq!(patch.added[2], (3, "func A() {}".to_owned()));
    }
}
