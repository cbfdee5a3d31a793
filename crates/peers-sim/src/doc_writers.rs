//! The built-in documentation peers, one per docs mode, doing the honest work so a run in
//! that mode reaches `complete`: `describe-writer` writes SPEC.md, ARCHITECTURE.md and
//! DESIGN.md from the tracked files, one per turn, then only refines wording;
//! `document-writer` writes CODEMAP.yaml from `.peers/CODEMAP.yaml` with summaries taken from
//! the code's own doc comments, AGENTS.md's reference block and an anchored ARCHITECTURE.md.
//! Each turn is decided by the repository state, then every requested soft review is
//! answered and the turn hands off.

mod describe;
mod document;

use std::path::Path;

use crate::SimContext;
use crate::engine::Streams;
use crate::error::SimError;
use crate::git::{PeerGit, Staging};
use crate::messages;
use crate::prompt_reading;
use crate::script::SimStream;

/// The documentation peers `run_builtin` accepts.
pub const DOC_BUILTINS: &[&str] = &["describe-writer", "document-writer"];

pub(crate) fn run(
    name: &str,
    ctx: &SimContext,
    streams: &mut Streams<'_>,
) -> Result<i32, SimError> {
    let mut turn = Turn {
        ctx,
        streams,
        did: Vec::new(),
    };
    let change = match name {
        "describe-writer" => describe::next_change(ctx)?,
        _ => document::next_change(ctx)?,
    };
    if let Some(change) = change {
        turn.say(&change.summary)?;
        for (path, text) in &change.files {
            crate::repo_path::write(&ctx.repo, path, text)?;
        }
        let paths: Vec<&str> = change.files.iter().map(|(path, _)| path.as_str()).collect();
        let message = handoff(&ctx.peer, &change.subject, &change.self_review);
        PeerGit::new(&ctx.repo, &ctx.peer).commit(&message, Staging::Paths(&paths), false)?;
        turn.did.push(change.subject.clone());
    }
    turn.review_and_hand_off()?;
    Ok(0)
}

/// What one turn writes.
pub(crate) struct DocChange {
    pub summary: String,
    pub subject: String,
    pub self_review: String,
    pub files: Vec<(String, String)>,
}

struct Turn<'a, 's> {
    ctx: &'a SimContext,
    streams: &'a mut Streams<'s>,
    did: Vec<String>,
}

impl Turn<'_, '_> {
    fn say(&mut self, text: &str) -> Result<(), SimError> {
        self.streams.line(SimStream::Stdout, text)
    }

    /// One passing review per requested soft goal (the documents were just re-read against
    /// the code), then an empty handoff.
    fn review_and_hand_off(&mut self) -> Result<(), SimError> {
        let git = PeerGit::new(&self.ctx.repo, &self.ctx.peer);
        for goal in prompt_reading::requested_soft_reviews(&self.ctx.prompt).unwrap_or_default() {
            let notes = "Read the documents against the code they describe: every claim \
                         checked names a real file or symbol, nothing false or missing found.";
            self.say(&format!("soft review of {goal}: pass"))?;
            git.commit(
                &messages::soft_review(&self.ctx.peer, &goal, true, notes),
                Staging::AsIs,
                true,
            )?;
            self.did.push(format!("Reviewed {goal}: pass."));
        }
        let other = prompt_reading::counterpart(&self.ctx.prompt)
            .unwrap_or_else(|| "the next peer".to_owned());
        git.commit(
            &messages::plain_handoff(&self.ctx.peer, &other, &self.did),
            Staging::AsIs,
            true,
        )
    }
}

fn handoff(peer: &str, subject: &str, self_review: &str) -> String {
    format!(
        "{subject}\n\n## Self-Review\n{self_review}\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: pass\n"
    )
}

/// A file of the repository as text, `None` when it is missing or unreadable.
pub(crate) fn read(repo: &Path, path: &str) -> Option<String> {
    std::fs::read_to_string(repo.join(path)).ok()
}
