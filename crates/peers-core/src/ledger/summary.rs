//! The ledger's roll-up: counts for the gate line and `--json`.

use serde::Serialize;

use super::{Ledger, LedgerWarning, ResolutionStatus, Severity};

/// Open bugs per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub crit: usize,
    pub high: usize,
    pub med: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Crit => self.crit,
            Severity::High => self.high,
            Severity::Med => self.med,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn bump(&mut self, severity: Severity) {
        let slot = match severity {
            Severity::Crit => &mut self.crit,
            Severity::High => &mut self.high,
            Severity::Med => &mut self.med,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        };
        *slot += 1;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerSummary {
    /// Distinct bug ids reported.
    pub total: usize,
    pub open_blocking: usize,
    /// Open bugs only; closed ones are counted by status below.
    pub open_by_severity: SeverityCounts,
    pub fixed: usize,
    pub deferred: usize,
    /// Wontfix resolutions another peer agreed to (closed).
    pub wontfix_agreed: usize,
    /// Bugs with at least one `Bug-Reproduce` commit.
    pub reproduced: usize,
    /// Bugs whose newest report could not be read (held at `high`).
    pub malformed: usize,
    pub warnings: Vec<LedgerWarning>,
}

impl Ledger {
    pub fn summary(&self) -> LedgerSummary {
        let mut summary = LedgerSummary {
            total: self.bugs.len(),
            warnings: self.warnings.clone(),
            ..LedgerSummary::default()
        };
        for bug in &self.bugs {
            if bug.is_open() {
                summary.open_by_severity.bump(bug.severity);
                summary.open_blocking += usize::from(bug.severity.is_blocking());
            }
            match bug.resolution.as_ref() {
                Some(r) if r.status == ResolutionStatus::Fixed => summary.fixed += 1,
                Some(r) if r.status == ResolutionStatus::Deferred => summary.deferred += 1,
                Some(r) if r.wontfix_agreed_by.is_some() => summary.wontfix_agreed += 1,
                _ => {}
            }
            summary.reproduced += usize::from(!bug.reproductions.is_empty());
            summary.malformed += usize::from(bug.malformed);
        }
        summary
    }
}
