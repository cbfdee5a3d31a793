//! The bug ledger kept incrementally: built once from history at run start, then fed only the
//! commits of each tick. Authorship comes from attestations, not from the `Peer:` trailer.

use peers_core::ledger::{Ledger, LedgerCommit};
use peers_git::{Commit, Git};

use crate::attest::Attestations;
use crate::error::DriverError;

pub struct LedgerView {
    pub ledger: Ledger,
    /// The newest commit applied.
    pub cursor: Option<String>,
}

fn to_ledger_commit(commit: &Commit, attest: &Attestations) -> LedgerCommit {
    let mut entry = LedgerCommit::from_message(&commit.sha, &commit.message);
    if let Some(peer) = attest.peer_of(&commit.sha) {
        entry.author_peer = Some(peer.to_owned());
    }
    entry
}

impl LedgerView {
    /// Replays every commit reachable from HEAD, oldest first.
    pub fn build(git: &Git, attest: &Attestations) -> Result<LedgerView, DriverError> {
        let commits = git.commits("HEAD")?;
        let entries: Vec<LedgerCommit> = commits
            .iter()
            .map(|c| to_ledger_commit(c, attest))
            .collect();
        Ok(LedgerView {
            ledger: Ledger::build(&entries),
            cursor: commits.last().map(|c| c.sha.clone()),
        })
    }

    /// Applies `commits` (oldest first), the ones a tick added.
    pub fn apply(&mut self, commits: &[Commit], attest: &Attestations) {
        for commit in commits {
            self.ledger.apply(&to_ledger_commit(commit, attest));
            self.cursor = Some(commit.sha.clone());
        }
    }
}
