//! What the driver knows at the start of a turn, handed to `prompt::build`.

use crate::config::PeerRole;
use crate::ledger::{Ledger, Severity};

/// Everything one turn's prompt says. The driver fills it; `build` never reads files.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptContext {
    /// The peer whose turn this is.
    pub peer: String,
    /// The other peers of the loop (one for a two-peer loop).
    pub counterparts: Vec<String>,
    pub role: PeerRole,
    /// One line saying what to do this turn, e.g. "Take ONE concrete step toward the open goals."
    pub task: String,
    pub iteration: u64,
    /// Prepend the critical re-audit block: the gates are green and convergence is near.
    pub skeptic: bool,
    pub hard_goals: Vec<HardGoalStatus>,
    pub soft_goals: Vec<SoftGoalProgress>,
    /// The opt-in soft gates (`soft_gates:` in config.yaml) as `(id, status line)`.
    pub soft_gates: Vec<(String, String)>,
    /// Other peers' commits since this peer's last turn, oldest first.
    pub inbox: Vec<InboxCommit>,
    /// Open bugs whose `fix_by` is this peer, most severe first.
    pub bugs: Vec<AssignedBug>,
    /// Things the orchestrator flagged, oldest first.
    pub warnings: Vec<String>,
    /// The bug id the protocol examples use, so a copied example files a fresh bug
    /// (see [`next_bug_id`]).
    pub next_bug_id: String,
    /// Where the repository survey was written (`.peers/recon.md`), if it was.
    pub recon_path: Option<String>,
    /// Where the public-symbol digest was written (`.peers/codemap.md`), if it was.
    pub codemap_path: Option<String>,
    /// The applied modes' prompt overlays (goals.yaml `instructions:`).
    pub mode_instructions: Vec<crate::goals::ModeInstructions>,
}

/// A hard goal as of the last gate run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardGoalStatus {
    pub id: String,
    pub description: String,
    /// `None` until the gate has run.
    pub passing: Option<bool>,
    /// The gate's output, most useful at its end; only shown for failing goals.
    pub diagnostic: String,
}

/// A soft goal and its review count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftGoalProgress {
    pub id: String,
    pub description: String,
    /// What a reviewer is asked to judge.
    pub prompt: String,
    /// Progress as `count/needed`, e.g. `1/2`.
    pub status: String,
    /// Whether this peer is asked to review it this turn.
    pub requested: bool,
}

/// A commit another peer made since this peer's last turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxCommit {
    pub sha: String,
    /// The peer the orchestrator attributed the commit to.
    pub peer: String,
    pub subject: String,
}

/// An open bug this peer is asked to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedBug {
    pub id: String,
    pub severity: Severity,
    pub location: Option<String>,
    pub description: String,
}

/// The lowest `BUG-NNN` (three digits at least) above every `BUG-<number>` in `ledger`, so
/// two peers copying the protocol example never reuse an id (a reused id replaces the older
/// report).
pub fn next_bug_id(ledger: &Ledger) -> String {
    let highest = ledger
        .bugs()
        .iter()
        .filter_map(|bug| bug.id.strip_prefix("BUG-")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    format!("BUG-{:03}", highest.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::LedgerCommit;

    fn report(sha: &str, id: &str) -> LedgerCommit {
        let message = format!(
            "{id}: x\n\n## Bug-Report\n{{\"id\":\"{id}\",\"severity\":\"low\"}}\n\nPeer: a\nBug-Report: {id}\n"
        );
        LedgerCommit::from_message(sha, message)
    }

    #[test]
    fn next_bug_id_starts_at_one_for_an_empty_ledger() {
        assert_eq!(next_bug_id(&Ledger::default()), "BUG-001");
    }

    #[test]
    fn next_bug_id_follows_the_highest_number_and_ignores_other_ids() {
        let commits = [
            report("a1", "BUG-009"),
            report("a2", "BUG-012"),
            report("a3", "SEC-99"),
        ];
        assert_eq!(next_bug_id(&Ledger::build(&commits)), "BUG-013");
    }
}
