//! The bug ledger: every bug peers have filed, built by applying commits oldest to newest.
//!
//! Rules follow the original tool's `bug_hunt.py` with two deliberate changes:
//! * A `Bug-Report` whose body has no readable JSON object for its id (or an unknown
//!   severity) is recorded as `high` — blocking — and flagged `malformed`, with a warning that
//!   names the author and commit. The original silently made it `info`, so a peer copying a
//!   prompt example with `//` comments filed a bug nobody had to fix (a weak point of the original).
//! * A `wontfix` resolution still keeps the bug open, unless a peer other than the one who
//!   wrote it later commits the trailer `Bug-Wontfix-Agree: BUG-x`. The README already asks
//!   for "the other peer's agreement"; this trailer is how that agreement is recorded.
//!
//! Applying commits one at a time lets a caller keep the ledger and feed it only new commits.

mod apply;
mod filing;
mod summary;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use filing::{MAX_FILINGS_PER_COMMIT, ReportFields};
use filing::{ReportFiling, ResolutionFiling, read_filings};
pub use summary::{LedgerSummary, SeverityCounts};

/// `crit > high > med > low > info`; the top three block completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Med,
    High,
    Crit,
}

impl Severity {
    pub const DESCENDING: [Severity; 5] = [
        Severity::Crit,
        Severity::High,
        Severity::Med,
        Severity::Low,
        Severity::Info,
    ];

    /// Case-insensitive; only the five ladder words.
    pub fn parse(word: &str) -> Option<Severity> {
        let word = word.trim();
        Severity::DESCENDING
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(word))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Crit => "crit",
            Severity::High => "high",
            Severity::Med => "med",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn is_blocking(self) -> bool {
        self >= Severity::Med
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a bug was resolved. `Deferred` comes from a `Bug-Defer` trailer (or a resolution
/// whose JSON says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResolutionStatus {
    Fixed,
    Wontfix,
    Duplicate,
    Invalid,
    Deferred,
}

impl ResolutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionStatus::Fixed => "fixed",
            ResolutionStatus::Wontfix => "wontfix",
            ResolutionStatus::Duplicate => "duplicate",
            ResolutionStatus::Invalid => "invalid",
            ResolutionStatus::Deferred => "deferred",
        }
    }

    pub fn parse(word: &str) -> Option<ResolutionStatus> {
        match word.trim().to_ascii_lowercase().as_str() {
            "fixed" => Some(ResolutionStatus::Fixed),
            "wontfix" => Some(ResolutionStatus::Wontfix),
            "duplicate" => Some(ResolutionStatus::Duplicate),
            "invalid" => Some(ResolutionStatus::Invalid),
            "deferred" => Some(ResolutionStatus::Deferred),
            _ => None,
        }
    }
}

/// One commit as the ledger reads it. `author_peer` is who the caller believes wrote it
/// (an attestation note if there is one, else the `Peer:` trailer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerCommit {
    pub sha: String,
    pub author_peer: Option<String>,
    pub message: String,
}

impl LedgerCommit {
    /// Attribute the commit by its own `Peer:` trailer.
    pub fn from_message(sha: impl Into<String>, message: impl Into<String>) -> LedgerCommit {
        let message = message.into();
        LedgerCommit {
            sha: sha.into(),
            author_peer: crate::trailer::peer(&message),
            message,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bug {
    pub id: String,
    pub severity: Severity,
    /// The newest filing's body could not be read; `severity` is the fail-closed `high`.
    pub malformed: bool,
    /// `weak-fix` / `shallow-fix`: the report flags an earlier fix as inadequate.
    pub flag: Option<String>,
    #[serde(flatten)]
    pub fields: ReportFields,
    /// The newest report's commit and author.
    pub sha: String,
    pub found_by: Option<String>,
    pub resolution: Option<Resolution>,
    /// Commits with `Bug-Reproduce` for this id, oldest first.
    pub reproductions: Vec<String>,
}

impl Bug {
    /// Fixed, deferred and agreed wontfix close a bug; duplicate and invalid do not, so a
    /// peer cannot dismiss a bug on its own say-so.
    pub fn is_open(&self) -> bool {
        match &self.resolution {
            None => true,
            Some(resolution) => match resolution.status {
                ResolutionStatus::Fixed | ResolutionStatus::Deferred => false,
                ResolutionStatus::Wontfix => resolution.wontfix_agreed_by.is_none(),
                ResolutionStatus::Duplicate | ResolutionStatus::Invalid => true,
            },
        }
    }

    pub fn is_open_blocking(&self) -> bool {
        self.is_open() && self.severity.is_blocking()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub status: ResolutionStatus,
    pub note: Option<String>,
    pub sha: String,
    pub resolved_by: Option<String>,
    pub wontfix_agreed_by: Option<String>,
    pub wontfix_agreed_sha: Option<String>,
}

/// Something a peer filed that the ledger could not take at face value. `peer` and `sha`
/// say whom to tell and about which commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerWarning {
    pub sha: String,
    pub peer: Option<String>,
    pub bug: Option<String>,
    pub message: String,
}

impl std::fmt::Display for LedgerWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = self.sha.get(..7).unwrap_or(&self.sha);
        let peer = self.peer.as_deref().unwrap_or("unknown peer");
        write!(f, "{short} by {peer}: {}", self.message)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Ledger {
    bugs: Vec<Bug>,
    warnings: Vec<LedgerWarning>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    /// Reproductions filed before their bug was reported.
    #[serde(skip)]
    early_reproductions: BTreeMap<String, Vec<String>>,
}

impl Ledger {
    /// The ledger of `commits`, given oldest first.
    pub fn build<'a>(commits: impl IntoIterator<Item = &'a LedgerCommit>) -> Ledger {
        let mut ledger = Ledger::default();
        for commit in commits {
            ledger.apply(commit);
        }
        ledger
    }

    /// Bugs in order of first report.
    pub fn bugs(&self) -> &[Bug] {
        &self.bugs
    }

    pub fn bug(&self, id: &str) -> Option<&Bug> {
        self.index.get(id).map(|&at| &self.bugs[at])
    }

    pub fn warnings(&self) -> &[LedgerWarning] {
        &self.warnings
    }

    /// Open crit/high/med bugs, most severe first, then in order of report.
    pub fn open_blocking(&self) -> Vec<&Bug> {
        let mut open: Vec<&Bug> = self.bugs.iter().filter(|b| b.is_open_blocking()).collect();
        open.sort_by_key(|bug| std::cmp::Reverse(bug.severity));
        open
    }
}

/// How many `Bug-Report` trailers in `commit` are blocking or flag a weak fix: what the
/// convergence counter treats as "this tick found something".
pub fn blocking_or_flag_reports(commit: &LedgerCommit) -> usize {
    read_filings(&commit.message)
        .reports
        .iter()
        .filter(|report| report.flag.is_some() || report.severity.is_blocking())
        .count()
}

#[cfg(test)]
mod tests;
