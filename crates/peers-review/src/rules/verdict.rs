//! Verdict synthesis: every issue sorted by its final state into the seed's report sections.
//!
//! | Section     | Source states                                             |
//! |-------------|-----------------------------------------------------------|
//! | Critical    | accepted and severity critical or high                    |
//! | Important   | accepted and severity medium                              |
//! | Minor       | accepted and severity low (the seed has no row for these) |
//! | Contested   | escalated or proposed when the rounds ran out, deferred   |
//! | Dismissed   | rejected                                                  |
//! | Arbitration | security findings: escalated for external arbitration     |
//! | Style notes | style findings, never debated                             |
//! Merged issues appear under the issue they were folded into (their evidence joined it).

use serde::Serialize;

use super::block::Stance;
use super::canon::Issue;
use super::debate::{Debate, short_id};
use super::finding::FindingSeverity;
use super::state::IssueState;

/// What one reviewer cost, as far as its CLI reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ReviewerReport {
    pub name: String,
    pub tool: String,
    /// How read-only was enforced (e.g. "codex --sandbox read-only"), or why it was not.
    pub read_only: String,
    pub rounds_answered: u32,
    /// Calls repeated with a format reminder after malformed output.
    pub format_retries: u32,
    /// Rounds answered in a resumed session.
    pub resumed: u32,
    /// Resume attempts that failed and fell back to a fresh call.
    pub resume_fallbacks: u32,
    /// Why the reviewer dropped out, when it did.
    pub failed: Option<String>,
    /// Fresh input tokens (neither read from nor written to the prompt cache).
    pub input_tokens: u64,
    pub cached_tokens: u64,
    /// Input tokens written to the prompt cache (claude's cache creation).
    pub cache_write_tokens: u64,
    /// Output tokens, reasoning included.
    pub output_tokens: u64,
    /// `None` when the cost of some call is unknown (no cost reported and no price for the
    /// model); never a made-up zero.
    pub usd: Option<f64>,
    pub seconds: f64,
}

/// One reviewer's last word on an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    pub reviewer: String,
    pub stance: Stance,
    pub reasoning: String,
}

/// One issue as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictEntry {
    pub id: String,
    pub location: String,
    pub severity: FindingSeverity,
    pub category: super::finding::Category,
    pub state: IssueState,
    pub claim: String,
    pub evidence: String,
    pub sources: Vec<String>,
    /// Every reviewer's last stance (empty for issues that were never debated).
    pub views: Vec<View>,
}

/// The final report, as data (`--json`) and rendered as Markdown by `render_markdown`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewVerdict {
    pub scope: String,
    pub mode: &'static str,
    pub rounds: u32,
    pub max_rounds: u32,
    /// Some reviewer gave a usable answer in some round. When none did, nothing was reviewed:
    /// the verdict is neither converged nor clean, whatever its (empty) issue lists say.
    pub reviewed: bool,
    pub converged: bool,
    pub issues_total: usize,
    pub issues_from_several: usize,
    pub issues_unique: usize,
    pub critical: Vec<VerdictEntry>,
    pub important: Vec<VerdictEntry>,
    pub minor: Vec<VerdictEntry>,
    pub contested: Vec<VerdictEntry>,
    pub dismissed: Vec<VerdictEntry>,
    pub arbitration: Vec<VerdictEntry>,
    pub style_notes: Vec<VerdictEntry>,
    pub process_notes: Vec<String>,
    pub reviewers: Vec<ReviewerReport>,
}

impl ReviewVerdict {
    /// Something critical (or high) was accepted, or a critical/high security finding awaits
    /// arbitration: a security finding is never debated, so it can never be "accepted", and
    /// letting it pass silently would defeat the escalation.
    pub fn has_blocking(&self) -> bool {
        !self.critical.is_empty()
            || self
                .arbitration
                .iter()
                .any(|entry| entry.severity >= FindingSeverity::High)
    }
}

