//! A repository's latest handoff commit and its `## Self-Review` section (`review`, the
//! dashboard's detail pane).

use std::path::Path;

use crate::error::{CtlError, CtlResult};

/// The latest handoff commit of a repository.
pub struct Handoff {
    pub sha: String,
    pub subject: String,
    /// Its `## Self-Review` section (and `Self-Review:` verdict), when present.
    pub review: Option<String>,
}

/// The latest commit with a `Peer-Status: handoff` trailer, `None` when there is none yet.
pub fn latest_handoff(repo: &Path) -> CtlResult<Option<Handoff>> {
    let output = peers_git::inert::command(
        repo,
        &[
            "log",
            "--grep=^Peer-Status: handoff$",
            "-n",
            "1",
            "--format=%H%n%s%n%b",
        ],
    )
    .output()
    .map_err(|e| CtlError::failed(format!("cannot run git: {e}")).hint("install git"))?;
    if !output.status.success() {
        return Err(CtlError::failed(format!(
            "git log failed in {}: {}",
            repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let (Some(sha), Some(subject)) = (lines.next(), lines.next()) else {
        return Ok(None);
    };
    let body: Vec<&str> = lines.collect();
    Ok(Some(Handoff {
        sha: sha.to_owned(),
        subject: subject.to_owned(),
        review: self_review(&body),
    }))
}

/// The `## Self-Review` section of a commit body, up to the next heading or the trailers.
fn self_review(body: &[&str]) -> Option<String> {
    let start = body
        .iter()
        .position(|l| l.trim().eq_ignore_ascii_case("## self-review"))?;
    let mut section = vec![body[start]];
    for line in &body[start + 1..] {
        if line.starts_with("## ") || line.starts_with("Peer:") || line.starts_with("Peer-Status:")
        {
            break;
        }
        section.push(line);
    }
    if let Some(verdict) = body.iter().find(|l| l.starts_with("Self-Review:")) {
        section.push(verdict);
    }
    Some(section.join("\n").trim_end().to_owned())
}
