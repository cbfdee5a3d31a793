//! The canonical table across rounds: the blind pass, debate rounds, merges, and derived convergence.

use super::block::StanceLine;
use super::canon::{Issue, finding_id};
use super::finding::RawFinding;
use super::state::{IssueState, ReviewerStance, decide};

/// Shortest id prefix a reviewer may write instead of the full id.
pub const MIN_ID_PREFIX: usize = 8;

/// One reviewer's parsed answer to a debate round.
#[derive(Debug, Clone, Copy)]
pub struct RoundResponse<'a> {
    pub reviewer: &'a str,
    pub stances: &'a [StanceLine],
    /// New findings raised in this round (they start as proposed).
    pub findings: &'a [RawFinding],
}

/// The whole debate: every issue ever raised, the last completed round and process notes.
#[derive(Debug, Clone, Default)]
pub struct Debate {
    issues: Vec<Issue>,
    round: u32,
    notes: Vec<String>,
}

impl Debate {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// The last completed round; 1 after the blind pass, 0 before it.
    pub fn round(&self) -> u32 {
        self.round
    }

    /// Remarks about how the debate went (merges, ignored stances, deferrals, escalations).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Issues still debated: proposed or escalated.
    pub fn open_issues(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|issue| issue.state.is_open())
    }

    /// Derived, never declared: no issue is proposed or escalated.
    pub fn converged(&self) -> bool {
        self.open_issues().next().is_none()
    }

    /// Round 1: every reviewer's blind findings, canonicalised and merged by id.
    pub fn blind_pass(&mut self, responses: &[(&str, &[RawFinding])]) {
        self.round = 1;
        for (reviewer, findings) in responses {
            for finding in *findings {
                self.add_finding(finding, reviewer, 1);
            }
        }
    }

    /// A debate round: stances move the issues that were open when it started, then the new
    /// findings join the table (debated from the next round on).
    pub fn debate_round(&mut self, responses: &[RoundResponse<'_>]) {
        self.round += 1;
        let round = self.round;
        let open: Vec<usize> = (0..self.issues.len())
            .filter(|&index| self.issues[index].state.is_open())
            .collect();
        let mut taken: Vec<Vec<ReviewerStance>> = vec![Vec::new(); self.issues.len()];
        for response in responses {
            self.collect_stances(response, &open, &mut taken);
        }
        for (index, stances) in taken.into_iter().enumerate() {
            if stances.is_empty() {
                continue;
            }
            let refs: Vec<&ReviewerStance> = stances.iter().collect();
            let next = decide(&refs, round);
            let issue = &mut self.issues[index];
            for stance in &stances {
                issue.add_evidence(&stance.new_evidence);
            }
            issue.stances.extend(stances);
            if let Some(next) = next {
                if next == IssueState::Deferred {
                    let short = short_id(&issue.id).to_owned();
                    self.notes.push(format!(
                        "round {round}: {short} deferred: defended without new evidence"
                    ));
                }
                self.issues[index].state = next;
            }
        }
        for response in responses {
            for finding in response.findings {
                self.add_finding(finding, response.reviewer, round);
            }
        }
    }

    fn collect_stances(
        &mut self,
        response: &RoundResponse<'_>,
        open: &[usize],
        taken: &mut [Vec<ReviewerStance>],
    ) {
        for line in response.stances {
            let target = self
                .resolve_id(&line.id)
                .filter(|index| open.contains(index));
            let Some(index) = target else {
                self.notes.push(format!(
                    "round {}: ignored {}'s stance on {}: no open issue has that id",
                    self.round, response.reviewer, line.id
                ));
                continue;
            };
            if taken[index].iter().any(|s| s.reviewer == response.reviewer) {
                continue; // the first stance per reviewer and issue counts
            }
            taken[index].push(ReviewerStance {
                reviewer: response.reviewer.to_owned(),
                round: self.round,
                stance: line.stance,
                reasoning: line.reasoning.clone(),
                new_evidence: line.new_evidence.clone(),
            });
        }
    }

    /// The index of the issue `written` names: a full id or an unambiguous prefix of at least
    /// [`MIN_ID_PREFIX`] characters.
    pub fn resolve_id(&self, written: &str) -> Option<usize> {
        let written = written.trim().to_ascii_lowercase();
        if let Some(index) = self.issues.iter().position(|issue| issue.id == written) {
            return Some(index);
        }
        if written.len() < MIN_ID_PREFIX {
            return None;
        }
        let mut matches = self
            .issues
            .iter()
            .enumerate()
            .filter(|(_, issue)| issue.id.starts_with(&written));
        match (matches.next(), matches.next()) {
            (Some((index, _)), None) => Some(index),
            _ => None,
        }
    }

    /// Adds a finding to the table: same id → merged into that row; an explicit `merges`
    /// naming another issue → a `merged` row whose evidence joins the target; else a new row.
    fn add_finding(&mut self, finding: &RawFinding, reviewer: &str, round: u32) {
        let id = finding_id(finding.path(), &finding.claim);
        if let Some(index) = self.issues.iter().position(|issue| issue.id == id) {
            if round > 1 {
                self.notes.push(format!(
                    "round {round}: {reviewer}'s new finding {} repeats an existing issue; merged",
                    short_id(&id)
                ));
            }
            self.issues[index].absorb(finding, reviewer);
            return;
        }
        let mut issue = Issue::new(finding, reviewer, round);
        let target = finding.merges.as_deref().and_then(|m| self.resolve_id(m));
        if let Some(target) = target {
            let target_issue = &mut self.issues[target];
            target_issue.add_evidence(&finding.evidence);
            target_issue.add_source(reviewer);
            issue.state = IssueState::Merged;
            issue.merged_into = Some(target_issue.id.clone());
        }
        self.issues.push(issue);
    }
}

/// The first 12 hex digits: what the tables show and what reviewers usually quote back.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