/// Sorts the debate's issues into the report; `reviewers` must be in reviewer order.
pub fn build(
    debate: &Debate,
    scope: &str,
    max_rounds: u32,
    reviewers: Vec<ReviewerReport>,
) -> ReviewVerdict {
    let canonical: Vec<&Issue> = debate
        .issues()
        .iter()
        .filter(|issue| issue.state != IssueState::Merged)
        .collect();
    let several = canonical.iter().filter(|i| i.sources.len() > 1).count();
    // Nothing was reviewed when every reviewer dropped out without answering a single round.
    let reviewed = !reviewers
        .iter()
        .all(|r| r.rounds_answered == 0 && r.failed.is_some())
        || reviewers.is_empty();
    let mut verdict = ReviewVerdict {
        scope: scope.to_owned(),
        mode: "blind-debate",
        rounds: debate.round(),
        max_rounds,
        reviewed,
        converged: reviewed && debate.converged(),
        issues_total: canonical.len(),
        issues_from_several: several,
        issues_unique: canonical.len() - several,
        critical: Vec::new(),
        important: Vec::new(),
        minor: Vec::new(),
        contested: Vec::new(),
        dismissed: Vec::new(),
        arbitration: Vec::new(),
        style_notes: Vec::new(),
        process_notes: Vec::new(),
        reviewers,
    };
    for issue in canonical {
        let entry = entry(issue);
        let section = match (issue.state, issue.severity) {
            (IssueState::Accepted, FindingSeverity::Critical | FindingSeverity::High) => {
                &mut verdict.critical
            }
            (IssueState::Accepted, FindingSeverity::Medium) => &mut verdict.important,
            (IssueState::Accepted, _) => &mut verdict.minor,
            (IssueState::Rejected, _) => &mut verdict.dismissed,
            (IssueState::Arbitration, _) => &mut verdict.arbitration,
            (IssueState::Style, _) => &mut verdict.style_notes,
            _ => &mut verdict.contested,
        };
        section.push(entry);
    }
    for section in [
        &mut verdict.critical,
        &mut verdict.important,
        &mut verdict.contested,
    ] {
        section.sort_by_key(|entry| std::cmp::Reverse(entry.severity));
    }
    verdict.process_notes = process_notes(debate, &verdict);
    verdict
}

fn entry(issue: &Issue) -> VerdictEntry {
    let mut views: Vec<View> = Vec::new();
    for stance in issue.stances.iter().rev() {
        if !views.iter().any(|v| v.reviewer == stance.reviewer) {
            views.push(View {
                reviewer: stance.reviewer.clone(),
                stance: stance.stance,
                reasoning: stance.reasoning.clone(),
            });
        }
    }
    views.reverse();
    VerdictEntry {
        id: issue.id.clone(),
        location: issue.location.clone(),
        severity: issue.severity,
        category: issue.category,
        state: issue.state,
        claim: issue.claim.clone(),
        evidence: issue.joined_evidence(),
        sources: issue.sources.clone(),
        views,
    }
}

fn process_notes(debate: &Debate, verdict: &ReviewVerdict) -> Vec<String> {
    let mut notes = Vec::new();
    if !verdict.reviewed {
        notes.push(
            "every reviewer failed: no usable answer in any round, so nothing was reviewed (the empty issue lists mean nothing)".to_owned(),
        );
    } else if verdict.converged {
        notes.push(format!("converged after {} round(s)", verdict.rounds));
    } else {
        let open = debate.open_issues().count();
        notes.push(format!(
            "round cap reached ({} of {}) with {open} issue(s) still open; they are listed as contested",
            verdict.rounds, verdict.max_rounds
        ));
    }
    for reviewer in &verdict.reviewers {
        let unique = debate
            .issues()
            .iter()
            .filter(|i| i.state != IssueState::Merged && i.sources == [reviewer.name.clone()])
            .count();
        if unique > 0 {
            notes.push(format!(
                "{} raised {unique} issue(s) no other reviewer raised",
                reviewer.name
            ));
        }
        if let Some(why) = &reviewer.failed {
            notes.push(format!("{} dropped out: {why}", reviewer.name));
        }
    }
    if !verdict.arbitration.is_empty() {
        let ids: Vec<&str> = verdict
            .arbitration
            .iter()
            .map(|e| short_id(&e.id))
            .collect();
        notes.push(format!(
            "immediate escalation fired: {} security finding(s) skipped the debate ({})",
            ids.len(),
            ids.join(", ")
        ));
    }
    for issue in debate
        .issues()
        .iter()
        .filter(|i| i.state == IssueState::Merged)
    {
        notes.push(format!(
            "{} merged into {}",
            short_id(&issue.id),
            short_id(issue.merged_into.as_deref().unwrap_or("?"))
        ));
    }
    notes.extend(debate.notes().iter().cloned());
    notes
}
