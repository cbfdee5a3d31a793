//! The bug ledger kept incrementally: built once from history at run start, then fed only the
//! commits of each tick. Authorship comes from attestations, not from the `Peer:` trailer.

use peers_core::ledger::{Ledger, LedgerCommit};
use peers_git::{Commit, Git};

use crate::attest::Attestations;
use crate::error::DriverError;

/// Lines that can matter to the ledger: its trailers (Bug-Report, Bug-Resolves, Bug-Defer,
/// Bug-Reproduce, Bug-Wontfix-Agree, Bug-Reproduce-Waive) and the original's legacy subject.
const LEDGER_TRAILERS: &str = "^[[:space:]]*bug-[a-z-]+:|^tdd: reproducer for";

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
    /// Replays every commit reachable from HEAD that carries a ledger trailer, oldest first
    /// (git selects them; the ledger re-reads their trailers properly).
    pub fn build(git: &Git, attest: &Attestations) -> Result<LedgerView, DriverError> {
        let commits = git.commits_matching("HEAD", LEDGER_TRAILERS)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(dir: &std::path::Path, message: &str) {
        peers_testkit::git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    }

    #[test]
    fn the_git_filtered_build_equals_replaying_every_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        peers_testkit::git(dir.path(), &["init", "-q", "-b", "main"]);
        let report = |id: &str, sev: &str| {
            format!(
                "{id}: x\n\n## Bug-Report\n{{\"id\":\"{id}\",\"severity\":\"{sev}\",\"description\":\"d\"}}\n\nPeer: a\nBug-Report: {id}"
            )
        };
        commit(dir.path(), "work\n\nPeer: a");
        commit(dir.path(), &report("BUG-001", "high"));
        commit(dir.path(), &report("BUG-002", "med"));
        commit(
            dir.path(),
            "Resolve\n\n## Bug-Resolution\n{\"resolves\":\"BUG-001\",\"status\":\"wontfix\"}\n\nPeer: b\nBug-Resolves: BUG-001",
        );
        commit(dir.path(), "agree\n\nPeer: a\nbug-wontfix-agree: BUG-001");
        commit(dir.path(), "TDD: reproducer for BUG-002\n\nPeer: b");
        commit(dir.path(), "Defer\n\nPeer: b\nBug-Defer: BUG-002");
        commit(
            dir.path(),
            "unrelated mention of Bug-Report in prose\n\nPeer: a",
        );
        let git = Git::discover(dir.path()).expect("git");
        let attest = Attestations::default();
        let filtered = LedgerView::build(&git, &attest).expect("build");
        let all: Vec<LedgerCommit> = git
            .commits("HEAD")
            .expect("log")
            .iter()
            .map(|c| to_ledger_commit(c, &attest))
            .collect();
        let full = Ledger::build(&all);
        assert_eq!(filtered.ledger.bugs(), full.bugs());
        assert_eq!(filtered.ledger.summary(), full.summary());
        assert_eq!(full.bugs().len(), 2);
    }
}
