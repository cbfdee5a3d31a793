//! What is reviewed: a diff against a base, the uncommitted changes, one commit, or a question;
//! and the text every reviewer receives for it.

use std::path::Path;

use peers_git::Git;
use peers_process::{CommandSpec, run};

use crate::error::ReviewError;

/// Bytes of diff (or of one untracked file) put into the prompt; the rest is cut with a note.
pub const DIFF_CAP: usize = 1024 * 1024;
const UNTRACKED_FILE_CAP: usize = 64 * 1024;

/// The scope flags, exactly one of which is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `git diff REF...HEAD`: what HEAD adds since it forked from REF.
    Base(String),
    /// Staged, unstaged and untracked changes.
    Uncommitted,
    /// One commit.
    Commit(String),
    /// A question; no diff.
    Question(String),
}

/// The scope as the prompts and the report show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// One line, e.g. "changes of HEAD since main (git diff main...HEAD)".
    pub description: String,
    /// The diff, the commit, or the question.
    pub body: String,
}

/// Collects the text of `scope`; refuses an unknown revision or an empty diff.
pub fn collect(git: &Git, scope: &Scope) -> Result<Material, ReviewError> {
    match scope {
        Scope::Base(base) => {
            resolve(git, base)?;
            let range = format!("{base}...HEAD");
            let body = git_text(git.root(), &["diff", "--no-color", "--no-ext-diff", &range])?;
            material(
                format!("changes of HEAD since {base} (git diff {range})"),
                body,
                "the diff",
            )
        }
        Scope::Commit(reference) => {
            let sha = resolve(git, reference)?;
            let body = git_text(
                git.root(),
                &[
                    "show",
                    "--no-color",
                    "--no-ext-diff",
                    "--format=fuller",
                    &sha,
                ],
            )?;
            material(format!("commit {sha}"), body, "the commit")
        }
        Scope::Uncommitted => {
            let mut body = tracked_changes(git)?;
            body.push_str(&untracked_files(git)?);
            material(
                "uncommitted changes (staged, unstaged and untracked)".to_owned(),
                body,
                "the uncommitted change set",
            )
        }
        Scope::Question(question) => Ok(Material {
            description: format!("question: {question}"),
            body: question.clone(),
        }),
    }
}

fn material(description: String, body: String, what: &str) -> Result<Material, ReviewError> {
    if body.trim().is_empty() {
        return Err(ReviewError::EmptyScope {
            what: what.to_owned(),
        });
    }
    Ok(Material {
        description,
        body: cap(body, DIFF_CAP),
    })
}

fn resolve(git: &Git, reference: &str) -> Result<String, ReviewError> {
    git.rev_parse(reference)?
        .ok_or_else(|| ReviewError::UnknownRevision {
            reference: reference.to_owned(),
        })
}

/// Staged and unstaged changes against HEAD (against the empty tree on an unborn branch).
fn tracked_changes(git: &Git) -> Result<String, ReviewError> {
    let args: &[&str] = if git.head()?.is_some() {
        &["diff", "--no-color", "--no-ext-diff", "HEAD"]
    } else {
        &["diff", "--no-color", "--no-ext-diff", "--cached"]
    };
    git_text(git.root(), args)
}

/// Every untracked file (outside `.peers/`) shown as an added file, text only, capped.
fn untracked_files(git: &Git) -> Result<String, ReviewError> {
    let mut out = String::new();
    for entry in git.status_porcelain()?.iter().filter(|e| e.is_untracked()) {
        if entry.path.starts_with(peers_store::layout::PEERS_DIR_NAME) {
            continue;
        }
        let shown = entry.path.display();
        let Ok(bytes) = std::fs::read(git.root().join(&entry.path)) else {
            out.push_str(&format!("\n=== untracked {shown} (unreadable) ===\n"));
            continue;
        };
        if bytes.contains(&0) {
            out.push_str(&format!(
                "\n=== untracked {shown} (binary, {} bytes) ===\n",
                bytes.len()
            ));
            continue;
        }
        let text = cap(
            String::from_utf8_lossy(&bytes).into_owned(),
            UNTRACKED_FILE_CAP,
        );
        out.push_str(&format!("\n=== untracked {shown} (new file) ===\n{text}\n"));
    }
    Ok(out)
}

/// Cuts `text` at a character boundary below `limit` bytes, saying how much was left out.
fn cap(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let omitted = text.len() - end;
    text.truncate(end);
    text.push_str(&format!(
        "\n… [{omitted} bytes omitted: the scope is larger than peers sends] …\n"
    ));
    text
}

/// Runs git in `root` with a small explicit environment and returns stdout as text.
fn git_text(root: &Path, args: &[&str]) -> Result<String, ReviewError> {
    let mut spec = CommandSpec::new("git", root);
    // Inert: no program named by the repository's configuration runs (peers_git::inert).
    spec.args = peers_git::inert::argv(root, args);
    spec.args
        .splice(0..0, ["-c".into(), "core.quotepath=off".into()]);
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            spec.env.push((key.into(), value));
        }
    }
    spec.env.push(("LC_ALL".into(), "C".into()));
    spec.env.push(("GIT_TERMINAL_PROMPT".into(), "0".into()));
    spec.capture_cap = 4 * DIFF_CAP;
    let outcome = run(&spec).map_err(ReviewError::GitSpawn)?;
    if !outcome.success() {
        return Err(ReviewError::Git {
            args: args.join(" "),
            status: outcome.exit.to_string(),
            stderr: outcome.stderr.tail_lossy(400).trim().to_owned(),
        });
    }
    // A truncated capture shows `… [N bytes omitted] …` where the middle was.
    Ok(outcome.stdout.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_cuts_at_a_character_boundary_and_says_so() {
        let text = "é".repeat(10);
        let cut = cap(text, 5);
        assert!(cut.starts_with("éé"));
        assert!(cut.contains("bytes omitted"));
        assert_eq!(cap("short".to_owned(), 100), "short");
    }
}
