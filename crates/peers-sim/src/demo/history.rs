//! What the demo peers read from git: the bug ledger and who the other peer is.

use std::path::Path;

use peers_core::ledger::{Bug, Ledger, LedgerCommit};

use crate::error::SimError;

/// The repository's history as the demo peers act on it.
pub(crate) struct DemoHistory {
    pub(crate) ledger: Ledger,
    /// The newest `Peer:` trailer naming someone other than us.
    pub(crate) last_other_peer: Option<String>,
}

pub(crate) fn read(repo: &Path, me: &str) -> Result<DemoHistory, SimError> {
    let git = peers_git::Git::discover(repo)?;
    let commits: Vec<LedgerCommit> = git
        .commits("HEAD")?
        .into_iter()
        .map(|commit| LedgerCommit::from_message(commit.sha, commit.message))
        .collect();
    let last_other_peer = commits
        .iter()
        .rev()
        .filter_map(|commit| commit.author_peer.clone())
        .find(|peer| peer != me);
    Ok(DemoHistory {
        ledger: Ledger::build(&commits),
        last_other_peer,
    })
}

/// Whether `bug` is the planted division bug (whatever id it was filed under).
pub(crate) fn is_division_bug(bug: &Bug) -> bool {
    bug.fields
        .description
        .as_deref()
        .is_some_and(|text| text.contains("div by zero") || text.contains("division by zero"))
}

/// The next free `BUG-NNN` id.
pub(crate) fn next_bug_id(ledger: &Ledger) -> String {
    let highest = ledger
        .bugs()
        .iter()
        .filter_map(|bug| bug.id.strip_prefix("BUG-")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("BUG-{:03}", highest + 1)
}
