//! What one peer saw and did in one tick, like `peers replay`: the record's outcome and numbers,
//! the prompt it was given, the commits it made, its warnings and findings, its output tails.

use std::fmt::Write as _;

use peers_git::Git;
use peers_store::layout::PeersDir;
use serde_json::Value;

use crate::html::{Shell, escape, page, project_nav};
use crate::read::error::ReadError;
use crate::read::ticks::read_tick;
use crate::source::ProjectEntry;

const PROMPT_CAP: u64 = 2 * 1024 * 1024;
/// Commits whose subjects are looked up (one git call each).
const MAX_COMMITS: usize = 50;

fn text<'a>(record: &'a Value, key: &str) -> &'a str {
    record.get(key).and_then(Value::as_str).unwrap_or("")
}

fn list(record: &Value, key: &str) -> Vec<String> {
    record
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The page, or `None` when the log has no such tick.
pub fn render(entry: &ProjectEntry, iteration: u64) -> Result<Option<String>, ReadError> {
    let Some(record) = read_tick(&entry.path, iteration)? else {
        return Ok(None);
    };
    let peer = text(&record, "peer");
    let mut main = String::with_capacity(32 * 1024);
    let _ = write!(
        main,
        r#"<h1>{} · tick {iteration}</h1>{}<p id="tick-summary">peer <strong>{}</strong> ({}) · {} · {} ms · {} tokens · cost {} · prompt by {} · at {}</p>"#,
        escape(&entry.name),
        project_nav(&entry.name),
        escape(peer),
        escape(text(&record, "tool")),
        escape(
            if record.get("success").and_then(Value::as_bool) == Some(true) {
                "handoff"
            } else {
                text(&record, "classification")
            }
        ),
        record
            .get("duration_ms")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        record
            .get("tokens_this_tick")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        record
            .get("usd_this_tick")
            .and_then(Value::as_f64)
            .map_or_else(|| "unknown".to_owned(), |v| format!("${v:.2}")),
        escape(text(&record, "prompt_delivery")),
        escape(text(&record, "ts")),
    );
    if let Some(reason) = record.get("soft_fail_reason").and_then(Value::as_str) {
        let _ = write!(main, r#"<p class="notice">{}</p>"#, escape(reason));
    }
    let prompt = PeersDir::at(&entry.path)
        .log_dir()
        .join("prompts")
        .join(format!("tick-{iteration:05}-{peer}.txt"));
    // The record names the file: a peer name that is not a plain word never leaves prompts/.
    let plain = !peer.is_empty()
        && peer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !peer.contains("..");
    let kept = if plain {
        peers_store::safe_fs::read_control_file_if_exists(&prompt, PROMPT_CAP)
    } else {
        Ok(None)
    };
    match kept {
        Ok(Some(bytes)) => {
            let _ = write!(
                main,
                r#"<h2>Prompt ({} bytes)</h2><pre id="prompt">{}</pre>"#,
                bytes.len(),
                escape(&String::from_utf8_lossy(&bytes))
            );
        }
        _ => {
            let _ = write!(
                main,
                "<h2>Prompt</h2><p>not kept ({} missing or unreadable)</p>",
                escape(&prompt.display().to_string())
            );
        }
    }
    main.push_str("<h2>Commits</h2><ul id=\"commits\">");
    let commits = list(&record, "commits");
    let git = Git::discover(&entry.path).ok();
    for sha in commits.iter().take(MAX_COMMITS) {
        let subject = git
            .as_ref()
            .and_then(|git| git.commits(&format!("{sha}^!")).ok())
            .and_then(|found| found.into_iter().next())
            .map(|commit| commit.message.lines().next().unwrap_or("").to_owned())
            .unwrap_or_default();
        let _ = write!(
            main,
            "<li><code>{}</code> {}</li>",
            escape(sha.get(..10).unwrap_or(sha)),
            escape(&subject)
        );
    }
    if commits.is_empty() {
        main.push_str("<li>(none)</li>");
    }
    main.push_str("</ul>");
    for (label, key) in [
        ("Warnings", "warnings_emitted"),
        ("Integrity findings", "integrity"),
        ("Identity violations", "identity_violations"),
        ("Bugs filed", "bugs_filed"),
        ("Bugs resolved", "bugs_resolved"),
    ] {
        let items = list(&record, key);
        if !items.is_empty() {
            let _ = write!(main, "<h2>{label}</h2><ul>");
            for item in items {
                let _ = write!(main, "<li>{}</li>", escape(&item));
            }
            main.push_str("</ul>");
        }
    }
    let _ = write!(
        main,
        r#"<h2>Output tails</h2><h3>stdout</h3><pre id="stdout-tail">{}</pre><h3>stderr</h3><pre id="stderr-tail">{}</pre>"#,
        escape(text(&record, "stdout_tail")),
        escape(text(&record, "stderr_tail"))
    );
    Ok(Some(page(
        &Shell {
            title: &format!("{} tick {iteration}", entry.name),
            live: None,
        },
        &main,
    )))
}
